// Realtime subscribe/unsubscribe: init shapes, uids, query forms (JSON and URL-style strings), duplicates.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { closeAll, connect, type WsClient } from "../helpers/ws-client.js";
import { createMessages, event, expectNothingBefore, insert, ok, subscribe } from "./fixtures.js";

let server: TestServer;
let admin: Http;
let rows: any[];
const clients: WsClient[] = [];

async function client() {
  const created = await connect(server.url, { token: server.adminToken });
  clients.push(created);
  return created;
}

beforeAll(async () => {
  server = await startServer();
  admin = createHttp(server.url, server.adminToken);
  await createMessages(admin);
  rows = await insert(admin, "messages", [
    { text: "one", channel: "a", priority: 1 },
    { text: "two", channel: "b", priority: 2 },
    { text: "three", channel: "a", priority: 3 },
  ]);
}, 60_000);

afterAll(async () => {
  await closeAll(clients);
  await server?.close();
});

describe("init frames", () => {
  it("a collection subscription's init carries the rows as an array, exact shape", async () => {
    const ws = await client();
    const init = await subscribe(ws, { collection: "messages", query: { fields: ["id", "text"], sort: ["id"] }, uid: "c" });
    expect(JSON.stringify(init)).toBe(
      JSON.stringify({ type: "subscription", event: "init", data: rows.map((row) => ({ id: row.id, text: row.text })), uid: "c" }),
    );
  });

  it("an item subscription's init carries one object", async () => {
    const ws = await client();
    const init = await subscribe(ws, { collection: "messages", item: rows[1].id, query: { fields: ["id", "text"] }, uid: "i" });
    expect(JSON.stringify(init)).toBe(JSON.stringify({ type: "subscription", event: "init", data: { id: rows[1].id, text: "two" }, uid: "i" }));
    const asString = await subscribe(ws, { collection: "messages", item: String(rows[1].id), query: { fields: ["text"] }, uid: "i2" });
    expect(asString.data).toEqual({ text: "two" });
  });

  it("an item subscription to a missing item is FORBIDDEN with the uid", async () => {
    const ws = await client();
    const reply = await subscribe(ws, { collection: "messages", item: 999999, uid: "missing" });
    expect(reply).toEqual({ type: "subscribe", status: "error", error: { code: "FORBIDDEN", message: expect.any(String) }, uid: "missing" });
  });

  it("an event-filtered subscription gets a bare init", async () => {
    const ws = await client();
    const init = await subscribe(ws, { collection: "messages", event: "create", uid: "e" });
    expect(JSON.stringify(init)).toBe('{"type":"subscription","event":"init","uid":"e"}');
  });

  it("uids: a number comes back as a string; no uid means no uid key", async () => {
    const ws = await client();
    const numbered = await subscribe(ws, { collection: "messages", event: "update", uid: 42 });
    expect(JSON.stringify(numbered)).toBe('{"type":"subscription","event":"init","uid":"42"}');
    const bare = await subscribe(ws, { collection: "messages", event: "update" });
    expect(JSON.stringify(bare)).toBe('{"type":"subscription","event":"init"}');
    const [row] = await insert(admin, "messages", [{ text: "uid check" }]);
    await admin.patch(`/items/messages/${row.id}`, { text: "uid check 2" });
    const numberedEvent = await ws.next(event("42", "update"));
    expect(numberedEvent.uid).toBe("42");
    const bareEvent = await ws.next((frame) => frame.event === "update" && !("uid" in frame));
    expect(bareEvent).toEqual({ type: "subscription", event: "update", data: [expect.objectContaining({ id: row.id, text: "uid check 2" })] });
  });

  it("meta total_count is included in the init after data", async () => {
    const ws = await client();
    const init = await subscribe(ws, { collection: "messages", query: { fields: ["id"], limit: 1, meta: "total_count" }, uid: "m" });
    expect(Object.keys(init)).toEqual(["type", "event", "data", "meta", "uid"]);
    expect(init.data).toHaveLength(1);
    expect(init.meta.total_count).toBeGreaterThanOrEqual(3);
  });
});

describe("meta and system collections", () => {
  it("meta requested by a subscription is sent with each event too", async () => {
    const ws = await client();
    const init = await subscribe(ws, { collection: "messages", query: { fields: ["id"], meta: "total_count" }, uid: "meta" });
    const row = await insert(admin, "messages", { text: "counted" });
    const created = await ws.next(event("meta", "create"));
    expect(Object.keys(created)).toEqual(["type", "event", "data", "meta", "uid"]);
    expect(created).toEqual({ type: "subscription", event: "create", data: [{ id: row.id }], meta: { total_count: init.meta.total_count + 1 }, uid: "meta" });
  });

  it("meta in delete events counts the collection after the delete", async () => {
    const ws = await client();
    const row = await insert(admin, "messages", { text: "to delete" });
    const init = await subscribe(ws, { collection: "messages", query: { fields: ["id"], meta: "total_count" }, uid: "meta-d" });
    await admin.delete(`/items/messages/${row.id}`);
    const removed = await ws.next(event("meta-d", "delete"));
    expect(removed).toEqual({ type: "subscription", event: "delete", data: [String(row.id)], meta: { total_count: init.meta.total_count - 1 }, uid: "meta-d" });
  });

  it("an admin may subscribe to directus_users and sees user changes", async () => {
    const ws = await client();
    const init = await subscribe(ws, { collection: "directus_users", query: { fields: ["id", "email"] }, uid: "users" });
    expect(init).toMatchObject({ type: "subscription", event: "init", uid: "users" });
    expect(init.data.map((user: any) => user.email)).toContain(server.adminEmail);
    const user = ok<any>(await admin.post("/users", { email: "watched@example.com", password: "secret-password" }));
    expect((await ws.next(event("users", "create"))).data).toEqual([{ id: user.id, email: "watched@example.com" }]);
  });
});

describe("query forms", () => {
  it("URL-style strings (the SDK's form) behave like JSON values", async () => {
    const ws = await client();
    const filter = { channel: { _eq: "a" } };
    const asStrings = await subscribe(ws, {
      collection: "messages",
      query: { fields: "id,text", filter: JSON.stringify(filter), limit: "2", sort: "-id" },
      uid: "s",
    });
    const asJson = await subscribe(ws, { collection: "messages", query: { fields: ["id", "text"], filter, limit: 2, sort: ["-id"] }, uid: "j" });
    expect(asStrings.data).toEqual([
      { id: rows[2].id, text: "three" },
      { id: rows[0].id, text: "one" },
    ]);
    expect(asJson.data).toEqual(asStrings.data);
  });

  it("the subscription query filters later events (URL-style filter string)", async () => {
    const ws = await client();
    await subscribe(ws, { collection: "messages", query: { fields: "id,channel", filter: '{"channel":{"_eq":"zz"}}' }, uid: "f" });
    await insert(admin, "messages", { text: "not zz", channel: "yy" });
    const wanted = await insert(admin, "messages", { text: "zz", channel: "zz" });
    await expectNothingBefore(ws, (frame) => frame.event === "create" && frame.data?.[0]?.channel === "yy", event("f", "create"));
    expect(ws.all(event("f", "create"))).toEqual([{ type: "subscription", event: "create", data: [{ id: wanted.id, channel: "zz" }], uid: "f" }]);
  });

  it("a bad filter is an INVALID_QUERY subscribe error with the uid", async () => {
    const ws = await client();
    const reply = await subscribe(ws, { collection: "messages", query: { filter: { nope_field: { _eq: 1 } } }, uid: "bad" });
    expect(reply).toMatchObject({ type: "subscribe", status: "error", uid: "bad" });
    expect(["INVALID_QUERY", "FORBIDDEN"]).toContain(reply.error.code);
  });
});

describe("duplicates and unsubscribe", () => {
  it("a duplicate uid replaces the subscription: a new init, then one event, not two", async () => {
    const ws = await client();
    await subscribe(ws, { collection: "messages", query: { fields: ["id"] }, uid: "dup" });
    const second = await subscribe(ws, { collection: "messages", query: { fields: ["id", "text"] }, uid: "dup" });
    expect(second.event).toBe("init");
    const row = await insert(admin, "messages", { text: "dup" });
    await ws.next(event("dup", "create"));
    // A sentinel: a second subscription's event for a later write.
    await subscribe(ws, { collection: "messages", event: "delete", uid: "sentinel" });
    await admin.delete(`/items/messages/${row.id}`);
    await ws.next(event("sentinel", "delete"));
    const creates = ws.all(event("dup", "create"));
    expect(creates).toEqual([{ type: "subscription", event: "create", data: [{ id: row.id, text: "dup" }], uid: "dup" }]);
    expect(ws.all(event("dup", "delete"))).toHaveLength(1);
  });

  it("a numeric and a string uid with the same text are the same subscription", async () => {
    const ws = await client();
    await subscribe(ws, { collection: "messages", event: "create", uid: 5 });
    await subscribe(ws, { collection: "messages", event: "create", uid: "5" });
    await insert(admin, "messages", { text: "five" });
    await ws.next(event("5", "create"));
    await subscribe(ws, { collection: "messages", event: "update", uid: "sentinel" });
    const row = await insert(admin, "messages", { text: "five b" });
    await admin.patch(`/items/messages/${row.id}`, { text: "five c" });
    await ws.next(event("sentinel", "update"));
    expect(ws.all(event("5", "create"))).toHaveLength(2);
  });

  it("unsubscribe with a uid removes that one and confirms with the raw uid", async () => {
    const ws = await client();
    await subscribe(ws, { collection: "messages", event: "create", uid: 1 });
    await subscribe(ws, { collection: "messages", event: "create", uid: "keep" });
    ws.send({ type: "unsubscribe", uid: 1 });
    expect(JSON.stringify(await ws.next({ event: "unsubscribe" }))).toBe('{"type":"subscription","event":"unsubscribe","uid":1}');
    await insert(admin, "messages", { text: "after unsubscribe" });
    await expectNothingBefore(ws, event("1", "create"), event("keep", "create"));
    ws.send({ type: "unsubscribe", uid: "never-existed" });
    expect(JSON.stringify(await ws.next({ event: "unsubscribe" }))).toBe('{"type":"subscription","event":"unsubscribe","uid":"never-existed"}');
  });

  it("unsubscribe without a uid removes every subscription of the connection only", async () => {
    const ws = await client();
    const other = await client();
    await subscribe(ws, { collection: "messages", event: "create", uid: "a" });
    await subscribe(ws, { collection: "messages", event: "create", uid: "b" });
    await subscribe(ws, { collection: "messages", event: "create" });
    await subscribe(other, { collection: "messages", event: "create", uid: "a" });
    ws.send({ type: "unsubscribe" });
    expect(JSON.stringify(await ws.next({ event: "unsubscribe" }))).toBe('{"type":"subscription","event":"unsubscribe"}');
    await subscribe(ws, { collection: "messages", event: "create", uid: "sentinel" });
    await insert(admin, "messages", { text: "after unsubscribe all" });
    await other.next(event("a", "create"));
    await expectNothingBefore(ws, (frame) => frame.event === "create" && frame.uid !== "sentinel", event("sentinel", "create"));
    expect(server.app.hub.count()).toBeGreaterThan(0);
  });

  it("closing a socket removes its subscriptions from the hub", async () => {
    const before = server.app.hub.count();
    const ws = await connect(server.url, { token: server.adminToken });
    await subscribe(ws, { collection: "messages", event: "create", uid: "x" });
    await subscribe(ws, { collection: "messages", item: rows[0].id, uid: "y" });
    expect(server.app.hub.count()).toBe(before + 2);
    await ws.close();
    const deadline = Date.now() + 3000;
    while (server.app.hub.count() !== before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.app.hub.count()).toBe(before);
  });
});
