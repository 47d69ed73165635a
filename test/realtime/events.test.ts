// Realtime events: exact create/update/delete frames, item subscriptions, batches, ordering, many subscriptions, commit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { closeAll, connect, type WsClient } from "../helpers/ws-client.js";
import { autoPk, createCollection, createMessages, event, expectNothingBefore, insert, ok, subscribe } from "./fixtures.js";

const dbs = await databases();
const exact = (frame: unknown) => JSON.stringify(frame);

describe.each(dbs)("realtime events (%s)", (db) => {
  let server: TestServer;
  let admin: Http;
  const clients: WsClient[] = [];

  async function client() {
    const created = await connect(server.url, { token: server.adminToken });
    clients.push(created);
    return created;
  }

  beforeAll(async () => {
    server = await startServer({ db });
    admin = createHttp(server.url, server.adminToken);
    await createMessages(admin);
    await createCollection(admin, "uniq", [autoPk, { field: "code", type: "string", schema: { is_unique: true } }]);
  }, 60_000);

  afterAll(async () => {
    await closeAll(clients);
    await server?.close();
  });

  it("create, update and delete frames have the exact Directus shape; delete keys are strings", async () => {
    const ws = await client();
    await subscribe(ws, { collection: "messages", query: { fields: ["id", "text"] }, uid: "x" });
    const row = await insert(admin, "messages", { text: "hello" });
    expect(exact(await ws.next(event("x", "create")))).toBe(exact({ type: "subscription", event: "create", data: [{ id: row.id, text: "hello" }], uid: "x" }));
    ok(await admin.patch(`/items/messages/${row.id}`, { text: "edited" }));
    expect(exact(await ws.next(event("x", "update")))).toBe(exact({ type: "subscription", event: "update", data: [{ id: row.id, text: "edited" }], uid: "x" }));
    expect((await admin.delete(`/items/messages/${row.id}`)).status).toBe(204);
    expect(exact(await ws.next(event("x", "delete")))).toBe(exact({ type: "subscription", event: "delete", data: [String(row.id)], uid: "x" }));
  });

  it("item subscriptions: 1 and \"1\" both match the integer key; delete data is the id string", async () => {
    const ws = await client();
    const row = await insert(admin, "messages", { text: "item" });
    await subscribe(ws, { collection: "messages", item: row.id, query: { fields: ["id", "text"] }, uid: "num" });
    await subscribe(ws, { collection: "messages", item: String(row.id), query: { fields: ["text"] }, uid: "str" });
    await subscribe(ws, { collection: "messages", event: "update", uid: "all" });
    // A batch update with JSON (integer) keys, then one by URL (string) key.
    ok(await admin.patch("/items/messages", { keys: [row.id], data: { text: "by body" } }));
    expect(exact(await ws.next(event("num", "update")))).toBe(exact({ type: "subscription", event: "update", data: { id: row.id, text: "by body" }, uid: "num" }));
    expect(exact(await ws.next(event("str", "update")))).toBe(exact({ type: "subscription", event: "update", data: { text: "by body" }, uid: "str" }));
    ok(await admin.patch(`/items/messages/${row.id}`, { text: "by url" }));
    expect((await ws.next(event("num", "update"))).data).toEqual({ id: row.id, text: "by url" });
    expect((await ws.next(event("str", "update"))).data).toEqual({ text: "by url" });
    // Another row's change reaches neither item subscription.
    const other = await insert(admin, "messages", { text: "other" });
    ok(await admin.patch(`/items/messages/${other.id}`, { text: "other 2" }));
    await ws.next((frame) => frame.uid === "all" && frame.data?.[0]?.id === other.id);
    expect(ws.all((frame) => frame.uid === "num" || frame.uid === "str")).toHaveLength(6);
    expect((await admin.request("DELETE", "/items/messages", { body: [row.id] })).status).toBe(204);
    expect(exact(await ws.next(event("num", "delete")))).toBe(exact({ type: "subscription", event: "delete", data: String(row.id), uid: "num" }));
    expect(exact(await ws.next(event("str", "delete")))).toBe(exact({ type: "subscription", event: "delete", data: String(row.id), uid: "str" }));
  });

  it("string primary keys: an item subscription to 1 matches key \"1\"", async () => {
    await createCollection(admin, "coded", [{ field: "id", type: "string", schema: { is_primary_key: true, length: 255 } }, { field: "v", type: "integer", schema: {} }]);
    await insert(admin, "coded", { id: "1", v: 1 });
    const ws = await client();
    expect((await subscribe(ws, { collection: "coded", item: 1, uid: "c" })).data).toEqual({ id: "1", v: 1 });
    ok(await admin.patch("/items/coded/1", { v: 2 }));
    expect(await ws.next(event("c", "update"))).toEqual({ type: "subscription", event: "update", data: { id: "1", v: 2 }, uid: "c" });
    await admin.delete("/items/coded/1");
    expect(await ws.next(event("c", "delete"))).toEqual({ type: "subscription", event: "delete", data: "1", uid: "c" });
  });

  it("writes racing a subscribe: the init comes first and no event is sent twice", async () => {
    const ws = await client();
    ws.send({ type: "subscribe", collection: "messages", query: { fields: ["id"], filter: { channel: { _eq: "race" } } }, uid: "race" });
    const rows = (await Promise.all([1, 2, 3, 4, 5].map(() => insert(admin, "messages", { text: "r", channel: "race" })))).map((row) => row.id);
    await insert(admin, "messages", { text: "after", channel: "race" });
    await ws.next((frame) => frame.uid === "race" && frame.event === "create" && frame.data[0].id > Math.max(...rows));
    const mine = ws.all((frame) => frame.uid === "race");
    expect(mine[0].event).toBe("init");
    const created = mine.filter((frame) => frame.event === "create").map((frame) => frame.data[0].id);
    expect(new Set(created).size).toBe(created.length);
    const seen = new Set([...mine[0].data.map((row: any) => row.id), ...created]);
    for (const id of rows) expect(seen.has(id)).toBe(true);
  });

  it("a bulk create sends one event per item; bulk update and delete send one event with every row or key", async () => {
    const ws = await client();
    await subscribe(ws, { collection: "messages", query: { fields: ["id", "channel"], filter: { channel: { _eq: "bulk" } } }, uid: "b" });
    const rows = await insert(admin, "messages", [
      { text: "1", channel: "bulk" },
      { text: "2", channel: "bulk" },
      { text: "3", channel: "bulk" },
    ]);
    const ids = rows.map((row: any) => row.id);
    for (const id of ids) expect((await ws.next(event("b", "create"))).data).toEqual([{ id, channel: "bulk" }]);
    ok(await admin.patch("/items/messages", { keys: ids, data: { priority: 7 } }));
    const update = await ws.next(event("b", "update"));
    expect(update.data.map((row: any) => row.id).sort((a: number, b: number) => a - b)).toEqual(ids);
    expect((await admin.request("DELETE", "/items/messages", { body: ids })).status).toBe(204);
    const removed = await ws.next(event("b", "delete"));
    expect([...removed.data].sort()).toEqual(ids.map(String).sort());
    // The sentinel: nothing else was sent for these writes.
    await insert(admin, "messages", { text: "end", channel: "bulk" });
    await ws.next((frame) => frame.event === "create" && frame.data[0].id > Math.max(...ids));
    expect(ws.all(event("b", "create"))).toHaveLength(4);
    expect(ws.all(event("b", "update"))).toHaveLength(1);
    expect(ws.all(event("b", "delete"))).toHaveLength(1);
  });

  it("events arrive in commit order: create, update, delete", async () => {
    const ws = await client();
    await subscribe(ws, { collection: "messages", query: { fields: ["id", "text"] }, uid: "o" });
    const row = await insert(admin, "messages", { text: "v1" });
    ok(await admin.patch(`/items/messages/${row.id}`, { text: "v2" }));
    ok(await admin.patch(`/items/messages/${row.id}`, { text: "v3" }));
    await admin.delete(`/items/messages/${row.id}`);
    await ws.next(event("o", "delete"));
    const sequence = ws.all((frame) => frame.uid === "o" && frame.event !== "init").map((frame) => `${frame.event}:${JSON.stringify(frame.data)}`);
    expect(sequence).toEqual([
      `create:${JSON.stringify([{ id: row.id, text: "v1" }])}`,
      `update:${JSON.stringify([{ id: row.id, text: "v2" }])}`,
      `update:${JSON.stringify([{ id: row.id, text: "v3" }])}`,
      `delete:${JSON.stringify([String(row.id)])}`,
    ]);
  });

  it("50 subscriptions with different filters on one socket each receive exactly what matches", async () => {
    const ws = await client();
    const channel = `many-${db}`;
    for (let i = 0; i < 50; i++) {
      ws.send({ type: "subscribe", collection: "messages", query: { fields: "id,priority", filter: { _and: [{ channel: { _eq: channel } }, { priority: { _lte: i } }] } }, uid: `p${i}` });
    }
    for (let i = 0; i < 50; i++) await ws.next({ type: "subscription", event: "init", uid: `p${i}` });
    const rows = await insert(admin, "messages", Array.from({ length: 50 }, (_, priority) => ({ text: `m${priority}`, channel, priority })));
    await ws.next((frame) => frame.uid === "p49" && frame.data?.[0]?.priority === 49, 10_000);
    for (let i = 0; i < 50; i++) {
      const received = ws.all(event(`p${i}`, "create")).map((frame) => frame.data);
      expect(received, `uid p${i}`).toEqual(rows.filter((row: any) => row.priority <= i).map((row: any) => [{ id: row.id, priority: row.priority }]));
    }
  });

  it("a write made over the socket reaches other subscribers", async () => {
    const writer = await client();
    const reader = await client();
    await subscribe(reader, { collection: "messages", event: "create", query: { fields: ["text"] }, uid: "r" });
    writer.send({ type: "items", collection: "messages", action: "create", data: { text: "via ws" }, uid: "w" });
    await writer.next({ type: "items", uid: "w" });
    expect((await reader.next(event("r", "create"))).data).toEqual([{ text: "via ws" }]);
  });

  it("event rows equal what a REST read returns, for every field type (create and update)", async () => {
    await createCollection(admin, "typed", [
      autoPk,
      { field: "f_string", type: "string", schema: {} },
      { field: "f_integer", type: "integer", schema: {} },
      { field: "f_big", type: "bigInteger", schema: {} },
      { field: "f_float", type: "float", schema: {} },
      { field: "f_decimal", type: "decimal", schema: { numeric_precision: 10, numeric_scale: 2 } },
      { field: "f_boolean", type: "boolean", meta: { special: ["cast-boolean"] }, schema: {} },
      { field: "f_uuid", type: "uuid", schema: {} },
      { field: "f_json", type: "json", meta: { special: ["cast-json"] }, schema: {} },
      { field: "f_csv", type: "csv", meta: { special: ["cast-csv"] }, schema: {} },
      { field: "f_datetime", type: "dateTime", schema: {} },
      { field: "f_date", type: "date", schema: {} },
      { field: "f_time", type: "time", schema: {} },
      { field: "f_timestamp", type: "timestamp", schema: {} },
      { field: "f_created", type: "timestamp", meta: { special: ["date-created"] }, schema: {} },
    ]);
    const ws = await client();
    await subscribe(ws, { collection: "typed", uid: "t" });
    const created = await insert(admin, "typed", {
      f_string: "s", f_integer: 7, f_big: 9007199254740991, f_float: 1.5, f_decimal: "12.34", f_boolean: true,
      f_uuid: "8f4f3b3e-8a51-4a0e-9b5e-3c1d2a4b5c6d", f_json: { a: [1, { b: null }] }, f_csv: ["x", "y"],
      f_datetime: "2024-02-03T04:05:06", f_date: "2024-02-03", f_time: "04:05:06", f_timestamp: "2024-02-03T04:05:06.000Z",
    });
    const read = ok<any>(await admin.get(`/items/typed/${created.id}`));
    expect((await ws.next(event("t", "create"))).data).toEqual([read]);
    ok(await admin.patch(`/items/typed/${created.id}`, { f_boolean: false, f_json: [], f_decimal: 0.5, f_date: null }));
    const reread = ok<any>(await admin.get(`/items/typed/${created.id}`));
    expect((await ws.next(event("t", "update"))).data).toEqual([reread]);
  });

  it("a search in the subscription query filters events like a search read", async () => {
    const ws = await client();
    await subscribe(ws, { collection: "messages", query: { fields: ["text"], search: "needle" }, uid: "q" });
    await insert(admin, "messages", { text: "hay" });
    await insert(admin, "messages", { text: "a NEEDLE here" });
    await expectNothingBefore(ws, (frame) => frame.data?.[0]?.text === "hay", event("q", "create"));
  });

  it("a rolled-back write sends no event (events go out after commit only)", async () => {
    const ws = await client();
    await subscribe(ws, { collection: "uniq", query: { fields: ["code"] }, uid: "u" });
    const failed = await admin.post("/items/uniq", [{ code: "first" }, { code: "dup" }, { code: "dup" }]);
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect(ok<any[]>(await admin.get("/items/uniq"))).toEqual([]);
    await insert(admin, "uniq", { code: "sentinel" });
    await expectNothingBefore(ws, (frame) => frame.event === "create" && frame.data?.[0]?.code !== "sentinel", event("u", "create"));
    expect(ws.all(event("u", "create"))).toEqual([{ type: "subscription", event: "create", data: [{ code: "sentinel" }], uid: "u" }]);
  });
});
