// Access control on the system surface: shapes of /roles /policies /permissions, public policy, ip_access,
// /permissions/me, and non-admins trying to escalate.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { addPermission, createPolicy, createRole, createUser, limitedUser, publicPolicyId, unique } from "./access-fixtures.js";
import { UUID_RE, autoPk, createCollection, expectError, ok, qs } from "./fixtures.js";

const dbs = await databases();

describe.each(dbs)("access control: system (%s)", (db) => {
  let server: TestServer;
  let admin: Http;
  let anonymous: Http;

  beforeAll(async () => {
    server = await startServer({ db, env: { IP_TRUST_PROXY: "true" } });
    admin = createHttp(server.url, server.adminToken);
    anonymous = createHttp(server.url);
    await createCollection(admin, "posts", [autoPk, { field: "title", type: "string", schema: {} }, { field: "draft", type: "boolean", schema: {} }]);
    ok(await admin.post("/items/posts", [{ title: "p1", draft: false }, { title: "p2", draft: true }]));
  }, 60_000);
  afterAll(async () => server?.close());

  describe("shapes", () => {
    it("a fresh install has an admin policy on the admin role and the public policy", async () => {
      const policies = ok<any[]>(await admin.get("/policies?fields=id,admin_access,app_access&limit=-1"));
      const publicId = await publicPolicyId(admin);
      const adminRole = ok<any>(await admin.get("/users/me")).role;
      const adminPolicies = policies.filter((policy) => policy.admin_access === true);
      expect(adminPolicies.length).toBeGreaterThanOrEqual(1);
      expect(policies.find((policy) => policy.id === publicId)).toMatchObject({ admin_access: false });
      const rows = ok<any[]>(await admin.get(`/access${qs({ filter: { role: { _eq: adminRole } } })}`));
      expect(rows.map((row) => row.policy)).toEqual(expect.arrayContaining([adminPolicies[0].id]));
      expect(rows[0]).toEqual(expect.objectContaining({ id: expect.stringMatching(UUID_RE), role: adminRole, user: null }));
      expect(rows[0]).toHaveProperty("sort");
    });

    it("POST /roles, /policies, /permissions, /users answer the Directus shapes", async () => {
      const role = await createRole(admin, { name: "Editors", description: "edits" });
      expect(role).toMatchObject({ id: expect.stringMatching(UUID_RE), name: "Editors", description: "edits", parent: null, children: [], policies: [], users: [] });
      const policy = await createPolicy(admin, { name: "Edit", app_access: true, roles: [{ role: role.id }] });
      expect(policy).toMatchObject({ id: expect.stringMatching(UUID_RE), name: "Edit", admin_access: false, app_access: true });
      expect(policy.roles).toHaveLength(1);
      const permission = await addPermission(admin, policy.id, { collection: "posts", action: "read", permissions: { draft: { _eq: false } }, fields: ["id", "title"] });
      expect(permission).toMatchObject({ id: expect.any(Number), policy: policy.id, collection: "posts", action: "read", permissions: { draft: { _eq: false } }, fields: ["id", "title"] });
      const user = await createUser(admin, { role: role.id });
      expect(user.id).toMatch(UUID_RE);
      expect([undefined, null, "**********"]).toContain(user.password);
      const reread = ok<any>(await admin.get(`/roles/${role.id}`));
      expect(reread.policies).toEqual(policy.roles);
      expect(reread.users).toEqual([user.id]);
      expect(ok<any>(await admin.get(`/policies/${policy.id}`)).permissions).toEqual([permission.id]);
      expect((await admin.delete(`/permissions/${permission.id}`)).status).toBe(204);
      expectError(await admin.get(`/permissions/${permission.id}`), 403, "FORBIDDEN");
    });

    it("GET /permissions also lists the built-in system permissions (system: true, policy: null)", async () => {
      const rows = ok<any[]>(await admin.get("/permissions?limit=-1"));
      const system = rows.filter((row) => row.system === true);
      expect(system.length).toBeGreaterThan(0);
      expect(system.every((row) => row.policy === null)).toBe(true);
      expect(system).toEqual(expect.arrayContaining([expect.objectContaining({ collection: "directus_users", action: "read" })]));
    });
  });

  describe("public access", () => {
    it("anonymous reads are refused until the public policy gets a read permission, and again after it goes", async () => {
      expectError(await anonymous.get("/items/posts"), 403, "FORBIDDEN");
      const publicId = await publicPolicyId(admin);
      const permission = await addPermission(admin, publicId, { collection: "posts", action: "read", permissions: { draft: { _eq: false } }, fields: ["id", "title"] });
      expect(ok<any[]>(await anonymous.get("/items/posts?fields=*"))).toEqual([{ id: 1, title: "p1" }]);
      expectError(await anonymous.get("/items/posts?fields=draft"), 403, "FORBIDDEN");
      expectError(await anonymous.post("/items/posts", { title: "anon" }), 403, "FORBIDDEN");
      expectError(await anonymous.get("/users"), 403, "FORBIDDEN");
      expect((await admin.delete(`/permissions/${permission.id}`)).status).toBe(204);
      expectError(await anonymous.get("/items/posts"), 403, "FORBIDDEN");
    });

    it("as in Directus 11, the public policy applies to signed-in users without a role, not to users with one", async () => {
      const withRole = await limitedUser(server.url, admin, []);
      const token = unique("roleless");
      await createUser(admin, { token });
      const roleless = createHttp(server.url, token);
      const permission = await addPermission(admin, await publicPolicyId(admin), { collection: "posts", action: "read" });
      try {
        expectError(await withRole.http.get("/items/posts"), 403, "FORBIDDEN");
        expect(ok<any[]>(await roleless.get("/items/posts"))).toHaveLength(2);
      } finally {
        await admin.delete(`/permissions/${permission.id}`);
      }
    });
  });

  describe("ip_access", () => {
    it("a policy with ip_access applies only from an allowed client address", async () => {
      const user = await limitedUser(server.url, admin, [{ collection: "posts", action: "read" }], { ip_access: ["10.0.0.0/8"] });
      expect(user.policy.ip_access).toEqual(["10.0.0.0/8"]);
      const from = (ip: string) => ({ headers: { "x-forwarded-for": ip } });
      expect(ok<any[]>(await user.http.get("/items/posts", from("10.1.2.3")))).toHaveLength(2);
      expectError(await user.http.get("/items/posts", from("192.168.1.1")), 403, "FORBIDDEN");
      expectError(await user.http.get("/items/posts", from("11.0.0.1")), 403, "FORBIDDEN");
      expect(ok<any[]>(await user.http.get("/items/posts", from("10.255.0.9")))).toHaveLength(2);
      // Widening ip_access applies on the next request.
      ok(await admin.patch(`/policies/${user.policy.id}`, { ip_access: ["10.0.0.0/8", "192.168.1.0/24"] }));
      expect(ok<any[]>(await user.http.get("/items/posts", from("192.168.1.1")))).toHaveLength(2);
    });

    it("ip_access also guards a session token from login", async () => {
      const user = await limitedUser(server.url, admin, [{ collection: "posts", action: "read" }], { ip_access: ["10.0.0.0/8"] });
      const login = await anonymous.post("/auth/login", { email: user.email, password: "limited-user-password" }, { headers: { "x-forwarded-for": "10.0.0.5" } });
      const jwt = createHttp(server.url, ok<any>(login).access_token);
      expect(ok<any[]>(await jwt.get("/items/posts", { headers: { "x-forwarded-for": "10.0.0.5" } }))).toHaveLength(2);
      expectError(await jwt.get("/items/posts", { headers: { "x-forwarded-for": "172.16.0.1" } }), 403, "FORBIDDEN");
    });
  });

  describe("/permissions/me", () => {
    it("lists per collection and action the access: full, partial or none", async () => {
      const user = await limitedUser(server.url, admin, [
        { collection: "posts", action: "read" },
        { collection: "posts", action: "update", fields: ["title"] },
        { collection: "posts", action: "delete", permissions: { draft: { _eq: true } } },
      ]);
      const overview = ok<any>(await user.http.get("/permissions/me"));
      expect(overview.posts.read.access).toBe("full");
      expect(overview.posts.update).toMatchObject({ access: "partial", fields: ["title"] });
      expect(overview.posts.delete.access).toBe("partial");
      expect(overview.posts.create.access).toBe("none");
      // Collections the user cannot touch at all are not listed, or listed as none everywhere.
      for (const entry of Object.entries(overview)) {
        const [name, actions] = entry as [string, Record<string, { access: string }>];
        if (name === "posts" || name.startsWith("directus_")) continue;
        throw new Error(`unexpected collection ${name} with ${JSON.stringify(actions)}`);
      }
      const adminOverview = ok<any>(await admin.get("/permissions/me"));
      expect(adminOverview.posts.delete.access).toBe("full");
    });
  });

  describe("non-admins cannot escalate", () => {
    it("cannot create collections or fields, nor change access rules", async () => {
      const user = await limitedUser(server.url, admin, [{ collection: "posts", action: "read", fields: ["id"] }], { app_access: true });
      const other = await createRole(admin);
      expectError(await user.http.post("/collections", { collection: "evil", meta: {}, schema: {}, fields: [autoPk] }), 403, "FORBIDDEN");
      expectError(await user.http.post("/fields/posts", { field: "evil", type: "string", schema: {} }), 403, "FORBIDDEN");
      expectError(await user.http.patch("/fields/posts/title", { meta: { hidden: true } }), 403, "FORBIDDEN");
      expectError(await user.http.delete("/collections/posts"), 403, "FORBIDDEN");
      expectError(await user.http.post("/permissions", { policy: user.policy.id, collection: "posts", action: "delete", fields: ["*"], permissions: {} }), 403, "FORBIDDEN");
      expectError(await user.http.patch(`/policies/${user.policy.id}`, { admin_access: true }), 403, "FORBIDDEN");
      expectError(await user.http.post("/policies", { name: "mine", admin_access: true, app_access: true, users: [{ user: user.user.id }] }), 403, "FORBIDDEN");
      expectError(await user.http.post("/access", { policy: user.policy.id, user: user.user.id }), 403, "FORBIDDEN");
      expectError(await user.http.post("/roles", { name: "mine" }), 403, "FORBIDDEN");
      expectError(await user.http.patch(`/roles/${other.id}`, { name: "renamed" }), 403, "FORBIDDEN");
      expectError(await user.http.post("/users", { email: `${unique("x")}@example.com`, password: "x", role: user.role.id }), 403, "FORBIDDEN");
      expectError(await user.http.patch("/users/me", { role: other.id }), 403, "FORBIDDEN");
      expectError(await user.http.patch("/users/me", { token: "chosen-token" }), 403, "FORBIDDEN");

      // Nothing changed: still no admin, still only id readable, no new fields or collections.
      expect(ok<any>(await admin.get(`/policies/${user.policy.id}`)).admin_access).toBe(false);
      expectError(await user.http.get("/items/posts?fields=title"), 403, "FORBIDDEN");
      expectError(await user.http.get("/permissions/1000000"), 403, "FORBIDDEN");
      expectError(await admin.get("/items/evil"), 403, "FORBIDDEN");
      expect(ok<any[]>(await admin.get("/fields/posts")).map((field) => field.field)).not.toContain("evil");
      expectError(await createHttp(server.url, "chosen-token").get("/users/me"), 401, "INVALID_CREDENTIALS");
      expect(ok<any>(await admin.get(`/users/${user.user.id}`)).role).toBe(user.role.id);
    });

    it("an app user reads only their own role and policies, never others'", async () => {
      const user = await limitedUser(server.url, admin, [], { app_access: true });
      const other = await createRole(admin);
      expect(ok<any>(await user.http.get(`/roles/${user.role.id}`)).id).toBe(user.role.id);
      expectError(await user.http.get(`/roles/${other.id}`), 403, "FORBIDDEN");
      const roles = ok<any[]>(await user.http.get("/roles?fields=id"));
      expect(roles).toEqual([{ id: user.role.id }]);
      const policies = ok<any[]>(await user.http.get("/policies?fields=id,admin_access"));
      expect(policies.every((policy) => policy.admin_access === false)).toBe(true);
    });
  });
});
