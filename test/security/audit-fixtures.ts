// Fixture, markers, admin snapshot and invariant checks for the access-control audit (not a test file itself).
import { createHttp, type Http } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { addPermission, createPolicy, createRole, createUser, limitedUser, type LimitedUser, type PermissionSpec } from "../api/access-fixtures.js";
import { autoPk, createCollection, createField, createRelation, ok } from "../api/fixtures.js";

/**
 * Every string a limited user must never see. Probes that try to infer them query by the infix
 * (s3kr1t, hr0w, hn0te, ht34m, hus3r, hr0le, hp0l) so that an echoed query can never fake a leak.
 */
export const MARKER_RE =
  /SECRET-|HIDDEN-|AFTER-CUTOFF-|hus3r|htok3n|lt0k|at0k|admin@example\.com|admin-static-token|scrypt\$|\$argon2|\$2[aby]\$/i;

export const LIMITED_TOKEN = "limited-static-lt0k-token";
export const APP_TOKEN = "app-static-at0k-token";
export const OTHER_TOKEN = "HIDDEN-htok3n-other-static";

/** The limited role's whole policy: read own docs (no `secret`), read public notes, create docs with a title. */
export const auditRules = (): PermissionSpec[] => [
  { collection: "docs", action: "read", fields: ["id", "title", "owner", "notes", "team"], permissions: { owner: { _eq: "$CURRENT_USER" } } },
  { collection: "notes", action: "read", fields: ["id", "text", "public", "doc"], permissions: { public: { _eq: true } } },
  { collection: "docs", action: "create", fields: ["title"] },
];

export interface AuditFixture {
  server: TestServer;
  url: string;
  admin: Http;
  anon: Http;
  /** The limited user (app_access false), static token LIMITED_TOKEN. */
  limited: LimitedUser;
  /** Same rules in its own role, but app_access true (the studio's system reads). */
  app: LimitedUser;
  other: { id: string; email: string; role: string; policy: string };
  adminUserId: string;
  adminRoleId: string;
  adminPolicyId: string;
  docs: { visible: number[]; hidden: number[] };
  notes: { visible: number[]; hidden: number[] };
  vault: number[];
}

export async function buildAuditFixture(server: TestServer): Promise<AuditFixture> {
  const admin = createHttp(server.url, server.adminToken);
  await createCollection(admin, "docs", [
    autoPk,
    { field: "title", type: "string", schema: {} },
    { field: "secret", type: "string", schema: {} },
    { field: "team", type: "string", schema: {} },
  ]);
  await createField(admin, "docs", { field: "owner", type: "uuid", meta: { special: ["m2o"] }, schema: {} });
  await createRelation(admin, { collection: "docs", field: "owner", related_collection: "directus_users", schema: { on_delete: "SET NULL" } });
  await createField(admin, "docs", { field: "user_created", type: "uuid", meta: { special: ["user-created"] }, schema: {} });
  await createCollection(admin, "notes", [
    autoPk,
    { field: "text", type: "string", schema: {} },
    { field: "public", type: "boolean", schema: { default_value: false } },
    { field: "internal", type: "string", schema: {} },
  ]);
  await createField(admin, "notes", { field: "doc", type: "integer", meta: { special: ["m2o"] }, schema: {} });
  await createField(admin, "docs", { field: "notes", type: "alias", meta: { special: ["o2m"] } });
  await createRelation(admin, { collection: "notes", field: "doc", related_collection: "docs", meta: { one_field: "notes" }, schema: { on_delete: "SET NULL" } });
  await createCollection(admin, "vault", [autoPk, { field: "code", type: "string", schema: {} }]);

  const me = ok<any>(await admin.get("/users/me?fields=id,role"));
  const adminAccess = ok<any[]>(await admin.get(`/access?filter[role][_eq]=${me.role}&fields=policy`));

  const otherRole = await createRole(admin, { name: "HIDDEN-ROLE-hr0le" });
  const otherPolicy = await createPolicy(admin, { name: "HIDDEN-POLICY-hp0l", roles: [{ role: otherRole.id }] });
  await addPermission(admin, otherPolicy.id, { collection: "docs", action: "read", fields: ["*"] });
  const otherUser = await createUser(admin, {
    email: "hiddenuser-hus3r@example.com", first_name: "HIDDEN-USER-hus3r", password: "HIDDEN-PASSWORD-pw", role: otherRole.id, token: OTHER_TOKEN,
  });
  const limited = await limitedUser(server.url, admin, auditRules(), { user: { token: LIMITED_TOKEN, email: "limited-audit@example.com" } });
  const app = await limitedUser(server.url, admin, auditRules(), { app_access: true, user: { token: APP_TOKEN, email: "app-audit@example.com" } });

  const L = limited.user.id;
  const O = otherUser.id;
  const docs = ok<any[]>(
    await admin.post("/items/docs", [
      { title: "visible-doc-1", secret: "SECRET-s3kr1t-v1", team: "team-a", owner: L },
      { title: "visible-doc-2", secret: "SECRET-s3kr1t-v2", team: "team-b", owner: L },
      { title: "visible-doc-3", secret: "SECRET-s3kr1t-v3", team: "team-a", owner: L },
      { title: "HIDDEN-ROW-hr0w-1", secret: "SECRET-s3kr1t-h1", team: "HIDDEN-TEAM-ht34m-1", owner: O },
      { title: "HIDDEN-ROW-hr0w-2", secret: "SECRET-s3kr1t-h2", team: "HIDDEN-TEAM-ht34m-2", owner: O },
      { title: "HIDDEN-ROW-hr0w-3", secret: "SECRET-s3kr1t-h3", team: "team-a", owner: null },
    ]),
  ).map((row) => Number(row.id));
  const [v1, v2, v3, h1] = docs;
  const notes = ok<any[]>(
    await admin.post("/items/notes", [
      { text: "public-note-1", public: true, doc: v1, internal: "SECRET-s3kr1t-n1" },
      { text: "HIDDEN-NOTE-hn0te-2", public: false, doc: v1, internal: "SECRET-s3kr1t-n2" },
      { text: "HIDDEN-NOTE-hn0te-3", public: false, doc: v2, internal: "SECRET-s3kr1t-n3" },
      { text: "public-note-4", public: true, doc: v3, internal: "SECRET-s3kr1t-n4" },
      { text: "public-note-5-on-other-doc", public: true, doc: h1, internal: "SECRET-s3kr1t-n5" },
      { text: "HIDDEN-NOTE-hn0te-6", public: false, doc: h1, internal: "SECRET-s3kr1t-n6" },
    ]),
  ).map((row) => Number(row.id));
  const vault = ok<any[]>(await admin.post("/items/vault", [{ code: "SECRET-s3kr1t-vault" }])).map((row) => Number(row.id));
  return {
    server,
    url: server.url,
    admin,
    anon: createHttp(server.url),
    limited,
    app,
    other: { id: O, email: otherUser.email, role: otherRole.id, policy: otherPolicy.id },
    adminUserId: me.id,
    adminRoleId: me.role,
    adminPolicyId: adminAccess[0]?.policy,
    docs: { visible: docs.slice(0, 3), hidden: docs.slice(3) },
    notes: { visible: [notes[0], notes[3], notes[4]], hidden: [notes[1], notes[2], notes[5]] },
    vault,
  };
}

/** Everything a write outside the limited user's permissions could change, as the admin sees it. */
export async function snapshot(admin: Http): Promise<string> {
  const read = async (path: string) => {
    const reply = await admin.get(path);
    return reply.status === 200 ? reply.body.data : { status: reply.status };
  };
  const byKey = (rows: any, key = "id") => (Array.isArray(rows) ? [...rows].sort((a, b) => String(a[key]).localeCompare(String(b[key]))) : rows);
  const state = {
    docs: byKey(await read("/items/docs?fields=*&limit=-1")),
    notes: byKey(await read("/items/notes?fields=*&limit=-1")),
    vault: byKey(await read("/items/vault?fields=*&limit=-1")),
    users: byKey(await read("/users?fields=id,email,first_name,role,status,policies&limit=-1")),
    roles: byKey(await read("/roles?fields=id,name,parent&limit=-1")),
    policies: byKey(await read("/policies?fields=id,name,admin_access,app_access,ip_access&limit=-1")),
    permissions: byKey(await read("/permissions?fields=id,policy,collection,action,fields,permissions,validation,presets&limit=-1")),
    access: byKey(await read("/access?fields=id,role,user,policy&limit=-1")),
    collections: (await read("/collections")).map?.((c: any) => c.collection).sort(),
    fields: (await read("/fields")).map?.((f: any) => `${f.collection}.${f.field}:${f.type}`).sort(),
    relations: (await read("/relations")).map?.((r: any) => `${r.collection}.${r.field}->${r.related_collection}`).sort(),
  };
  return JSON.stringify(state);
}

/** The first difference between two snapshots, for the report. */
export function snapshotDiff(before: string, after: string): string {
  const a = JSON.parse(before);
  const b = JSON.parse(after);
  for (const key of Object.keys(a)) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) return `${key} changed: ${JSON.stringify(b[key]).slice(0, 300)}`;
  }
  return "changed";
}

// ---------------------------------------------------------------- outcomes and checks

/** What a probe saw: an HTTP status (or "ws"/"gql-ws"), and the raw body or frames. */
export interface Outcome {
  status: number | string;
  body: any;
  /** Extra raw text to scan for markers (frames, several replies). */
  extra?: unknown;
}

export type Check = (outcome: Outcome) => string | undefined;

export const textOf = (outcome: Outcome) => JSON.stringify(outcome.body) + (outcome.extra === undefined ? "" : JSON.stringify(outcome.extra));
export const short = (outcome: Outcome) => `${outcome.status} ${textOf(outcome).slice(0, 240)}`;

/** Invariant 1: no marker of a hidden row, hidden field, other user or credential anywhere in the output. */
export function markerLeak(outcome: Outcome): string | undefined {
  const text = textOf(outcome);
  const match = MARKER_RE.exec(text);
  if (!match) return undefined;
  const at = Math.max(0, match.index - 80);
  return `marker "${match[0]}" in output: …${text.slice(at, match.index + 80)}…`;
}

/** A refusal in any transport: a 4xx REST reply, GraphQL errors, or a WebSocket error frame. */
export function isRefusal(outcome: Outcome): boolean {
  const body = outcome.body;
  if (typeof outcome.status === "number" && outcome.status >= 400 && outcome.status < 500) return true;
  if (Array.isArray(body?.errors) && body.errors.length > 0) return true;
  if (body?.status === "error") return true;
  return false;
}

const REFUSAL_CODES = new Set(["FORBIDDEN", "INVALID_QUERY", "INVALID_PAYLOAD", "GRAPHQL_VALIDATION", "INVALID_COLLECTION", "INVALID_CREDENTIALS", "AUTH_FAILED", "TOKEN_EXPIRED", "USER_SUSPENDED", "ROUTE_NOT_FOUND"]);

export const refused: Check = (outcome) => {
  if (!isRefusal(outcome)) return `expected a refusal, got ${short(outcome)}`;
  const code = outcome.body?.errors?.[0]?.extensions?.code ?? outcome.body?.error?.code;
  if (code !== undefined && !REFUSAL_CODES.has(code)) return `refused with unexpected code ${code}: ${short(outcome)}`;
  return undefined;
};

export const ids = (rows: unknown): string[] | undefined => {
  if (rows === null || rows === undefined) return [];
  if (!Array.isArray(rows)) return typeof rows === "object" ? [String((rows as any).id)] : undefined;
  return rows.map((row) => String(row?.id ?? row)).sort();
};

/** The rows a probe returned are exactly `expected` (ids compared as strings). */
export function idsAre(expected: Array<number | string>, pick: (body: any) => unknown = (body) => body?.data): Check {
  const want = expected.map(String).sort();
  return (outcome) => {
    if (isRefusal(outcome)) return `expected rows ${want}, got refusal ${short(outcome)}`;
    const got = ids(pick(outcome.body));
    return JSON.stringify(got) === JSON.stringify(want) ? undefined : `expected ids [${want}], got [${got}]`;
  };
}

/** Refused, or the visible-only answer: indistinguishable from a dataset without the hidden rows/fields. */
export const refusedOr = (check: Check): Check => (outcome) => (isRefusal(outcome) ? refused(outcome) : check(outcome));

/** A number found at `pick` equals `expected` (counts: meta, aggregate, countAll). */
export function countIs(expected: number, pick: (body: any) => unknown, label = "count"): Check {
  return (outcome) => {
    if (isRefusal(outcome)) return `expected ${label} ${expected}, got refusal ${short(outcome)}`;
    const got = Number(pick(outcome.body));
    return got === expected ? undefined : `expected ${label} ${expected}, got ${pick(outcome.body)}`;
  };
}

export const all = (...checks: Check[]): Check => (outcome) => {
  for (const check of checks) {
    const problem = check(outcome);
    if (problem) return problem;
  }
  return undefined;
};

/** A reply whose status is exactly `status` (for the lifecycle probes). */
export const statusIs = (status: number): Check => (outcome) => (outcome.status === status ? undefined : `expected HTTP ${status}, got ${short(outcome)}`);

/** REST reply → Outcome. */
export async function rest(http: Http, method: string, path: string, body?: unknown): Promise<Outcome> {
  const reply = await http.request(method, path, body === undefined ? {} : { body });
  return { status: reply.status, body: reply.body };
}
