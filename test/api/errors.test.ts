// Bad and hostile input: every failure is a clear 4xx in the Directus error envelope, and data stays intact.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { autoPk, createBlogSchema, createCollection, expectError, ok, qs, seedBlog } from "./fixtures.js";

const dbs = await databases();

describe.each(dbs)("errors (%s)", (db) => {
  let server: TestServer;
  let http: Http;

  beforeAll(async () => {
    server = await startServer({ db });
    http = createHttp(server.url, server.adminToken);
    const n = await createBlogSchema(http);
    await seedBlog(http, n);
    await createCollection(http, "strict", [
      autoPk,
      { field: "name", type: "string", schema: { is_nullable: false } },
      { field: "code", type: "string", schema: { is_unique: true } },
      { field: "qty", type: "integer", schema: {} },
      { field: "flag", type: "boolean", meta: { special: ["cast-boolean"] }, schema: {} },
    ]);
  }, 60_000);
  afterAll(async () => server?.close());

  /** The seeded data, to compare before and after hostile requests. */
  const snapshot = async () => {
    const posts = ok<any[]>(await http.get("/items/posts?fields=id,title,status,author&sort=id&limit=-1"));
    const authors = ok<any[]>(await http.get("/items/authors?fields=id,name&sort=id&limit=-1"));
    const collections = ok<any[]>(await http.get("/collections")).map((c) => c.collection).sort();
    return { posts, authors, collections };
  };
  let intact: Awaited<ReturnType<typeof snapshot>>;
  beforeAll(async () => {
    intact = await snapshot();
    expect(intact.posts).toHaveLength(4);
  });

  describe("unknown collection", () => {
    const message = (name: string) => `You don't have permission to access collection "${name}" or it does not exist. Queried in root.`;

    it("answers 403 FORBIDDEN with Directus's message on every items route, even for an admin", async () => {
      for (const reply of [
        await http.get("/items/nope"),
        await http.get("/items/nope/1"),
        await http.post("/items/nope", { a: 1 }),
        await http.patch("/items/nope/1", { a: 1 }),
        await http.patch("/items/nope", { keys: [1], data: { a: 1 } }),
        await http.delete("/items/nope/1"),
        await http.delete("/items/nope", [1]),
      ]) {
        const error = expectError(reply, 403, "FORBIDDEN");
        expect(error.message).toBe(message("nope"));
      }
    });

    it("does not serve system tables through /items", async () => {
      expectError(await http.get("/items/directus_users"), [400, 403], "FORBIDDEN");
    });
  });

  describe("bad queries", () => {
    it("unknown field in fields → 4xx", async () => {
      expectError(await http.get("/items/posts?fields=id,nope"), [400, 403], ["FORBIDDEN", "INVALID_QUERY"]);
      expectError(await http.get("/items/posts?fields=author.nope"), [400, 403], ["FORBIDDEN", "INVALID_QUERY"]);
      expectError(await http.get("/items/posts?fields=title.nope"), [400, 403], ["FORBIDDEN", "INVALID_QUERY"]);
    });

    it("unknown field in filter → 4xx", async () => {
      expectError(await http.get(`/items/posts${qs({ filter: { nope: { _eq: 1 } } })}`), [400, 403], ["FORBIDDEN", "INVALID_QUERY"]);
      expectError(await http.get(`/items/posts${qs({ filter: { author: { nope: { _eq: 1 } } } })}`), [400, 403], ["FORBIDDEN", "INVALID_QUERY"]);
      expectError(await http.get("/items/posts?filter[nope][_eq]=1"), [400, 403], ["FORBIDDEN", "INVALID_QUERY"]);
    });

    it("unknown field in sort → 4xx", async () => {
      expectError(await http.get("/items/posts?sort=nope"), [400, 403], ["FORBIDDEN", "INVALID_QUERY"]);
      expectError(await http.get("/items/posts?sort=-author.nope"), [400, 403], ["FORBIDDEN", "INVALID_QUERY"]);
    });

    it("unknown operator → 400 INVALID_QUERY", async () => {
      expectError(await http.get(`/items/posts${qs({ filter: { title: { _foo: "x" } } })}`), 400, "INVALID_QUERY");
      expectError(await http.get("/items/posts?filter[title][_foo]=x"), 400, "INVALID_QUERY");
      expectError(await http.get(`/items/posts${qs({ filter: { _xor: [] } })}`), 400, "INVALID_QUERY");
    });

    it("malformed filter JSON → 400 INVALID_QUERY", async () => {
      expectError(await http.get("/items/posts?filter=%7Bbad"), 400, "INVALID_QUERY");
      expectError(await http.get(`/items/posts?filter=${encodeURIComponent('{"title":')}`), 400, "INVALID_QUERY");
      expectError(await http.get(`/items/posts?deep=${encodeURIComponent("{nope")}`), 400, "INVALID_QUERY");
    });

    it("bad operator values → 400 INVALID_QUERY", async () => {
      expectError(await http.get(`/items/posts${qs({ filter: { rating: { _between: [1] } } })}`), 400, "INVALID_QUERY");
      expectError(await http.get(`/items/posts${qs({ filter: { _and: { id: { _eq: 1 } } } })}`), 400, "INVALID_QUERY");
    });

    it("bad limit, offset or page → 400 INVALID_QUERY", async () => {
      for (const query of ["limit=abc", "limit=-5", "offset=-1", "offset=x", "page=x"]) {
        expectError(await http.get(`/items/posts?${query}`), 400, "INVALID_QUERY");
      }
    });
  });

  describe("bad payloads", () => {
    it("unknown field in the body → 400 INVALID_PAYLOAD naming the field", async () => {
      const error = expectError(await http.post("/items/strict", { name: "a", mystery_field: 1 }), 400, "INVALID_PAYLOAD");
      expect(error.message).toContain("mystery_field");
      const [row] = ok<any[]>(await http.post("/items/strict", [{ name: "ok" }]));
      const patchError = expectError(await http.patch(`/items/strict/${row.id}`, { other_mystery: 1 }), 400, "INVALID_PAYLOAD");
      expect(patchError.message).toContain("other_mystery");
    });

    it("wrong type → 400 INVALID_PAYLOAD naming the field", async () => {
      expect(expectError(await http.post("/items/strict", { name: "a", qty: "abc" }), 400, "INVALID_PAYLOAD").message).toContain("qty");
      expect(expectError(await http.post("/items/strict", { name: "a", qty: 1.5 }), 400, "INVALID_PAYLOAD").message).toContain("qty");
      expect(expectError(await http.post("/items/strict", { name: { nested: true } }), 400, "INVALID_PAYLOAD").message).toContain("name");
      expect(expectError(await http.post("/items/strict", { name: "a", flag: "maybe" }), 400, "INVALID_PAYLOAD").message).toContain("flag");
    });

    it("a body that is not an object or array → 400 INVALID_PAYLOAD", async () => {
      expectError(await http.post("/items/strict", "just a string"), 400, "INVALID_PAYLOAD");
      expectError(await http.post("/items/strict", [1, 2]), 400, "INVALID_PAYLOAD");
      expectError(await http.post("/items/strict", null), 400, "INVALID_PAYLOAD");
    });

    it("unique violation → 400 RECORD_NOT_UNIQUE", async () => {
      ok(await http.post("/items/strict", { name: "u", code: "dup" }));
      expectError(await http.post("/items/strict", { name: "u2", code: "dup" }), 400, "RECORD_NOT_UNIQUE");
    });

    it("not-null violation → 400 NOT_NULL_VIOLATION", async () => {
      expectError(await http.post("/items/strict", { name: null }), 400, "NOT_NULL_VIOLATION");
      expectError(await http.post("/items/strict", { code: "no-name" }), 400, "NOT_NULL_VIOLATION");
    });

    it("malformed JSON body → 400 INVALID_PAYLOAD", async () => {
      expectError(await http.request("POST", "/items/strict", { raw: '{"name": ' }), 400, "INVALID_PAYLOAD");
      expectError(await http.request("POST", "/auth/login", { raw: "{not json" }), 400, "INVALID_PAYLOAD");
    });

    it("body larger than MAX_PAYLOAD_SIZE (1mb) → 413", async () => {
      const reply = await http.post("/items/strict", { name: "x".repeat(1_100_000) });
      expect(reply.status).toBe(413);
      expectError(reply, 413);
      expect(ok<any[]>(await http.get(`/items/strict${qs({ filter: { name: { _starts_with: "xxxx" } } })}`))).toEqual([]);
    });
  });

  describe("routes and access", () => {
    it("unknown route → 404 ROUTE_NOT_FOUND", async () => {
      expectError(await http.get("/nope"), 404, "ROUTE_NOT_FOUND");
      expectError(await http.post("/items", {}), 404, "ROUTE_NOT_FOUND");
      expectError(await createHttp(server.url).get("/definitely/not/here"), 404, "ROUTE_NOT_FOUND");
      expectError(await http.request("PUT", "/items/posts/1", { body: { title: "x" } }), 404, "ROUTE_NOT_FOUND");
    });

    it("unauthenticated requests to items and collections → 401/403", async () => {
      const anonymous = createHttp(server.url);
      expectError(await anonymous.get("/items/posts"), [401, 403]);
      expectError(await anonymous.get("/items/posts/1"), [401, 403]);
      expectError(await anonymous.post("/items/posts", { title: "anon" }), [401, 403]);
      expectError(await anonymous.patch("/items/posts/1", { title: "anon" }), [401, 403]);
      expectError(await anonymous.delete("/items/posts/1"), [401, 403]);
      expectError(await anonymous.get("/collections"), [401, 403]);
      expect(await snapshot()).toEqual(intact);
    });
  });

  describe("hostile input", () => {
    it("SQL fragments in sort, fields and filter keys → 4xx, data intact", async () => {
      const attempts = [
        `/items/posts?sort=${encodeURIComponent("id; drop table posts")}`,
        `/items/posts?sort=${encodeURIComponent('id"; drop table posts; --')}`,
        `/items/posts?fields=${encodeURIComponent("id; drop table posts")}`,
        `/items/posts?fields=${encodeURIComponent('id", (select 1) as "x')}`,
        `/items/posts${qs({ filter: { 'id"; drop table posts; --': { _eq: 1 } } })}`,
        `/items/posts${qs({ filter: { title: { _eq: 1 }, "1=1) or (1": { _eq: 1 } } })}`,
        `/items/posts?search=${encodeURIComponent("'; drop table posts; --")}&fields=${encodeURIComponent("*; drop")}`,
      ];
      for (const path of attempts) {
        const reply = await http.get(path);
        expect(reply.status, `${path}: ${JSON.stringify(reply.body)}`).toBeGreaterThanOrEqual(400);
        expectError(reply, [400, 403]);
      }
      expect(await snapshot()).toEqual(intact);
    });

    it("SQL in values is data, not code", async () => {
      const value = "'; drop table posts; --";
      expect(ok(await http.get(`/items/posts${qs({ filter: { title: { _eq: value } } })}`))).toEqual([]);
      expect(ok(await http.get(`/items/posts?search=${encodeURIComponent(value)}`))).toEqual([]);
      const created = ok(await http.post("/items/strict", { name: value }));
      expect(ok(await http.get(`/items/strict/${created.id}`)).name).toBe(value);
      expect(await snapshot()).toEqual(intact);
    });

    it("__proto__ and constructor keys → 4xx, no pollution", async () => {
      const paths = [
        ...['{"__proto__":{"_eq":1}}', '{"title":{"__proto__":{"_eq":1}}}', '{"constructor":{"_eq":1}}', '{"_and":[{"__proto__":{"polluted":1}}]}'].map(
          (filter) => `/items/posts?filter=${encodeURIComponent(filter)}`,
        ),
        "/items/posts?fields=__proto__",
        "/items/posts?sort=constructor",
      ];
      for (const path of paths) {
        const reply = await http.get(path);
        expect([400, 403], `${decodeURIComponent(path)} → ${reply.status}`).toContain(reply.status);
        expectError(reply, [400, 403]);
      }
      expectError(await http.request("POST", "/items/strict", { raw: '{"name":"p","__proto__":{"admin":true}}' }), 400, "INVALID_PAYLOAD");
      expect(({} as any).polluted).toBeUndefined();
      expect((await http.get("/server/health")).body.status).toBe("ok");
    });

    it("a bracket filter with a __proto__ key → 4xx, not silently dropped", async () => {
      expectError(await http.get("/items/posts?filter[__proto__][polluted]=1"), [400, 403]);
      expectError(await http.get("/items/posts?filter[title][__proto__]=1"), [400, 403]);
    });

    it("100-level nesting → 400 or a correct answer, never 500", async () => {
      let filter: unknown = { id: { _eq: 1 } };
      for (let i = 0; i < 100; i++) filter = { _and: [filter] };
      const reply = await http.get(`/items/posts?fields=id${qs({ filter }).replace("?", "&")}`);
      if (reply.status === 200) expect(reply.body.data).toEqual([{ id: 1 }]);
      else expectError(reply, 400, "INVALID_QUERY");
      const deepPath = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? "author" : "posts")).join(".") + ".id";
      expectError(await http.get(`/items/posts?fields=${deepPath}`), 400, "INVALID_QUERY");
      let relFilter: unknown = { _eq: 1 };
      for (let i = 0; i < 100; i++) relFilter = { [i % 2 === 0 ? "author" : "posts"]: relFilter };
      expectError(await http.get(`/items/authors${qs({ filter: relFilter })}`), 400, "INVALID_QUERY");
      expect(await snapshot()).toEqual(intact);
    });

    it("an _in list of 100000 values → 4xx or a correct answer, never 500", async () => {
      const huge = Array.from({ length: 100_000 }, (_, i) => i + 1000);
      huge[500] = 1;
      const reply = await http.patch("/items/posts", { query: { filter: { id: { _in: huge } } }, data: { status: "published" } });
      if (reply.status === 200) {
        expect(reply.body.data.map((row: any) => row.id)).toEqual([1]);
      } else {
        expectError(reply, [400, 413]);
      }
      const removal = await http.delete("/items/posts", { query: { filter: { id: { _in: huge.map((id) => id + 200_000) } } } });
      expect([204, 400, 413]).toContain(removal.status);
      expect(await snapshot()).toEqual(intact);
    });

    it("hostile collection names → 4xx, nothing created", async () => {
      for (const name of ["../etc", 'x"; drop table posts; --', "posts; drop", "", "x".repeat(300)]) {
        const reply = await http.post("/collections", { collection: name, meta: {}, schema: {}, fields: [autoPk] });
        expectError(reply, [400, 403]);
        const read = await http.get(`/items/${encodeURIComponent(name)}`);
        expect(read.status, `${name}: ${read.status}`).toBeGreaterThanOrEqual(400);
        expect(read.status).toBeLessThan(500);
      }
      expectError(await http.get(`/items/${encodeURIComponent('x"; drop')}`), 403, "FORBIDDEN");
      expectError(await http.get("/items/..%2Fetc"), [403, 404]);
      expectError(await http.post("/fields/posts", { field: 'x"; drop table posts; --', type: "string" }), 400, "INVALID_PAYLOAD");
      expect(await snapshot()).toEqual(intact);
    });
  });
});

describe.each(dbs)("MAX_PAYLOAD_SIZE from configuration (%s)", (db) => {
  let server: TestServer;
  let http: Http;

  beforeAll(async () => {
    server = await startServer({ db, env: { MAX_PAYLOAD_SIZE: "10kb" } });
    http = createHttp(server.url, server.adminToken);
    await createCollection(http, "blobs", [autoPk, { field: "text", type: "text", schema: {} }]);
  }, 60_000);
  afterAll(async () => server?.close());

  it("accepts a body under the limit and refuses one over it with 413", async () => {
    ok(await http.post("/items/blobs", { text: "a".repeat(5_000) }));
    expectError(await http.post("/items/blobs", { text: "b".repeat(20_000) }), 413);
    expect(ok<any[]>(await http.get("/items/blobs?fields=id"))).toHaveLength(1);
  });
});
