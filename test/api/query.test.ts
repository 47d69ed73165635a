// The Directus query language on reads: fields, filter, sort, limit/offset/page, search, meta, deep.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { createBlogSchema, ok, qs, seedBlog, sortedIds, ids, type BlogNames } from "./fixtures.js";

const dbs = await databases();

describe.each(dbs)("query language (%s)", (db) => {
  let server: TestServer;
  let http: Http;
  let n: BlogNames;

  beforeAll(async () => {
    server = await startServer({ db });
    http = createHttp(server.url, server.adminToken);
    n = await createBlogSchema(http);
    await seedBlog(http, n);
  }, 60_000);
  afterAll(async () => server?.close());

  const posts = async (query: string) => ok<any[]>(await http.get(`/items/${n.posts}${query}`));
  const filterIds = async (filter: unknown) => sortedIds(await posts(qs({ filter, fields: "id" })));

  describe("fields", () => {
    it("returns only the requested fields, comma-separated or as an array", async () => {
      const rows = await posts("?fields=id,title&sort=id");
      expect(rows).toEqual([
        { id: 1, title: "Hello World" },
        { id: 2, title: "hello again" },
        { id: 3, title: "Goodbye" },
        { id: 4, title: "Misc" },
      ]);
      expect(await posts("?fields[]=id&fields[]=title&sort=id")).toEqual(rows);
    });

    it("* returns every column", async () => {
      const [row] = await posts("?fields=*&filter[id][_eq]=1");
      expect(row).toMatchObject({ id: 1, title: "Hello World", body: "First POST body", status: "published", category: "news", rating: 4.5, author: 1 });
      expect(row.published_at).toBe("2020-01-01T00:00:00.000Z");
    });

    it("* lists o2m and m2m aliases as arrays of related keys", async () => {
      const [row] = await posts("?fields=*&filter[id][_eq]=1");
      expect([...row.comments].map(Number).sort()).toEqual([1, 2]);
      expect(row.tags).toHaveLength(2);
    });

    it("follows m2o paths (author.name, author.*) and returns null for an empty m2o", async () => {
      expect(await posts("?fields=id,author.name&sort=id")).toEqual([
        { id: 1, author: { name: "Alice" } },
        { id: 2, author: { name: "Alice" } },
        { id: 3, author: { name: "Bob" } },
        { id: 4, author: null },
      ]);
      const [row] = await posts("?fields=title,author.*&filter[id][_eq]=3");
      expect(row.title).toBe("Goodbye");
      expect(row.author).toMatchObject({ id: 2, name: "Bob", email: "bob@example.com", age: null });
    });

    it("follows o2m paths", async () => {
      const [row] = await posts("?fields=id,comments.text&filter[id][_eq]=1");
      expect(row.comments.map((c: any) => c.text).sort()).toEqual(["Nice!", "great stuff"]);
      expect(Object.keys(row.comments[0])).toEqual(["text"]);
      const [star] = await posts("?fields=id,comments.*&filter[id][_eq]=3");
      expect(star.comments).toEqual([{ id: 3, text: "Meh", post: 3 }]);
      const [empty] = await posts("?fields=id,comments.text&filter[id][_eq]=2");
      expect(empty.comments).toEqual([]);
      const authors = ok<any[]>(await http.get(`/items/${n.authors}?fields=name,posts.title&filter[id][_eq]=2`));
      expect(authors).toEqual([{ name: "Bob", posts: [{ title: "Goodbye" }] }]);
    });

    it("follows m2m paths through the junction", async () => {
      const [row] = await posts("?fields=id,tags.tags_id.name&filter[id][_eq]=1");
      expect(row.tags.map((t: any) => t.tags_id.name).sort()).toEqual(["js", "ts"]);
    });

    it("nests several levels", async () => {
      const comments = ok<any[]>(await http.get(`/items/${n.comments}?fields=text,post.title,post.author.name,post.tags.tags_id.name&filter[id][_eq]=3`));
      expect(comments).toEqual([{ text: "Meh", post: { title: "Goodbye", author: { name: "Bob" }, tags: [{ tags_id: { name: "sql" } }] } }]);
    });
  });

  describe("filter operators", () => {
    const cases: Array<[string, unknown, number[]]> = [
      ["_eq", { status: { _eq: "published" } }, [1, 3]],
      ["_neq excludes nulls", { category: { _neq: "news" } }, [2]],
      ["_eq null means is null", { category: { _eq: null } }, [3]],
      ["_lt", { rating: { _lt: 3 } }, [3]],
      ["_lte", { rating: { _lte: 3 } }, [3, 4]],
      ["_gt", { rating: { _gt: 2 } }, [1, 4]],
      ["_gte", { rating: { _gte: 2 } }, [1, 3, 4]],
      ["_in", { status: { _in: ["published", "archived"] } }, [1, 3, 4]],
      ["_nin excludes nulls", { category: { _nin: ["news"] } }, [2]],
      ["_null", { category: { _null: true } }, [3]],
      ["_nnull", { category: { _nnull: true } }, [1, 2, 4]],
      ["_contains is case-sensitive", { title: { _contains: "Hello" } }, [1]],
      ["_ncontains", { title: { _ncontains: "ll" } }, [3, 4]],
      ["_ncontains excludes nulls", { category: { _ncontains: "ne" } }, [2]],
      ["_icontains", { title: { _icontains: "HELLO" } }, [1, 2]],
      ["_starts_with", { title: { _starts_with: "Hello" } }, [1]],
      ["_nstarts_with", { title: { _nstarts_with: "Hello" } }, [2, 3, 4]],
      ["_istarts_with", { title: { _istarts_with: "hELLo" } }, [1, 2]],
      ["_ends_with", { title: { _ends_with: "again" } }, [2]],
      ["_nends_with", { title: { _nends_with: "again" } }, [1, 3, 4]],
      ["_iends_with", { title: { _iends_with: "WORLD" } }, [1]],
      ["_between", { rating: { _between: [3, 4.5] } }, [1, 4]],
      ["_nbetween", { rating: { _nbetween: [3, 4.5] } }, [3]],
      ["_empty", { subtitle: { _empty: true } }, [1, 2]],
      ["_nempty", { subtitle: { _nempty: true } }, [3, 4]],
      ["_and", { _and: [{ status: { _eq: "published" } }, { rating: { _gt: 3 } }] }, [1]],
      ["_or", { _or: [{ status: { _eq: "draft" } }, { category: { _null: true } }] }, [2, 3]],
      ["nested _and/_or", { _and: [{ _or: [{ id: { _eq: 1 } }, { id: { _eq: 4 } }] }, { category: { _eq: "news" } }] }, [1, 4]],
      ["implicit _and of two fields", { status: { _eq: "published" }, category: { _eq: "news" } }, [1]],
      ["across m2o", { author: { name: { _eq: "Alice" } } }, [1, 2]],
      ["across m2o, case-insensitive", { author: { name: { _icontains: "BO" } } }, [3]],
      ["o2m without _some means _some", { comments: { text: { _eq: "Meh" } } }, [3]],
      ["_in with an empty list matches nothing", { id: { _in: [] } }, []],
      ["o2m _some", { comments: { _some: { text: { _contains: "Nice" } } } }, [1]],
      ["o2m _none", { comments: { _none: { text: { _contains: "Nice" } } } }, [2, 3, 4]],
      ["m2m _some", { tags: { _some: { tags_id: { name: { _eq: "sql" } } } } }, [3]],
      ["m2m _none", { tags: { _none: { tags_id: { name: { _eq: "js" } } } } }, [2, 3, 4]],
      ["timestamps compare as dates", { published_at: { _lt: "2021-01-01T00:00:00.000Z" } }, [1]],
      ["$NOW", { published_at: { _lt: "$NOW" } }, [1, 3]],
      ["$NOW after", { published_at: { _gt: "$NOW" } }, [2]],
      ["$NOW(-1 day)", { published_at: { _gt: "$NOW(-1 day)" } }, [2, 3]],
      ["date-created against $NOW", { date_created: { _lte: "$NOW" } }, [1, 2, 3, 4]],
      ["date-created against $NOW(+1 day)", { date_created: { _gt: "$NOW(+1 day)" } }, []],
      ["$CURRENT_USER", { user_created: { _eq: "$CURRENT_USER" } }, [1, 2, 3, 4]],
      ["$CURRENT_USER negated", { user_created: { _neq: "$CURRENT_USER" } }, []],
    ];
    it.each(cases)("%s", async (_name, filter, expected) => {
      expect(await filterIds(filter)).toEqual(expected);
    });

    it("_contains treats SQL wildcards literally", async () => {
      expect(await filterIds({ title: { _contains: "%" } })).toEqual([]);
      expect(await filterIds({ title: { _contains: "_" } })).toEqual([]);
      expect(await filterIds({ title: { _icontains: "%" } })).toEqual([]);
      expect(await filterIds({ title: { _starts_with: "_" } })).toEqual([]);
      expect(sortedIds(await posts("?fields=id&search=%25"))).toEqual([]);
    });

    it("accepts bracket filters (filter[status][_eq]=x)", async () => {
      const idsOf = async (query: string) => sortedIds(await posts(`?fields=id&${query}`));
      expect(await idsOf("filter[status][_eq]=published")).toEqual([1, 3]);
      expect(await idsOf("filter[status][_in]=published,archived")).toEqual([1, 3, 4]);
      expect(await idsOf("filter[status][_in][]=draft&filter[status][_in][]=archived")).toEqual([2, 4]);
      expect(await idsOf("filter[rating][_gt]=2")).toEqual([1, 4]);
      expect(await idsOf("filter[rating][_eq]=4.5")).toEqual([1]);
      expect(await idsOf("filter[rating][_between]=2,3")).toEqual([3, 4]);
      expect(await idsOf("filter[category][_null]=true")).toEqual([3]);
      expect(await idsOf("filter[author][name][_eq]=Bob")).toEqual([3]);
      expect(await idsOf("filter[_or][0][status][_eq]=draft&filter[_or][1][id][_eq]=4")).toEqual([2, 4]);
      expect(await idsOf(`filter[user_created][_eq]=$CURRENT_USER`)).toEqual([1, 2, 3, 4]);
    });

    it("filters related collections through the m2o from the other side", async () => {
      const authors = ok<any[]>(await http.get(`/items/${n.authors}${qs({ fields: "id", filter: { posts: { _some: { status: { _eq: "draft" } } } } })}`));
      expect(sortedIds(authors)).toEqual([1]);
    });
  });

  describe("sort", () => {
    it("sorts by several fields, - for descending", async () => {
      expect(ids(await posts("?fields=id&sort=status,-id"))).toEqual([4, 2, 3, 1]);
      expect(ids(await posts("?fields=id&sort=-rating&filter[rating][_nnull]=true"))).toEqual([1, 4, 3]);
      expect(ids(await posts("?fields=id&sort[]=status&sort[]=-id"))).toEqual([4, 2, 3, 1]);
    });

    it("sorts by a relational path", async () => {
      expect(ids(await posts("?fields=id&sort=-author.name,id&filter[author][_nnull]=true"))).toEqual([3, 1, 2]);
    });

    it("sorts without a sort by primary key", async () => {
      expect(ids(await posts("?fields=id"))).toEqual([1, 2, 3, 4]);
    });
  });

  describe("limit, offset, page", () => {
    it("limits and offsets", async () => {
      expect(ids(await posts("?fields=id&sort=id&limit=2"))).toEqual([1, 2]);
      expect(ids(await posts("?fields=id&sort=id&limit=2&offset=1"))).toEqual([2, 3]);
      expect(ids(await posts("?fields=id&sort=id&limit=-1"))).toEqual([1, 2, 3, 4]);
      expect(ids(await posts("?fields=id&sort=id&limit=0"))).toEqual([]);
    });

    it("pages from 1", async () => {
      expect(ids(await posts("?fields=id&sort=id&limit=3&page=1"))).toEqual([1, 2, 3]);
      expect(ids(await posts("?fields=id&sort=id&limit=3&page=2"))).toEqual([4]);
      expect(ids(await posts("?fields=id&sort=id&limit=3&page=3"))).toEqual([]);
    });
  });

  describe("search", () => {
    it("matches string and text fields case-insensitively", async () => {
      expect(sortedIds(await posts("?fields=id&search=HELLO"))).toEqual([1, 2]);
      expect(sortedIds(await posts("?fields=id&search=post%20body"))).toEqual([1]);
      expect(sortedIds(await posts("?fields=id&search=zzz-no-match"))).toEqual([]);
    });

    it("combines with filter", async () => {
      expect(sortedIds(await posts("?fields=id&search=hello&filter[status][_eq]=draft"))).toEqual([2]);
    });
  });

  describe("meta", () => {
    it("returns total_count and filter_count", async () => {
      const reply = await http.get(`/items/${n.posts}${qs({ meta: "total_count,filter_count", filter: { status: { _eq: "published" } }, limit: 1 })}`);
      expect(reply.status).toBe(200);
      expect(reply.body.data).toHaveLength(1);
      expect(reply.body.meta).toEqual({ total_count: 4, filter_count: 2 });
    });

    it("counts each row once when filtering across o2m and m2o", async () => {
      const reply = await http.get(`/items/${n.posts}?fields=id&meta=filter_count&filter[comments][_some][text][_contains]=e`);
      expect(sortedIds(reply.body.data)).toEqual([1, 3]);
      expect(reply.body.meta).toEqual({ filter_count: 2 });
      const byAuthor = await http.get(`/items/${n.posts}?fields=id&meta=filter_count&filter[author][name][_eq]=Alice`);
      expect(byAuthor.body.meta).toEqual({ filter_count: 2 });
    });

    it("returns only the requested count, and * for both", async () => {
      const one = await http.get(`/items/${n.posts}?meta=total_count&search=hello`);
      expect(one.body.meta).toEqual({ total_count: 4 });
      const star = await http.get(`/items/${n.posts}?meta=*&search=hello`);
      expect(star.body.meta).toEqual({ total_count: 4, filter_count: 2 });
      const none = await http.get(`/items/${n.posts}`);
      expect(none.body.meta).toBeUndefined();
    });
  });

  describe("deep", () => {
    it("limits and sorts nested o2m rows", async () => {
      const deep = { comments: { _limit: 1, _sort: ["-id"] } };
      const [row] = await posts(`${qs({ fields: "id,comments.id,comments.text", deep })}&filter[id][_eq]=1`);
      expect(row).toEqual({ id: 1, comments: [{ id: 2, text: "great stuff" }] });
    });

    it("filters nested rows without filtering the parents", async () => {
      const deep = { comments: { _filter: { text: { _contains: "Nice" } } } };
      const rows = await posts(`${qs({ fields: "id,comments.text", deep, sort: "id" })}`);
      expect(rows.map((r: any) => r.comments.map((c: any) => c.text))).toEqual([["Nice!"], [], [], []]);
    });

    it("filters nested m2m rows", async () => {
      const deep = { tags: { _filter: { tags_id: { name: { _eq: "ts" } } } } };
      const [row] = await posts(`${qs({ fields: "id,tags.tags_id.name", deep })}&filter[id][_eq]=1`);
      expect(row.tags).toEqual([{ tags_id: { name: "ts" } }]);
    });

    it("applies to relations nested under an m2o", async () => {
      const deep = { author: { posts: { _limit: 1, _sort: ["-id"] } } };
      const [row] = await posts(`${qs({ fields: "id,author.posts.id", deep })}&filter[id][_eq]=1`);
      expect(row).toEqual({ id: 1, author: { posts: [{ id: 2 }] } });
    });

    it("accepts bracket form", async () => {
      const [row] = await posts("?fields=id,comments.id&deep[comments][_limit]=1&deep[comments][_sort]=-id&filter[id][_eq]=1");
      expect(row.comments).toEqual([{ id: 2 }]);
    });
  });

  describe("on a single item", () => {
    it("applies fields and deep to GET /items/:collection/:id", async () => {
      const row = ok(await http.get(`/items/${n.posts}/1${qs({ fields: "title,author.name,comments.id", deep: { comments: { _sort: ["-id"] } } })}`));
      expect(row).toEqual({ title: "Hello World", author: { name: "Alice" }, comments: [{ id: 2 }, { id: 1 }] });
    });
  });
});

describe.each(dbs)("query limits from configuration (%s)", (db) => {
  let server: TestServer;
  let http: Http;

  beforeAll(async () => {
    server = await startServer({ db, env: { QUERY_LIMIT_DEFAULT: "2", QUERY_LIMIT_MAX: "3" } });
    http = createHttp(server.url, server.adminToken);
    await http.post("/collections", { collection: "numbers", meta: {}, schema: {}, fields: [{ field: "id", type: "integer", schema: { is_primary_key: true, has_auto_increment: true } }] });
    ok(await http.post("/items/numbers", [{}, {}, {}, {}, {}]));
  }, 60_000);
  afterAll(async () => server?.close());

  it("uses QUERY_LIMIT_DEFAULT when no limit is given", async () => {
    expect(ok<any[]>(await http.get("/items/numbers"))).toHaveLength(2);
  });

  it("caps limit (and limit=-1) at QUERY_LIMIT_MAX", async () => {
    expect(ok<any[]>(await http.get("/items/numbers?limit=5"))).toHaveLength(3);
    expect(ok<any[]>(await http.get("/items/numbers?limit=-1"))).toHaveLength(3);
    expect(ok<any[]>(await http.get("/items/numbers?limit=3"))).toHaveLength(3);
  });
});

describe.each(dbs)("default limit of 100 (%s)", (db) => {
  let server: TestServer;
  let http: Http;

  beforeAll(async () => {
    server = await startServer({ db });
    http = createHttp(server.url, server.adminToken);
    await http.post("/collections", { collection: "many", meta: {}, schema: {}, fields: [{ field: "id", type: "integer", schema: { is_primary_key: true, has_auto_increment: true } }] });
    ok(await http.post("/items/many", Array.from({ length: 120 }, () => ({}))));
  }, 60_000);
  afterAll(async () => server?.close());

  it("returns 100 rows by default and all with limit=-1", async () => {
    expect(ok<any[]>(await http.get("/items/many"))).toHaveLength(100);
    expect(ok<any[]>(await http.get("/items/many?limit=-1"))).toHaveLength(120);
    expect((await http.get("/items/many?meta=total_count&limit=1")).body.meta.total_count).toBe(120);
  });
});
