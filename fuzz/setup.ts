// Fixtures, created through the admin API: a read-only canary, a writable scratch collection, a
// forbidden vault with a secret marker, and a limited user with a static token.
import { httpRequest } from "./clients.js";

export interface Fixtures {
  canary: string;
  scratch: string;
  vault: string;
  /** Rows of the canary collection as the limited user reads them over REST. */
  canaryRows: Array<Record<string, unknown>>;
  vaultMarker: string;
  token: string;
  userId: string;
}

async function admin(url: string, adminToken: string, method: string, path: string, body?: unknown): Promise<any> {
  const reply = await httpRequest(url, { method, path, body: body === undefined ? undefined : { text: JSON.stringify(body) }, headers: body === undefined ? {} : { "content-type": "application/json" } }, adminToken);
  if (reply.status >= 300) throw new Error(`fixture ${method} ${path} failed: ${reply.status} ${reply.text.slice(0, 500)}`);
  return reply.text ? JSON.parse(reply.text).data : undefined;
}

const autoPk = { field: "id", type: "integer", meta: { hidden: true, readonly: true }, schema: { is_primary_key: true, has_auto_increment: true } };

export async function createFixtures(url: string, adminToken: string, seed: number): Promise<Fixtures> {
  const canary = "canary";
  const scratch = "scratch";
  const vault = "vault";
  const vaultMarker = `VAULT-SECRET-${seed.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const call = (method: string, path: string, body?: unknown) => admin(url, adminToken, method, path, body);
  await call("POST", "/collections", { collection: canary, meta: {}, schema: {}, fields: [autoPk, { field: "title", type: "string", schema: {} }, { field: "n", type: "integer", schema: {} }] });
  await call("POST", "/collections", {
    collection: scratch, meta: {}, schema: {},
    fields: [autoPk, { field: "title", type: "text", schema: {} }, { field: "n", type: "integer", schema: {} }, { field: "data", type: "json", schema: {} }],
  });
  await call("POST", "/collections", { collection: vault, meta: {}, schema: {}, fields: [autoPk, { field: "secret", type: "string", schema: {} }] });
  await call("POST", `/items/${canary}`, [
    { title: "alpha", n: 1 }, { title: "beta", n: 2 }, { title: "gamma 'quoted'", n: 3 }, { title: "δέλτα", n: 4 }, { title: "epsilon", n: 5 },
  ]);
  await call("POST", `/items/${scratch}`, [{ title: "s1", n: 1 }, { title: "s2", n: 2 }]);
  await call("POST", `/items/${vault}`, [{ secret: vaultMarker }]);
  const role = await call("POST", "/roles", { name: "fuzzer" });
  const policy = await call("POST", "/policies", { name: "fuzzer", admin_access: false, app_access: false, roles: [{ role: role.id }] });
  await call("POST", "/permissions", { policy: policy.id, collection: canary, action: "read", fields: ["*"], permissions: {}, validation: null, presets: null });
  for (const action of ["create", "read", "update", "delete"]) {
    await call("POST", "/permissions", { policy: policy.id, collection: scratch, action, fields: ["*"], permissions: {}, validation: null, presets: null });
  }
  const token = `fuzz-limited-${seed}-${Math.random().toString(36).slice(2, 10)}`;
  const user = await call("POST", "/users", { email: "fuzzer@example.com", password: "fuzzer-password", role: role.id, token });
  const rows = await httpRequest(url, { method: "GET", path: `/items/${canary}?sort=id&limit=-1` }, token);
  if (rows.status !== 200) throw new Error(`limited user cannot read the canary: ${rows.status} ${rows.text}`);
  return { canary, scratch, vault, canaryRows: JSON.parse(rows.text).data, vaultMarker, token, userId: user.id };
}

/**
 * Everything the fuzzer has no right to change, read by the admin. The fuzzer's own user row keeps
 * only what it may not edit (it may change its own name, email and password).
 */
export async function snapshot(url: string, adminToken: string, fixtures: Fixtures): Promise<Record<string, string>> {
  const paths = [
    `/items/${fixtures.canary}?sort=id&limit=-1`,
    `/items/${fixtures.vault}?sort=id&limit=-1`,
    "/users?sort=id&limit=-1&fields=id,email,role,status,provider,token,policies",
    "/roles?sort=id&limit=-1",
    "/policies?sort=id&limit=-1",
    "/permissions?sort=id&limit=-1",
    "/access?sort=id&limit=-1",
    "/collections",
    "/fields",
    "/relations",
  ];
  const out: Record<string, string> = {};
  for (const path of paths) {
    const reply = await httpRequest(url, { method: "GET", path }, adminToken);
    let data: unknown = reply.text;
    try {
      data = JSON.parse(reply.text).data;
    } catch {
      /* keep text */
    }
    if (path.startsWith("/users") && Array.isArray(data)) {
      data = data.map((row: Record<string, unknown>) => (row.id === fixtures.userId ? { id: row.id, role: row.role, status: row.status, provider: row.provider, token: row.token, policies: row.policies } : row));
    }
    if (Array.isArray(data) && (path === "/collections" || path === "/fields" || path === "/relations")) {
      data = data.map((row) => JSON.stringify(row)).sort();
    }
    out[path] = `${reply.status} ${JSON.stringify(data)}`;
  }
  return out;
}
