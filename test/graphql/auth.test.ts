// GraphQL over WebSocket authentication: the README seed client, handshake/public/strict modes, 4403 cases, limits, expiry.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { wsUrl } from "../helpers/ws-client.js";
import { autoPk, createCollection, createField, ok, waitFor } from "../api/fixtures.js";
import { limitedUser, login, type LimitedUser } from "../api/access-fixtures.js";
import { closeOf, gqlWs, mutated, rawUpgrade, subscribe, untilActive, wsExecute, type WsClientHandle } from "./helpers.js";


/** A server with `secrets` (admin only) and `notes` readable by a limited user with a static token. */
async function setup(env: Record<string, string> = {}) {
  const server = await startServer({ env });
  const admin = createHttp(server.url, server.adminToken);
  await createCollection(admin, "secrets", [autoPk, { field: "code", type: "string", schema: {} }]);
  await createCollection(admin, "notes", [autoPk, { field: "text", type: "string", schema: {} }]);
  const user = await limitedUser(server.url, admin, [
    { collection: "notes", action: "read", fields: ["*"] },
    { collection: "notes", action: "create", fields: ["*"] },
  ]);
  return { server, admin, user };
}

const sockets: WsClientHandle[] = [];
const track = (socket: WsClientHandle) => (sockets.push(socket), socket);
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
});

describe("README seed example (sqlite)", () => {
  let server: TestServer;
  let admin: Http;
  let token: string;

  beforeAll(async () => {
    server = await startServer();
    admin = createHttp(server.url, server.adminToken);
    // A `messages` collection with `date_created` and a `text` input, a role that can read and create, a static token.
    await createCollection(admin, "messages", [autoPk, { field: "text", type: "string", meta: { interface: "input" }, schema: {} }]);
    await createField(admin, "messages", { field: "date_created", type: "timestamp", meta: { special: ["date-created"] }, schema: {} });
    const user = await limitedUser(server.url, admin, [
      { collection: "messages", action: "read", fields: ["*"] },
      { collection: "messages", action: "create", fields: ["*"] },
    ]);
    token = user.token;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it("createClient with keepAlive and async connectionParams receives messages_mutated on create", async () => {
    const client = createClient({
      url: wsUrl(server.url, "/graphql"),
      keepAlive: 30000,
      connectionParams: async () => {
        return { access_token: token };
      },
      webSocketImpl: WebSocket,
    });
    const received: any[] = [];
    const errors: unknown[] = [];
    client.subscribe(
      {
        query: `
				subscription {
					messages_mutated {
						key
						event
						data {
							text
						}
					}
				}`,
      },
      {
        next: ({ data }) => {
          received.push(data);
        },
        error: (err) => {
          errors.push(err);
        },
        complete: () => {},
      },
    );
    try {
      const user = createHttp(server.url, token);
      // Active once a write made by the token's user comes back.
      await waitFor(async () => {
        ok(await user.post("/items/messages", { text: "warming up" }));
        return received.length > 0 || errors.length > 0;
      }, 10_000, 100);
      expect(errors).toEqual([]);
      const row = ok<any>(await user.post("/items/messages", { text: "Hello world!" }));
      expect(row.date_created).toEqual(expect.any(String));
      await waitFor(async () => received.some((data) => data.messages_mutated.key === String(row.id)), 5000, 20);
      expect(received.find((data) => data.messages_mutated.key === String(row.id))).toEqual({
        messages_mutated: { key: String(row.id), event: "create", data: { text: "Hello world!" } },
      });
    } finally {
      await client.dispose();
    }
  });
});

describe("handshake mode (default)", () => {
  let ctx: Awaited<ReturnType<typeof setup>>;

  beforeAll(async () => {
    ctx = await setup({ WEBSOCKETS_GRAPHQL_AUTH_TIMEOUT: "1", ACCESS_TOKEN_TTL: "2s" });
  }, 60_000);

  afterAll(async () => {
    await ctx?.server.close();
  });

  it("connectionParams.access_token authenticates the socket as that user", async () => {
    const socket = track(gqlWs(ctx.server.url, { token: ctx.user.token }));
    await socket.connected;
    const result = await wsExecute(socket.client, `{ notes { id } }`);
    expect(result).toEqual({ data: { notes: [] } });
    const forbidden = await wsExecute(socket.client, `{ secrets { id } }`);
    expect(forbidden.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION");
  });

  it("connection_init without access_token is closed 4403", async () => {
    const socket = track(gqlWs(ctx.server.url, { params: {} }));
    expect((await socket.closed).code).toBe(4403);
  });

  it("an invalid token in connectionParams is closed 4403", async () => {
    const socket = track(gqlWs(ctx.server.url, { token: "definitely-not-a-token" }));
    expect((await socket.closed).code).toBe(4403);
  });

  it("a non-string access_token is closed 4403", async () => {
    const socket = track(gqlWs(ctx.server.url, { params: { access_token: 42 } }));
    expect((await socket.closed).code).toBe(4403);
  });

  it("no connection_init within WEBSOCKETS_GRAPHQL_AUTH_TIMEOUT is closed 4403", async () => {
    const { ws } = await rawUpgrade(ctx.server.url);
    const started = Date.now();
    const { code } = await closeOf(ws!);
    expect(code).toBe(4403);
    expect(Date.now() - started).toBeLessThan(1900);
  });

  it("an invalid ?access_token at upgrade is refused with HTTP 401", async () => {
    expect((await rawUpgrade(ctx.server.url, "bad-token")).status).toBe(401);
  });

  it("a subprotocol other than graphql-transport-ws is closed 4406", async () => {
    const { ws } = await rawUpgrade(ctx.server.url, undefined, "graphql-ws");
    expect((await closeOf(ws!)).code).toBe(4406);
  });

  it("an expired access token closes the socket 4403; a static token keeps its socket", async () => {
    const jwt = await login(ctx.server.url, ctx.user.email);
    const expiring = track(gqlWs(ctx.server.url, { token: jwt }));
    const lasting = track(gqlWs(ctx.server.url, { token: ctx.user.token }));
    await Promise.all([expiring.connected, lasting.connected]);
    const sub = subscribe(expiring.client, `subscription { notes_mutated { key } }`);
    const other = subscribe(lasting.client, `subscription { notes_mutated { key } }`);
    await untilActive([sub, other], () => ctx.user.http.post("/items/notes", { text: "sentinel" }));
    const { code } = await expiring.closed;
    expect(code).toBe(4403);
    // The subscription's sink learns about it (graphql-ws reports the close as an error).
    expect(((await sub.error(2000)) as any).code).toBe(4403);
    const row = ok<any>(await ctx.user.http.post("/items/notes", { text: "after expiry" }));
    await other.next((p) => mutated("notes")(p)?.key === String(row.id));
  }, 15_000);
});

describe("public mode", () => {
  let ctx: Awaited<ReturnType<typeof setup>>;

  beforeAll(async () => {
    ctx = await setup({ WEBSOCKETS_GRAPHQL_AUTH: "public" });
  }, 60_000);

  afterAll(async () => {
    await ctx?.server.close();
  });

  it("connectionParams are ignored: the socket stays public", async () => {
    const socket = track(gqlWs(ctx.server.url, { token: ctx.server.adminToken }));
    await socket.connected;
    const result = await wsExecute(socket.client, `{ secrets { id } }`);
    expect(result.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION");
    const introspection = await wsExecute(socket.client, `{ __schema { queryType { name } } }`);
    expect(introspection.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION");
  });

  it("?access_token at upgrade authenticates; an invalid one is HTTP 401", async () => {
    const socket = track(gqlWs(ctx.server.url, { upgradeToken: ctx.user.token, params: null }));
    await socket.connected;
    expect(await wsExecute(socket.client, `{ notes { id } }`)).toEqual({ data: { notes: [] } });
    expect((await rawUpgrade(ctx.server.url, "bad-token")).status).toBe(401);
  });
});

describe("strict mode", () => {
  let ctx: Awaited<ReturnType<typeof setup>>;

  beforeAll(async () => {
    ctx = await setup({ WEBSOCKETS_GRAPHQL_AUTH: "strict" });
  }, 60_000);

  afterAll(async () => {
    await ctx?.server.close();
  });

  it("an upgrade without a token is refused with HTTP 401, an invalid one too", async () => {
    expect((await rawUpgrade(ctx.server.url)).status).toBe(401);
    expect((await rawUpgrade(ctx.server.url, "bad-token")).status).toBe(401);
  });

  it("a valid ?access_token works; subscriptions run as that user", async () => {
    const socket = track(gqlWs(ctx.server.url, { upgradeToken: ctx.user.token, params: null }));
    await socket.connected;
    const sub = subscribe(socket.client, `subscription { notes_mutated { key data { text } } }`);
    await untilActive(sub, () => ctx.user.http.post("/items/notes", { text: "sentinel" }));
    const row = ok<any>(await ctx.admin.post("/items/notes", { text: "hi" }));
    expect(mutated("notes")(await sub.next((p) => mutated("notes")(p).key === String(row.id)))).toEqual({ key: String(row.id), data: { text: "hi" } });
    expect((await wsExecute(socket.client, `{ secrets { id } }`)).errors[0].extensions.code).toBe("GRAPHQL_VALIDATION");
  });
});

describe("connection limit", () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  let user: LimitedUser;

  beforeAll(async () => {
    ctx = await setup({ WEBSOCKETS_GRAPHQL_CONN_LIMIT: "2" });
    user = ctx.user;
  }, 60_000);

  afterAll(async () => {
    await ctx?.server.close();
  });

  it("an upgrade beyond WEBSOCKETS_GRAPHQL_CONN_LIMIT gets HTTP 403; a freed slot is reusable", async () => {
    const first = track(gqlWs(ctx.server.url, { token: user.token }));
    const second = track(gqlWs(ctx.server.url, { token: user.token }));
    await Promise.all([first.connected, second.connected]);
    expect((await rawUpgrade(ctx.server.url)).status).toBe(403);
    await first.dispose();
    await waitFor(async () => {
      const attempt = await rawUpgrade(ctx.server.url);
      attempt.ws?.close();
      return attempt.ws !== undefined;
    }, 5000);
  });
});
