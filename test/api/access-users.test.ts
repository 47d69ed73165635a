// Access control for users: /users/me, static tokens, suspension, deletion, role inheritance, policies on users.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import {
  PASSWORD, addPermission, createPolicy, createRole, createUser, expectConcealed, expectNoSecrets, limitedUser, login, unique,
} from "./access-fixtures.js";
import { UUID_RE, autoPk, createCollection, expectError, ok } from "./fixtures.js";

const dbs = await databases();

describe.each(dbs)("access control: users (%s)", (db) => {
  let server: TestServer;
  let admin: Http;
  const readThings = [{ collection: "things", action: "read" as const }];

  beforeAll(async () => {
    server = await startServer({ db });
    admin = createHttp(server.url, server.adminToken);
    await createCollection(admin, "things", [autoPk, { field: "name", type: "string", schema: {} }]);
    ok(await admin.post("/items/things", [{ name: "t1" }, { name: "t2" }]));
  }, 60_000);
  afterAll(async () => server?.close());

  const as = (token: string) => createHttp(server.url, token);
  const allThings = async () => ok<any[]>(await admin.get("/items/things?limit=-1"));

  describe("users and /users/me", () => {
    it("POST /users answers a uuid id and never the password; a static token is masked", async () => {
      const role = await createRole(admin);
      const token = unique("tok");
      const user = await createUser(admin, { email: "Shape@Example.com", role: role.id, token, first_name: "Sha" });
      expect(user.id).toMatch(UUID_RE);
      expect(user).toMatchObject({ email: "shape@example.com", role: role.id, first_name: "Sha", status: "active" });
      expectConcealed(user.password);
      expect(user.token).toBe("**********");
      expectNoSecrets(user, [token, PASSWORD]);
      const listed = ok<any[]>(await admin.get(`/users?filter[id][_eq]=${user.id}&fields=*`));
      expectConcealed(listed[0].password);
      expectNoSecrets(listed, [token]);
    });

    it.each([false, true])("GET /users/me works for a limited user (app_access %s) and never shows the password", async (app) => {
      const user = await limitedUser(server.url, admin, readThings, { app_access: app, user: { first_name: "Lim" } });
      for (const client of [user.http, as(await login(server.url, user.email))]) {
        const me = ok<any>(await client.get("/users/me"));
        expect(me).toMatchObject({ id: user.user.id, email: user.email, first_name: "Lim", role: user.role.id });
        expectConcealed(me.password);
        expectNoSecrets(me, [user.token]);
      }
      const explicit = await user.http.get("/users/me?fields=id,email");
      expect(ok<any>(explicit)).toEqual({ id: user.user.id, email: user.email });
    });

    it("anonymous GET /users/me is refused", async () => {
      const reply = await createHttp(server.url).get("/users/me");
      expectError(reply, [401, 403]);
    });

    it("a limited user cannot read other users", async () => {
      const user = await limitedUser(server.url, admin, readThings, { app_access: true });
      const other = await createUser(admin);
      const listed = await user.http.get("/users?fields=id");
      if (listed.status === 200) expect(listed.body.data).toEqual([{ id: user.user.id }]);
      else expectError(listed, 403, "FORBIDDEN");
      expectError(await user.http.get(`/users/${other.id}`), 403, "FORBIDDEN");
      expectError(await user.http.patch(`/users/${other.id}`, { first_name: "hacked" }), 403, "FORBIDDEN");
      expectError(await user.http.delete(`/users/${other.id}`), 403, "FORBIDDEN");
      expect(ok<any>(await admin.get(`/users/${other.id}`)).first_name).toBeNull();
    });

    it.each([false, true])("PATCH /users/me cannot change the role (app_access %s)", async (app) => {
      const user = await limitedUser(server.url, admin, readThings, { app_access: app });
      const adminRole = ok<any>(await admin.get("/users/me")).role;
      for (const payload of [{ role: adminRole }, { role: null }, { status: "active", role: adminRole }, { policies: [{ policy: user.policy.id }] }]) {
        expectError(await user.http.patch("/users/me", payload), 403, "FORBIDDEN");
      }
      expect(ok<any>(await admin.get(`/users/${user.user.id}`)).role).toBe(user.role.id);
      expectError(await user.http.post("/collections", { collection: "pwned", meta: {}, schema: {}, fields: [autoPk] }), 403, "FORBIDDEN");
    });

    it("PATCH /users/me may change the user's own name when the user has app access", async () => {
      const user = await limitedUser(server.url, admin, readThings, { app_access: true });
      const me = ok<any>(await user.http.patch("/users/me", { first_name: "Renamed" }));
      expect(me.first_name).toBe("Renamed");
      expectConcealed(me.password);
    });
  });

  describe("static tokens", () => {
    it("a limited user's static token works as Bearer and as ?access_token=", async () => {
      const user = await limitedUser(server.url, admin, readThings);
      expect(ok<any[]>(await user.http.get("/items/things"))).toEqual(await allThings());
      expect(ok<any[]>(await createHttp(server.url).get(`/items/things?access_token=${user.token}`))).toEqual(await allThings());
      expectError(await as(`${user.token}x`).get("/items/things"), 401, "INVALID_CREDENTIALS");
    });
  });

  describe("suspension and deletion", () => {
    it("a suspended user cannot log in, and their access token and static token stop working at once", async () => {
      const user = await limitedUser(server.url, admin, readThings);
      const jwt = as(await login(server.url, user.email));
      ok(await jwt.get("/items/things"));
      ok(await user.http.get("/items/things"));
      ok(await admin.patch(`/users/${user.user.id}`, { status: "suspended" }));
      expectError(await createHttp(server.url).post("/auth/login", { email: user.email, password: PASSWORD }), 401, "INVALID_CREDENTIALS");
      expectError(await jwt.get("/items/things"), 401, "INVALID_CREDENTIALS");
      expectError(await user.http.get("/items/things"), 401, "INVALID_CREDENTIALS");
      expectError(await user.http.get("/users/me"), 401, "INVALID_CREDENTIALS");
      ok(await admin.patch(`/users/${user.user.id}`, { status: "active" }));
      ok(await user.http.get("/items/things"));
      ok(await jwt.get("/items/things"));
    });

    it("DELETE /users/:id → 204 and the user's tokens stop working at once", async () => {
      const user = await limitedUser(server.url, admin, readThings);
      const jwt = as(await login(server.url, user.email));
      ok(await user.http.get("/items/things"));
      const deleted = await admin.delete(`/users/${user.user.id}`);
      expect(deleted.status).toBe(204);
      expectError(await user.http.get("/items/things"), 401, "INVALID_CREDENTIALS");
      expectError(await jwt.get("/items/things"), 401, "INVALID_CREDENTIALS");
      expectError(await createHttp(server.url).post("/auth/login", { email: user.email, password: PASSWORD }), 401, "INVALID_CREDENTIALS");
    });
  });

  describe("roles and policies", () => {
    it("a user of a child role gets the policies of every ancestor role", async () => {
      const grand = await createRole(admin);
      const parent = await createRole(admin, { parent: grand.id });
      const child = await createRole(admin, { parent: parent.id });
      const grandPolicy = await createPolicy(admin, { roles: [{ role: grand.id }] });
      await addPermission(admin, grandPolicy.id, { collection: "things", action: "read", fields: ["id"] });
      const parentPolicy = await createPolicy(admin, { roles: [{ role: parent.id }] });
      await addPermission(admin, parentPolicy.id, { collection: "things", action: "create" });
      const user = await limitedUser(server.url, admin, [], { role: child.id });
      expect(ok<any[]>(await user.http.get("/items/things?fields=id"))).toHaveLength((await allThings()).length);
      const created = await user.http.post("/items/things", { name: "from child" });
      expect([200, 204]).toContain(created.status);
      expectError(await user.http.get("/items/things?fields=name"), 403, "FORBIDDEN");
      expect(ok<any>(await admin.get(`/roles/${parent.id}`)).children).toEqual([child.id]);
      // Cutting the chain takes the ancestors' policies away on the next request.
      ok(await admin.patch(`/roles/${child.id}`, { parent: null }));
      expectError(await user.http.get("/items/things"), 403, "FORBIDDEN");
      // A user of the parent role does not get the child's policies.
      const childPolicy = await createPolicy(admin, { roles: [{ role: child.id }] });
      await addPermission(admin, childPolicy.id, { collection: "things", action: "delete" });
      const parentUser = await limitedUser(server.url, admin, [], { role: parent.id });
      const [thing] = ok<any[]>(await admin.get("/items/things?fields=id&limit=1"));
      expectError(await parentUser.http.delete(`/items/things/${thing.id}`), 403, "FORBIDDEN");
    });

    it("POST /policies with users: [{user}] attaches a policy to a user directly", async () => {
      const token = unique("tok");
      const user = await createUser(admin, { token });
      const client = as(token);
      expectError(await client.get("/items/things"), 403, "FORBIDDEN");
      const policy = await createPolicy(admin, { users: [{ user: user.id }] });
      expect(policy.users).toHaveLength(1);
      expect(policy.roles).toEqual([]);
      await addPermission(admin, policy.id, { collection: "things", action: "read" });
      expect(ok<any[]>(await client.get("/items/things"))).toEqual(await allThings());
      expect(ok<any>(await admin.get(`/users/${user.id}`)).policies).toEqual(policy.users);
      expect((await admin.delete(`/policies/${policy.id}`)).status).toBe(204);
      expectError(await client.get("/items/things"), 403, "FORBIDDEN");
    });

    it("PATCH /users/:id {policies: [{policy}]} attaches a policy to a user directly", async () => {
      const policy = await createPolicy(admin);
      await addPermission(admin, policy.id, { collection: "things", action: "read" });
      const token = unique("tok");
      const user = await createUser(admin, { token });
      const client = as(token);
      expectError(await client.get("/items/things"), 403, "FORBIDDEN");
      const patched = ok<any>(await admin.patch(`/users/${user.id}`, { policies: [{ policy: policy.id }] }));
      expect(patched.policies).toHaveLength(1);
      expect(ok<any[]>(await client.get("/items/things"))).toEqual(await allThings());
      const rows = ok<any[]>(await admin.get(`/access?filter[user][_eq]=${user.id}`));
      expect(rows).toEqual([expect.objectContaining({ id: patched.policies[0], user: user.id, role: null, policy: policy.id })]);
      ok(await admin.patch(`/users/${user.id}`, { policies: [] }));
      expectError(await client.get("/items/things"), 403, "FORBIDDEN");
    });

    it("changing a user's role applies to their existing session token on the next request", async () => {
      const user = await limitedUser(server.url, admin, readThings);
      const jwt = as(await login(server.url, user.email));
      ok(await jwt.get("/items/things"));
      const empty = await createRole(admin);
      ok(await admin.patch(`/users/${user.user.id}`, { role: empty.id }));
      expectError(await jwt.get("/items/things"), 403, "FORBIDDEN");
      expectError(await user.http.get("/items/things"), 403, "FORBIDDEN");
      ok(await admin.patch(`/users/${user.user.id}`, { role: user.role.id }));
      ok(await jwt.get("/items/things"));
    });

    it("DELETE /roles/:id → 204 and its users lose the role's policies at once", async () => {
      const user = await limitedUser(server.url, admin, readThings);
      ok(await user.http.get("/items/things"));
      expect((await admin.delete(`/roles/${user.role.id}`)).status).toBe(204);
      expectError(await user.http.get("/items/things"), 403, "FORBIDDEN");
      expect(ok<any>(await admin.get(`/users/${user.user.id}`)).role).toBeNull();
    });

    it("DELETE /policies/:id → 204 and its permissions go at once", async () => {
      const user = await limitedUser(server.url, admin, readThings);
      ok(await user.http.get("/items/things"));
      expect((await admin.delete(`/policies/${user.policy.id}`)).status).toBe(204);
      expectError(await user.http.get("/items/things"), 403, "FORBIDDEN");
      expect(ok<any[]>(await admin.get(`/permissions?filter[policy][_eq]=${user.policy.id}`))).toEqual([]);
    });
  });
});
