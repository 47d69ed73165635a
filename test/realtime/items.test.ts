// `items` messages over the socket: create/read/update/delete replies, system collections, payload errors, permissions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { closeAll, connect, type WsClient } from "../helpers/ws-client.js";
import { limitedUser } from "../api/access-fixtures.js";
import { createMessages, insert, ok } from "./fixtures.js";

let server: TestServer;
let admin: Http;
let ws: WsClient;
const clients: WsClient[] = [];
let counter = 0;

/** Sends an items message with a fresh uid and returns the reply carrying that uid. */
async function items(client: WsClient, message: Record<string, unknown>) {
  const uid = `u${++counter}`;
  client.send({ type: "items", collection: "messages", ...message, uid });
  return client.next({ uid });
}

beforeAll(async () => {
  server = await startServer();
  admin = createHttp(server.url, server.adminToken);
  await createMessages(admin);
  ws = await connect(server.url, { token: server.adminToken });
  clients.push(ws);
}, 60_000);

afterAll(async () => {
  await closeAll(clients);
  await server?.close();
});

describe("items CRUD", () => {
  it("create: an object gives an object, an array gives an array, re-read with the query", async () => {
    const one = await items(ws, { action: "create", data: { text: "one", priority: 1 }, query: { fields: ["id", "text"] } });
    expect(Object.keys(one)).toEqual(["type", "data", "uid"]);
    expect(one).toEqual({ type: "items", data: { id: expect.any(Number), text: "one" }, uid: one.uid });
    const many = await items(ws, { action: "create", data: [{ text: "two" }, { text: "three" }], query: { fields: "text" } });
    expect(many).toEqual({ type: "items", data: [{ text: "two" }, { text: "three" }], uid: many.uid });
    const stored = ok<any>(await admin.get(`/items/messages/${one.data.id}`));
    expect(stored).toMatchObject({ text: "one", priority: 1 });
  });

  it("read: id → object, ids → array, query → array (with meta when asked)", async () => {
    const rows = await insert(admin, "messages", [{ text: "r1", channel: "read" }, { text: "r2", channel: "read" }]);
    const byId = await items(ws, { action: "read", id: rows[0].id, query: { fields: ["text"] } });
    expect(byId).toEqual({ type: "items", data: { text: "r1" }, uid: byId.uid });
    const byStringId = await items(ws, { action: "read", id: String(rows[1].id), query: { fields: "text" } });
    expect(byStringId.data).toEqual({ text: "r2" });
    const byIds = await items(ws, { action: "read", ids: rows.map((row: any) => row.id), query: { fields: ["text"], sort: ["id"] } });
    expect(byIds.data).toEqual([{ text: "r1" }, { text: "r2" }]);
    const byQuery = await items(ws, { action: "read", query: { fields: "text", filter: '{"channel":{"_eq":"read"}}', sort: "-id", meta: "filter_count" } });
    expect(Object.keys(byQuery)).toEqual(["type", "data", "meta", "uid"]);
    expect(byQuery.data).toEqual([{ text: "r2" }, { text: "r1" }]);
    expect(byQuery.meta).toEqual({ filter_count: 2 });
    const missing = await items(ws, { action: "read", id: 987654 });
    expect(missing).toMatchObject({ type: "items", status: "error", error: { code: "FORBIDDEN" }, uid: missing.uid });
  });

  it("update: id → object, ids → array, query → array", async () => {
    const rows = await insert(admin, "messages", [{ text: "u1", channel: "upd" }, { text: "u2", channel: "upd" }]);
    const ids = rows.map((row: any) => row.id);
    const byId = await items(ws, { action: "update", id: ids[0], data: { priority: 5 } });
    expect(byId.data).toMatchObject({ id: ids[0], text: "u1", priority: 5 });
    const byIds = await items(ws, { action: "update", ids, data: { priority: 6 }, query: { fields: ["id", "priority"] } });
    expect(byIds.data).toEqual(ids.map((id: number) => ({ id, priority: 6 })));
    const byQuery = await items(ws, { action: "update", query: { filter: { channel: { _eq: "upd" } }, fields: "priority" }, data: { priority: 7 } });
    expect(byQuery.data).toEqual([{ priority: 7 }, { priority: 7 }]);
    expect(ok<any[]>(await admin.get(`/items/messages?filter[channel][_eq]=upd&fields=priority`))).toEqual([{ priority: 7 }, { priority: 7 }]);
  });

  it("delete: id → the id, ids → the ids, query → the deleted keys", async () => {
    const rows = await insert(admin, "messages", [1, 2, 3, 4, 5].map((n) => ({ text: `d${n}`, channel: "del" })));
    const ids = rows.map((row: any) => row.id);
    expect(await items(ws, { action: "delete", id: ids[0] })).toEqual({ type: "items", data: ids[0], uid: `u${counter}` });
    expect((await items(ws, { action: "delete", ids: [ids[1], ids[2]] })).data).toEqual([ids[1], ids[2]]);
    const byQuery = await items(ws, { action: "delete", query: { filter: { channel: { _eq: "del" } } } });
    expect([...byQuery.data].sort()).toEqual([ids[3], ids[4]].sort());
    expect(ok<any[]>(await admin.get(`/items/messages?filter[channel][_eq]=del`))).toEqual([]);
  });
});

describe("items errors", () => {
  it("a system collection is INVALID_COLLECTION with the uid", async () => {
    for (const action of ["read", "create", "delete"]) {
      const reply = await items(ws, { collection: "directus_users", action, id: "x", data: {} });
      expect(JSON.stringify(reply)).toBe(
        JSON.stringify({ type: "items", status: "error", error: { code: "INVALID_COLLECTION", message: "Cannot trigger an action on a system collection." }, uid: reply.uid }),
      );
    }
  });

  it("delete without id, ids or query is INVALID_PAYLOAD", async () => {
    const reply = await items(ws, { action: "delete" });
    expect(JSON.stringify(reply)).toBe(
      JSON.stringify({ type: "items", status: "error", error: { code: "INVALID_PAYLOAD", message: "Either 'ids', 'id' or 'query' is required for a DELETE request." }, uid: reply.uid }),
    );
  });

  it("a malformed items message is INVALID_PAYLOAD with the uid; an unknown collection is FORBIDDEN", async () => {
    const badAction = await items(ws, { action: "upsert" });
    expect(badAction).toMatchObject({ type: "items", status: "error", error: { code: "INVALID_PAYLOAD" }, uid: badAction.uid });
    const unknown = await items(ws, { collection: "nope", action: "read" });
    expect(unknown).toMatchObject({ type: "items", status: "error", error: { code: "FORBIDDEN" }, uid: unknown.uid });
    const noUid = { type: "items", collection: "messages", action: "read", query: { fields: ["nope_field"] } };
    ws.send(noUid);
    const error = await ws.next((frame) => frame.type === "items" && frame.status === "error" && !("uid" in frame));
    expect(Object.keys(error)).toEqual(["type", "status", "error"]);
  });

  it("permissions apply: a read-only user cannot create, update or delete", async () => {
    const reader = await limitedUser(server.url, admin, [{ collection: "messages", action: "read" }]);
    const limited = await connect(server.url, { token: reader.token });
    clients.push(limited);
    const row = await insert(admin, "messages", { text: "protected" });
    const update = await items(limited, { action: "update", id: row.id, data: { text: "hacked" } });
    expect(update).toMatchObject({ type: "items", status: "error", error: { code: "FORBIDDEN" }, uid: update.uid });
    const create = await items(limited, { action: "create", data: { text: "new" } });
    expect(create).toMatchObject({ type: "items", status: "error", error: { code: "FORBIDDEN" } });
    const remove = await items(limited, { action: "delete", id: row.id });
    expect(remove).toMatchObject({ type: "items", status: "error", error: { code: "FORBIDDEN" } });
    expect(ok<any>(await admin.get(`/items/messages/${row.id}`)).text).toBe("protected");
    expect((await items(limited, { action: "read", id: row.id, query: { fields: "text" } })).data).toEqual({ text: "protected" });
  });
});
