// The real `@directus/sdk` realtime client against Tidings: subscribe, reconnect without duplicates, re-auth on TOKEN_EXPIRED.
import { authentication, createDirectus, realtime, staticToken } from "@directus/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { waitFor } from "../api/fixtures.js";
import { createMessages, insert } from "./fixtures.js";

type Frame = Record<string, any>;

let server: TestServer;
let admin: Http;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  server = await startServer({ env: { ACCESS_TOKEN_TTL: "2s" } });
  admin = createHttp(server.url, server.adminToken);
  await createMessages(admin);
}, 60_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await waitFor(async () => server.app.realtime.sessions().size === 0, 3000, 20);
});

afterAll(async () => server?.close());

const globals = { WebSocket: WebSocket as unknown as typeof globalThis.WebSocket };

/**
 * Every frame on the SDK's sockets, read from the socket itself: the SDK's generator and message listeners
 * register one-shot listeners per frame and can miss frames that arrive together. Call before connect().
 */
function record(client: { onWebSocket(event: "open", callback: (this: WebSocket) => void): () => void }) {
  const frames: Frame[] = [];
  cleanups.push(
    client.onWebSocket("open", function (this: WebSocket) {
      this.addEventListener("message", (message) => frames.push(JSON.parse(String(message.data))));
    }),
  );
  return {
    frames,
    async next(predicate: (frame: Frame) => boolean, timeoutMs = 5000) {
      await waitFor(async () => frames.some(predicate), timeoutMs, 10);
      return frames.find(predicate)!;
    },
    count: (predicate: (frame: Frame) => boolean) => frames.filter(predicate).length,
  };
}

/** Drains a subscription generator into an array in the background. */
function drain(subscription: AsyncGenerator<any>) {
  const seen: Frame[] = [];
  void (async () => {
    try {
      for await (const message of subscription) seen.push(message);
    } catch (error) {
      seen.push({ thrown: error });
    }
  })();
  return seen;
}

describe("@directus/sdk realtime", () => {
  it("staticToken + handshake: connect, subscribe (URL-style query), receive init and create", async () => {
    const client = createDirectus(server.url, { globals }).with(staticToken(server.adminToken)).with(realtime({ authMode: "handshake" }));
    cleanups.push(() => client.disconnect());
    await client.connect();
    const existing = await insert(admin, "messages", { text: "existing" });
    const { subscription } = await client.subscribe("messages", { query: { fields: ["id", "text"], sort: ["-id"], limit: 1 } });
    const seen = drain(subscription);
    await waitFor(async () => seen.length >= 1);
    expect(seen[0]).toEqual({ type: "subscription", event: "init", data: [{ id: existing.id, text: "existing" }], uid: "1" });
    const row = await insert(admin, "messages", { text: "from rest" });
    await waitFor(async () => seen.length >= 2);
    expect(seen[1]).toEqual({ type: "subscription", event: "create", data: [{ id: row.id, text: "from rest" }], uid: "1" });
  });

  it("event filter, item subscription and unsubscribe through the SDK", async () => {
    const client = createDirectus(server.url, { globals }).with(staticToken(server.adminToken)).with(realtime());
    cleanups.push(() => client.disconnect());
    const frames = record(client);
    await client.connect();
    const target = await insert(admin, "messages", { text: "target" });
    const updates = await client.subscribe("messages", { event: "update", query: { fields: ["text"] } });
    const item = await client.subscribe("messages", { item: target.id, query: { fields: ["text"] } } as any);
    await frames.next((frame) => frame.uid === "1" && frame.event === "init");
    await frames.next((frame) => frame.uid === "2" && frame.event === "init");
    await admin.patch(`/items/messages/${target.id}`, { text: "changed" });
    expect(await frames.next((frame) => frame.uid === "1" && frame.event === "update")).toEqual({ type: "subscription", event: "update", data: [{ text: "changed" }], uid: "1" });
    expect(await frames.next((frame) => frame.uid === "2" && frame.event === "update")).toEqual({ type: "subscription", event: "update", data: { text: "changed" }, uid: "2" });
    updates.unsubscribe();
    item.unsubscribe();
    expect(await frames.next((frame) => frame.event === "unsubscribe" && frame.uid === "1")).toEqual({ type: "subscription", event: "unsubscribe", uid: "1" });
    await frames.next((frame) => frame.event === "unsubscribe" && frame.uid === "2");
    expect(server.app.hub.count()).toBe(0);
  });

  it("reconnect: the SDK re-subscribes with the same uid and each create arrives once", async () => {
    const client = createDirectus(server.url, { globals })
      .with(staticToken(server.adminToken))
      .with(realtime({ authMode: "handshake", reconnect: { delay: 100, retries: 5 } }));
    cleanups.push(() => client.disconnect());
    const frames = record(client);
    await client.connect();
    const { subscription } = await client.subscribe("messages", { query: { fields: ["id", "text"] } });
    const seen = drain(subscription);
    await frames.next((frame) => frame.event === "init");
    expect(server.app.hub.count()).toBe(1);
    const [original] = server.app.realtime.sessions();
    for (const session of server.app.realtime.sessions()) session.disconnect();
    // The SDK reconnects and sends the subscribe twice with uid "1" (stored message + generator): two inits.
    await waitFor(async () => frames.count((frame) => frame.event === "init") >= 3, 5000, 20);
    const sessions = [...server.app.realtime.sessions()];
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).not.toBe(original);
    expect(server.app.hub.count()).toBe(1);
    const row = await insert(admin, "messages", { text: "after reconnect" });
    await frames.next((frame) => frame.event === "create" && frame.data[0].id === row.id);
    // Sentinel: a later write must arrive after any duplicate of the first would have.
    await admin.patch(`/items/messages/${row.id}`, { text: "sentinel" });
    await frames.next((frame) => frame.event === "update" && frame.data[0].id === row.id);
    expect(frames.count((frame) => frame.event === "create" && frame.data[0].id === row.id)).toBe(1);
    expect(frames.count((frame) => frame.event === "update")).toBe(1);
    expect(frames.frames.every((frame) => frame.type !== "subscribe")).toBe(true);
    expect(seen.some((frame) => frame.event === "create" && frame.uid === "1")).toBe(true);
  });

  it("authentication(): on TOKEN_EXPIRED the SDK re-authenticates and the subscription keeps delivering", async () => {
    const client = createDirectus(server.url, { globals }).with(authentication("json", { autoRefresh: false })).with(realtime({ authMode: "handshake" }));
    cleanups.push(() => {
      client.stopRefreshing();
      client.disconnect();
    });
    await client.login({ email: server.adminEmail, password: server.adminPassword });
    const frames = record(client);
    await client.connect();
    const { subscription } = await client.subscribe("messages", { event: "create", query: { fields: ["text"] } });
    const seen = drain(subscription);
    await frames.next((frame) => frame.event === "init");
    const [session] = server.app.realtime.sessions();
    // The JWT lives 2 s: the server says TOKEN_EXPIRED, the SDK answers with a fresh token.
    const expired = await frames.next((frame) => frame.type === "auth" && frame.error?.code === "TOKEN_EXPIRED", 6000);
    expect(expired).toEqual({ type: "auth", status: "error", error: { code: "TOKEN_EXPIRED", message: "Token expired." } });
    const afterExpiry = () => frames.frames.slice(frames.frames.indexOf(expired) + 1);
    await waitFor(async () => afterExpiry().some((frame) => frame.type === "auth"), 3000, 10);
    expect(afterExpiry().find((frame) => frame.type === "auth")).toEqual({ type: "auth", status: "ok" });
    expect([...server.app.realtime.sessions()]).toEqual([session]);
    await insert(admin, "messages", { text: "after re-auth" });
    await frames.next((frame) => frame.event === "create" && frame.data[0].text === "after re-auth");
    await waitFor(async () => seen.some((frame) => frame.event === "create"));
    expect(seen.filter((frame) => frame.thrown)).toEqual([]);
  });
});
