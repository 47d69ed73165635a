// Black-box limits: connection caps, frame and body sizes, rate limits (REST, WS, login), query and
// GraphQL limits, CORS and WebSocket Origin checks, security headers. Each answers with its documented error.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { closeAll, connect, upgradeStatus, wsUrl, type WsClient } from "../helpers/ws-client.js";
import { autoPk, createCollection, expectError, ok, waitFor } from "../api/fixtures.js";
import { gql, gqlError, nested } from "../graphql/helpers.js";

const servers: TestServer[] = [];
const clients: WsClient[] = [];
async function start(env: Record<string, string>) {
  const server = await startServer({ env });
  servers.push(server);
  return server;
}

afterAll(async () => {
  await closeAll(clients);
  await Promise.all(servers.map((server) => server.close()));
});

/** A raw socket on `path` that resolves once open, or with the HTTP status of a refused upgrade. */
function rawSocket(url: string, path: string, protocol?: string): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(url, path), protocol ? [protocol] : []);
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("error", reject);
  });
}
const closeCode = (ws: WebSocket) => new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));

describe("WebSocket connection limits", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start({ WEBSOCKETS_REST_CONN_LIMIT: "2", WEBSOCKETS_GRAPHQL_CONN_LIMIT: "1" });
  });

  it("the REST socket beyond WEBSOCKETS_REST_CONN_LIMIT is refused with 403; a slot frees on close", async () => {
    const a = await connect(server.url, { token: server.adminToken });
    const b = await connect(server.url, { token: server.adminToken });
    clients.push(a, b);
    expect(await upgradeStatus(server.url)).toBe(403);
    await a.close();
    await waitFor(async () => server.app.realtime.sessions().size === 1, 3000, 20);
    const c = await connect(server.url, { token: server.adminToken });
    clients.push(c);
    expect(c.isOpen()).toBe(true);
  });

  it("the GraphQL socket beyond WEBSOCKETS_GRAPHQL_CONN_LIMIT is refused with 403", async () => {
    const first = await rawSocket(server.url, "/graphql", "graphql-transport-ws");
    expect(first).toBeInstanceOf(WebSocket);
    expect(await upgradeStatus(server.url, { path: "/graphql" })).toBe(403);
    (first as WebSocket).close();
  });
});

describe("message and body size", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start({ WEBSOCKETS_MAX_MESSAGE_SIZE: "1kb", MAX_PAYLOAD_SIZE: "1kb" });
    await createCollection(createHttp(server.url, server.adminToken), "notes", [autoPk, { field: "body", type: "text", schema: {} }]);
  });

  it("a Directus frame over WEBSOCKETS_MAX_MESSAGE_SIZE closes the socket with 1009", async () => {
    const ws = await connect(server.url, { token: server.adminToken });
    clients.push(ws);
    ws.send({ type: "ping", uid: "x".repeat(2048) });
    expect((await ws.closed).code).toBe(1009);
  });

  it("a fragmented frame whose total exceeds the limit closes with 1009 too", async () => {
    const ws = await connect(server.url, { token: server.adminToken });
    clients.push(ws);
    for (let i = 0; i < 4; i++) ws.ws.send(Buffer.from("x".repeat(400)), { fin: false, binary: false });
    ws.ws.send(Buffer.from("x"), { fin: true, binary: false });
    expect((await ws.closed).code).toBe(1009);
  });

  it("a graphql-ws frame over the limit closes with 1009", async () => {
    const ws = await rawSocket(server.url, "/graphql", "graphql-transport-ws");
    expect(ws).toBeInstanceOf(WebSocket);
    const closed = closeCode(ws as WebSocket);
    (ws as WebSocket).send(JSON.stringify({ type: "connection_init", payload: { pad: "x".repeat(2048) } }));
    expect(await closed).toBe(1009);
  });

  it("a frame just under the limit is served", async () => {
    const ws = await connect(server.url, { token: server.adminToken });
    clients.push(ws);
    ws.send({ type: "ping", uid: "y".repeat(900) });
    expect((await ws.next({ type: "pong" })).uid).toHaveLength(900);
  });

  it("an HTTP body over MAX_PAYLOAD_SIZE is 413 CONTENT_TOO_LARGE, and the server keeps serving", async () => {
    const admin = createHttp(server.url, server.adminToken);
    expectError(await admin.post("/items/notes", { body: "z".repeat(4096) }), 413, "CONTENT_TOO_LARGE");
    expectError(await admin.post("/graphql", { query: `{ notes { id } } #${"z".repeat(4096)}` }), 413, "CONTENT_TOO_LARGE");
    ok(await admin.post("/items/notes", { body: "small" }));
  });
});

describe("rate limiting (RATE_LIMITER_ENABLED=true, POINTS=3, DURATION=10)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start({ RATE_LIMITER_ENABLED: "true", RATE_LIMITER_POINTS: "3", RATE_LIMITER_DURATION: "10", IP_TRUST_PROXY: "true" });
  });

  it("the 4th REST request from one IP within the window is 429 REQUESTS_EXCEEDED; other IPs are unaffected", async () => {
    const http = createHttp(server.url);
    const from = (ip: string) => ({ headers: { "x-forwarded-for": ip } });
    for (let i = 0; i < 3; i++) expect((await http.get("/server/ping", from("10.0.0.1"))).status).toBe(200);
    const error = expectError(await http.get("/server/ping", from("10.0.0.1")), 429, "REQUESTS_EXCEEDED");
    expect(error.message).toMatch(/retry/i);
    expect((await http.get("/server/ping", from("10.0.0.2"))).status).toBe(200);
  });

  it("the 4th WebSocket message within the window gets a REQUESTS_EXCEEDED frame; the socket stays open", async () => {
    const ws = await connect(server.url, { token: server.adminToken });
    clients.push(ws);
    for (let i = 1; i <= 3; i++) ws.send({ type: "ping", uid: i });
    ws.send({ type: "ping", uid: 4 });
    for (let i = 1; i <= 3; i++) await ws.next({ type: "pong", uid: i });
    const frame = await ws.next({ type: "server" });
    expect(frame).toMatchObject({ type: "server", status: "error", error: { code: "REQUESTS_EXCEEDED" } });
    expect(frame.error.message).toMatch(/retry after \d+ms/);
    expect(ws.isOpen()).toBe(true);
  });
});

describe("login throttling (RATE_LIMITER_LOGIN_POINTS=3)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start({ RATE_LIMITER_ENABLED: "true", RATE_LIMITER_POINTS: "1000", RATE_LIMITER_LOGIN_POINTS: "3", RATE_LIMITER_LOGIN_DURATION: "60", IP_TRUST_PROXY: "true" });
  });

  it("the 4th login attempt for one account is 429 from any IP, even with the right password", async () => {
    const http = createHttp(server.url);
    for (let i = 0; i < 3; i++) {
      const reply = await http.post("/auth/login", { email: server.adminEmail, password: `wrong-${i}` }, { headers: { "x-forwarded-for": `10.1.0.${i + 1}` } });
      expectError(reply, 401, "INVALID_CREDENTIALS");
    }
    const blocked = await http.post("/auth/login", { email: server.adminEmail, password: server.adminPassword }, { headers: { "x-forwarded-for": "10.1.0.99" } });
    expectError(blocked, 429, "REQUESTS_EXCEEDED");
    // The account key is case- and space-insensitive.
    const variant = await http.post("/auth/login", { email: ` ${server.adminEmail.toUpperCase()} `, password: server.adminPassword }, { headers: { "x-forwarded-for": "10.1.0.98" } });
    expectError(variant, [401, 429], ["REQUESTS_EXCEEDED", "INVALID_CREDENTIALS"]);
    expect(variant.status).toBe(429);
  });

  it("a different account is not throttled by another's failures", async () => {
    const http = createHttp(server.url);
    const reply = await http.post("/auth/login", { email: "someone-else@example.com", password: "x" }, { headers: { "x-forwarded-for": "10.2.0.1" } });
    expectError(reply, 401, "INVALID_CREDENTIALS");
  });
});

describe("query and GraphQL limits", () => {
  let server: TestServer;
  let admin: Http;
  beforeAll(async () => {
    server = await start({ QUERY_LIMIT_MAX: "5", GRAPHQL_MAX_DEPTH: "4", GRAPHQL_QUERY_TOKEN_LIMIT: "200" });
    admin = createHttp(server.url, server.adminToken);
    await createCollection(admin, "rows", [autoPk, { field: "name", type: "string", schema: {} }]);
    ok(await admin.post("/items/rows", Array.from({ length: 8 }, (_, i) => ({ name: `r${i}` }))));
  });

  it("QUERY_LIMIT_MAX=5: limit=-1 returns 5 rows over REST and over the WebSocket", async () => {
    expect(ok<any[]>(await admin.get("/items/rows?limit=-1"))).toHaveLength(5);
    expect(ok<any[]>(await admin.get("/items/rows"))).toHaveLength(5);
    const ws = await connect(server.url, { token: server.adminToken });
    clients.push(ws);
    ws.send({ type: "items", collection: "rows", action: "read", query: { limit: -1 }, uid: "r" });
    expect((await ws.next({ type: "items", uid: "r" })).data).toHaveLength(5);
    ws.send({ type: "subscribe", collection: "rows", query: { limit: -1 }, uid: "s" });
    expect((await ws.next({ type: "subscription", uid: "s" })).data).toHaveLength(5);
  });

  it("a limit above QUERY_LIMIT_MAX never returns more than the max", async () => {
    const reply = await admin.get("/items/rows?limit=100");
    if (reply.status === 200) expect(reply.body.data.length).toBeLessThanOrEqual(5);
    else expectError(reply, 400, "INVALID_QUERY");
  });

  it("GraphQL nesting beyond GRAPHQL_MAX_DEPTH is GRAPHQL_VALIDATION, and the limit is named", async () => {
    const error = gqlError(await gql(server.url, `{ directus_users { ${nested("role", 8)} } }`, { token: server.adminToken }), "GRAPHQL_VALIDATION");
    expect(error.message).toMatch(/4/);
  });

  it("a document beyond GRAPHQL_QUERY_TOKEN_LIMIT is GRAPHQL_PARSE", async () => {
    const query = `{ ${Array.from({ length: 120 }, (_, i) => `a${i}: rows { id }`).join(" ")} }`;
    gqlError(await gql(server.url, query, { token: server.adminToken }), "GRAPHQL_PARSE");
  });

  it("a pathologically deep document (under the token limit) is refused as a client error, not INTERNAL", async () => {
    const limited = await start({ GRAPHQL_QUERY_TOKEN_LIMIT: "100000" });
    const depth = 3000;
    const query = `{ rows { ${"a { ".repeat(depth)}id${" }".repeat(depth)} } }`;
    const reply = await gql(limited.url, query, { token: limited.adminToken });
    expect(reply.status, JSON.stringify(reply.body).slice(0, 300)).toBeLessThan(500);
    gqlError(reply, ["GRAPHQL_PARSE", "GRAPHQL_VALIDATION"]);
  });

  it("a malformed GraphQL HTTP request is a client error with a 4xx code, not INTERNAL", async () => {
    for (const body of [{ query: 123 }, {}, { query: "{ rows { id } }", variables: "not-json" }]) {
      const response = await fetch(`${server.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${server.adminToken}` }, body: JSON.stringify(body) });
      const parsed = await response.json();
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(parsed.errors?.[0]?.extensions?.code, `${JSON.stringify(body)} → ${JSON.stringify(parsed)}`).not.toBe("INTERNAL");
    }
  });
});

describe("CORS and WebSocket Origin (CORS_ENABLED=true, CORS_ORIGIN=https://app.example)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start({ CORS_ENABLED: "true", CORS_ORIGIN: "https://app.example", PUBLIC_URL: "https://api.example" });
  });

  it("a preflight from the allowed origin is allowed; one from another origin is not", async () => {
    const preflight = (origin: string) => fetch(`${server.url}/items/anything`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "PATCH", "access-control-request-headers": "authorization,content-type" },
    });
    const allowed = await preflight("https://app.example");
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(allowed.headers.get("access-control-allow-methods") ?? "").toMatch(/PATCH/);
    const evil = await preflight("https://evil.example");
    expect(evil.headers.get("access-control-allow-origin")).not.toBe("https://evil.example");
    expect(evil.headers.get("access-control-allow-origin")).not.toBe("*");
  });

  it("a simple request carries Access-Control-Allow-Origin for the allowed origin only", async () => {
    const get = (origin: string) => fetch(`${server.url}/server/ping`, { headers: { origin } });
    expect((await get("https://app.example")).headers.get("access-control-allow-origin")).toBe("https://app.example");
    const evil = (await get("https://evil.example")).headers.get("access-control-allow-origin");
    expect([null, "false"]).toContain(evil);
  });

  it("WebSocket upgrades: a foreign Origin is 403; the allowed origin, PUBLIC_URL, the same host and no Origin are 101", async () => {
    const host = new URL(server.url).host;
    for (const path of ["/websocket", "/graphql"]) {
      expect(await upgradeStatus(server.url, { path, headers: { origin: "https://evil.example" } }), path).toBe(403);
      expect(await upgradeStatus(server.url, { path, headers: { origin: "https://app.example.evil.example" } }), path).toBe(403);
      expect(await upgradeStatus(server.url, { path, headers: { origin: "null" } }), path).toBe(403);
      expect(await upgradeStatus(server.url, { path, headers: { origin: "https://app.example" } }), path).toBe(101);
      expect(await upgradeStatus(server.url, { path, headers: { origin: "https://api.example" } }), path).toBe(101);
      expect(await upgradeStatus(server.url, { path, headers: { origin: `http://${host}` } }), path).toBe(101);
      expect(await upgradeStatus(server.url, { path }), path).toBe(101);
    }
  });

  it("without CORS, a cross-site Origin is refused on upgrade even if it equals CORS_ORIGIN's value", async () => {
    const plain = await start({ CORS_ENABLED: "false", CORS_ORIGIN: "https://app.example" });
    expect(await upgradeStatus(plain.url, { headers: { origin: "https://app.example" } })).toBe(403);
    expect(await upgradeStatus(plain.url)).toBe(101);
  });
});

describe("security headers", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start({});
    await createCollection(createHttp(server.url, server.adminToken), "things", [autoPk]);
  });

  it("every response carries nosniff, a frame policy and HSTS or CSP", async () => {
    for (const [path, token] of [["/server/ping", undefined], ["/items/things", server.adminToken], ["/items/nope", undefined], ["/no/such/route", undefined]] as const) {
      const response = await fetch(server.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      const framing = response.headers.get("x-frame-options") ?? "";
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(/deny|sameorigin/i.test(framing) || /frame-ancestors/.test(csp), path).toBe(true);
      expect(Boolean(response.headers.get("strict-transport-security")) || Boolean(csp), path).toBe(true);
      expect(response.headers.get("x-powered-by"), path).toBeNull();
    }
  });
});
