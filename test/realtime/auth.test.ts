// Realtime authentication: handshake, public and strict modes, upgrade tokens, re-auth, token expiry, connection limit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { closeAll, connect, upgradeStatus, type WsClient } from "../helpers/ws-client.js";
import { autoPk, createCollection, waitFor } from "../api/fixtures.js";
import { addPermission, publicPolicyId } from "../api/access-fixtures.js";
import { createMessages, event, expectNothingBefore, insert, ok, subscribe } from "./fixtures.js";

const HANDSHAKE_FAILED = { type: "auth", status: "error", error: { code: "AUTH_FAILED", message: "Authentication handshake failed." } };
const authFailed = (uid?: unknown) => ({ type: "auth", status: "error", error: { code: "AUTH_FAILED", message: "Authentication failed." }, ...(uid === undefined ? {} : { uid }) });
const TOKEN_EXPIRED = { type: "auth", status: "error", error: { code: "TOKEN_EXPIRED", message: "Token expired." } };
const AUTH_TIMEOUT = { type: "auth", status: "error", error: { code: "AUTH_TIMEOUT", message: "Authentication timed out." } };
const exact = (frame: unknown) => JSON.stringify(frame);

let handshake: TestServer;
let open: TestServer;
let strict: TestServer;
let limited: TestServer;
const clients: WsClient[] = [];

async function track(promise: Promise<WsClient>) {
  const client = await promise;
  clients.push(client);
  return client;
}

async function rest(server: TestServer): Promise<Http> {
  return createHttp(server.url, server.adminToken);
}

async function loginTokens(server: TestServer) {
  return ok<any>(await createHttp(server.url).post("/auth/login", { email: server.adminEmail, password: server.adminPassword }));
}

beforeAll(async () => {
  const ttl = { WEBSOCKETS_REST_AUTH_TIMEOUT: "1", ACCESS_TOKEN_TTL: "2s" };
  [handshake, open, strict, limited] = await Promise.all([
    startServer({ env: ttl }),
    startServer({ env: { ...ttl, WEBSOCKETS_REST_AUTH: "public" } }),
    startServer({ env: { WEBSOCKETS_REST_AUTH: "strict" } }),
    startServer({ env: { WEBSOCKETS_REST_CONN_LIMIT: "1" } }),
  ]);
  for (const server of [handshake, open, strict]) await createMessages(await rest(server));
}, 60_000);

afterAll(async () => {
  await closeAll(clients);
  await Promise.all([handshake, open, strict, limited].map((server) => server?.close()));
});

describe("handshake mode", () => {
  it("a first-frame auth gets exactly {type:auth,status:ok}; a uid is echoed raw", async () => {
    const client = await track(connect(handshake.url));
    client.send({ type: "auth", access_token: handshake.adminToken });
    expect(exact(await client.next())).toBe('{"type":"auth","status":"ok"}');
    const second = await track(connect(handshake.url));
    second.send({ type: "auth", access_token: handshake.adminToken, uid: 7 });
    expect(exact(await second.next())).toBe('{"type":"auth","status":"ok","uid":7}');
    const init = await subscribe(second, { collection: "messages", uid: "s" });
    expect(init).toMatchObject({ type: "subscription", event: "init", uid: "s" });
  });

  it.each([
    ["a non-auth frame", '{"type":"ping"}'],
    ["invalid JSON", "not json"],
    ["a bad token", '{"type":"auth","access_token":"nope","uid":"u1"}'],
    ["a malformed auth frame", '{"type":"auth"}'],
    ["a wrong password", '{"type":"auth","email":"admin@example.com","password":"wrong"}'],
  ])("%s as first frame gets AUTH_FAILED (no uid) and the socket is closed", async (_name, text) => {
    const client = await track(connect(handshake.url));
    client.sendText(text);
    expect(exact(await client.next())).toBe(exact(HANDSHAKE_FAILED));
    await client.closed;
    expect(client.frames).toHaveLength(1);
  });

  it("a client that sends nothing gets AUTH_FAILED after WEBSOCKETS_REST_AUTH_TIMEOUT and is closed", async () => {
    const started = Date.now();
    const client = await track(connect(handshake.url));
    expect(await client.next(undefined, 4000)).toEqual(HANDSHAKE_FAILED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await client.closed;
  });

  it("a valid ?access_token at upgrade needs no auth frame; the server sends none", async () => {
    const client = await track(connect(handshake.url, { accessToken: handshake.adminToken }));
    const init = await subscribe(client, { collection: "messages", uid: "a" });
    expect(init).toMatchObject({ type: "subscription", event: "init", uid: "a" });
    expect(client.frames[0]).toBe(init);
  });

  it("the session cookie authenticates the upgrade too", async () => {
    const client = await track(connect(handshake.url, { headers: { cookie: `other=1; directus_session_token=${handshake.adminToken}` } }));
    expect((await subscribe(client, { collection: "messages", uid: 1 })).event).toBe("init");
  });

  it("email/password and refresh_token auth return a refresh_token", async () => {
    const client = await track(connect(handshake.url));
    client.send({ type: "auth", email: handshake.adminEmail, password: handshake.adminPassword, uid: "login" });
    const first = await client.next({ type: "auth" });
    expect(first).toEqual({ type: "auth", status: "ok", refresh_token: expect.any(String), uid: "login" });
    client.send({ type: "auth", refresh_token: first.refresh_token });
    const second = await client.next({ type: "auth" });
    expect(second).toEqual({ type: "auth", status: "ok", refresh_token: expect.any(String) });
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await subscribe(client, { collection: "messages", uid: "x" })).event).toBe("init");
    // A used refresh token is gone: reusing it fails and (handshake mode) closes the socket.
    client.send({ type: "auth", refresh_token: first.refresh_token, uid: 3 });
    expect(await client.next({ type: "auth", status: "error" })).toEqual(authFailed(3));
    await client.closed;
  });

  it("a failed auth after connecting gets AUTH_FAILED with the uid and closes the socket", async () => {
    const client = await track(connect(handshake.url, { token: handshake.adminToken }));
    client.send({ type: "auth", access_token: "bad-token", uid: "re" });
    expect(exact(await client.next({ type: "auth" }))).toBe(exact(authFailed("re")));
    await client.closed;
  });

  it("an invalid ?access_token is refused with 401 in every mode", async () => {
    for (const server of [handshake, open, strict]) expect(await upgradeStatus(server.url, { accessToken: "invalid" })).toBe(401);
    await expect(connect(open.url, { accessToken: "invalid" })).rejects.toThrow("HTTP 401");
  });
});

describe.concurrent("token expiry mid-connection", () => {
  it("TOKEN_EXPIRED, then re-auth with a fresh token keeps the subscriptions delivering", async () => {
    const { access_token } = await loginTokens(handshake);
    const client = await track(connect(handshake.url, { accessToken: access_token }));
    await subscribe(client, { collection: "messages", uid: "live" });
    expect(exact(await client.next({ type: "auth" }, 5000))).toBe(exact(TOKEN_EXPIRED));
    const fresh = await loginTokens(handshake);
    client.send({ type: "auth", access_token: fresh.access_token });
    expect(exact(await client.next({ type: "auth" }))).toBe('{"type":"auth","status":"ok"}');
    const row = await insert(await rest(handshake), "messages", { text: "after re-auth" });
    const created = await client.next(event("live", "create"));
    expect(created.data).toEqual([expect.objectContaining({ id: row.id, text: "after re-auth" })]);
    expect(client.isOpen()).toBe(true);
  });

  it("between TOKEN_EXPIRED and re-auth the socket is public: events it cannot read are not delivered", async () => {
    const { access_token } = await loginTokens(handshake);
    const client = await track(connect(handshake.url, { accessToken: access_token }));
    await subscribe(client, { collection: "messages", query: { fields: ["text"] }, uid: "live" });
    await client.next(TOKEN_EXPIRED, 5000);
    await insert(await rest(handshake), "messages", { text: "while expired" });
    const fresh = await loginTokens(handshake);
    client.send({ type: "auth", access_token: fresh.access_token, uid: "again" });
    await client.next({ type: "auth", uid: "again" });
    await insert(await rest(handshake), "messages", { text: "sentinel" });
    await expectNothingBefore(client, (frame) => frame.data?.[0]?.text === "while expired", (frame) => frame.data?.[0]?.text === "sentinel");
  });

  it("frames pipelined right after the handshake auth are handled after it, in order", async () => {
    const client = await track(connect(handshake.url));
    client.send({ type: "auth", access_token: handshake.adminToken });
    client.send({ type: "subscribe", collection: "messages", event: "create", uid: "p" });
    client.send({ type: "ping", uid: "q" });
    await client.next({ type: "pong", uid: "q" });
    expect(client.frames.map((frame) => frame.type)).toEqual(["auth", "subscription", "pong"]);
  });

  it("without re-auth: TOKEN_EXPIRED, then AUTH_TIMEOUT and the socket is closed (handshake mode)", async () => {
    const { access_token } = await loginTokens(handshake);
    const client = await track(connect(handshake.url, { accessToken: access_token }));
    expect(await client.next({ type: "auth" }, 5000)).toEqual(TOKEN_EXPIRED);
    const expiredAt = Date.now();
    expect(exact(await client.next({ type: "auth" }, 3000))).toBe(exact(AUTH_TIMEOUT));
    expect(Date.now() - expiredAt).toBeGreaterThanOrEqual(900);
    await client.closed;
  });

  it("in public mode AUTH_TIMEOUT keeps the socket open, now with public access", async () => {
    const { access_token } = await loginTokens(open);
    const client = await track(connect(open.url, { accessToken: access_token }));
    await client.next(TOKEN_EXPIRED, 5000);
    await client.next(AUTH_TIMEOUT, 3000);
    client.send({ type: "ping", uid: "p" });
    expect(await client.next({ type: "pong" })).toEqual({ type: "pong", uid: "p" });
    const denied = await subscribe(client, { collection: "messages", uid: "s" });
    expect(denied).toMatchObject({ type: "subscribe", status: "error", error: { code: "FORBIDDEN" }, uid: "s" });
  });
});

describe("public mode", () => {
  it("connects without any frame and has public access", async () => {
    const client = await track(connect(open.url));
    const denied = await subscribe(client, { collection: "messages", uid: "s" });
    expect(denied).toMatchObject({ type: "subscribe", status: "error", error: { code: "FORBIDDEN" }, uid: "s" });
    client.send({ type: "auth", access_token: open.adminToken });
    expect(exact(await client.next({ type: "auth" }))).toBe('{"type":"auth","status":"ok"}');
    expect((await subscribe(client, { collection: "messages", uid: "s" })).event).toBe("init");
  });

  it("a failed auth keeps the socket but drops it to public access", async () => {
    const client = await track(connect(open.url));
    client.send({ type: "auth", access_token: open.adminToken });
    await client.next({ type: "auth", status: "ok" });
    client.send({ type: "auth", access_token: "wrong", uid: 9 });
    expect(exact(await client.next({ type: "auth", status: "error" }))).toBe(exact(authFailed(9)));
    client.send({ type: "ping", uid: 1 });
    expect(exact(await client.next({ type: "pong" }))).toBe('{"type":"pong","uid":1}');
    const denied = await subscribe(client, { collection: "messages", uid: "after" });
    expect(denied).toMatchObject({ type: "subscribe", status: "error", error: { code: "FORBIDDEN" }, uid: "after" });
    expect(client.isOpen()).toBe(true);
  });

  it("with a public read permission, an anonymous socket receives events", async () => {
    const adminHttp = await rest(open);
    await createCollection(adminHttp, "news", [autoPk, { field: "title", type: "string", schema: {} }]);
    await addPermission(adminHttp, await publicPolicyId(adminHttp), { collection: "news", action: "read", fields: ["title"] });
    const client = await track(connect(open.url));
    expect(await subscribe(client, { collection: "news", uid: "n" })).toEqual({ type: "subscription", event: "init", data: [], uid: "n" });
    await insert(adminHttp, "news", { title: "hello" });
    expect(await client.next(event("n", "create"))).toEqual({ type: "subscription", event: "create", data: [{ title: "hello" }], uid: "n" });
  });

  it("a malformed auth frame is ignored silently", async () => {
    const client = await track(connect(open.url));
    client.send({ type: "auth", uid: "bad" });
    client.send({ type: "ping", uid: "sentinel" });
    await expectNothingBefore(client, { type: "auth" }, { type: "pong", uid: "sentinel" });
  });
});

describe("strict mode", () => {
  it("refuses an upgrade without a token with 401", async () => {
    expect(await upgradeStatus(strict.url)).toBe(401);
  });

  it("accepts a valid ?access_token (no auth frame) and serves subscriptions", async () => {
    const client = await track(connect(strict.url, { accessToken: strict.adminToken }));
    const init = await subscribe(client, { collection: "messages", uid: "s" });
    expect(init).toEqual({ type: "subscription", event: "init", data: [], uid: "s" });
    expect(client.frames).toEqual([init]);
  });
});

describe("connection limit", () => {
  it("WEBSOCKETS_REST_CONN_LIMIT=1 refuses a second upgrade with 403 until the first closes", async () => {
    const first = await track(connect(limited.url, { token: limited.adminToken }));
    expect(await upgradeStatus(limited.url)).toBe(403);
    await expect(connect(limited.url)).rejects.toThrow("HTTP 403");
    await first.close();
    await waitFor(async () => limited.app.realtime.sessions().size === 0, 3000, 20);
    const again = await track(connect(limited.url, { token: limited.adminToken }));
    expect(again.isOpen()).toBe(true);
  });
});
