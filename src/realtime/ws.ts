// The only importer of `ws`: upgrade routing and admission, the bounded socket adapter, heartbeat.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Config } from "../config.js";
import type { Accountability } from "../core/accountability.js";
import type { Core } from "../core/core.js";
import type { Live } from "../core/live.js";
import { isAppError } from "../errors.js";
import { createRateLimiter } from "../lib/rate-limit.js";
import type { Logger } from "../log.js";
import type { Hub } from "./hub.js";
import { PING_FRAME } from "./protocol.js";
import { Session, type Socket } from "./session.js";

export interface RealtimeServer {
  /** Open Directus-protocol connections. */
  sessions(): ReadonlySet<Session>;
  /** Closes every socket with 1001 (going away) and stops accepting upgrades. */
  close(): Promise<void>;
}

/** Close code for a client whose unread data exceeded WEBSOCKETS_MAX_BUFFERED (docs/realtime-protocol.md). */
export const CLOSE_TOO_SLOW = 4008;

export function attachRealtime(server: Server, deps: { config: Config; core: Core; live: Live; hub: Hub; logger: Logger }): RealtimeServer {
  const { config, core, logger } = deps;
  const rest = config.websockets.rest;
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.websockets.maxMessageSize });
  const sessions = new Set<Session>();
  const limiter = config.websockets.rateLimiter.enabled
    ? createRateLimiter(config.websockets.rateLimiter.points, config.websockets.rateLimiter.duration * 1000)
    : undefined;

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (!config.websockets.enabled || !rest.enabled || url.pathname !== rest.path) return refuse(socket, 404, "Not Found");
    if (sessions.size >= rest.connLimit) return refuse(socket, 403, "Forbidden");
    void admit(request, socket, head, url).catch((error) => {
      logger.error({ err: error }, "websocket upgrade failed");
      refuse(socket, 500, "Internal Server Error");
    });
  };

  async function admit(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL) {
    const client = { ip: request.socket.remoteAddress, userAgent: request.headers["user-agent"]?.slice(0, 1024) };
    const token = url.searchParams.get("access_token") ?? cookie(request, config.sessionCookieName);
    let accountability: Accountability;
    let authenticated = false;
    if (token || rest.auth === "strict") {
      // A token at upgrade is checked in every mode; an invalid one is refused, never downgraded (§2.1).
      try {
        accountability = await core.auth.authenticate(token ?? undefined, client);
      } catch (error) {
        if (!isAppError(error)) throw error;
        return refuse(socket, 401, "Unauthorized");
      }
      if (!accountability.user && !accountability.role) return refuse(socket, 401, "Unauthorized");
      authenticated = true;
    } else {
      accountability = await core.access.anonymous(client);
    }
    wss.handleUpgrade(request, socket, head, (ws) => open(ws, client, accountability, authenticated));
  }

  function open(ws: WebSocket, client: { ip?: string; userAgent?: string }, accountability: Accountability, authenticated: boolean) {
    const socket: Socket = {
      send(text) {
        if (ws.readyState !== ws.OPEN) return;
        // A client that stops reading must not make the server buffer without limit (DESIGN §5.6).
        if (ws.bufferedAmount > config.websockets.maxBuffered) {
          ws.close(CLOSE_TOO_SLOW, "Too slow: outgoing buffer limit exceeded");
          setTimeout(() => ws.terminate(), 1000).unref();
          return;
        }
        ws.send(text);
      },
      close(code, reason) {
        ws.close(code, reason);
      },
    };
    const session = new Session(socket, {
      core, live: deps.live, hub: deps.hub, endpoint: rest, heartbeat: config.websockets.heartbeat.enabled, limiter, logger,
    }, client, { accountability, authenticated });
    sessions.add(session);
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
        if (session.lastActivity < lastTick) session.disconnect();
        else session.sendRaw(PING_FRAME);
      }
      lastTick = tick;
    }, config.websockets.heartbeat.periodMs);
    heartbeat.unref();
  }

  server.on("upgrade", onUpgrade);
  return {
    sessions: () => sessions,
    async close() {
      server.off("upgrade", onUpgrade);
      if (heartbeat) clearInterval(heartbeat);
      for (const ws of wss.clients) ws.close(1001, "Server shutting down");
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const ws of wss.clients) ws.terminate();
    },
  };
}

function refuse(socket: Duplex, status: number, text: string) {
  socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

function cookie(request: IncomingMessage, name: string): string | null {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return null;
}
