// Write-path defects from review: CASCADE loops, forged preset fields, linking o2m children on create,
// one_field on PATCH /relations, and one refresh token used twice at once.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { limitedUser } from "./access-fixtures.js";
import { autoPk, createCollection, createField, createRelation, expectError, ok } from "./fixtures.js";

const dbs = await databases();

/** Locks every directus_sessions row from a connection of the test's own; release(n) lets go once n statements wait on it. */
async function lockSessions(server: TestServer) {
  const connectionString = server.app.config.db.connectionString;
  const holder = new pg.Client({ connectionString });
  const watcher = new pg.Client({ connectionString });
  await Promise.all([holder.connect(), watcher.connect()]);
  await holder.query("begin");
  await holder.query("select token from directus_sessions for update");
  return {
    async release(waiting: number) {
      const blocked = "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'";
      const deadline = Date.now() + 10_000;
      while ((await watcher.query(blocked)).rows[0].n < waiting && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await holder.query("rollback");
      await Promise.all([holder.end(), watcher.end()]);
    },
  };
}

describe.each(dbs)("write review (%s)", (db) => {
  let server: TestServer;
  let admin: Http;

  beforeAll(async () => {
    server = await startServer({ db });
    admin = createHttp(server.url, server.adminToken);
    await createCollection(admin, "nodes", [autoPk, { field: "name", type: "string", schema: {} }]);
    await createField(admin, "nodes", { field: "parent", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createRelation(admin, { collection: "nodes", field: "parent", related_collection: "nodes", schema: { on_delete: "CASCADE" } });

    await createCollection(admin, "notes", [autoPk, { field: "title", type: "string", schema: {} }, { field: "owner", type: "string", schema: {} }]);

    await createCollection(admin, "posts", [autoPk, { field: "title", type: "string", schema: {} }]);
    await createCollection(admin, "comments", [autoPk, { field: "text", type: "string", schema: {} }]);
    await createField(admin, "comments", { field: "post", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createField(admin, "posts", { field: "comments", type: "alias", meta: { special: ["o2m"] } });
    await createRelation(admin, { collection: "comments", field: "post", related_collection: "posts", meta: { one_field: "comments" }, schema: { on_delete: "SET NULL" } });
  }, 60_000);
  afterAll(async () => server?.close());

  it("deletes rows that CASCADE into each other in a loop", async () => {
    const [a1, a2] = ok<any[]>(await admin.post("/items/nodes", [{ name: "a1" }, { name: "a2" }]));
    ok(await admin.patch(`/items/nodes/${a1.id}`, { parent: a2.id }));
    ok(await admin.patch(`/items/nodes/${a2.id}`, { parent: a1.id }));
    expect((await admin.delete(`/items/nodes/${a1.id}`)).status).toBe(204);
    expect(ok<any[]>(await admin.get("/items/nodes?fields=id"))).toEqual([]);
  }, 10_000);

  it("a preset field is not writable by the caller unless the rule's fields allow it", async () => {
    const user = await limitedUser(server.url, admin, [
      { collection: "notes", action: "create", fields: ["title"], presets: { owner: "$CURRENT_USER" } },
      { collection: "notes", action: "read" },
    ]);
    expectError(await user.http.post("/items/notes", { title: "forged", owner: "somebody-else" }), 403, "FORBIDDEN");
    const created = ok<any>(await user.http.post("/items/notes", { title: "mine" }));
    expect(ok<any>(await admin.get(`/items/notes/${created.id}`))).toMatchObject({ title: "mine", owner: user.user.id });
    expect(ok<any[]>(await admin.get("/items/notes?fields=title"))).toEqual([{ title: "mine" }]);
  });

  it("creating an item links an existing o2m child given with its key, and creates one without", async () => {
    const old = ok<any>(await admin.post("/items/comments", { text: "old" }));
    const post = ok<any>(await admin.post("/items/posts", { title: "P", comments: [{ id: old.id, text: "edited" }, { text: "new" }] }));
    const comments = ok<any[]>(await admin.get(`/items/comments?fields=id,text,post&sort=id`));
    expect(comments).toEqual([
      { id: old.id, text: "edited", post: post.id },
      { id: expect.anything(), text: "new", post: post.id },
    ]);
  });

  it("PATCH /relations refuses a one_field naming a real column", async () => {
    expectError(await admin.patch("/relations/comments/post", { meta: { one_field: "title" } }), 400, "INVALID_PAYLOAD");
    expect(ok<any>(await admin.get("/relations/comments/post")).meta.one_field).toBe("comments");
    expect(ok<any>(await admin.patch("/relations/comments/post", { meta: { one_field: "comments" } })).meta.one_field).toBe("comments");
  });

  it("one refresh token sent twice at once refreshes once", async () => {
    const anonymous = createHttp(server.url);
    const session = ok<any>(await anonymous.post("/auth/login", { email: server.adminEmail, password: server.adminPassword }));
    const refresh = () => anonymous.post("/auth/refresh", { refresh_token: session.refresh_token });
    // PostgreSQL: a held row lock makes both requests read the session before either delete goes through.
    // SQLite: the server's single connection lets the two overlap only by chance.
    const lock = db === "pg" ? await lockSessions(server) : undefined;
    const pending = Promise.all([refresh(), refresh()]);
    await lock?.release(2);
    const replies = await pending;
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 401]);
    expectError(replies.find((reply) => reply.status === 401)!, 401, "INVALID_CREDENTIALS");
  });
});
