// Access control on fields: field lists at the top level and through relations, hidden related rows, secrets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { PASSWORD, expectConcealed, expectNoSecrets, limitedUser, login, type LimitedUser } from "./access-fixtures.js";
import { autoPk, createCollection, createField, createRelation, expectError, ok, qs } from "./fixtures.js";

const dbs = await databases();

describe.each(dbs)("access control: fields (%s)", (db) => {
  let server: TestServer;
  let admin: Http;
  let reader: LimitedUser;
  let writer: { id: string; token: string };

  beforeAll(async () => {
    server = await startServer({ db });
    admin = createHttp(server.url, server.adminToken);
    await createCollection(admin, "authors", [
      autoPk,
      { field: "name", type: "string", schema: {} },
      { field: "email", type: "string", schema: {} },
    ]);
    await createCollection(admin, "articles", [
      autoPk,
      { field: "title", type: "string", schema: {} },
      { field: "body", type: "text", schema: {} },
      { field: "internal_notes", type: "string", schema: {} },
    ]);
    await createField(admin, "articles", { field: "author", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createField(admin, "authors", { field: "articles", type: "alias", meta: { special: ["o2m"] } });
    await createRelation(admin, { collection: "articles", field: "author", related_collection: "authors", meta: { one_field: "articles" }, schema: { on_delete: "SET NULL" } });
    await createField(admin, "articles", { field: "user_created", type: "uuid", meta: { special: ["user-created"] }, schema: {} });
    await createRelation(admin, { collection: "articles", field: "user_created", related_collection: "directus_users", meta: {}, schema: {} });
    await createCollection(admin, "reviews", [
      autoPk,
      { field: "text", type: "string", schema: {} },
      { field: "hidden", type: "boolean", schema: { default_value: false } },
    ]);
    await createField(admin, "reviews", { field: "article", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createField(admin, "articles", { field: "reviews", type: "alias", meta: { special: ["o2m"] } });
    await createRelation(admin, { collection: "reviews", field: "article", related_collection: "articles", meta: { one_field: "reviews" }, schema: { on_delete: "CASCADE" } });

    ok(await admin.post("/items/authors", [
      { name: "Visible", email: "visible@example.com" },
      { name: "Hidden", email: "hidden@example.com" },
    ]));
    // Articles are written by a user with a password and a static token, so user_created points at real secrets.
    const writerToken = "writer-secret-static-token";
    const writerUser = await limitedUser(server.url, admin, [{ collection: "articles", action: "create" }], { user: { token: writerToken } });
    writer = { id: writerUser.user.id, token: writerToken };
    // Without read access the create answers 204 (Directus) or 200.
    for (const item of [
      { title: "One", body: "b1", internal_notes: "secret-note-1", author: 1 },
      { title: "Two", body: "b2", internal_notes: "secret-note-2", author: 2 },
    ]) {
      const reply = await writerUser.http.post("/items/articles", item);
      expect([200, 204], JSON.stringify(reply.body)).toContain(reply.status);
    }
    ok(await admin.post("/items/reviews", [
      { text: "good", hidden: false, article: 1 },
      { text: "spam", hidden: true, article: 1 },
      { text: "ok", hidden: false, article: 2 },
    ]));

    reader = await limitedUser(server.url, admin, [
      { collection: "articles", action: "read", fields: ["id", "title", "author", "reviews", "user_created"] },
      { collection: "authors", action: "read", fields: ["id", "name", "articles"], permissions: { name: { _neq: "Hidden" } } },
      { collection: "reviews", action: "read", fields: ["id", "text", "article"], permissions: { hidden: { _eq: false } } },
    ]);
  }, 60_000);
  afterAll(async () => server?.close());

  const read = (query: string) => reader.http.get(`/items/articles${query}`);

  describe("top level", () => {
    it("fields=* returns only the allowed fields", async () => {
      const rows = ok<any[]>(await read("?fields=*&sort=id"));
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(Object.keys(row).sort()).toEqual(["author", "id", "reviews", "title", "user_created"]);
      expect(JSON.stringify(rows)).not.toContain("secret-note");
      const one = ok<any>(await reader.http.get("/items/articles/1"));
      expect(one).not.toHaveProperty("internal_notes");
      expect(one).not.toHaveProperty("body");
    });

    it("asking for a forbidden field is 403", async () => {
      expectError(await read("?fields=id,internal_notes"), 403, "FORBIDDEN");
      expectError(await read("?fields=body"), 403, "FORBIDDEN");
      expectError(await reader.http.get("/items/articles/1?fields=internal_notes"), 403, "FORBIDDEN");
    });

    it("filtering or sorting on a forbidden field is 403", async () => {
      expectError(await read(qs({ filter: { internal_notes: { _eq: "secret-note-1" } } })), 403, "FORBIDDEN");
      expectError(await read(qs({ filter: { _or: [{ title: { _eq: "One" } }, { body: { _contains: "b" } }] } })), 403, "FORBIDDEN");
      expectError(await read("?sort=internal_notes"), 403, "FORBIDDEN");
      expectError(await read("?sort=-body"), 403, "FORBIDDEN");
    });

    it("search does not look into forbidden fields", async () => {
      expect(ok<any[]>(await read("?search=secret-note&fields=id"))).toEqual([]);
      expect(ok<any[]>(await read("?search=Two&fields=id"))).toEqual([{ id: 2 }]);
    });
  });

  describe("through relations", () => {
    it("m2o: the related collection's field list applies; a hidden related row is null", async () => {
      const rows = ok<any[]>(await read("?fields=id,author.*&sort=id"));
      expect(rows).toEqual([
        { id: 1, author: { id: 1, name: "Visible", articles: [1] } },
        { id: 2, author: null },
      ]);
      expect(ok<any[]>(await read("?fields=id,author.name&sort=id"))).toEqual([
        { id: 1, author: { name: "Visible" } },
        { id: 2, author: null },
      ]);
    });

    it("m2o: asking for, filtering or sorting on a forbidden related field is 403", async () => {
      expectError(await read("?fields=id,author.email"), 403, "FORBIDDEN");
      expectError(await read(qs({ filter: { author: { email: { _eq: "hidden@example.com" } } } })), 403, "FORBIDDEN");
      expectError(await read("?sort=author.email"), 403, "FORBIDDEN");
    });

    it("m2o: filtering through a relation cannot reveal hidden related rows", async () => {
      expect(ok<any[]>(await read(qs({ filter: { author: { name: { _eq: "Hidden" } } }, fields: "id" })))).toEqual([]);
    });

    it("o2m: hidden related rows are absent, and only allowed fields show", async () => {
      const rows = ok<any[]>(await read("?fields=id,reviews.*&sort=id"));
      expect(rows).toEqual([
        { id: 1, reviews: [{ id: 1, text: "good", article: 1 }] },
        { id: 2, reviews: [{ id: 3, text: "ok", article: 2 }] },
      ]);
      const keys = ok<any[]>(await read("?fields=id,reviews&sort=id"));
      expect(keys.map((row) => row.reviews.map(Number))).toEqual([[1], [3]]);
      expectError(await read("?fields=id,reviews.hidden"), 403, "FORBIDDEN");
    });

    it("o2m from the other side: an author's article list uses the articles' field list", async () => {
      const authors = ok<any[]>(await reader.http.get("/items/authors?fields=name,articles.*"));
      expect(authors).toHaveLength(1);
      expect(authors[0].articles).toHaveLength(1);
      expect(authors[0].articles[0]).not.toHaveProperty("internal_notes");
      expectError(await reader.http.get("/items/authors?fields=name,articles.internal_notes"), 403, "FORBIDDEN");
    });
  });

  describe("other query parameters", () => {
    it("aggregate, groupBy, alias and deep cannot reach forbidden fields", async () => {
      expectError(await read("?aggregate[max]=internal_notes"), 403, "FORBIDDEN");
      expectError(await read("?aggregate[count]=id&groupBy=internal_notes"), 403, "FORBIDDEN");
      expectError(await read(`?${new URLSearchParams({ "alias[x]": "internal_notes", fields: "x" })}`), [400, 403]);
      expectError(await read(qs({ fields: "id,reviews.text", deep: { reviews: { _filter: { hidden: { _eq: true } } } } })), 403, "FORBIDDEN");
      const sorted = await read(qs({ fields: "id,reviews.text", deep: { reviews: { _sort: ["-hidden"] } } }));
      expectError(sorted, [400, 403]);
    });

    it("*.* expands only what each collection allows", async () => {
      const rows = ok<any[]>(await read("?fields=*.*&sort=id"));
      expect(JSON.stringify(rows)).not.toMatch(/secret-note|hidden@example|spam/);
      // (Expanded objects as in Directus, or plain keys: either way the hidden review is absent.)
      expect(rows[0].reviews.map((review: any) => Number(typeof review === "object" ? review.id : review))).toEqual([1]);
      if (rows[0].author !== null && typeof rows[0].author === "object") expect(rows[1].author).toBeNull();
    });
  });

  describe("nested writes check the related collection's rules", () => {
    it("creating related items through o2m or m2o without create access there is 403, and nothing is written", async () => {
      const user = await limitedUser(server.url, admin, [
        { collection: "articles", action: "create" },
        { collection: "articles", action: "read" },
        { collection: "articles", action: "update" },
        { collection: "reviews", action: "read" },
        { collection: "authors", action: "read" },
      ]);
      const before = async () => ({
        reviews: ok<any[]>(await admin.get("/items/reviews?fields=id&limit=-1")).length,
        authors: ok<any[]>(await admin.get("/items/authors?fields=id&limit=-1")).length,
        articles: ok<any[]>(await admin.get("/items/articles?fields=id&limit=-1")).length,
      });
      const counts = await before();
      expectError(await user.http.post("/items/articles", { title: "nested", reviews: [{ text: "self-praise", hidden: false }] }), 403, "FORBIDDEN");
      expectError(await user.http.post("/items/articles", { title: "nested", author: { name: "Made up", email: "x@example.com" } }), 403, "FORBIDDEN");
      expectError(await user.http.patch("/items/articles/1", { reviews: { create: [{ text: "sneaky" }] } }), 403, "FORBIDDEN");
      // Detaching reviews updates them (their foreign key): not allowed without update access on reviews.
      expectError(await user.http.patch("/items/articles/1", { reviews: [] }), 403, "FORBIDDEN");
      expect(await before()).toEqual(counts);
      expect(ok<any[]>(await admin.get("/items/reviews?filter[article][_eq]=1&fields=id&sort=id")).map((row) => row.id)).toEqual([1, 2]);
    });
  });

  describe("secrets never leak", () => {
    it("without read access to directus_users, user_created.* / .password is refused or empty", async () => {
      for (const fields of ["id,user_created.*", "id,user_created.password", "id,user_created.token"]) {
        const reply = await read(`?fields=${fields}`);
        expect([200, 403], JSON.stringify(reply.body)).toContain(reply.status);
        expectNoSecrets(reply.body, [writer.token]);
      }
    });

    it("with read access to all of directus_users, password and token are still concealed", async () => {
      const nosy = await limitedUser(server.url, admin, [
        { collection: "articles", action: "read" },
        { collection: "directus_users", action: "read" },
      ]);
      for (const fields of ["id,user_created.*", "id,user_created.password,user_created.token", "*.*"]) {
        const reply = await nosy.http.get(`/items/articles?fields=${fields}`);
        expect([200, 403], JSON.stringify(reply.body)).toContain(reply.status);
        expectNoSecrets(reply.body, [writer.token]);
        if (reply.status === 200) {
          for (const row of reply.body.data) {
            expectConcealed(row.user_created?.password);
            expectConcealed(row.user_created?.token);
          }
        }
      }
      for (const path of ["/users", "/users?fields=*", "/users?fields=id,email,password,token", `/users/${writer.id}`]) {
        const reply = await nosy.http.get(path);
        expect([200, 403], JSON.stringify(reply.body)).toContain(reply.status);
        expectNoSecrets(reply.body, [writer.token]);
      }
      // The admin too only ever sees masks.
      const asAdmin = ok<any>(await admin.get(`/users/${writer.id}?fields=*`));
      expectConcealed(asAdmin.password);
      expect(asAdmin.token).toBe("**********");
      expectNoSecrets(asAdmin, [writer.token]);
    });

    it("secrets cannot be probed through filters", async () => {
      const nosy = await limitedUser(server.url, admin, [
        { collection: "articles", action: "read" },
        { collection: "directus_users", action: "read" },
      ]);
      // Either refused, or the filter must not match on the real value (a match would leak it bit by bit).
      const probes: Array<[string, unknown]> = [
        ["/users", { token: { _eq: writer.token } }],
        ["/users", { token: { _starts_with: "writer-secret" } }],
        ["/users", { password: { _starts_with: "scrypt" } }],
        ["/items/articles", { user_created: { token: { _eq: writer.token } } }],
        ["/items/articles", { user_created: { password: { _starts_with: "scrypt" } } }],
      ];
      const leaks: string[] = [];
      for (const [path, filter] of probes) {
        const reply = await nosy.http.get(`${path}${qs({ filter, fields: "id" })}`);
        if (reply.status === 200 && reply.body.data.length > 0) leaks.push(`${path} ${JSON.stringify(filter)}`);
        else if (reply.status !== 200) expectError(reply, [400, 403]);
      }
      expect(leaks).toEqual([]);
    });

    it("a user's own login still works after all this (the password was not rewritten by reads)", async () => {
      const token = await login(server.url, reader.email, PASSWORD);
      const me = ok<any>(await createHttp(server.url, token).get("/users/me"));
      expect(me.id).toBe(reader.user.id);
      expectNoSecrets(me, [reader.token]);
    });
  });
});
