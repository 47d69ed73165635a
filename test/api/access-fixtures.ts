// Builders for the access-control black-box tests: roles, policies, permissions and users over REST.
import { expect } from "vitest";
import { createHttp, type Http } from "../helpers/http.js";
import { ok, qs } from "./fixtures.js";

export type Action = "create" | "read" | "update" | "delete";

export interface PermissionSpec {
  collection: string;
  action: Action;
  fields?: string[];
  permissions?: Record<string, unknown>;
  validation?: Record<string, unknown> | null;
  presets?: Record<string, unknown> | null;
}

let counter = 0;
/** A name unique within this test process (several tests share one server). */
export const unique = (prefix: string) => `${prefix}_${++counter}_${Math.random().toString(36).slice(2, 7)}`;

export const PASSWORD = "limited-user-password";

export async function createRole(admin: Http, body: Record<string, unknown> = {}) {
  return ok<any>(await admin.post("/roles", { name: unique("role"), ...body }));
}

export async function createPolicy(admin: Http, body: Record<string, unknown> = {}) {
  return ok<any>(await admin.post("/policies", { name: unique("policy"), admin_access: false, app_access: false, ...body }));
}

export async function addPermission(admin: Http, policy: string, spec: PermissionSpec) {
  return ok<any>(
    await admin.post("/permissions", {
      policy,
      collection: spec.collection,
      action: spec.action,
      fields: spec.fields ?? ["*"],
      permissions: spec.permissions ?? {},
      validation: spec.validation ?? null,
      presets: spec.presets ?? null,
    }),
  );
}

export async function createUser(admin: Http, body: Record<string, unknown> = {}) {
  return ok<any>(await admin.post("/users", { email: `${unique("user")}@example.com`, password: PASSWORD, ...body }));
}

/** Logs in and returns the access token. */
export async function login(url: string, email: string, password = PASSWORD): Promise<string> {
  const reply = await createHttp(url).post("/auth/login", { email, password });
  return ok<any>(reply).access_token;
}

/** The id of the built-in public policy, found the way Directus clients find it. */
export async function publicPolicyId(admin: Http): Promise<string> {
  const filter = { _and: [{ role: { _null: true } }, { user: { _null: true } }] };
  const rows = ok<any[]>(await admin.get(`/access${qs({ filter, fields: "policy" })}`));
  expect(rows).toHaveLength(1);
  return rows[0].policy;
}

export interface LimitedUser {
  role: any;
  policy: any;
  user: any;
  email: string;
  /** The user's static token. */
  token: string;
  /** A client that sends the static token. */
  http: Http;
}

export interface LimitedOptions {
  app_access?: boolean;
  ip_access?: string[];
  parent?: string;
  /** Reuse an existing role instead of creating role + policy. */
  role?: string;
  user?: Record<string, unknown>;
}

/**
 * A role with one policy carrying `permissions`, and a user of that role with a static token.
 * With `role` given, only a new user of that role is created (policy is then undefined).
 */
export async function limitedUser(url: string, admin: Http, permissions: PermissionSpec[], options: LimitedOptions = {}): Promise<LimitedUser> {
  let role: any;
  let policy: any;
  if (options.role) {
    role = { id: options.role };
  } else {
    role = await createRole(admin, options.parent ? { parent: options.parent } : {});
    policy = await createPolicy(admin, {
      app_access: options.app_access ?? false,
      ...(options.ip_access ? { ip_access: options.ip_access } : {}),
      roles: [{ role: role.id }],
    });
    for (const spec of permissions) await addPermission(admin, policy.id, spec);
  }
  const token = (options.user?.token as string | undefined) ?? unique("static-token");
  const email = (options.user?.email as string | undefined) ?? `${unique("limited")}@example.com`;
  const user = await createUser(admin, { ...options.user, email, role: role.id, token });
  return { role, policy, user, email, token, http: createHttp(url, token) };
}

/** Asserts that no stored secret shows anywhere in a reply body. */
export function expectNoSecrets(body: unknown, secrets: string[]) {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/scrypt\$|\$argon2|\$2[aby]\$/);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

/** A password/token value as a reader may see it: absent, null or masked, never the real thing. */
export function expectConcealed(value: unknown) {
  expect([undefined, null, "**********"]).toContain(value);
}
