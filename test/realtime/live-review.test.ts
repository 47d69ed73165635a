// Live review: dynamic variables bound for GraphQL subscriptions too, and per-event renders that
// apply each permission condition once and count `meta` without a pointless select.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { closeAll, connect, type WsClient } from "../helpers/ws-client.js";
import { createRelation } from "../api/fixtures.js";
import { limitedUser, type LimitedUser } from "../api/access-fixtures.js";
import { gqlWs, mutated, subscribe as gqlSubscribe, untilActive, type WsClientHandle } from "../graphql/helpers.js";
import { autoPk, createCollection, createField, event, insert, ok, subscribe } from "./fixtures.js";

const dbs = await databases();

describe.each(dbs)("live review (%s)", (db) => {
  let server: TestServer;
  let admin: Http;
  const sockets: WsClientHandle[] = [];
  const clients: WsClient[] = [];

  beforeAll(async () => {
    server = await startServer({ db });
    admin = createHttp(server.url, server.adminToken);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
    await closeAll(clients.splice(0));
  });
  afterAll(async () => server?.close());

  describe("a GraphQL subscription whose nested filter uses $CURRENT_USER", () => {
    let alice: LimitedUser;
    let bob: LimitedUser;
    let room: any;

    beforeAll(async () => {
      await createCollection(admin, "rooms", [autoPk, { field: "name", type: "string", schema: {} }]);
      await createCollection(admin, "chat", [autoPk, { field: "text", type: "string", schema: {} }]);
      await createField(admin, "chat", { field: "room", type: "integer", meta: { special: ["m2o"] }, schema: {} });
      await createField(admin, "chat", { field: "user_created", type: "uuid", meta: { special: ["user-created"] }, schema: {} });
      await createField(admin, "rooms", { field: "messages", type: "alias", meta: { special: ["o2m"] } });
      await createRelation(admin, { collection: "chat", field: "room", related_collection: "rooms", meta: { one_field: "messages" }, schema: { on_delete: "SET NULL" } });
      // One role, no rule naming the user: both users share a permission fingerprint.
      alice = await limitedUser(server.url, admin, [
        { collection: "rooms", action: "read" },
        { collection: "chat", action: "read" },
        { collection: "chat", action: "create", fields: ["text", "room"] },
      ]);
      bob = await limitedUser(server.url, admin, [], { role: alice.role.id });
      room = await insert(admin, "rooms", { name: "lobby" });
      await insert(alice.http, "chat", { text: "from alice", room: room.id });
      await insert(bob.http, "chat", { text: "from bob", room: room.id });
    }, 60_000);

    it("delivers each subscriber only their own rows", async () => {
      const query = `subscription { rooms_mutated { key event data { id messages(filter: {user_created: {_eq: "$CURRENT_USER"}}) { text } } } }`;
      const open = async (token: string) => {
        const socket = gqlWs(server.url, { token });
        sockets.push(socket);
        await socket.connected;
        return gqlSubscribe(socket.client, query);
      };
      const subs = [await open(alice.token), await open(bob.token)];
      let n = 0;
      await untilActive(subs, () => admin.patch(`/items/rooms/${room.id}`, { name: `lobby ${++n}` }));
      ok(await admin.patch(`/items/rooms/${room.id}`, { name: "renamed" }));
      const m = mutated("rooms");
      const [forAlice, forBob] = await Promise.all(subs.map((sub) => sub.next((p) => m(p)?.event === "update")));
      expect(m(forAlice).data.messages).toEqual([{ text: "from alice" }]);
      expect(m(forBob).data.messages).toEqual([{ text: "from bob" }]);
    });
  });

  describe("a render that needs the database", () => {
    const marker = `open-${Math.random().toString(36).slice(2)}`;
    let reader: LimitedUser;
    let channel: any;

    beforeAll(async () => {
      await createCollection(admin, "channels", [autoPk, { field: "name", type: "string", schema: {} }]);
      await createCollection(admin, "posts", [autoPk, { field: "text", type: "string", schema: {} }]);
      await createField(admin, "posts", { field: "channel", type: "integer", meta: { special: ["m2o"] }, schema: {} });
      await createRelation(admin, { collection: "posts", field: "channel", related_collection: "channels", schema: { on_delete: "SET NULL" } });
      channel = await insert(admin, "channels", { name: marker });
      // A relational row filter: events for this reader are rendered by a read, not in memory.
      reader = await limitedUser(server.url, admin, [
        { collection: "posts", action: "read", permissions: { channel: { name: { _eq: marker } } } },
        { collection: "channels", action: "read" },
      ]);
    }, 60_000);

    it("applies the permission condition once per query and counts meta without a select", async () => {
      const ws = await connect(server.url, { token: reader.token });
      clients.push(ws);
      const init = await subscribe(ws, { collection: "posts", query: { fields: ["id", "text"], meta: ["filter_count"] }, uid: "p" });
      expect(init.data).toEqual([]);
      const queries: Array<{ sql: string; bindings?: unknown[] }> = [];
      const record = (query: { sql: string; bindings?: unknown[] }) => queries.push(query);
      server.app.core.db.knex.on("query", record);
      let frame;
      try {
        const post = await insert(admin, "posts", { text: "hello", channel: channel.id });
        frame = await ws.next(event("p", "create"));
        expect(frame.data).toEqual([{ id: post.id, text: "hello" }]);
      } finally {
        server.app.core.db.knex.off("query", record);
      }
      expect(frame.meta).toEqual({ filter_count: 1 });
      // The render's select and the filter_count: each names the permission's value once.
      const permissioned = queries.filter((query) => query.bindings?.includes(marker));
      expect(permissioned.map((query) => query.bindings!.filter((value) => value === marker).length)).toEqual([1, 1]);
      expect(permissioned.filter((query) => /count\(/i.test(query.sql))).toHaveLength(1);
    });
  });
});
