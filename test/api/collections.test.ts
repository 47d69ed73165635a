// Schema at run time: /collections create, read, update, delete (admin only).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { autoPk, expectError, ok, stringPk, uuidPk, UUID_RE } from "./fixtures.js";

const dbs = await databases();

const forbiddenMessage = (name: string) => `You don't have permission to access collection "${name}" or it does not exist. Queried in root.`;

describe.each(dbs)("collections (%s)", (db) => {
  let server: TestServer;
  let http: Http;

  beforeAll(async () => {
    server = await startServer({ db });
    http = createHttp(server.url, server.adminToken);
  }, 60_000);
  afterAll(async () => server?.close());

  it("creates a collection with an auto-increment primary key and answers {collection, meta, schema}", async () => {
    const reply = await http.post("/collections", { collection: "articles", meta: { note: "news" }, schema: {}, fields: [autoPk] });
    expect(reply.status).toBe(200);
    const data = reply.body.data;
    expect(data.collection).toBe("articles");
    expect(data.meta).toMatchObject({ collection: "articles", note: "news" });
    expect(data.schema).toBeTypeOf("object");
    expect(data.schema).not.toBeNull();
    const item = ok(await http.post("/items/articles", {}));
    expect(item.id).toBe(1);
    expect(ok(await http.post("/items/articles", {})).id).toBe(2);
  });

  it("creates the primary key field it was given", async () => {
    const pk = ok(await http.get("/fields/articles/id"));
    expect(pk).toMatchObject({ collection: "articles", field: "id", type: "integer" });
    expect(pk.schema).toMatchObject({ is_primary_key: true, has_auto_increment: true });
  });

  it("creates a collection with a server-generated uuid primary key", async () => {
    ok(await http.post("/collections", { collection: "uuid_keyed", meta: {}, schema: {}, fields: [uuidPk] }));
    expect(ok(await http.get("/fields/uuid_keyed/id")).type).toBe("uuid");
    expect(ok(await http.post("/items/uuid_keyed", {})).id).toMatch(UUID_RE);
  });

  it("creates a collection with a client-supplied string primary key", async () => {
    ok(await http.post("/collections", { collection: "string_keyed", meta: {}, schema: {}, fields: [stringPk] }));
    const field = ok(await http.get("/fields/string_keyed/id"));
    expect(field.type).toBe("string");
    expect(field.schema).toMatchObject({ is_primary_key: true, has_auto_increment: false });
    expect(ok(await http.post("/items/string_keyed", { id: "abc" })).id).toBe("abc");
  });

  it("creates ordinary fields passed with the collection", async () => {
    ok(
      await http.post("/collections", {
        collection: "with_fields",
        meta: {},
        schema: {},
        fields: [autoPk, { field: "name", type: "string", schema: {} }, { field: "score", type: "integer", schema: { default_value: 3 } }],
      }),
    );
    const fields = ok<any[]>(await http.get("/fields/with_fields")).map((f) => f.field).sort();
    expect(fields).toEqual(["id", "name", "score"]);
    expect(ok(await http.post("/items/with_fields", { name: "n" }))).toMatchObject({ name: "n", score: 3 });
  });

  it("creates a folder collection without a table when schema is null", async () => {
    const data = ok(await http.post("/collections", { collection: "a_folder", meta: {}, schema: null }));
    expect(data.collection).toBe("a_folder");
    expect(data.schema).toBeNull();
    expect(ok<any[]>(await http.get("/collections")).map((c) => c.collection)).toContain("a_folder");
  });

  it("lists user collections", async () => {
    const list = ok<any[]>(await http.get("/collections"));
    const names = list.map((c) => c.collection);
    for (const name of ["articles", "uuid_keyed", "string_keyed", "with_fields"]) expect(names).toContain(name);
    const articles = list.find((c) => c.collection === "articles");
    expect(Object.keys(articles).sort()).toEqual(["collection", "meta", "schema"]);
  });

  it("reads one collection", async () => {
    const data = ok(await http.get("/collections/articles"));
    expect(data.collection).toBe("articles");
    expect(data.meta.note).toBe("news");
  });

  it("updates a collection's meta", async () => {
    const data = ok(await http.patch("/collections/articles", { meta: { note: "changed", icon: "article" } }));
    expect(data.meta).toMatchObject({ note: "changed", icon: "article" });
    expect(ok(await http.get("/collections/articles")).meta).toMatchObject({ note: "changed", icon: "article" });
  });

  it("refuses to create a collection that exists", async () => {
    expectError(await http.post("/collections", { collection: "articles", meta: {}, schema: {}, fields: [autoPk] }), 400, "INVALID_PAYLOAD");
  });

  it("refuses a create without a collection name", async () => {
    expectError(await http.post("/collections", { meta: {}, schema: {} }), 400, "INVALID_PAYLOAD");
  });

  it("refuses a collection name starting with directus_", async () => {
    expectError(await http.post("/collections", { collection: "directus_mine", meta: {}, schema: {}, fields: [autoPk] }), [400, 403]);
  });

  it("deletes a collection and its table → 204", async () => {
    ok(await http.post("/collections", { collection: "doomed", meta: {}, schema: {}, fields: [autoPk, { field: "a", type: "string", schema: {} }] }));
    ok(await http.post("/items/doomed", { a: "x" }));
    const reply = await http.delete("/collections/doomed");
    expect(reply.status).toBe(204);
    expect(ok<any[]>(await http.get("/collections")).map((c) => c.collection)).not.toContain("doomed");
    const gone = expectError(await http.get("/items/doomed"), 403, "FORBIDDEN");
    expect(gone.message).toBe(forbiddenMessage("doomed"));
    expectError(await http.get("/collections/doomed"), 403, "FORBIDDEN");
    expectError(await http.get("/fields/doomed"), 403, "FORBIDDEN");
    // The table is really gone: a new collection of the same name starts empty with other fields.
    ok(await http.post("/collections", { collection: "doomed", meta: {}, schema: {}, fields: [autoPk, { field: "b", type: "integer", schema: {} }] }));
    expect(ok(await http.get("/items/doomed"))).toEqual([]);
    expect(ok(await http.post("/items/doomed", { b: 1 }))).toMatchObject({ id: 1, b: 1 });
  });

  it("answers 403 FORBIDDEN for an unknown collection", async () => {
    const error = expectError(await http.get("/collections/nope"), 403, "FORBIDDEN");
    expect(error.message).toContain("nope");
    expectError(await http.patch("/collections/nope", { meta: { note: "x" } }), 403, "FORBIDDEN");
    expectError(await http.delete("/collections/nope"), 403, "FORBIDDEN");
  });

  it("is admin only: no token → 401/403", async () => {
    const anonymous = createHttp(server.url);
    expectError(await anonymous.get("/collections"), [401, 403]);
    expectError(await anonymous.post("/collections", { collection: "anon", meta: {}, schema: {}, fields: [autoPk] }), [401, 403]);
    expectError(await anonymous.delete("/collections/articles"), [401, 403]);
    expect(ok(await http.get("/collections/articles")).collection).toBe("articles");
    expect(ok<any[]>(await http.get("/collections")).map((c) => c.collection)).not.toContain("anon");
  });
});
