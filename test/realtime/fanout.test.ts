// Fan-out cost: 200 subscribers with the same permissions and query cost what one does (no per-subscriber queries).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { closeAll, connect, type WsClient } from "../helpers/ws-client.js";
import { limitedUser, type LimitedUser } from "../api/access-fixtures.js";
import { autoPk, createCollection, createField, createMessages, insert, subscribe } from "./fixtures.js";
import { createRelation } from "../api/fixtures.js";

const dbs = await databases();
const SUBSCRIBERS = 200;
const RUNS = 5;

describe.each(dbs)("realtime fan-out (%s)", (db) => {
  let server: TestServer;
  let admin: Http;
  let viewer: LimitedUser;
  let authorId: number;
  const sockets: WsClient[] = [];

  beforeAll(async () => {
    server = await startServer({ db });
    admin = createHttp(server.url, server.adminToken);
    await createMessages(admin);
    await createCollection(admin, "authors", [autoPk, { field: "name", type: "string", schema: {} }]);
    await createField(admin, "messages", { field: "author", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createRelation(admin, { collection: "messages", field: "author", related_collection: "authors", schema: { on_delete: "SET NULL" } });
    authorId = (await insert(admin, "authors", { name: "Ada" })).id;
    viewer = await limitedUser(server.url, admin, [
      { collection: "messages", action: "read", fields: ["id", "text", "channel", "author"], permissions: { channel: { _neq: "hidden" } } },
      { collection: "authors", action: "read", fields: ["id", "name"] },
    ]);
  }, 60_000);

  afterAll(async () => {
    await closeAll(sockets);
    await server?.close();
  });

  async function addSubscribers(count: number, message: Record<string, unknown>) {
    const created = await Promise.all(Array.from({ length: count }, () => connect(server.url, { accessToken: viewer.token })));
    sockets.push(...created);
    await Promise.all(created.map(async (ws) => expect((await subscribe(ws, message, 10_000)).event).toBe("init")));
    return created;
  }

  /**
   * Writes one row and waits until every listed socket got it under `uid`; returns the SQL statements and
   * renders spent (the smallest over several runs, as schema/permission version checks poll on a timer).
   */
  async function measure(listeners: WsClient[], uids: string[], extra: Array<[WsClient, string]> = []) {
    let queries = Infinity;
    let renders = Infinity;
    for (let run = 0; run < RUNS; run++) {
      const q0 = server.app.core.db.queryCount();
      const r0 = server.app.hub.stats.renders;
      const row = await insert(admin, "messages", { text: `run ${run}`, channel: "c", author: authorId });
      const waits: Array<[WsClient, string]> = [...listeners.flatMap((ws) => uids.map((uid): [WsClient, string] => [ws, uid])), ...extra];
      await Promise.all(waits.map(([ws, uid]) => ws.next((frame) => frame.uid === uid && frame.event === "create" && frame.data[0].id === row.id, 10_000)));
      queries = Math.min(queries, server.app.core.db.queryCount() - q0);
      renders = Math.min(renders, server.app.hub.stats.renders - r0);
    }
    return { queries, renders };
  }

  it("200 subscribers in one group cost no more queries than 1, and one render per event", async () => {
    const baseline = await measure([], []);
    const [first] = await addSubscribers(1, { collection: "messages", query: { fields: "id,text" }, uid: "local" });
    await measure([first], ["local"]); // warm the plan cache
    const one = await measure([first], ["local"]);
    expect(one.renders).toBe(1);
    // The payload comes from the event's rows: no read at all for this group.
    expect(one.queries).toBe(baseline.queries);
    const rest = await addSubscribers(SUBSCRIBERS - 1, { collection: "messages", query: { fields: "id,text" }, uid: "local" });
    const many = await measure([first, ...rest], ["local"]);
    expect(many.queries).toBe(one.queries);
    expect(many.renders).toBe(1);
    const last = rest.at(-1)!;
    expect(last.all((frame) => frame.uid === "local" && frame.event === "create").at(-1)).toEqual({
      type: "subscription",
      event: "create",
      data: [{ id: expect.any(Number), text: `run ${RUNS - 1}` }],
      uid: "local",
    });
  });

  it("relational fields (author.name): one read per group, not per subscriber", async () => {
    const query = { collection: "messages", query: { fields: "id,author.name" }, uid: "rel" };
    const baseline = await measure(sockets, ["local"]);
    const [first] = sockets;
    first.send({ type: "subscribe", ...query });
    await first.next({ type: "subscription", event: "init", uid: "rel" });
    await measure([first], ["rel"]); // warm the plan cache
    const one = await measure(sockets, ["local"], [[first, "rel"]]);
    expect(one.renders).toBe(2);
    expect(one.queries - baseline.queries).toBeGreaterThanOrEqual(1);
    expect(one.queries - baseline.queries).toBeLessThanOrEqual(2);
    for (const ws of sockets.slice(1)) ws.send({ type: "subscribe", ...query });
    await Promise.all(sockets.slice(1).map((ws) => ws.next({ type: "subscription", event: "init", uid: "rel" }, 10_000)));
    const many = await measure(sockets, ["local", "rel"]);
    expect(many.queries).toBe(one.queries);
    expect(many.renders).toBe(2);
    const frame = sockets.at(-1)!.all((f) => f.uid === "rel" && f.event === "create").at(-1);
    expect(frame?.data).toEqual([{ id: expect.any(Number), author: { name: "Ada" } }]);
  });

  it("a row hidden by the permission filter reaches none of the 200 and costs no render output", async () => {
    const deliveries = server.app.hub.stats.deliveries;
    const hidden = await insert(admin, "messages", { text: "secret", channel: "hidden", author: authorId });
    const visible = await insert(admin, "messages", { text: "visible", channel: "c", author: authorId });
    await Promise.all(sockets.map((ws) => ws.next((frame) => frame.uid === "local" && frame.data?.[0]?.id === visible.id, 10_000)));
    await Promise.all(sockets.map((ws) => ws.next((frame) => frame.uid === "rel" && frame.data?.[0]?.id === visible.id, 10_000)));
    for (const ws of sockets) expect(ws.all((frame) => frame.event === "create" && frame.data?.[0]?.id === hidden.id)).toEqual([]);
    expect(server.app.hub.stats.deliveries - deliveries).toBe(2 * sockets.length);
  });
});
