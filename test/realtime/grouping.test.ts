// Fan-out groups by what callers may see, not by who they are: many users of one role share a render,
// while a $CURRENT_USER rule keeps them apart (and each still sees only their own rows).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { closeAll, connect, type WsClient } from "../helpers/ws-client.js";
import { addPermission, createPolicy, createRole, createUser, unique } from "../api/access-fixtures.js";
import { createMessages, event, insert, subscribe } from "./fixtures.js";

const USERS = 20;

describe("realtime grouping across users (sqlite)", () => {
  let server: TestServer;
  let admin: Http;
  const sockets: WsClient[] = [];

  beforeAll(async () => {
    server = await startServer();
    admin = createHttp(server.url, server.adminToken);
  });
  afterAll(async () => {
    await closeAll(sockets);
    await server.close();
  });

  /** USERS users of one new role with `rule`, each subscribed to `collection` under uid "g". */
  async function usersOfRole(collection: string, rule: Record<string, unknown>) {
    const role = await createRole(admin);
    const policy = await createPolicy(admin, { roles: [{ role: role.id }] });
    await addPermission(admin, policy.id, { collection, action: "read", fields: ["id", "text", "user_created"], permissions: rule });
    await addPermission(admin, policy.id, { collection, action: "create", fields: ["text"] });
    const users: Array<{ id: string; token: string; socket: WsClient }> = [];
    for (let i = 0; i < USERS; i++) {
      const token = unique("token");
      const user = await createUser(admin, { role: role.id, token });
      const socket = await connect(server.url, { token });
      sockets.push(socket);
      expect((await subscribe(socket, { collection, uid: "g", event: "create", query: { fields: "id,text" } })).event).toBe("init");
      users.push({ id: user.id, token, socket });
    }
    return users;
  }

  it("users whose rules are the same share one render per event", async () => {
    const collection = await createMessages(admin, unique("shared"));
    const users = await usersOfRole(collection, {});
    const before = server.app.hub.stats.renders;
    const row = await insert(admin, collection, { text: "for everyone" });
    await Promise.all(users.map(({ socket }) => socket.next((frame) => event("g", "create")(frame) && frame.data[0].id === row.id, 5000)));
    expect(server.app.hub.stats.renders - before).toBe(1);
  });

  it("a $CURRENT_USER rule renders per user, and each user only gets their own rows", async () => {
    const collection = await createMessages(admin, unique("owned"));
    const users = await usersOfRole(collection, { user_created: { _eq: "$CURRENT_USER" } });
    const [owner, other] = [users[3], users[5]];
    const before = server.app.hub.stats.renders;
    const mine = await insert(createHttp(server.url, owner.token), collection, { text: "owner's" });
    await owner.socket.next((frame) => event("g", "create")(frame) && frame.data[0].id === mine.id, 5000);
    expect(server.app.hub.stats.renders - before).toBe(USERS);
    // The other user's next row is the sentinel: it is dispatched after the owner's, to every group.
    const theirs = await insert(createHttp(server.url, other.token), collection, { text: "other's" });
    await other.socket.next((frame) => event("g", "create")(frame) && frame.data[0].id === theirs.id, 5000);
    for (const user of users) {
      const ids = user.socket.all(event("g", "create")).map((frame) => frame.data[0].id);
      expect(ids).toEqual(user === owner ? [mine.id] : user === other ? [theirs.id] : []);
    }
  });
});
