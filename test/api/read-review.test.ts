// Read-path review: $NOW presets stay fresh, sorting through a relation hides what filtering hides,
// and a schema change answers with its own result even while other changes reload the schema.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { limitedUser, type LimitedUser } from "./access-fixtures.js";
import { autoPk, createCollection, createField, createRelation, expectError, ok } from "./fixtures.js";

const dbs = await databases();

describe.each(dbs)("read review (%s)", (db) => {
  let server: TestServer;
  let admin: Http;

  beforeAll(async () => {
    server = await startServer({ db });
    admin = createHttp(server.url, server.adminToken);
  }, 60_000);
  afterAll(async () => server?.close());

  describe("a $NOW preset", () => {
    it("stamps each create with its own time, not the time the permission view was built", async () => {
      await createCollection(admin, "stamped", [
        autoPk,
        { field: "text", type: "string", schema: {} },
        { field: "stamp", type: "timestamp", schema: {} },
      ]);
      const writer = await limitedUser(server.url, admin, [
        { collection: "stamped", action: "create", fields: ["text"], presets: { stamp: "$NOW" } },
        { collection: "stamped", action: "read" },
      ]);
      const first = ok<any>(await writer.http.post("/items/stamped", { text: "first" }));
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const second = ok<any>(await writer.http.post("/items/stamped", { text: "second" }));
      expect(first.stamp).toBeTruthy();
      expect(Date.parse(second.stamp) - Date.parse(first.stamp)).toBeGreaterThanOrEqual(1000);
    });
  });

  describe("sorting through a many-to-one relation", () => {
    let reader: LimitedUser;
    const posts: Record<string, number> = {};

    beforeAll(async () => {
      await createCollection(admin, "rv_authors", [
        autoPk,
        { field: "name", type: "string", schema: {} },
        { field: "public", type: "boolean", schema: {} },
        { field: "secret_rank", type: "integer", schema: {} },
        { field: "note", type: "string", schema: {} },
      ]);
      await createCollection(admin, "rv_posts", [autoPk, { field: "title", type: "string", schema: {} }]);
      await createField(admin, "rv_posts", { field: "author", type: "integer", meta: { special: ["m2o"] }, schema: {} });
      await createRelation(admin, { collection: "rv_posts", field: "author", related_collection: "rv_authors", schema: { on_delete: "SET NULL" } });
      const authors = ok<any[]>(await admin.post("/items/rv_authors", [
        { name: "hidden-30", public: false, secret_rank: 30 },
        { name: "hidden-10", public: false, secret_rank: 10 },
        { name: "hidden-20", public: false, secret_rank: 20 },
        { name: "public-2", public: true, secret_rank: 2 },
        { name: "public-1", public: true, secret_rank: 1 },
      ]));
      // Posts are created in id order p1..p6; the hidden authors' ranks run against that order.
      const rows = ok<any[]>(await admin.post("/items/rv_posts", [
        { title: "p1", author: authors[0].id },
        { title: "p2", author: authors[1].id },
        { title: "p3", author: authors[2].id },
        { title: "p4", author: authors[3].id },
        { title: "p5", author: authors[4].id },
        { title: "p6", author: null },
      ]));
      for (const row of rows) posts[row.title] = row.id;
      reader = await limitedUser(server.url, admin, [
        { collection: "rv_posts", action: "read" },
        { collection: "rv_authors", action: "read", fields: ["id", "name", "public", "secret_rank"], permissions: { public: { _eq: true } } },
      ]);
    }, 60_000);

    const titles = async (http: Http, sort: string) => ok<any[]>(await http.get(`/items/rv_posts?fields=title&sort=${sort}`)).map((row) => row.title);

    it("the admin sees the full order (the data really does order the hidden authors)", async () => {
      expect(await titles(admin, "author.secret_rank")).toEqual(["p6", "p5", "p4", "p2", "p3", "p1"]);
    });

    it("related rows the caller may not read sort as NULL: their order reveals nothing", async () => {
      // NULLs first ascending, ties broken by the primary key.
      expect(await titles(reader.http, "author.secret_rank")).toEqual(["p1", "p2", "p3", "p6", "p5", "p4"]);
      expect(await titles(reader.http, "-author.secret_rank")).toEqual(["p4", "p5", "p1", "p2", "p3", "p6"]);
    });

    it("a related field the caller may not read cannot be sorted on", async () => {
      expectError(await reader.http.get("/items/rv_posts?fields=title&sort=author.note"), 403, "FORBIDDEN");
    });
  });

  describe("concurrent schema changes", () => {
    it("each POST /fields answers with its own field", async () => {
      await createCollection(admin, "rv_wide", [autoPk]);
      // A few rounds: the race (a reload joining a load begun before the change committed) is a matter of timing.
      for (const round of [1, 2, 3]) {
        const names = Array.from({ length: 12 }, (_, index) => `r${round}_f${index}`);
        const replies = await Promise.all(names.map((field) => admin.post("/fields/rv_wide", { field, type: "string", schema: {} })));
        expect(replies.map((reply) => [reply.status, reply.body?.data?.field])).toEqual(names.map((field) => [200, field]));
      }
    });
  });
});
