// Shared schema and data builders for the REST black-box tests (not a test file itself).
import { expect } from "vitest";
import type { Http, Reply } from "../helpers/http.js";

export const autoPk = {
  field: "id",
  type: "integer",
  meta: { hidden: true, interface: "input", readonly: true },
  schema: { is_primary_key: true, has_auto_increment: true },
};

export const uuidPk = {
  field: "id",
  type: "uuid",
  meta: { hidden: true, readonly: true, interface: "input", special: ["uuid"] },
  schema: { is_primary_key: true, length: 36, has_auto_increment: false },
};

export const stringPk = { field: "id", type: "string", schema: { is_primary_key: true, length: 255 } };

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Asserts a reply is the Directus error envelope with the given status and code. */
export function expectError(reply: Reply, status: number | number[], code?: string | string[]) {
  const statuses = Array.isArray(status) ? status : [status];
  expect(statuses, `status ${reply.status}: ${JSON.stringify(reply.body)}`).toContain(reply.status);
  expect(Array.isArray(reply.body?.errors), `error envelope: ${JSON.stringify(reply.body)}`).toBe(true);
  expect(reply.body.errors.length).toBeGreaterThan(0);
  const [error] = reply.body.errors;
  expect(typeof error.message).toBe("string");
  expect(error.message.length).toBeGreaterThan(0);
  if (code !== undefined) {
    const codes = Array.isArray(code) ? code : [code];
    expect(codes).toContain(error.extensions?.code);
  }
  return error as { message: string; extensions: { code: string } };
}

/** Asserts a 2xx reply and returns its `data`. */
export function ok<T = any>(reply: Reply, status = 200): T {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  return reply.body?.data as T;
}

/** Encodes query parameters; objects and arrays become JSON (the SDK's style for filter/deep). */
export function qs(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    search.set(key, typeof value === "string" || typeof value === "number" ? String(value) : JSON.stringify(value));
  }
  return `?${search.toString()}`;
}

export async function createCollection(http: Http, collection: string, fields: unknown[] = [autoPk]) {
  return ok(await http.post("/collections", { collection, meta: {}, schema: {}, fields }));
}

export async function createField(http: Http, collection: string, field: Record<string, unknown>) {
  return ok(await http.post(`/fields/${collection}`, field));
}

export async function createRelation(http: Http, relation: Record<string, unknown>) {
  return ok(await http.post("/relations", relation));
}

export const ids = (rows: Array<{ id: unknown }>) => rows.map((row) => row.id);
export const sortedIds = (rows: Array<{ id: unknown }>) => ids(rows).map(Number).sort((a, b) => a - b);

/**
 * A small blog: authors ← posts (m2o author, o2m authors.posts), posts ← comments (o2m posts.comments),
 * posts ↔ tags through posts_tags (m2m posts.tags). Names are prefixed so several blogs can share a server.
 */
export async function createBlogSchema(http: Http, prefix = "") {
  const n = {
    authors: `${prefix}authors`,
    posts: `${prefix}posts`,
    comments: `${prefix}comments`,
    tags: `${prefix}tags`,
    postsTags: `${prefix}posts_tags`,
  };
  await createCollection(http, n.authors, [
    autoPk,
    { field: "name", type: "string", schema: {} },
    { field: "email", type: "string", schema: { is_unique: true } },
    { field: "age", type: "integer", schema: { is_nullable: true } },
  ]);
  await createCollection(http, n.posts, [
    autoPk,
    { field: "title", type: "string", schema: {} },
    { field: "body", type: "text", schema: {} },
    { field: "status", type: "string", schema: { default_value: "draft" } },
    { field: "category", type: "string", schema: {} },
    { field: "subtitle", type: "string", schema: {} },
    { field: "rating", type: "float", schema: {} },
    { field: "published_at", type: "timestamp", schema: {} },
  ]);
  await createField(http, n.posts, { field: "author", type: "integer", meta: { special: ["m2o"] }, schema: {} });
  await createField(http, n.posts, { field: "date_created", type: "timestamp", meta: { special: ["date-created"] }, schema: {} });
  await createField(http, n.posts, { field: "date_updated", type: "timestamp", meta: { special: ["date-updated"] }, schema: {} });
  await createField(http, n.posts, { field: "user_created", type: "uuid", meta: { special: ["user-created"] }, schema: {} });
  await createField(http, n.posts, { field: "user_updated", type: "uuid", meta: { special: ["user-updated"] }, schema: {} });
  await createField(http, n.authors, { field: "posts", type: "alias", meta: { special: ["o2m"] } });
  await createRelation(http, {
    collection: n.posts,
    field: "author",
    related_collection: n.authors,
    meta: { one_field: "posts" },
    schema: { on_delete: "SET NULL" },
  });

  await createCollection(http, n.comments, [autoPk, { field: "text", type: "string", schema: {} }]);
  await createField(http, n.comments, { field: "post", type: "integer", meta: { special: ["m2o"] }, schema: {} });
  await createField(http, n.posts, { field: "comments", type: "alias", meta: { special: ["o2m"] } });
  await createRelation(http, {
    collection: n.comments,
    field: "post",
    related_collection: n.posts,
    meta: { one_field: "comments" },
    schema: { on_delete: "CASCADE" },
  });

  await createCollection(http, n.tags, [autoPk, { field: "name", type: "string", schema: {} }]);
  await createCollection(http, n.postsTags, [
    autoPk,
    { field: "posts_id", type: "integer", schema: {} },
    { field: "tags_id", type: "integer", schema: {} },
  ]);
  await createField(http, n.posts, { field: "tags", type: "alias", meta: { special: ["m2m"] } });
  await createRelation(http, {
    collection: n.postsTags,
    field: "posts_id",
    related_collection: n.posts,
    meta: { one_field: "tags", junction_field: "tags_id" },
    schema: { on_delete: "CASCADE" },
  });
  await createRelation(http, {
    collection: n.postsTags,
    field: "tags_id",
    related_collection: n.tags,
    meta: { one_field: null, junction_field: "posts_id" },
    schema: { on_delete: "CASCADE" },
  });
  return n;
}

export type BlogNames = Awaited<ReturnType<typeof createBlogSchema>>;

/**
 * Seeds the blog. Ids are 1-based in insertion order:
 * authors 1 Alice(30) 2 Bob(null) 3 carol(25);
 * posts 1 "Hello World"/published/news/""/4.5/Alice/2020-01-01,
 *       2 "hello again"/draft/tech/null/null/Alice/2999-01-01,
 *       3 "Goodbye"/published/null/"sub"/2/Bob/(now - 2h),
 *       4 "Misc"/archived/news/"x"/3/null/null;
 * comments 1 "Nice!"→1, 2 "great stuff"→1, 3 "Meh"→3; tags 1 js 2 ts 3 sql; posts_tags 1-js 1-ts 3-sql.
 */
export async function seedBlog(http: Http, n: BlogNames) {
  ok(
    await http.post(`/items/${n.authors}`, [
      { name: "Alice", email: "alice@example.com", age: 30 },
      { name: "Bob", email: "bob@example.com", age: null },
      { name: "carol", email: "carol@example.com", age: 25 },
    ]),
  );
  const recent = new Date(Date.now() - 2 * 3600_000).toISOString();
  ok(
    await http.post(`/items/${n.posts}`, [
      { title: "Hello World", body: "First POST body", status: "published", category: "news", subtitle: "", rating: 4.5, author: 1, published_at: "2020-01-01T00:00:00.000Z" },
      { title: "hello again", body: "second", status: "draft", category: "tech", subtitle: null, rating: null, author: 1, published_at: "2999-01-01T00:00:00.000Z" },
      { title: "Goodbye", body: "third", status: "published", category: null, subtitle: "sub", rating: 2, author: 2, published_at: recent },
      { title: "Misc", body: "fourth", status: "archived", category: "news", subtitle: "x", rating: 3, author: null, published_at: null },
    ]),
  );
  ok(
    await http.post(`/items/${n.comments}`, [
      { text: "Nice!", post: 1 },
      { text: "great stuff", post: 1 },
      { text: "Meh", post: 3 },
    ]),
  );
  ok(await http.post(`/items/${n.tags}`, [{ name: "js" }, { name: "ts" }, { name: "sql" }]));
  ok(
    await http.post(`/items/${n.postsTags}`, [
      { posts_id: 1, tags_id: 1 },
      { posts_id: 1, tags_id: 2 },
      { posts_id: 3, tags_id: 3 },
    ]),
  );
}

/** Polls `check` until it returns true or the timeout passes (no fixed sleeps in tests). */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
