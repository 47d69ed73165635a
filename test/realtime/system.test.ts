// Subscriptions to system collections: schema changes reach directus_collections / directus_fields /
// directus_relations subscribers; users and roles go through the same permission engine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { closeAll, connect, type WsClient } from "../helpers/ws-client.js";
import { limitedUser, unique } from "../api/access-fixtures.js";
import { autoPk, createCollection, event, ok, subscribe } from "./fixtures.js";

describe("system collection subscriptions (sqlite)", () => {
  let server: TestServer;
  let admin: Http;
  const sockets: WsClient[] = [];
  const socket = async (token: string) => {
    const created = await connect(server.url, { token });
    sockets.push(created);
    return created;
  };

  beforeAll(async () => {
    server = await startServer();
    admin = createHttp(server.url, server.adminToken);
  });
  afterAll(async () => {
    await closeAll(sockets);
    await server.close();
  });

  it("creating, changing and dropping collections and fields emits events to their subscribers", async () => {
    const ws = await socket(server.adminToken);
    expect((await subscribe(ws, { collection: "directus_collections", uid: "c" })).event).toBe("init");
    expect((await subscribe(ws, { collection: "directus_fields", uid: "f", event: "create", query: { fields: "collection,field,type" } })).event).toBe("init");
    const name = unique("live");
    await createCollection(admin, name, [autoPk]);
    const created = await ws.next(event("c", "create"));
    expect(created.data).toEqual([expect.objectContaining({ collection: name })]);
    expect((await ws.next(event("f", "create"))).data).toEqual([{ collection: name, field: "id", type: "integer" }]);
    ok(await admin.post(`/fields/${name}`, { field: "title", type: "string" }));
    expect((await ws.next((frame) => event("f", "create")(frame) && frame.data[0].field === "title")).data).toEqual([{ collection: name, field: "title", type: "string" }]);
    ok(await admin.patch(`/collections/${name}`, { meta: { note: "changed" } }));
    expect((await ws.next(event("c", "update"))).data[0].meta).toMatchObject({ note: "changed" });
    expect((await admin.delete(`/collections/${name}`)).status).toBe(204);
    expect((await ws.next(event("c", "delete"))).data).toEqual([name]);
  });

  it("item subscriptions to directus_fields are refused with INVALID_PAYLOAD", async () => {
    const ws = await socket(server.adminToken);
    const reply = await subscribe(ws, { collection: "directus_fields", item: 1, uid: "x" });
    expect(reply).toMatchObject({ type: "subscribe", status: "error", error: { code: "INVALID_PAYLOAD" }, uid: "x" });
  });

  it("a limited user may follow only their own directus_users row, and never sees password or token", async () => {
    const user = await limitedUser(server.url, admin, []);
    const ws = await socket(user.token);
    const init = await subscribe(ws, { collection: "directus_users", uid: "me" });
    expect(init.data.map((row: any) => row.id)).toEqual([user.user.id]);
    expect(JSON.stringify(init)).not.toMatch(/scrypt\$|static-token/);
    const other = await limitedUser(server.url, admin, []);
    ok(await admin.patch(`/users/${other.user.id}`, { first_name: "Not yours" }));
    ok(await admin.patch(`/users/${user.user.id}`, { first_name: "Renamed" }));
    const update = await ws.next(event("me", "update"));
    expect(update.data).toEqual([expect.objectContaining({ id: user.user.id, first_name: "Renamed" })]);
    expect(ws.all(event("me", "update")).length).toBe(1);
    expect(JSON.stringify(update)).not.toMatch(/scrypt\$|static-token/);
  });

  it("change events never carry password hashes or static tokens (they leave the process on the bus)", async () => {
    const seen: unknown[] = [];
    const stop = server.app.core.events.onChange((change) => seen.push(change));
    try {
      const token = unique("bus-token");
      const created = ok<any>(await admin.post("/users", { email: `${unique("bus")}@example.com`, password: "bus-password", token }));
      ok(await admin.patch(`/users/${created.id}`, { password: "changed-password" }));
      const text = JSON.stringify(seen);
      expect(text).toContain(created.id);
      expect(text).not.toMatch(/scrypt\$/);
      expect(text).not.toContain(token);
    } finally {
      stop();
    }
  });
});
