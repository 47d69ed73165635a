// Realtime permissions: row filters with $CURRENT_USER, field sets, forbidden/unknown collections, no leaked deletes, revocation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { closeAll, connect, upgradeStatus, type WsClient } from "../helpers/ws-client.js";
import { limitedUser, type LimitedUser, type PermissionSpec } from "../api/access-fixtures.js";
import { createRelation } from "../api/fixtures.js";
import { createCollection, createField, autoPk, createMessages, event, expectNothingBefore, insert, ok, subscribe } from "./fixtures.js";

const dbs = await databases();
const own = { user_created: { _eq: "$CURRENT_USER" } };
const forbiddenCollection = (name: string) => `You don't have permission to access collection "${name}" or it does not exist. Queried in root.`;

describe.each(dbs)("realtime permissions (%s)", (db) => {
  let server: TestServer;
  let admin: Http;
  let alice: LimitedUser;
  let bob: LimitedUser;
  const clients: WsClient[] = [];

  async function client(token: string) {
    const created = await connect(server.url, { token });
    clients.push(created);
    return created;
  }

  const chatRules: PermissionSpec[] = [
    { collection: "messages", action: "read", permissions: own },
    { collection: "messages", action: "create", fields: ["text", "channel", "priority"] },
    { collection: "messages", action: "delete", permissions: own },
  ];

  beforeAll(async () => {
    server = await startServer({ db });
    admin = createHttp(server.url, server.adminToken);
    await createMessages(admin);
    await createCollection(admin, "notes", [autoPk, { field: "text", type: "string", schema: {} }]);
    alice = await limitedUser(server.url, admin, chatRules);
    bob = await limitedUser(server.url, admin, [], { role: alice.role.id });
  }, 60_000);

  afterAll(async () => {
    await closeAll(clients);
    await server?.close();
  });

  it("a $CURRENT_USER row filter: a user gets init rows and events for their own rows only", async () => {
    const mine = await insert(alice.http, "messages", { text: "alice before" });
    await insert(bob.http, "messages", { text: "bob before" });
    const ws = await client(alice.token);
    const init = await subscribe(ws, { collection: "messages", query: { fields: ["id", "text", "user_created"] }, uid: "own" });
    expect(init.data.every((row: any) => row.user_created === alice.user.id)).toBe(true);
    expect(init.data.map((row: any) => row.id)).toContain(mine.id);
    const bobs = await insert(bob.http, "messages", { text: "bob after" });
    await insert(admin, "messages", { text: "admin after" });
    ok(await admin.patch(`/items/messages/${bobs.id}`, { text: "bob edited" }));
    const sentinel = await insert(alice.http, "messages", { text: "alice after" });
    await expectNothingBefore(ws, (frame) => frame.type === "subscription" && frame.event !== "init", event("own", "create"));
    expect(ws.all(event("own", "create"))).toEqual([
      { type: "subscription", event: "create", data: [{ id: sentinel.id, text: "alice after", user_created: alice.user.id }], uid: "own" },
    ]);
  });

  it("limited fields: event rows carry only the allowed fields; asking for a forbidden one is FORBIDDEN", async () => {
    const reader = await limitedUser(server.url, admin, [{ collection: "messages", action: "read", fields: ["id", "text"] }]);
    const ws = await client(reader.token);
    await subscribe(ws, { collection: "messages", query: { fields: "*" }, uid: "star" });
    await subscribe(ws, { collection: "messages", query: { fields: "text" }, uid: "text" });
    const denied = await subscribe(ws, { collection: "messages", query: { fields: "id,channel" }, uid: "chan" });
    expect(denied).toMatchObject({ type: "subscribe", status: "error", error: { code: "FORBIDDEN" }, uid: "chan" });
    const row = await insert(admin, "messages", { text: "fields", channel: "secret", priority: 9 });
    expect((await ws.next(event("star", "create"))).data).toEqual([{ id: row.id, text: "fields" }]);
    expect((await ws.next(event("text", "create"))).data).toEqual([{ text: "fields" }]);
  });

  it("a forbidden collection and an unknown one get the same FORBIDDEN error, with the uid", async () => {
    const ws = await client(alice.token);
    const forbidden = await subscribe(ws, { collection: "notes", uid: "n" });
    expect(JSON.stringify(forbidden)).toBe(
      JSON.stringify({ type: "subscribe", status: "error", error: { code: "FORBIDDEN", message: forbiddenCollection("notes") }, uid: "n" }),
    );
    const unknown = await subscribe(ws, { collection: "no_such_collection", uid: 4 });
    expect(JSON.stringify(unknown)).toBe(
      JSON.stringify({ type: "subscribe", status: "error", error: { code: "FORBIDDEN", message: forbiddenCollection("no_such_collection") }, uid: 4 }),
    );
  });

  it("an event-filtered subscription to a forbidden collection is refused at subscribe time", async () => {
    const ws = await client(alice.token);
    for (const action of ["create", "update", "delete"]) {
      const reply = await subscribe(ws, { collection: "notes", event: action, uid: `e-${action}` });
      expect(reply).toEqual({ type: "subscribe", status: "error", error: { code: "FORBIDDEN", message: forbiddenCollection("notes") }, uid: `e-${action}` });
    }
    const note = await insert(admin, "notes", { text: "n" });
    await admin.delete(`/items/notes/${note.id}`);
    ws.send({ type: "ping", uid: "sentinel" });
    await expectNothingBefore(ws, { type: "subscription", event: "delete" }, { type: "pong", uid: "sentinel" });
  });

  it("a delete reaches only subscribers who could read the row and whose filter matched", async () => {
    const a1 = await insert(alice.http, "messages", { text: "a1", channel: "x" });
    const a2 = await insert(alice.http, "messages", { text: "a2", channel: "y" });
    const a3 = await insert(alice.http, "messages", { text: "a3", channel: "x" });
    const b1 = await insert(bob.http, "messages", { text: "b1", channel: "x" });
    const ws = await client(alice.token);
    await subscribe(ws, { collection: "messages", uid: "all" });
    await subscribe(ws, { collection: "messages", event: "delete", uid: "deletes" });
    await subscribe(ws, { collection: "messages", query: { filter: { channel: { _eq: "x" } } }, uid: "x" });
    const denied = await subscribe(ws, { collection: "messages", item: b1.id, uid: "bob-item" });
    expect(denied).toMatchObject({ type: "subscribe", status: "error", error: { code: "FORBIDDEN" }, uid: "bob-item" });
    await admin.delete(`/items/messages/${b1.id}`); // unreadable: nobody here
    await admin.delete(`/items/messages/${a2.id}`); // readable, but outside the "x" filter
    await expectNothingBefore(ws, (frame) => frame.event === "delete" && frame.data.includes(String(b1.id)), event("all", "delete"));
    expect(ws.all(event("all", "delete"))).toEqual([{ type: "subscription", event: "delete", data: [String(a2.id)], uid: "all" }]);
    expect(ws.all(event("deletes", "delete")).map((frame) => frame.data)).toEqual([[String(a2.id)]]);
    // A bulk delete of mixed rows: each subscriber sees only the keys it could read (and that matched).
    const b2 = await insert(bob.http, "messages", { text: "b2", channel: "x" });
    expect((await admin.request("DELETE", "/items/messages", { body: [a1.id, b2.id, a3.id] })).status).toBe(204);
    const xDelete = await ws.next(event("x", "delete"));
    expect([...xDelete.data].sort()).toEqual([String(a1.id), String(a3.id)].sort());
    expect(ws.all(event("x", "delete"))).toHaveLength(1);
    const bulk = await ws.next((frame) => frame.uid === "all" && frame.event === "delete" && frame.data.length > 1);
    expect([...bulk.data].sort()).toEqual([String(a1.id), String(a3.id)].sort());
    await ws.next((frame) => frame.uid === "deletes" && frame.data.length > 1);
    expect(ws.all(event("deletes", "delete")).map((frame) => [...frame.data].sort())).toEqual([[String(a2.id)], [String(a1.id), String(a3.id)].sort()]);
  });

  it("an item subscription stops (no update, no delete) once the row is no longer readable", async () => {
    const row = await insert(alice.http, "messages", { text: "mine for now" });
    const ws = await client(alice.token);
    await subscribe(ws, { collection: "messages", item: row.id, uid: "item" });
    await subscribe(ws, { collection: "messages", query: { fields: ["text"] }, uid: "sentinel" });
    ok(await admin.patch(`/items/messages/${row.id}`, { user_created: bob.user.id }));
    await admin.delete(`/items/messages/${row.id}`);
    await insert(alice.http, "messages", { text: "sentinel" });
    await expectNothingBefore(ws, (frame) => frame.uid === "item" && frame.event !== "init", event("sentinel", "create"));
    expect(ws.all((frame) => frame.uid === "sentinel" && frame.event !== "init")).toHaveLength(1);
  });

  it("$CURRENT_USER in the subscription's own filter is bound to the subscriber", async () => {
    const ws = await client(bob.token);
    const adminWs = await client(server.adminToken);
    const query = { fields: ["text"], filter: { user_created: { _eq: "$CURRENT_USER" } } };
    await subscribe(ws, { collection: "messages", query, uid: "me" });
    await subscribe(adminWs, { collection: "messages", query, uid: "me" });
    await insert(alice.http, "messages", { text: "alice's" });
    await insert(bob.http, "messages", { text: "bob's" });
    await insert(admin, "messages", { text: "admin's" });
    await adminWs.next((frame) => frame.uid === "me" && frame.data?.[0]?.text === "admin's");
    expect(ws.all(event("me", "create")).map((frame) => frame.data)).toEqual([[{ text: "bob's" }]]);
    expect(adminWs.all(event("me", "create")).map((frame) => frame.data)).toEqual([[{ text: "admin's" }]]);
  });

  it("a relational permission filter decides creates and deletes alike", async () => {
    await createCollection(admin, "writers", [autoPk, { field: "name", type: "string", schema: {} }]);
    await createCollection(admin, "articles", [autoPk, { field: "title", type: "string", schema: {} }]);
    await createField(admin, "articles", { field: "writer", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createRelation(admin, { collection: "articles", field: "writer", related_collection: "writers", schema: { on_delete: "SET NULL" } });
    const [ada, ben] = await insert(admin, "writers", [{ name: "Ada" }, { name: "Ben" }]);
    const reader = await limitedUser(server.url, admin, [
      { collection: "articles", action: "read", permissions: { writer: { name: { _eq: "Ada" } } } },
      { collection: "writers", action: "read" },
    ]);
    const ws = await client(reader.token);
    await subscribe(ws, { collection: "articles", query: { fields: ["id", "title"] }, uid: "a" });
    const hidden = await insert(admin, "articles", { title: "by Ben", writer: ben.id });
    const shown = await insert(admin, "articles", { title: "by Ada", writer: ada.id });
    expect((await ws.next(event("a", "create"))).data).toEqual([{ id: shown.id, title: "by Ada" }]);
    await admin.delete(`/items/articles/${hidden.id}`);
    await admin.delete(`/items/articles/${shown.id}`);
    expect((await ws.next(event("a", "delete"))).data).toEqual([String(shown.id)]);
    expect(ws.all((frame) => frame.uid === "a" && frame.event !== "init")).toHaveLength(2);
  });

  it("revoking the read permission mid-subscription stops delivery", async () => {
    const carol = await limitedUser(server.url, admin, [{ collection: "messages", action: "read" }]);
    const permission = ok<any[]>(await admin.get(`/permissions?filter[policy][_eq]=${carol.policy.id}`))[0];
    const ws = await client(carol.token);
    const watcher = await client(server.adminToken);
    await subscribe(ws, { collection: "messages", query: { fields: ["text"] }, uid: "c" });
    await subscribe(watcher, { collection: "messages", query: { fields: ["text"] }, uid: "w" });
    await insert(admin, "messages", { text: "before revoke" });
    await ws.next(event("c", "create"));
    expect((await admin.delete(`/permissions/${permission.id}`)).status).toBe(204);
    await insert(admin, "messages", { text: "after revoke" });
    await insert(admin, "messages", { text: "sentinel" });
    await watcher.next((frame) => frame.uid === "w" && frame.data?.[0]?.text === "sentinel");
    expect(ws.all(event("c", "create")).map((frame) => frame.data[0].text)).toEqual(["before revoke"]);
    expect(ws.all((frame) => frame.type === "subscription" && frame.event !== "init" && frame.data?.[0]?.text !== "before revoke")).toEqual([]);
  });

  it("suspending the user mid-subscription stops delivery", async () => {
    const dave = await limitedUser(server.url, admin, [{ collection: "messages", action: "read" }]);
    const ws = await client(dave.token);
    const watcher = await client(server.adminToken);
    await subscribe(ws, { collection: "messages", query: { fields: ["text"] }, uid: "d" });
    await subscribe(watcher, { collection: "messages", query: { fields: ["text"] }, uid: "w" });
    await insert(admin, "messages", { text: "before suspend" });
    await ws.next(event("d", "create"));
    ok(await admin.patch(`/users/${dave.user.id}`, { status: "suspended" }));
    await insert(admin, "messages", { text: "after suspend" });
    await insert(admin, "messages", { text: "sentinel 2" });
    await watcher.next((frame) => frame.uid === "w" && frame.data?.[0]?.text === "sentinel 2");
    expect(ws.all(event("d", "create")).map((frame) => frame.data[0].text)).toEqual(["before suspend"]);
    expect(await upgradeStatus(server.url, { accessToken: dave.token })).toBe(401);
  });

  it("narrowing a permission's row filter mid-subscription applies to the next event", async () => {
    const erin = await limitedUser(server.url, admin, [{ collection: "messages", action: "read" }]);
    const permission = ok<any[]>(await admin.get(`/permissions?filter[policy][_eq]=${erin.policy.id}`))[0];
    const ws = await client(erin.token);
    await subscribe(ws, { collection: "messages", query: { fields: ["text", "channel"] }, uid: "e" });
    await insert(admin, "messages", { text: "wide", channel: "red" });
    await ws.next(event("e", "create"));
    ok(await admin.patch(`/permissions/${permission.id}`, { permissions: { channel: { _eq: "blue" } } }));
    await insert(admin, "messages", { text: "narrowed out", channel: "red" });
    await insert(admin, "messages", { text: "still in", channel: "blue" });
    await expectNothingBefore(ws, (frame) => frame.data?.[0]?.text === "narrowed out", (frame) => frame.data?.[0]?.text === "still in");
  });
});
