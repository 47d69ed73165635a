// The only importer of `ws`: upgrade routing and admission, the bounded socket adapter, heartbeat.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Config, WebSocketEndpoint } from "../config.js";
import type { Client } from "../core/auth.js";
import type { Accountability } from "../core/accountability.js";
import type { Core } from "../core/core.js";
import type { Live } from "../core/live.js";
import { isAppError } from "../errors.js";
import { createRateLimiter } from "../lib/rate-limit.js";
import type { Logger } from "../log.js";
import type { GraphQLService } from "../graphql/service.js";
import { createGraphQLSockets } from "./graphql-ws.js";
import type { Hub } from "./hub.js";
import { PING_FRAME, errorFrame } from "./protocol.js";
import { Session, type Socket } from "./session.js";

export interface RealtimeServer {
  /** Open Directus-protocol connections. */
  sessions(): ReadonlySet<Session>;
  /** Open sockets on both endpoints. */
  connectionCount(): number;
  /** Closes every client socket with `code` (they reconnect and resubscribe). */
  disconnectAll(code: number, reason: string): void;
  /** Closes every socket with 1001 (going away) and stops accepting upgrades. */
  close(): Promise<void>;
}

/** Close code for a client whose unread data exceeded WEBSOCKETS_MAX_BUFFERED (docs/realtime-protocol.md). */
export const CLOSE_TOO_SLOW = 4008;
/** Close code when the bus lost events (Redis unreachable past the buffer): resubscribe for fresh data. */
export const CLOSE_EVENTS_LOST = 4010;

export function attachRealtime(
  server: Server,
  deps: { config: Config; core: Core; live: Live; hub: Hub; graphql: GraphQLService; logger: Logger },
): RealtimeServer {
  const { config, core, logger } = deps;
  const rest = config.websockets.rest;
  const gql = config.websockets.graphql;
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.websockets.maxMessageSize });
  const graphqlWss = new WebSocketServer({ noServer: true, maxPayload: config.websockets.maxMessageSize });
  const graphqlSockets = createGraphQLSockets({ core, live: deps.live, hub: deps.hub, graphql: deps.graphql, endpoint: gql, logger });
  const sessions = new Set<Session>();
  const pingers = new WeakMap<Session, () => void>();
  const limiter = config.websockets.rateLimiter.enabled
    ? createRateLimiter(config.websockets.rateLimiter.points, config.websockets.rateLimiter.duration * 1000)
    : undefined;

  /** Upgrades being authenticated, per endpoint: they count against the connection limit too. */
  const admitting = { rest: 0, graphql: 0 };

  // Runs inside Node's HTTP parser: it must not throw, and its socket must not emit an unhandled 'error'.
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node stops listening for socket errors on upgrade and ws starts only at handleUpgrade: a client
    // resetting the connection while it is authenticated would otherwise crash the process.
    socket.on("error", (error) => logger.debug({ err: error }, "websocket upgrade socket error"));
    const url = parseUrl(request.url ?? "/", "http://localhost");
    if (!url) return refuse(socket, 400, "Bad Request");
    const isRest = config.websockets.enabled && rest.enabled && url.pathname === rest.path;
    const isGraphQL = config.websockets.enabled && gql.enabled && url.pathname === gql.path;
    if (!isRest && !isGraphQL) return refuse(socket, 404, "Not Found");
    const endpoint = isRest ? rest : gql;
    const kind = isRest ? "rest" : "graphql";
    const open = isRest ? sessions.size : graphqlWss.clients.size;
    if (open + admitting[kind] >= endpoint.connLimit) return refuse(socket, 403, "Forbidden");
    if (!originAllowed(request, config)) return refuse(socket, 403, "Forbidden");
    admitting[kind] += 1;
    void admit(request, socket, url, endpoint)
      .then((admitted) => {
        if (!admitted) return;
        // Both call back synchronously, so the socket is counted as open before it stops being "admitting".
        if (isRest) wss.handleUpgrade(request, socket, head, (ws) => openSession(ws, admitted));
        else graphqlWss.handleUpgrade(request, socket, head, (ws) => openGraphQL(ws, admitted));
      })
      .catch((error) => {
        logger.error({ err: error }, "websocket upgrade failed");
        refuse(socket, 500, "Internal Server Error");
      })
      .finally(() => {
        admitting[kind] -= 1;
      });
  };

  /** Upgrade-time authentication; refuses with 401 and resolves undefined when the token is bad (§2.1). */
  async function admit(request: IncomingMessage, socket: Duplex, url: URL, endpoint: WebSocketEndpoint): Promise<Admitted | undefined> {
    const client = { ip: clientIp(request, config.trustProxy), userAgent: request.headers["user-agent"]?.slice(0, 1024) };
    const token = url.searchParams.get("access_token") ?? cookie(request, config.sessionCookieName);
    if (!token && endpoint.auth !== "strict") return { client, accountability: await core.access.anonymous(client), authenticated: false };
    try {
      // A token at upgrade is checked in every mode; an invalid one is refused, never downgraded.
      const accountability = await core.auth.authenticate(token ?? undefined, client);
      if (accountability.user || accountability.role) return { client, accountability, authenticated: true, credential: token ?? undefined };
    } catch (error) {
      if (!isAppError(error)) throw error;
    }
    refuse(socket, 401, "Unauthorized");
    return undefined;
  }

  function openGraphQL(ws: WebSocket, { client, accountability, authenticated, credential }: Admitted) {
    const id = globalThis.crypto.randomUUID(); // rate-limiter key
    let onMessage: ((data: string) => Promise<void>) | undefined;
    const closed = graphqlSockets.open({
      protocol: ws.protocol,
      send: (data) => boundedSend(ws, data),
      close: (code, reason) => ws.close(code, reason),
      onMessage: (listener) => {
        onMessage = listener;
      },
    }, { accountability, authenticatedAtUpgrade: authenticated, client, credential, close: (code, reason) => ws.close(code, reason) });
    ws.on("message", (data) => {
      if (limiter) {
        const result = limiter.consume(id);
        if (!result.allowed) {
          // Not a graphql-ws message, as Directus sends it: the frame is dropped, the socket stays.
          return boundedSend(ws, errorFrame("server", "REQUESTS_EXCEEDED", `Too many messages, retry after ${Math.ceil(result.retryAfterMs)}ms.`));
        }
      }
      onMessage?.(data.toString()).catch((error: Error) => {
        // A client sending server-only messages breaks the protocol (4400); anything else is ours (4500).
        if (/^Unexpected message/.test(error?.message ?? "")) return ws.close(4400, "Invalid message received");
        logger.error({ err: error }, "graphql-ws message failed");
        ws.close(4500, "Internal error");
      });
    });
    ws.on("close", (code, reason) => void closed(code, reason.toString()));
    ws.on("error", (error) => logger.debug({ err: error }, "websocket error"));
  }

  /** A client that stops reading must not make the server buffer without limit (DESIGN §5.6). */
  function boundedSend(ws: WebSocket, text: string) {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > config.websockets.maxBuffered) {
      ws.close(CLOSE_TOO_SLOW, "Too slow: outgoing buffer limit exceeded");
      setTimeout(() => ws.terminate(), 1000).unref();
      return;
    }
    ws.send(text);
  }

  function openSession(ws: WebSocket, { client, accountability, authenticated, credential }: Admitted) {
    const socket: Socket = {
      send: (text) => boundedSend(ws, text),
      close: (code, reason) => ws.close(code, reason),
    };
    const session = new Session(socket, {
      core, live: deps.live, hub: deps.hub, endpoint: rest, heartbeat: config.websockets.heartbeat.enabled, limiter, logger,
    }, client, { accountability, authenticated, credential });
    sessions.add(session);
    pingers.set(session, () => ws.ping());
    // A protocol-level pong also proves the client alive: clients that miss a JSON ping under a burst
    // of events (as @directus/sdk's listeners can) are not cut off for it.
    ws.on("pong", () => session.markAlive());
    // Binary frames are read as text too, as Directus does; anything not JSON gets INVALID_PAYLOAD.
    ws.on("message", (data) => session.receive(data.toString()));
    ws.on("close", () => {
      sessions.delete(session);
      session.close();
    });
    ws.on("error", (error) => logger.debug({ err: error }, "websocket error"));
  }

  // Every period: close clients silent since the last ping, then ping the rest (§8).
  let heartbeat: NodeJS.Timeout | undefined;
  if (config.websockets.heartbeat.enabled) {
    let lastTick = Date.now();
    heartbeat = setInterval(() => {
      const tick = Date.now();
      for (const session of sessions) {
        if (session.awaitingAuth) continue; // nothing may precede the handshake reply; its own timeout applies
        if (session.lastActivity < lastTick) session.disconnect();
        else {
          session.sendRaw(PING_FRAME);
          pingers.get(session)?.();
        }
      }
      lastTick = tick;
    }, config.websockets.heartbeat.periodMs);
    heartbeat.unref();
  }

  server.on("upgrade", onUpgrade);
  return {
    sessions: () => sessions,
    connectionCount: () => wss.clients.size + graphqlWss.clients.size,
    disconnectAll(code, reason) {
      for (const server of [wss, graphqlWss]) for (const ws of server.clients) ws.close(code, reason);
    },
    async close() {
      server.off("upgrade", onUpgrade);
      if (heartbeat) clearInterval(heartbeat);
      for (const server of [wss, graphqlWss]) {
        for (const ws of server.clients) ws.close(1001, "Server shutting down");
        await new Promise<void>((resolve) => server.close(() => resolve()));
        for (const ws of server.clients) ws.terminate();
      }
    },
  };
}

/** The client's address: behind a trusted proxy, the first X-Forwarded-For entry (as HTTP requests use). */
function clientIp(request: IncomingMessage, trustProxy: boolean): string | undefined {
  const forwarded = request.headers["x-forwarded-for"];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
  return trustProxy && first ? first : request.socket.remoteAddress;
}

interface Admitted {
  client: Client;
  accountability: Accountability;
  authenticated: boolean;
  credential?: string;
}

/**
 * Browsers send Origin on upgrades; a page from another site may not open a socket with the user's
 * cookie. Allowed: no Origin (non-browser clients), the request's own host, PUBLIC_URL's origin, and
 * CORS_ORIGIN while CORS_ENABLED (a "*" never counts), as Directus checks (§1).
 */
export function originAllowed(request: IncomingMessage, config: Config): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  const parsed = parseUrl(origin);
  if (!parsed) return false;
  if (parsed.host === request.headers.host) return true;
  if (/^https?:\/\//.test(config.publicUrl) && parseUrl(config.publicUrl)?.origin === parsed.origin) return true;
  const allowed = config.cors.enabled ? config.cors.origin : false;
  return Array.isArray(allowed) && allowed.includes(parsed.origin);
}

/** A URL, or undefined for text that is none (`new URL` throws). */
function parseUrl(text: string, base?: string): URL | undefined {
  try {
    return new URL(text, base);
  } catch {
    return undefined;
  }
}

function refuse(socket: Duplex, status: number, text: string) {
  socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

function cookie(request: IncomingMessage, name: string): string | null {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join("="));
    } catch {
      return value.join("="); // not percent-encoded: checked as is (and refused if it is no token)
    }
  }
  return null;
}
