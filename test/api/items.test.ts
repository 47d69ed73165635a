// Items CRUD: one and many, batch updates, deletes by keys and by query, transactions, server-set fields.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { autoPk, createBlogSchema, createCollection, expectError, ok, qs, seedBlog, sortedIds, stringPk, uuidPk, UUID_RE } from "./fixtures.js";

const dbs = await databases();

describe.each(dbs)("items (%s)", (db) => {
  let server: TestServer;
  let http: Http;

  beforeAll(async () => {
    server = await startServer({ db });
    http = createHttp(server.url, server.adminToken);
    await createCollection(http, "notes", [
      autoPk,
      { field: "title", type: "string", schema: { is_nullable: false } },
      { field: "code", type: "string", schema: { is_unique: true } },
      { field: "count", type: "integer", schema: { default_value: 0 } },
      { field: "date_created", type: "timestamp", meta: { special: ["date-created"] }, schema: {} },
      { field: "date_updated", type: "timestamp", meta: { special: ["date-updated"] }, schema: {} },
      { field: "user_created", type: "uuid", meta: { special: ["user-created"] }, schema: {} },
      { field: "user_updated", type: "uuid", meta: { special: ["user-updated"] }, schema: {} },
    ]);
  }, 60_000);
  afterAll(async () => server?.close());

  beforeEach(async () => {
    const existing = ok<any[]>(await http.get("/items/notes?fields=id&limit=-1"));
    if (existing.length > 0) expect((await http.delete("/items/notes", existing.map((row) => row.id))).status).toBe(204);
  });

  const all = async () => ok<any[]>(await http.get("/items/notes?limit=-1&sort=id"));
  const titles = async () => (await all()).map((row) => row.title);

  describe("create", () => {
    it("creates one item from an object and answers the item", async () => {
      const data = ok(await http.post("/items/notes", { title: "one", code: "c1" }));
      expect(data).toMatchObject({ title: "one", code: "c1", count: 0 });
      expect(typeof data.id).toBe("number");
      expect(ok(await http.get(`/items/notes/${data.id}`))).toMatchObject({ id: data.id, title: "one" });
    });

    it("creates many items from an array and answers an array in order", async () => {
      const data = ok<any[]>(await http.post("/items/notes", [{ title: "a" }, { title: "b" }, { title: "c", count: 5 }]));
      expect(data.map((row) => row.title)).toEqual(["a", "b", "c"]);
      expect(new Set(data.map((row) => row.id)).size).toBe(3);
      expect(data[2].count).toBe(5);
      expect(await titles()).toEqual(["a", "b", "c"]);
    });

    it("answers the requested fields of the created item", async () => {
      const data = ok(await http.post("/items/notes?fields=title", { title: "x", code: "y" }));
      expect(data).toEqual({ title: "x" });
    });

    it("sets date-created and user-created on create, leaves date-updated empty", async () => {
      const before = Date.now();
      const data = ok(await http.post("/items/notes", { title: "dated" }));
      const created = Date.parse(data.date_created);
      expect(created).toBeGreaterThanOrEqual(before - 2000);
      expect(created).toBeLessThanOrEqual(Date.now() + 2000);
      expect(data.date_created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(data.date_updated).toBeNull();
      expect(data.user_created).toMatch(UUID_RE);
      expect(data.user_updated).toBeNull();
    });

    it("ignores client-supplied values for date-created", async () => {
      const data = ok(await http.post("/items/notes", { title: "t", date_created: "2001-01-01T00:00:00.000Z" }));
      expect(data.date_created.startsWith("2001")).toBe(false);
    });

    it("sets user-created to the same user for static and JWT tokens", async () => {
      const login = ok(await http.post("/auth/login", { email: server.adminEmail, password: server.adminPassword }));
      const viaJwt = ok(await http.post("/items/notes", { title: "jwt" }, { token: login.access_token }));
      const viaStatic = ok(await http.post("/items/notes", { title: "static" }));
      expect(viaJwt.user_created).toBe(viaStatic.user_created);
    });
  });

  describe("read", () => {
    it("reads many as an array and one by id", async () => {
      const created = ok<any[]>(await http.post("/items/notes", [{ title: "r1" }, { title: "r2" }]));
      const list = await http.get("/items/notes");
      expect(list.status).toBe(200);
      expect(Array.isArray(list.body.data)).toBe(true);
      expect(list.body.data).toHaveLength(2);
      expect(ok(await http.get(`/items/notes/${created[1].id}`)).title).toBe("r2");
    });

    it("answers 403 FORBIDDEN for a missing id (Directus behaviour)", async () => {
      expectError(await http.get("/items/notes/999999"), 403, "FORBIDDEN");
    });

    it("answers an empty array for an empty collection", async () => {
      expect(ok(await http.get("/items/notes"))).toEqual([]);
    });
  });

  describe("update", () => {
    it("updates one and answers the updated item; sets date-updated, keeps date-created", async () => {
      const created = ok(await http.post("/items/notes", { title: "old", count: 1 }));
      const updated = ok(await http.patch(`/items/notes/${created.id}`, { title: "new" }));
      expect(updated).toMatchObject({ id: created.id, title: "new", count: 1, date_created: created.date_created });
      expect(Date.parse(updated.date_updated)).toBeGreaterThanOrEqual(Date.parse(created.date_created));
      expect(updated.user_updated).toBe(created.user_created);
      expect(ok(await http.get(`/items/notes/${created.id}`)).title).toBe("new");
    });

    it("answers 403 FORBIDDEN when updating a missing id", async () => {
      expectError(await http.patch("/items/notes/999999", { title: "x" }), 403, "FORBIDDEN");
    });

    it("updates many by keys", async () => {
      const [a, b, c] = ok<any[]>(await http.post("/items/notes", [{ title: "a" }, { title: "b" }, { title: "c" }]));
      const data = ok<any[]>(await http.patch("/items/notes", { keys: [a.id, c.id], data: { count: 7 } }));
      expect(data.map((row) => row.id).sort()).toEqual([a.id, c.id].sort());
      const counts = (await all()).map((row) => [row.id, row.count]);
      expect(counts).toEqual([[a.id, 7], [b.id, 0], [c.id, 7]]);
    });

    it("updates many by query", async () => {
      ok(await http.post("/items/notes", [{ title: "keep", count: 1 }, { title: "bump", count: 2 }, { title: "bump too", count: 3 }]));
      const data = ok<any[]>(await http.patch("/items/notes", { query: { filter: { title: { _starts_with: "bump" } } }, data: { count: 100 } }));
      expect(data).toHaveLength(2);
      expect((await all()).map((row) => row.count)).toEqual([1, 100, 100]);
    });

    it("updates a batch: an array of objects each with its primary key", async () => {
      const [a, b] = ok<any[]>(await http.post("/items/notes", [{ title: "a" }, { title: "b" }]));
      const data = ok<any[]>(await http.patch("/items/notes", [{ id: a.id, title: "A" }, { id: b.id, count: 9 }]));
      expect(data).toHaveLength(2);
      expect((await all()).map((row) => [row.title, row.count])).toEqual([["A", 0], ["b", 9]]);
    });
  });

  describe("delete", () => {
    it("deletes one → 204", async () => {
      const [a, b] = ok<any[]>(await http.post("/items/notes", [{ title: "a" }, { title: "b" }]));
      const reply = await http.delete(`/items/notes/${a.id}`);
      expect(reply.status).toBe(204);
      expect(reply.body).toBe("");
      expect((await all()).map((row) => row.id)).toEqual([b.id]);
    });

    it("deletes many by a body array of keys", async () => {
      const [a, b, c] = ok<any[]>(await http.post("/items/notes", [{ title: "a" }, { title: "b" }, { title: "c" }]));
      expect((await http.delete("/items/notes", [a.id, c.id])).status).toBe(204);
      expect((await all()).map((row) => row.id)).toEqual([b.id]);
    });

    it("deletes many by {keys}", async () => {
      const [a, b] = ok<any[]>(await http.post("/items/notes", [{ title: "a" }, { title: "b" }]));
      expect((await http.delete("/items/notes", { keys: [b.id] })).status).toBe(204);
      expect((await all()).map((row) => row.id)).toEqual([a.id]);
    });

    it("deletes many by {query: {filter}}", async () => {
      ok(await http.post("/items/notes", [{ title: "x1", count: 1 }, { title: "x2", count: 2 }, { title: "x3", count: 3 }]));
      expect((await http.delete("/items/notes", { query: { filter: { count: { _gte: 2 } } } })).status).toBe(204);
      expect(await titles()).toEqual(["x1"]);
    });
  });

  describe("malformed writes", () => {
    it("refuses a batch item without its primary key", async () => {
      const [a] = ok<any[]>(await http.post("/items/notes", [{ title: "a" }]));
      expectError(await http.patch("/items/notes", [{ id: a.id, title: "A" }, { title: "no key" }]), 400, "INVALID_PAYLOAD");
      expect(await titles()).toEqual(["a"]);
    });

    it("refuses an update-many without keys or query, and a delete without keys", async () => {
      ok(await http.post("/items/notes", [{ title: "a" }]));
      expectError(await http.patch("/items/notes", { data: { title: "x" } }), 400, "INVALID_PAYLOAD");
      expectError(await http.delete("/items/notes"), 400, "INVALID_PAYLOAD");
      expectError(await http.delete("/items/notes", {}), 400, "INVALID_PAYLOAD");
      expect(await titles()).toEqual(["a"]);
    });
  });

  describe("transactions", () => {
    it("creates nothing when one item of an array violates a unique constraint", async () => {
      ok(await http.post("/items/notes", { title: "existing", code: "taken" }));
      const reply = await http.post("/items/notes", [
        { title: "n1", code: "free-1" },
        { title: "n2", code: "free-2" },
        { title: "n3", code: "taken" },
      ]);
      expectError(reply, 400, "RECORD_NOT_UNIQUE");
      expect(await titles()).toEqual(["existing"]);
    });

    it("creates nothing when two items of the array collide with each other", async () => {
      expectError(await http.post("/items/notes", [{ title: "a", code: "same" }, { title: "b", code: "same" }]), 400, "RECORD_NOT_UNIQUE");
      expect(await titles()).toEqual([]);
    });

    it("creates nothing when a later item breaks not-null", async () => {
      expectError(await http.post("/items/notes", [{ title: "fine" }, { title: null }]), 400, "NOT_NULL_VIOLATION");
      expect(await titles()).toEqual([]);
    });

    it("updates nothing when one item of a batch fails", async () => {
      const [a, b] = ok<any[]>(await http.post("/items/notes", [{ title: "a", code: "ca" }, { title: "b", code: "cb" }]));
      expectError(await http.patch("/items/notes", [{ id: a.id, title: "A" }, { id: b.id, code: "ca" }]), 400, "RECORD_NOT_UNIQUE");
      expect(await titles()).toEqual(["a", "b"]);
    });

    it("updates nothing when an update-by-keys fails", async () => {
      const [a, b] = ok<any[]>(await http.post("/items/notes", [{ title: "a", code: "ka" }, { title: "b", code: "kb" }]));
      expectError(await http.patch("/items/notes", { keys: [a.id, b.id], data: { code: "same" } }), 400, "RECORD_NOT_UNIQUE");
      expect((await all()).map((row) => row.code)).toEqual(["ka", "kb"]);
    });
  });

  describe("primary keys", () => {
    it("generates a uuid primary key with special uuid", async () => {
      await createCollection(http, "uuid_things", [uuidPk, { field: "name", type: "string", schema: {} }]);
      const one = ok(await http.post("/items/uuid_things", { name: "u" }));
      expect(one.id).toMatch(UUID_RE);
      const many = ok<any[]>(await http.post("/items/uuid_things", [{ name: "v" }, { name: "w" }]));
      expect(many.every((row) => UUID_RE.test(row.id))).toBe(true);
      expect(ok(await http.get(`/items/uuid_things/${one.id}`)).name).toBe("u");
      expect(ok(await http.patch(`/items/uuid_things/${one.id}`, { name: "u2" })).name).toBe("u2");
      expect((await http.delete(`/items/uuid_things/${one.id}`)).status).toBe(204);
      expectError(await http.get(`/items/uuid_things/${one.id}`), 403, "FORBIDDEN");
    });

    it("keeps a client-supplied string primary key", async () => {
      await createCollection(http, "slugs", [stringPk, { field: "label", type: "string", schema: {} }]);
      expect(ok(await http.post("/items/slugs", { id: "hello-world", label: "H" })).id).toBe("hello-world");
      expect(ok(await http.get("/items/slugs/hello-world")).label).toBe("H");
      expectError(await http.post("/items/slugs", { id: "hello-world", label: "again" }), 400, "RECORD_NOT_UNIQUE");
      expect(ok(await http.patch("/items/slugs/hello-world", { label: "H2" })).label).toBe("H2");
      expect(ok(await http.get(`/items/slugs${qs({ filter: { id: { _eq: "hello-world" } } })}`))).toHaveLength(1);
    });
  });
});

describe.each(dbs)("relational writes and deletes (%s)", (db) => {
  let server: TestServer;
  let http: Http;

  beforeAll(async () => {
    server = await startServer({ db });
    http = createHttp(server.url, server.adminToken);
    const n = await createBlogSchema(http);
    await seedBlog(http, n);
  }, 60_000);
  afterAll(async () => server?.close());

  it("on_delete SET NULL empties the m2o of posts when their author goes", async () => {
    expect((await http.delete("/items/authors/2")).status).toBe(204);
    expect(ok(await http.get("/items/posts/3?fields=author")).author).toBeNull();
  });

  it("on_delete CASCADE removes comments and junction rows with their post", async () => {
    expect((await http.delete("/items/posts/1")).status).toBe(204);
    expect(sortedIds(ok(await http.get("/items/comments?fields=id")))).toEqual([3]);
    expect(ok<any[]>(await http.get("/items/posts_tags?fields=posts_id")).map((row) => row.posts_id)).toEqual([3]);
  });

  it("rejects an m2o pointing at a missing row", async () => {
    expectError(await http.post("/items/posts", { title: "orphan", author: 999 }), 400, "INVALID_FOREIGN_KEY");
  });
});
