// Schema bookkeeping: removing a field or a collection removes what only made sense with it (as Directus
// does), fields report their position, and permission rules must fit their collection when saved.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { autoPk, createCollection, createField, createRelation, expectError, ok } from "./fixtures.js";

const dbs = await databases();

const fieldNames = async (http: Http, collection: string) => ok<Array<{ field: string }>>(await http.get(`/fields/${collection}`)).map((field) => field.field).sort();

describe.each(dbs)("schema bookkeeping (%s)", (db) => {
  let server: TestServer;
  let http: Http;

  beforeAll(async () => {
    server = await startServer({ db });
    http = createHttp(server.url, server.adminToken);
  }, 60_000);
  afterAll(async () => server?.close());

  /** authors ←m2o– books.author (alias authors.books); books ↔ tags through books_tags (aliases books.tags, tags.books). */
  async function library(prefix: string) {
    const [authors, books, tags, junction] = ["authors", "books", "tags", "books_tags"].map((name) => `${prefix}_${name}`);
    await createCollection(http, authors, [autoPk, { field: "name", type: "string", schema: {} }]);
    await createCollection(http, books, [autoPk, { field: "title", type: "string", schema: {} }]);
    await createCollection(http, tags, [autoPk, { field: "label", type: "string", schema: {} }]);
    await createCollection(http, junction, [autoPk, { field: "book", type: "integer", schema: {} }, { field: "tag", type: "integer", schema: {} }]);
    await createField(http, books, { field: "author", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createField(http, authors, { field: "books", type: "alias", meta: { special: ["o2m"] } });
    await createRelation(http, { collection: books, field: "author", related_collection: authors, meta: { one_field: "books" } });
    await createField(http, books, { field: "tags", type: "alias", meta: { special: ["m2m"] } });
    await createField(http, tags, { field: "books", type: "alias", meta: { special: ["m2m"] } });
    await createRelation(http, { collection: junction, field: "book", related_collection: books, meta: { one_field: "tags", junction_field: "tag" } });
    await createRelation(http, { collection: junction, field: "tag", related_collection: tags, meta: { one_field: "books", junction_field: "book" } });
    return { authors, books, tags, junction };
  }

  it("deleting an m2o field removes its o2m alias and relation", async () => {
    const { authors, books } = await library("a");
    expect((await http.delete(`/fields/${books}/author`)).status).toBe(204);
    expect(await fieldNames(http, authors)).toEqual(["id", "name"]);
    const relations = ok<Array<{ collection: string; field: string }>>(await http.get("/relations"));
    expect(relations.filter((relation) => relation.field === "author")).toEqual([]);
    ok(await http.get(`/items/${authors}?fields=*.*`));
  });

  it("deleting a collection removes the keys pointing at it and the m2m aliases through it", async () => {
    const { authors, books, tags, junction } = await library("b");
    expect((await http.delete(`/collections/${tags}`)).status).toBe(204);
    // The junction lost its tag leg; books.tags (through that junction) is gone too.
    expect(await fieldNames(http, junction)).toEqual(["book", "id"]);
    expect(await fieldNames(http, books)).toEqual(["author", "id", "title"]);
    ok(await http.get(`/items/${books}?fields=*.*`));
    // Deleting the authors collection removes books.author, which pointed at it.
    expect((await http.delete(`/collections/${authors}`)).status).toBe(204);
    expect(await fieldNames(http, books)).toEqual(["id", "title"]);
    ok(await http.post(`/items/${books}`, { title: "still writable" }));
  });

  it("reports each field's position in meta.sort, in creation order", async () => {
    await createCollection(http, "d_sorted", [autoPk, { field: "first", type: "string", schema: {} }]);
    await createField(http, "d_sorted", { field: "second", type: "integer", schema: {} });
    const fields = ok<Array<{ field: string; meta: { sort: number | null } }>>(await http.get("/fields/d_sorted"));
    const sorts = fields.map((field) => field.meta.sort);
    expect(sorts.every((sort) => typeof sort === "number")).toBe(true);
    expect(fields.map((field) => field.field)).toEqual(["id", "first", "second"]);
    expect([...sorts].sort((a, b) => a! - b!)).toEqual(sorts);
    expect(new Set(sorts).size).toBe(3);
  });

  it("refuses a permission rule that does not fit its collection, on create and on update", async () => {
    await createCollection(http, "c_notes", [autoPk, { field: "text", type: "string", schema: {} }, { field: "owner", type: "uuid", schema: {} }]);
    const policy = ok<{ id: string }>(await http.post("/policies", { name: "Notes", app_access: true, admin_access: false }));
    const rule = (extra: Record<string, unknown>) => ({ policy: policy.id, collection: "c_notes", action: "read", fields: ["*"], permissions: {}, ...extra });
    expectError(await http.post("/permissions", rule({ permissions: { nope: { _eq: 1 } } })), 400, "INVALID_PAYLOAD");
    expectError(await http.post("/permissions", rule({ permissions: { text: { _bogus: 1 } } })), 400, "INVALID_PAYLOAD");
    expectError(await http.post("/permissions", rule({ validation: { nope: { _null: true } } })), 400, "INVALID_PAYLOAD");
    expectError(await http.post("/permissions", rule({ fields: ["text", "nofield"] })), 400, "INVALID_PAYLOAD");
    const saved = ok<{ id: number }>(await http.post("/permissions", rule({ permissions: { owner: { _eq: "$CURRENT_USER" } }, fields: ["id", "text"] })));
    const refused = await http.patch(`/permissions/${saved.id}`, { permissions: { nope: { _eq: 1 } } });
    expectError(refused, 400, "INVALID_PAYLOAD");
    expect(refused.body.errors[0].message).toContain('"permissions" does not fit collection "c_notes"');
    expect(ok<{ permissions: unknown }>(await http.get(`/permissions/${saved.id}`)).permissions).toEqual({ owner: { _eq: "$CURRENT_USER" } });
  });
});
