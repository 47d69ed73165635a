// GraphQL subscriptions over graphql-ws: <collection>_mutated for create/update/delete, event filters, permissions, fan-out.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { autoPk, createCollection, createField, ok, waitFor } from "../api/fixtures.js";
import { limitedUser, type LimitedUser } from "../api/access-fixtures.js";
import { gqlWs, mutated, rawUpgrade, subscribe, untilActive, wsExecute, type Sub, type WsClientHandle } from "./helpers.js";


const dbs = await databases();
const ALL = `subscription { messages_mutated { key event data { id text } } }`;

describe.each(dbs)("GraphQL subscriptions (%s)", (db) => {
  let server: TestServer;
  let admin: Http;
  let alice: LimitedUser;
  let bob: LimitedUser;
  const sockets: WsClientHandle[] = [];

  const open = async (token: string) => {
    const socket = gqlWs(server.url, { token });
    sockets.push(socket);
    await socket.connected;
    return socket;
  };
  const insert = async (http: Http, body: Record<string, unknown>) => ok<any>(await http.post("/items/messages", body));
  const sentinel = () => insert(admin, { text: "sentinel" });
  const m = mutated("messages");
  const keyIs = (key: unknown, event?: string) => (p: any) => m(p)?.key === String(key) && (!event || m(p)?.event === event);
  /** Waits for `sentinel` and asserts nothing matching `unwanted` arrived before it (events go out in commit order). */
  async function nothingBefore(sub: Sub, unwanted: (p: any) => boolean, sentinelMatch: (p: any) => boolean) {
    const found = await sub.next(sentinelMatch);
    const before = sub.received.slice(0, sub.received.indexOf(found)).filter(unwanted);
    expect(before, JSON.stringify(sub.received)).toEqual([]);
  }

  beforeAll(async () => {
    server = await startServer({ db });
    admin = createHttp(server.url, server.adminToken);
    await createCollection(admin, "messages", [
      autoPk,
      { field: "text", type: "string", schema: {} },
      { field: "secret", type: "string", schema: {} },
    ]);
    await createField(admin, "messages", { field: "user_created", type: "uuid", meta: { special: ["user-created"] }, schema: {} });
    await createCollection(admin, "rooms", [autoPk, { field: "name", type: "string", schema: {} }]);
    await createCollection(admin, "fanout", [autoPk, { field: "text", type: "string", schema: {} }]);
    for (const probe of ["probe_a", "probe_b", "probe_c", "probe_d"]) await createCollection(admin, probe, [autoPk]);
    alice = await limitedUser(server.url, admin, [
      { collection: "messages", action: "read", fields: ["id", "text", "user_created"], permissions: { user_created: { _eq: "$CURRENT_USER" } } },
      { collection: "messages", action: "create", fields: ["text", "secret"] },
      { collection: "fanout", action: "read", fields: ["*"] },
    ]);
    bob = await limitedUser(server.url, admin, [], { role: alice.role.id });
  }, 60_000);

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
  });

  afterAll(async () => {
    await server?.close();
  });

  it("create: one next with key, event and the selected data", async () => {
    const { client } = await open(server.adminToken);
    const sub = subscribe(client, ALL);
    await untilActive(sub, sentinel);
    const row = await insert(admin, { text: "hello", secret: "s" });
    const payload = await sub.next(keyIs(row.id));
    expect(payload).toEqual({ data: { messages_mutated: { key: String(row.id), event: "create", data: { id: String(row.id), text: "hello" } } } });
  });

  it("update of several keys: one next per key, each with its row", async () => {
    const { client } = await open(server.adminToken);
    const sub = subscribe(client, ALL);
    await untilActive(sub, sentinel);
    const [a, b] = ok<any[]>(await admin.post("/items/messages", [{ text: "a" }, { text: "b" }]));
    ok(await admin.patch("/items/messages", { keys: [a.id, b.id], data: { text: "changed" } }));
    const first = m(await sub.next(keyIs(a.id, "update")));
    const second = m(await sub.next(keyIs(b.id, "update")));
    expect(first).toEqual({ key: String(a.id), event: "update", data: { id: String(a.id), text: "changed" } });
    expect(second).toEqual({ key: String(b.id), event: "update", data: { id: String(b.id), text: "changed" } });
    await sentinel();
    await sub.next((p) => m(p)?.data?.text === "sentinel");
    expect(sub.received.filter((p) => m(p).event === "update")).toHaveLength(2);
  });

  it("delete of several keys: one next per key with data null", async () => {
    const { client } = await open(server.adminToken);
    const sub = subscribe(client, ALL);
    await untilActive(sub, sentinel);
    const [a, b] = ok<any[]>(await admin.post("/items/messages", [{ text: "a" }, { text: "b" }]));
    expect((await admin.delete("/items/messages", [a.id, b.id])).status).toBe(204);
    expect(m(await sub.next(keyIs(a.id, "delete")))).toEqual({ key: String(a.id), event: "delete", data: null });
    expect(m(await sub.next(keyIs(b.id, "delete")))).toEqual({ key: String(b.id), event: "delete", data: null });
  });

  it("event: create as a literal only sends creates", async () => {
    const { client } = await open(server.adminToken);
    const sub = subscribe(client, `subscription { messages_mutated(event: create) { key event data { text } } }`);
    await untilActive(sub, sentinel);
    const row = await insert(admin, { text: "x" });
    ok(await admin.patch(`/items/messages/${row.id}`, { text: "y" }));
    expect((await admin.delete(`/items/messages/${row.id}`)).status).toBe(204);
    const last = await sentinel();
    await nothingBefore(sub, (p) => m(p).event !== "create", keyIs(last.id));
  });

  it("event from a variable ($e: EventEnum) is honoured too", async () => {
    const { client } = await open(server.adminToken);
    const sub = subscribe(client, `subscription S($e: EventEnum) { messages_mutated(event: $e) { key event data { text } } }`, { e: "delete" });
    await untilActive(sub, async () => {
      const row = await sentinel();
      await admin.delete(`/items/messages/${row.id}`);
    });
    const row = await insert(admin, { text: "x" });
    ok(await admin.patch(`/items/messages/${row.id}`, { text: "y" }));
    expect((await admin.delete(`/items/messages/${row.id}`)).status).toBe(204);
    await nothingBefore(sub, (p) => m(p).event !== "delete", keyIs(row.id, "delete"));
    expect(m(sub.received.find(keyIs(row.id)))).toEqual({ key: String(row.id), event: "delete", data: null });
  });

  it("a row filter hides other users' creates, updates and deletes", async () => {
    const { client } = await open(alice.token);
    const sub = subscribe(client, `subscription { messages_mutated { key event data { id text user_created } } }`);
    await untilActive(sub, () => insert(alice.http, { text: "alice sentinel" }));
    const theirs = await insert(bob.http, { text: "bob's" });
    const mine = await insert(alice.http, { text: "mine", secret: "hidden" });
    const created = m(await sub.next(keyIs(mine.id, "create")));
    expect(created.data).toEqual({ id: String(mine.id), text: "mine", user_created: alice.user.id });
    ok(await admin.patch(`/items/messages/${theirs.id}`, { text: "bob edited" }));
    ok(await admin.patch(`/items/messages/${mine.id}`, { text: "mine edited" }));
    expect(m(await sub.next(keyIs(mine.id, "update"))).data.text).toBe("mine edited");
    // One delete of both rows: only the row alice could read comes through.
    expect((await admin.delete("/items/messages", [theirs.id, mine.id])).status).toBe(204);
    await sub.next(keyIs(mine.id, "delete"));
    const last = await insert(alice.http, { text: "alice last" });
    await nothingBefore(sub, keyIs(theirs.id), keyIs(last.id));
  });

  it("data obeys field permissions: a forbidden field cannot be selected; secret values never appear", async () => {
    const { client } = await open(alice.token);
    const bad = subscribe(client, `subscription { messages_mutated { key data { id secret } } }`);
    const [error] = (await bad.error()) as any[];
    expect(error.extensions.code).toBe("GRAPHQL_VALIDATION");
    const forbidden = subscribe(client, `subscription { rooms_mutated { key } }`);
    expect(((await forbidden.error()) as any[])[0].extensions.code).toBe("GRAPHQL_VALIDATION");
    const sub = subscribe(client, `subscription { messages_mutated { key data { text } } }`);
    await untilActive(sub, () => insert(alice.http, { text: "s", secret: "TOPSECRET" }));
    const row = await insert(alice.http, { text: "t", secret: "TOPSECRET" });
    expect(m(await sub.next(keyIs(row.id)))).toEqual({ key: String(row.id), data: { text: "t" } });
    expect(JSON.stringify(sub.received)).not.toContain("TOPSECRET");
  });

  it("an update that moves a row out of the row filter is not sent", async () => {
    const { client } = await open(alice.token);
    const sub = subscribe(client, `subscription { messages_mutated(event: update) { key data { text } } }`);
    const row = await insert(alice.http, { text: "start" });
    await untilActive(sub, () => admin.patch(`/items/messages/${row.id}`, { text: "tick" }));
    ok(await admin.patch(`/items/messages/${row.id}`, { user_created: bob.user.id, text: "given away" }));
    const own = await insert(alice.http, { text: "own" });
    ok(await admin.patch(`/items/messages/${own.id}`, { text: "after" }));
    await nothingBefore(sub, (p) => m(p).data?.text === "given away", keyIs(own.id));
  });

  it("several subscriptions on one socket each get their own events; queries and mutations share the socket", async () => {
    const { client } = await open(server.adminToken);
    const messages = subscribe(client, `subscription { messages_mutated { key event } }`);
    const rooms = subscribe(client, `subscription { rooms_mutated { key event data { name } } }`);
    const creates = subscribe(client, `subscription { messages_mutated(event: create) { key } }`);
    await untilActive([messages, creates], sentinel);
    await untilActive(rooms, () => admin.post("/items/rooms", { name: "sentinel" }));
    const result = await wsExecute(client, `mutation { create_rooms_item(data: { name: "lobby" }) { id } }`);
    const roomId = result.data.create_rooms_item.id;
    expect(mutated("rooms")(await rooms.next((p) => mutated("rooms")(p).key === roomId))).toEqual({ key: roomId, event: "create", data: { name: "lobby" } });
    const created = await wsExecute(client, `mutation { create_messages_item(data: { text: "over ws" }) { id } }`);
    const key = created.data.create_messages_item.id;
    await messages.next(keyIs(key, "create"));
    await creates.next(keyIs(key));
    const read = await wsExecute(client, `query { messages_by_id(id: ${key}) { text } }`);
    expect(read.data).toEqual({ messages_by_id: { text: "over ws" } });
    expect(rooms.received.filter((p) => JSON.stringify(p).includes("messages"))).toEqual([]);
  });

  // Each test listens on its own collection, so hub.watches() tells whether the server still holds the subscription.
  it("completing a subscription releases it on the server without waiting for another event", async () => {
    const { client } = await open(server.adminToken);
    const sub = subscribe(client, `subscription { probe_a_mutated { key } }`);
    const keep = subscribe(client, `subscription { probe_b_mutated { key } }`);
    await untilActive(sub, () => admin.post("/items/probe_a", {}));
    await untilActive(keep, () => admin.post("/items/probe_b", {}));
    expect(server.app.hub.watches("probe_a")).toBe(true);
    sub.dispose();
    await waitFor(async () => !server.app.hub.watches("probe_a"), 3000);
    expect(server.app.hub.watches("probe_b")).toBe(true);
  });

  it("closing the socket releases its subscriptions without waiting for another event", async () => {
    const socket = await open(server.adminToken);
    const sub = subscribe(socket.client, `subscription { probe_c_mutated { key } }`);
    await untilActive(sub, () => admin.post("/items/probe_c", {}));
    await socket.dispose();
    await waitFor(async () => !server.app.hub.watches("probe_c"), 3000);
  });

  it("no next is sent for an operation id after the client completed it", async () => {
    const { ws } = await rawUpgrade(server.url);
    const frames: any[] = [];
    ws!.on("message", (data) => frames.push(JSON.parse(data.toString())));
    const send = (message: unknown) => ws!.send(JSON.stringify(message));
    const frame = async (match: (f: any) => boolean) => waitFor(async () => frames.some(match), 5000).then(() => frames.find(match));
    try {
      send({ type: "connection_init", payload: { access_token: server.adminToken } });
      await frame((f) => f.type === "connection_ack");
      send({ id: "1", type: "subscribe", payload: { query: `subscription { probe_d_mutated { key } }` } });
      send({ id: "2", type: "subscribe", payload: { query: `subscription { probe_d_mutated { key } }` } });
      await waitFor(async () => {
        await admin.post("/items/probe_d", {});
        return ["1", "2"].every((id) => frames.some((f) => f.type === "next" && f.id === id));
      }, 5000, 50);
      send({ id: "1", type: "complete" });
      // Messages are handled in order: once this query answers, the complete has been seen.
      send({ id: "3", type: "subscribe", payload: { query: `{ server_ping }` } });
      await frame((f) => f.id === "3" && f.type === "complete");
      const mark = frames.length;
      const row = ok<any>(await admin.post("/items/probe_d", {}));
      await frame((f) => f.id === "2" && f.payload?.data?.probe_d_mutated?.key === String(row.id));
      expect(frames.slice(mark).filter((f) => f.id === "1")).toEqual([]);
    } finally {
      ws!.close();
    }
  });

  it("50 subscribers of one user and selection cost one render per event", async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => open(alice.token)));
    const query = `subscription { fanout_mutated { key event data { id text } } }`;
    const subs = clients.map(({ client }) => subscribe(client, query));
    await untilActive(subs, () => admin.post("/items/fanout", { text: "sentinel" }), 20_000);
    for (let run = 0; run < 3; run++) {
      const renders = server.app.hub.stats.renders;
      const row = ok<any>(await admin.post("/items/fanout", { text: `run ${run}` }));
      const payloads = await Promise.all(subs.map((sub) => sub.next((p) => mutated("fanout")(p)?.key === String(row.id), 10_000)));
      expect(server.app.hub.stats.renders - renders).toBe(1);
      for (const payload of payloads) expect(mutated("fanout")(payload)).toEqual({ key: String(row.id), event: "create", data: { id: String(row.id), text: `run ${run}` } });
    }
  }, 60_000);
});
