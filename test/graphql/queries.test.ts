// GraphQL queries over HTTP: lists with filter/sort/limit/search, by_id, m2o objects, o2m lists with their own args, aggregation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { createBlogSchema, seedBlog, type BlogNames } from "../api/fixtures.js";
import { gql, gqlError, gqlOk } from "./helpers.js";


describe("GraphQL queries over HTTP (sqlite)", () => {
  let server: TestServer;
  let n: BlogNames;
  const q = (query: string, variables?: Record<string, unknown>) => gql(server.url, query, { token: server.adminToken, variables });
  const ids = (rows: Array<{ id: string }>) => rows.map((row) => Number(row.id));

  beforeAll(async () => {
    server = await startServer();
    const admin = createHttp(server.url, server.adminToken);
    n = await createBlogSchema(admin);
    await seedBlog(admin, n);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it("lists a collection with scalar fields; ids are ID strings, numbers stay numbers", async () => {
    const data = gqlOk(await q(`{ posts(sort: ["id"]) { id title rating status } }`));
    expect(data.posts).toEqual([
      { id: "1", title: "Hello World", rating: 4.5, status: "published" },
      { id: "2", title: "hello again", rating: null, status: "draft" },
      { id: "3", title: "Goodbye", rating: 2, status: "published" },
      { id: "4", title: "Misc", rating: 3, status: "archived" },
    ]);
  });

  it("filters with _eq, _in, _null, _and/_or and sorts descending", async () => {
    expect(ids(gqlOk(await q(`{ posts(filter: { status: { _eq: "published" } }, sort: ["-id"]) { id } }`)).posts)).toEqual([3, 1]);
    expect(ids(gqlOk(await q(`{ posts(filter: { category: { _in: ["news", "tech"] } }, sort: ["id"]) { id } }`)).posts)).toEqual([1, 2, 4]);
    expect(ids(gqlOk(await q(`{ posts(filter: { rating: { _null: true } }) { id } }`)).posts)).toEqual([2]);
    const either = `{ posts(filter: { _or: [{ rating: { _gte: 4 } }, { _and: [{ status: { _eq: "archived" } }, { category: { _eq: "news" } }] }] }, sort: ["id"]) { id } }`;
    expect(ids(gqlOk(await q(either)).posts)).toEqual([1, 4]);
    expect(ids(gqlOk(await q(`{ posts(sort: ["-rating", "id"]) { id } }`)).posts)).toEqual([1, 4, 3, 2]);
  });

  it("takes filter values from variables", async () => {
    const query = `query Q($status: String, $min: GraphQLStringOrFloat) { posts(filter: { status: { _eq: $status }, rating: { _gte: $min } }) { id } }`;
    expect(ids(gqlOk(await q(query, { status: "published", min: 3 })).posts)).toEqual([1]);
  });

  it("limit, offset, page and search", async () => {
    expect(ids(gqlOk(await q(`{ posts(sort: ["id"], limit: 2, offset: 1) { id } }`)).posts)).toEqual([2, 3]);
    expect(ids(gqlOk(await q(`{ posts(sort: ["id"], limit: 3, page: 2) { id } }`)).posts)).toEqual([4]);
    expect(ids(gqlOk(await q(`{ posts(search: "goodbye") { id } }`)).posts)).toEqual([3]);
  });

  it("by_id returns one item, or null when it does not exist", async () => {
    const data = gqlOk(await q(`{ a: posts_by_id(id: 3) { id title } b: posts_by_id(id: 999) { id } }`));
    expect(data).toEqual({ a: { id: "3", title: "Goodbye" }, b: null });
  });

  it("m2o fields resolve to objects (null when unset); m2o filters reach into the related row", async () => {
    const data = gqlOk(await q(`{ posts(sort: ["id"]) { id author { id name } } }`));
    expect(data.posts.map((post: any) => post.author?.name ?? null)).toEqual(["Alice", "Alice", "Bob", null]);
    expect(data.posts[0].author).toEqual({ id: "1", name: "Alice" });
    expect(ids(gqlOk(await q(`{ posts(filter: { author: { name: { _eq: "Bob" } } }) { id } }`)).posts)).toEqual([3]);
  });

  it("o2m fields are lists with their own filter, sort and limit", async () => {
    const all = gqlOk(await q(`{ authors(sort: ["id"]) { name posts(sort: ["id"]) { id } } }`));
    expect(all.authors.map((a: any) => [a.name, ids(a.posts)])).toEqual([["Alice", [1, 2]], ["Bob", [3]], ["carol", []]]);
    const narrowed = gqlOk(
      await q(`{ authors(sort: ["id"]) { name posts(filter: { status: { _eq: "draft" } }, sort: ["-id"], limit: 1) { id title } } }`),
    );
    expect(narrowed.authors).toEqual([
      { name: "Alice", posts: [{ id: "2", title: "hello again" }] },
      { name: "Bob", posts: [] },
      { name: "carol", posts: [] },
    ]);
    const sorted = gqlOk(await q(`{ authors_by_id(id: 1) { posts(sort: ["-id"], limit: 1) { id } } }`));
    expect(ids(sorted.authors_by_id.posts)).toEqual([2]);
  });

  it("nests m2o inside o2m inside m2o, and o2m quantifier filters", async () => {
    const data = gqlOk(await q(`{ comments_by_id(id: 3) { text post { title author { name posts(sort: ["id"]) { id } } } } }`));
    expect(data.comments_by_id).toEqual({ text: "Meh", post: { title: "Goodbye", author: { name: "Bob", posts: [{ id: "3" }] } } });
    const some = gqlOk(await q(`{ authors(filter: { posts: { _some: { status: { _eq: "draft" } } } }) { name } }`));
    expect(some.authors).toEqual([{ name: "Alice" }]);
    const none = gqlOk(await q(`{ authors(filter: { posts: { _none: { status: { _eq: "published" } } } }, sort: ["id"]) { name } }`));
    expect(none.authors).toEqual([{ name: "carol" }]);
  });

  it("fragments, inline fragments, aliases and __typename", async () => {
    const data = gqlOk(
      await q(`fragment P on posts { id title }
        { first: posts_by_id(id: 1) { ...P __typename } second: posts_by_id(id: 2) { ... on posts { title } } }`),
    );
    expect(data).toEqual({ first: { id: "1", title: "Hello World", __typename: "posts" }, second: { title: "hello again" } });
  });

  it("aggregates: countAll, count, countDistinct, sum, avg, min, max", async () => {
    const data = gqlOk(
      await q(`{ posts_aggregated { countAll count { rating category } countDistinct { category } sum { rating } avg { rating } min { rating } max { rating } } }`),
    );
    expect(data.posts_aggregated).toHaveLength(1);
    const [row] = data.posts_aggregated;
    expect(row.countAll).toBe(4);
    expect(row.count).toEqual({ rating: 3, category: 3 });
    expect(row.countDistinct).toEqual({ category: 2 });
    expect(row.sum.rating).toBeCloseTo(9.5);
    expect(row.avg.rating).toBeCloseTo(9.5 / 3);
    expect(Number(row.min.rating)).toBe(2);
    expect(Number(row.max.rating)).toBe(4.5);
  });

  it("aggregates with groupBy and filter", async () => {
    const data = gqlOk(await q(`{ posts_aggregated(groupBy: ["status"], filter: { rating: { _nnull: true } }) { group countAll sum { rating } } }`));
    const rows = [...data.posts_aggregated].sort((a: any, b: any) => a.group.status.localeCompare(b.group.status));
    expect(rows.map((r: any) => [r.group, r.countAll])).toEqual([
      [{ status: "archived" }, 1],
      [{ status: "published" }, 2],
    ]);
    expect(rows[1].sum.rating).toBeCloseTo(6.5);
  });

  it("GET /graphql runs queries; a mutation over GET is refused", async () => {
    const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent(`{ posts_by_id(id: 1) { title } }`)}`, {
      headers: { authorization: `Bearer ${server.adminToken}`, accept: "application/json" },
    });
    expect(get.status).toBe(200);
    expect((await get.json()).data).toEqual({ posts_by_id: { title: "Hello World" } });
    const mutation = await fetch(`${server.url}/graphql?query=${encodeURIComponent(`mutation { delete_posts_item(id: 4) { id } }`)}`, {
      headers: { authorization: `Bearer ${server.adminToken}`, accept: "application/json" },
    });
    expect(mutation.status).toBe(405);
    // The row is still there.
    expect(gqlOk(await q(`{ posts_by_id(id: 4) { id } }`)).posts_by_id).toEqual({ id: "4" });
  });

  it("operationName picks one of several operations; server_ping answers", async () => {
    const reply = await gql(server.url, `query A { server_ping } query B { posts_by_id(id: 2) { id } }`, { token: server.adminToken, operationName: "B" });
    expect(gqlOk(reply)).toEqual({ posts_by_id: { id: "2" } });
    expect(gqlOk(await q(`{ server_ping }`))).toEqual({ server_ping: "pong" });
  });

  it("a filter on an unknown field or with a wrong type is a validation error", async () => {
    gqlError(await q(`{ posts(filter: { nope: { _eq: 1 } }) { id } }`), "GRAPHQL_VALIDATION");
    gqlError(await q(`{ posts(filter: { rating: { _contains: "x" } }) { id } }`), "GRAPHQL_VALIDATION");
    gqlError(await q(`{ posts(limit: "ten") { id } }`), "GRAPHQL_VALIDATION");
  });

  it("an invalid token is refused, not downgraded to public", async () => {
    const reply = await gql(server.url, `{ server_ping }`, { token: "not-a-valid-token" });
    expect(reply.status).toBe(401);
    expect(reply.body.errors[0].extensions.code).toBe("INVALID_CREDENTIALS");
  });
});
