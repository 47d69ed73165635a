// Two rules granting different fields on different rows: a field readable on some rows only shows as null
// on the others, and can't be filtered, sorted, searched or aggregated (that would reveal it).
// Concealed fields (password hashes, static tokens) can't be aggregated or grouped either.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp, type Http } from "../helpers/http.js";
import { databases } from "../helpers/databases.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { addPermission, createPolicy, createRole, createUser, unique } from "../api/access-fixtures.js";
import { autoPk, createCollection, ok, qs } from "../api/fixtures.js";

const dbs = await databases();

describe.each(dbs)("field-level rule unions and concealed fields (%s)", (db) => {
  let server: TestServer;
  let admin: Http;
  let user: Http;
  const collection = unique("cards");

  beforeAll(async () => {
    server = await startServer({ db });
    admin = createHttp(server.url, server.adminToken);
    await createCollection(admin, collection, [
      autoPk,
      { field: "title", type: "string", schema: {} },
      { field: "mine", type: "boolean", schema: {} },
      { field: "secret", type: "string", schema: {} },
    ]);
    ok(await admin.post(`/items/${collection}`, [
      { title: "open", mine: true, secret: "VISIBLE-one" },
      { title: "closed", mine: false, secret: "HIDDEN-abc" },
    ]));
    const role = await createRole(admin);
    const policy = await createPolicy(admin, { roles: [{ role: role.id }] });
    await addPermission(admin, policy.id, { collection, action: "read", fields: ["id", "title", "mine"] });
    await addPermission(admin, policy.id, { collection, action: "read", fields: ["id", "title", "mine", "secret"], permissions: { mine: { _eq: true } } });
    await addPermission(admin, policy.id, { collection: "directus_users", action: "read", fields: ["*"] });
    const token = unique("token");
    await createUser(admin, { role: role.id, token });
    user = createHttp(server.url, token);
  });
  afterAll(() => server.close());

  it("reads the field only on rows of the rule that grants it", async () => {
    const rows = ok<any[]>(await user.get(`/items/${collection}?sort=id`));
    expect(rows.map((row) => row.secret)).toEqual(["VISIBLE-one", null]);
  });

  it("refuses to filter, sort, aggregate or group by it, and search does not look into it", async () => {
    for (const query of [
      { filter: { secret: { _eq: "HIDDEN-abc" } } },
      { sort: "secret" },
      { aggregate: { min: "secret" } },
      { groupBy: "secret", aggregate: { count: "id" } },
    ]) {
      const reply = await user.get(`/items/${collection}${qs(query)}`);
      expect(reply.status, JSON.stringify(query)).toBe(403);
      expect(JSON.stringify(reply.body)).not.toContain("HIDDEN");
    }
    expect(ok<any[]>(await user.get(`/items/${collection}?search=HIDDEN`))).toEqual([]);
  });

  it("never aggregates or groups concealed fields, for anyone", async () => {
    for (const path of ["/users?groupBy=token&aggregate[count]=id", "/users?aggregate[min]=password", "/users?aggregate[max]=token"]) {
      for (const client of [user, admin]) {
        const reply = await client.get(path);
        expect(reply.status, path).toBe(403);
        expect(JSON.stringify(reply.body)).not.toMatch(/scrypt\$|static-token|admin-static-token/);
      }
    }
  });
});
