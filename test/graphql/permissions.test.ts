// Permission-shaped GraphQL schemas: forbidden collections, fields and mutations do not exist for the caller, introspection included.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { autoPk, createCollection, createField, createRelation, ok } from "../api/fixtures.js";
import { addPermission, limitedUser, publicPolicyId, type LimitedUser } from "../api/access-fixtures.js";
import { gql, gqlError, gqlOk } from "./helpers.js";


const dbs = await databases();

const INTROSPECT = `{
  __schema {
    types { name }
    queryType { fields { name } }
    mutationType { fields { name } }
    subscriptionType { fields { name } }
  }
  articles: __type(name: "articles") { fields { name } }
  secrets: __type(name: "secrets") { name }
  filter: __type(name: "articles_filter") { inputFields { name } }
  create: __type(name: "create_articles_input") { inputFields { name } }
  update: __type(name: "update_articles_input") { inputFields { name } }
}`;

describe.each(dbs)("GraphQL permissions (%s)", (db) => {
  let server: TestServer;
  let admin: Http;
  let alice: LimitedUser;
  let bob: LimitedUser;
  let reader: LimitedUser;
  const as = (who: { token: string } | undefined, query: string, variables?: Record<string, unknown>) => gql(server.url, query, { token: who?.token, variables });

  beforeAll(async () => {
    server = await startServer({ db });
    admin = createHttp(server.url, server.adminToken);
    await createCollection(admin, "categories", [autoPk, { field: "name", type: "string", schema: {} }]);
    await createCollection(admin, "secrets", [autoPk, { field: "code", type: "string", schema: {} }]);
    await createCollection(admin, "announcements", [autoPk, { field: "title", type: "string", schema: {} }]);
    await createCollection(admin, "articles", [
      autoPk,
      { field: "title", type: "string", schema: {} },
      { field: "body", type: "text", schema: {} },
      { field: "internal_note", type: "string", schema: {} },
    ]);
    await createField(admin, "articles", { field: "user_created", type: "uuid", meta: { special: ["user-created"] }, schema: {} });
    await createField(admin, "articles", { field: "category", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createRelation(admin, { collection: "articles", field: "category", related_collection: "categories", schema: { on_delete: "SET NULL" } });
    ok(await admin.post("/items/categories", { name: "cat" }));
    ok(await admin.post("/items/secrets", { code: "s3cr3t" }));
    ok(await admin.post("/items/announcements", [{ title: "hello public" }]));

    // Authors: read own articles (no internal_note), create with title/body only; no update, no delete, nothing on secrets.
    alice = await limitedUser(server.url, admin, [
      { collection: "articles", action: "read", fields: ["id", "title", "body", "user_created", "category"], permissions: { user_created: { _eq: "$CURRENT_USER" } } },
      { collection: "articles", action: "create", fields: ["title", "body"] },
    ]);
    bob = await limitedUser(server.url, admin, [], { role: alice.role.id });
    // A read-only role: no mutations at all.
    reader = await limitedUser(server.url, admin, [{ collection: "announcements", action: "read", fields: ["*"] }]);
    await addPermission(admin, await publicPolicyId(admin), { collection: "announcements", action: "read", fields: ["title"] });

    ok(await alice.http.post("/items/articles", [{ title: "alice 1", body: "a" }, { title: "alice 2", body: "b" }]));
    ok(await bob.http.post("/items/articles", { title: "bob 1", body: "c" }));
    ok(await admin.patch("/items/articles", { keys: [1, 2, 3], data: { internal_note: "note", category: 1 } }));
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it("admin's schema has every collection, field and mutation", async () => {
    const data = gqlOk(await as({ token: server.adminToken }, INTROSPECT));
    const queries = data.__schema.queryType.fields.map((f: any) => f.name);
    expect(queries).toEqual(expect.arrayContaining(["articles", "articles_by_id", "articles_aggregated", "secrets", "categories"]));
    expect(data.articles.fields.map((f: any) => f.name)).toContain("internal_note");
    expect(data.__schema.mutationType.fields.map((f: any) => f.name)).toEqual(
      expect.arrayContaining(["create_articles_item", "update_articles_batch", "delete_articles_items", "create_secrets_item"]),
    );
  });

  it("introspection as the limited user shows no forbidden collection, field or mutation", async () => {
    const data = gqlOk(await as(alice, INTROSPECT));
    const types = data.__schema.types.map((t: any) => t.name);
    const queries = data.__schema.queryType.fields.map((f: any) => f.name);
    expect(queries).toEqual(expect.arrayContaining(["articles", "articles_by_id", "articles_aggregated"]));
    for (const name of [...types, ...queries]) expect(name).not.toMatch(/secrets|categories|announcements/);
    expect(data.secrets).toBeNull();
    expect(data.articles.fields.map((f: any) => f.name).sort()).toEqual(["body", "category", "id", "title", "user_created"]);
    expect(data.filter.inputFields.map((f: any) => f.name)).not.toContain("internal_note");
    const mutations = data.__schema.mutationType.fields.map((f: any) => f.name).sort();
    expect(mutations).toEqual(["create_articles_item", "create_articles_items"]);
    expect(data.create.inputFields.map((f: any) => f.name).sort()).toEqual(expect.arrayContaining(["body", "title"]));
    expect(data.create.inputFields.map((f: any) => f.name)).not.toContain("internal_note");
    expect(data.update).toBeNull();
    expect(data.__schema.subscriptionType.fields.map((f: any) => f.name)).toEqual(["articles_mutated"]);
    // The m2o to an unreadable collection is not an object the user can walk into.
    gqlError(await as(alice, `{ articles { category { name } } }`), "GRAPHQL_VALIDATION");
  });

  it("a read-only role has no Mutation type at all", async () => {
    const data = gqlOk(await as(reader, `{ __schema { mutationType { name } queryType { fields { name } } } }`));
    expect(data.__schema.mutationType).toBeNull();
    expect(data.__schema.queryType.fields.map((f: any) => f.name)).toEqual(expect.arrayContaining(["announcements"]));
  });

  it("querying a forbidden collection or field is a validation error, not data", async () => {
    const secret = await as(alice, `{ secrets { code } }`);
    gqlError(secret, "GRAPHQL_VALIDATION");
    expect(JSON.stringify(secret.body)).not.toContain("s3cr3t");
    gqlError(await as(alice, `{ articles { id internal_note } }`), "GRAPHQL_VALIDATION");
    gqlError(await as(alice, `{ articles(filter: { internal_note: { _eq: "note" } }) { id } }`), "GRAPHQL_VALIDATION");
    gqlError(await as(alice, `{ articles_aggregated { count { internal_note } } }`), "GRAPHQL_VALIDATION");
  });

  it("a mutation the role cannot perform does not exist for it", async () => {
    gqlError(await as(alice, `mutation { update_articles_item(id: 1, data: { title: "x" }) { id } }`), "GRAPHQL_VALIDATION");
    gqlError(await as(alice, `mutation { delete_articles_item(id: 1) { id } }`), "GRAPHQL_VALIDATION");
    gqlError(await as(alice, `mutation { create_articles_item(data: { title: "x", internal_note: "y" }) { id } }`), "GRAPHQL_VALIDATION");
    gqlError(await as(alice, `mutation { create_secrets_item(data: { code: "x" }) { id } }`), "GRAPHQL_VALIDATION");
    const [row] = ok<any[]>(await admin.get("/items/articles?filter[id][_eq]=1"));
    expect(row.title).toBe("alice 1");
  });

  it("row filters apply to lists, by_id, nested and aggregated reads", async () => {
    expect(gqlOk(await as(alice, `{ articles(sort: ["id"]) { title } }`)).articles).toEqual([{ title: "alice 1" }, { title: "alice 2" }]);
    expect(gqlOk(await as(bob, `{ articles { title } }`)).articles).toEqual([{ title: "bob 1" }]);
    expect(gqlOk(await as(alice, `{ articles_by_id(id: 3) { title } }`)).articles_by_id).toBeNull();
    expect(gqlOk(await as(alice, `{ articles_aggregated { countAll } }`)).articles_aggregated).toEqual([{ countAll: 2 }]);
    expect(gqlOk(await as(bob, `{ articles(filter: { title: { _starts_with: "alice" } }) { id } }`)).articles).toEqual([]);
  });

  it("a limited user's create works and returns only readable fields", async () => {
    const data = gqlOk(await as(bob, `mutation { create_articles_item(data: { title: "bob 2", body: "d" }) { title user_created } }`));
    expect(data.create_articles_item).toEqual({ title: "bob 2", user_created: bob.user.id });
  });

  it("anonymous callers get the public schema without introspection", async () => {
    expect(gqlOk(await as(undefined, `{ announcements { title } }`)).announcements).toEqual([{ title: "hello public" }]);
    gqlError(await as(undefined, `{ announcements { id } }`), "GRAPHQL_VALIDATION");
    gqlError(await as(undefined, `{ articles { id } }`), "GRAPHQL_VALIDATION");
    const schema = await as(undefined, `{ __schema { types { name } } }`);
    gqlError(schema, "GRAPHQL_VALIDATION");
    expect(schema.body.data).toBeUndefined();
    gqlError(await as(undefined, `{ __type(name: "announcements") { name } }`), "GRAPHQL_VALIDATION");
  });

  it("the schema follows permission changes without a restart", async () => {
    const limited = await limitedUser(server.url, admin, [{ collection: "announcements", action: "read", fields: ["id"] }]);
    gqlError(await as(limited, `{ announcements { title } }`), "GRAPHQL_VALIDATION");
    await addPermission(admin, limited.policy.id, { collection: "secrets", action: "read", fields: ["id"] });
    const permissions = ok<any[]>(await admin.get(`/permissions?filter[policy][_eq]=${limited.policy.id}&filter[collection][_eq]=announcements`));
    ok(await admin.patch(`/permissions/${permissions[0].id}`, { fields: ["id", "title"] }));
    const data = gqlOk(await as(limited, `{ announcements { title } secrets { id } }`));
    expect(data.announcements).toEqual([{ title: "hello public" }]);
    expect(data.secrets).toEqual([{ id: "1" }]);
  });
});
