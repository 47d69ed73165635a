// Realtime limits and bad input: heartbeat, malformed frames, oversized frames, rate limits, slow consumers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { closeAll, connect, type WsClient } from "../helpers/ws-client.js";
import { waitFor } from "../api/fixtures.js";
import { autoPk, createCollection, createMessages, event, expectNothingBefore, insert, ok, subscribe } from "./fixtures.js";

const exact = (frame: unknown) => JSON.stringify(frame);
const serverError = (message: unknown) => ({ type: "server", status: "error", error: { code: "INVALID_PAYLOAD", message } });

let main: TestServer;
let beat: TestServer;
let rated: TestServer;
let admin: Http;
const clients: WsClient[] = [];

async function client(server: TestServer = main) {
  const created = await connect(server.url, { token: server.adminToken });
  clients.push(created);
  return created;
}

/** A ping with a uid, and its pong: proves the socket is open and every earlier frame was handled. */
async function roundTrip(ws: WsClient, uid: string) {
  ws.send({ type: "ping", uid });
  return ws.next({ type: "pong", uid });
}

beforeAll(async () => {
  [main, beat, rated] = await Promise.all([
    startServer({ env: { WEBSOCKETS_MAX_MESSAGE_SIZE: "1kb", WEBSOCKETS_MAX_BUFFERED: "64kb" } }),
    startServer({ env: { WEBSOCKETS_HEARTBEAT_PERIOD: "1" } }),
    startServer({ env: { RATE_LIMITER_ENABLED: "true", RATE_LIMITER_POINTS: "5", RATE_LIMITER_DURATION: "1" } }),
  ]);
  admin = createHttp(main.url, main.adminToken);
  await createMessages(admin);
  await createCollection(admin, "big", [autoPk, { field: "body", type: "text", schema: {} }]);
}, 60_000);

afterAll(async () => {
  await closeAll(clients);
  await Promise.all([main, beat, rated].map((server) => server?.close()));
});

describe("heartbeat (WEBSOCKETS_HEARTBEAT_PERIOD=1)", () => {
  it("the server pings; a client that answers pong stays connected", async () => {
    const ws = await client(beat);
    ws.ws.on("message", (data) => {
      if (JSON.parse(data.toString()).type === "ping") ws.send({ type: "pong" });
    });
    expect(exact(await ws.next({ type: "ping" }, 2500))).toBe('{"type":"ping"}');
    for (let i = 0; i < 2; i++) await ws.next({ type: "ping" }, 2500);
    expect(ws.isOpen()).toBe(true);
    expect(ws.raw).toEqual([]);
  });

  it("a silent client (no frames, no protocol pongs) is closed within about two periods", async () => {
    const started = Date.now();
    const ws = await connect(beat.url, { token: beat.adminToken, autoPong: false });
    clients.push(ws);
    const { code } = await Promise.race([ws.closed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("still open")), 3500))]);
    expect(Date.now() - started).toBeLessThan(3500);
    expect(code).toBe(1005);
    expect(ws.all({ type: "ping" }).length).toBeGreaterThanOrEqual(1);
  });

  it("a client that answers protocol-level pings stays connected even if it misses JSON pings", async () => {
    const ws = await client(beat);
    const alive = await Promise.race([ws.closed.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 3500))]);
    expect(alive).toBe(true);
    expect(ws.all({ type: "ping" }).length).toBeGreaterThanOrEqual(2);
  });

  it("a client ping gets a pong, with the uid echoed raw", async () => {
    const ws = await client(beat);
    ws.send({ type: "ping", uid: 12 });
    expect(exact(await ws.next({ type: "pong" }))).toBe('{"type":"pong","uid":12}');
    ws.send({ type: "ping" });
    expect(exact(await ws.next({ type: "pong" }))).toBe('{"type":"pong"}');
  });
});

describe("bad input", () => {
  it("invalid JSON gets the exact server error and the socket stays usable", async () => {
    const ws = await client();
    ws.sendText("{not json");
    expect(exact(await ws.next())).toBe(exact(serverError("Unable to parse the incoming message.")));
    await roundTrip(ws, "after-bad-json");
  });

  it.each([
    ["an array", "[1,2]"],
    ["a number", "5"],
    ["a string", '"subscribe"'],
    ["null", "null"],
    ["a missing type", '{"uid":"x","collection":"messages"}'],
    ["a numeric type", '{"type":1}'],
    ["a boolean uid", '{"type":"subscribe","collection":"messages","uid":true}'],
    ["an object uid", '{"type":"ping","uid":{"a":1}}'],
  ])("%s gets a server INVALID_PAYLOAD error (no uid) and the socket stays usable", async (_name, text) => {
    const ws = await client();
    ws.sendText(text);
    const error = await ws.next();
    expect(error).toEqual(serverError(expect.any(String)));
    expect(Object.keys(error)).toEqual(["type", "status", "error"]);
    await roundTrip(ws, "after");
  });

  it("unknown and wrongly-cased types are ignored silently", async () => {
    const ws = await client();
    ws.send({ type: "foo", uid: "f" });
    ws.send({ type: "SUBSCRIBE", collection: "messages", uid: "upper" });
    ws.send({ type: "pong", uid: "p" });
    ws.send({ type: "ping", uid: "sentinel" });
    await expectNothingBefore(ws, (frame) => frame.type !== "auth", { type: "pong", uid: "sentinel" });
  });

  it.each([
    ["collection is a number", { collection: 5 }],
    ["collection is missing", {}],
    ["event is not an action", { collection: "messages", event: "foo" }],
    ["query is a string", { collection: "messages", query: "fields=id" }],
    ["query is an array", { collection: "messages", query: ["id"] }],
    ["item is a boolean", { collection: "messages", item: true }],
  ])("a subscribe where %s is a subscribe INVALID_PAYLOAD error with the uid", async (_name, fields) => {
    const ws = await client();
    for (const uid of ["bad", 3]) {
      ws.send({ type: "subscribe", ...fields, uid });
      const error = await ws.next({ type: "subscribe" });
      expect(error).toEqual({ type: "subscribe", status: "error", error: { code: "INVALID_PAYLOAD", message: expect.any(String) }, uid });
    }
    ws.send({ type: "subscribe", ...fields });
    expect(Object.keys(await ws.next({ type: "subscribe" }))).toEqual(["type", "status", "error"]);
    expect(main.app.hub.count()).toBe(0);
  });

  it.each(["directus_fields", "directus_relations"])("an item subscription on %s is INVALID_PAYLOAD", async (collection) => {
    const ws = await client();
    const reply = await subscribe(ws, { collection, item: "x", uid: "sys" });
    expect(exact(reply)).toBe(
      exact({ type: "subscribe", status: "error", error: { code: "INVALID_PAYLOAD", message: `Invalid payload. Cannot subscribe to a specific item in the ${collection} collection..` }, uid: "sys" }),
    );
  });

  it("a frame over WEBSOCKETS_MAX_MESSAGE_SIZE closes the socket with 1009", async () => {
    const ws = await client();
    await roundTrip(ws, "small");
    ws.send({ type: "ping", uid: "x".repeat(2048) });
    expect((await ws.closed).code).toBe(1009);
  });
});

describe("rate limit (RATE_LIMITER_ENABLED, 5 points per second)", () => {
  it("messages over the limit get REQUESTS_EXCEEDED and the socket stays open", async () => {
    const ws = await client(rated);
    for (let i = 0; i < 10; i++) ws.send({ type: "ping", uid: i });
    const exceeded = await ws.next({ type: "server" });
    expect(exceeded).toMatchObject({ type: "server", status: "error", error: { code: "REQUESTS_EXCEEDED" } });
    expect(exceeded.error.message).toMatch(/^Too many messages, retry after \d+ms\.$/);
    // Every one of the 10 pings is answered, by a pong or a refusal (ws.frames also holds the auth reply).
    const answered = () => ws.all({ type: "pong" }).length + ws.all((frame) => frame.error?.code === "REQUESTS_EXCEEDED").length;
    await waitFor(async () => answered() >= 10, 3000, 20);
    expect(ws.all({ type: "pong" })).toHaveLength(5);
    expect(ws.all((frame) => frame.error?.code === "REQUESTS_EXCEEDED")).toHaveLength(5);
    // After the window the socket is still usable.
    const retry = Number(/after (\d+)ms/.exec(exceeded.error.message)![1]);
    await new Promise((resolve) => setTimeout(resolve, retry + 50));
    expect(ws.isOpen()).toBe(true);
    await roundTrip(ws, "later");
  });
});

describe("rate limit: uids", () => {
  it("a rate-limited message that carried a uid gets its error with that uid (DESIGN §2.3)", async () => {
    const ws = await client(rated);
    for (let i = 0; i < 7; i++) ws.send({ type: "ping", uid: `r${i}` });
    const exceeded = await ws.next({ type: "server" });
    expect(exceeded).toMatchObject({ type: "server", status: "error", error: { code: "REQUESTS_EXCEEDED" }, uid: "r5" });
  });
});

describe("slow consumer (WEBSOCKETS_MAX_BUFFERED=64kb)", () => {
  it("a client that stops reading is closed (4008) while a healthy subscriber receives every event", async () => {
    const rows = await insert(admin, "big", Array.from({ length: 20 }, () => ({ body: "seed" })));
    const keys = rows.map((row: any) => row.id);
    const healthy = await client();
    const slow = await client();
    await subscribe(healthy, { collection: "big", event: "update", uid: "h" });
    await subscribe(slow, { collection: "big", event: "update", uid: "s" });
    const before = main.app.realtime.sessions().size;
    (slow.ws as any)._socket.pause();
    let writes = 0;
    // Each update event carries 20 rows of ~10 kB; keep writing until the server drops the slow client.
    while (main.app.realtime.sessions().size === before && writes < 200) {
      writes += 1;
      ok(await admin.patch("/items/big", { keys, data: { body: `${writes}:`.padEnd(10_000, "x") } }));
      await healthy.next((frame) => frame.uid === "h" && frame.data[0].body.startsWith(`${writes}:`), 5000);
    }
    expect(main.app.realtime.sessions().size).toBe(before - 1);
    const updates = healthy.all(event("h", "update"));
    expect(updates).toHaveLength(writes);
    expect(updates.map((frame) => frame.data[0].body.split(":")[0])).toEqual(Array.from({ length: writes }, (_, i) => String(i + 1)));
    (slow.ws as any)._socket.resume();
    const { code } = await slow.closed;
    expect([4008, 1006]).toContain(code);
    // The healthy subscriber keeps going after the slow one is gone.
    ok(await admin.patch("/items/big", { keys: [keys[0]], data: { body: "after" } }));
    expect((await healthy.next((frame) => frame.uid === "h" && frame.data[0].body === "after")).data).toHaveLength(1);
  });
});
