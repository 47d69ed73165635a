// Clients for the soak: REST, a raw Directus-protocol socket, and the @directus/sdk realtime client.
import http from "node:http";
import type { Socket } from "node:net";
import { createDirectus, realtime, staticToken } from "@directus/sdk";
import WebSocket from "ws";

export type Frame = Record<string, any>;

export interface Rest {
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** 2xx or throws with the reply. */
  ok(method: string, path: string, body?: unknown): Promise<any>;
  /** Closes the kept-alive connections (so the server's handle count can return to its baseline). */
  close(): void;
}

/** REST over node:http with an agent of its own: its keep-alive sockets can be closed at the end. */
export function rest(baseUrl: string, token: string): Rest {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  function request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { authorization: `Bearer ${token}` };
    if (payload !== undefined) Object.assign(headers, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
    return new Promise((resolve, reject) => {
      const req = http.request(new URL(path, baseUrl), { method, headers, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: any = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            /* not JSON */
          }
          resolve({ status: response.statusCode ?? 0, body: parsed });
        });
      });
      req.setTimeout(30_000, () => req.destroy(new Error("request timed out after 30 s")));
      req.on("error", reject);
      req.end(payload);
    });
  }
  return {
    request,
    async ok(method, path, body) {
      const reply = await request(method, path, body);
      if (reply.status < 200 || reply.status > 299) throw new Error(`${method} ${path} → ${reply.status} ${JSON.stringify(reply.body).slice(0, 500)}`);
      return reply.body?.data;
    },
    close: () => agent.destroy(),
  };
}

export function wsUrl(baseUrl: string, accessToken?: string): string {
  const url = new URL(baseUrl);
  url.protocol = "ws:";
  url.pathname = "/websocket";
  if (accessToken) url.searchParams.set("access_token", accessToken);
  return url.toString();
}

/** The TCP socket under a `ws` WebSocket (to destroy it abruptly or stop reading it). */
export const tcpOf = (ws: WebSocket): Socket | undefined => (ws as unknown as { _socket?: Socket })._socket;

export interface RawClient {
  ws: WebSocket;
  frames: Frame[];
  /** Resolves on close with its code. */
  closed: Promise<number>;
  send(message: unknown): void;
  next(predicate: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  /** Frames seen from now on are not kept (a slow consumer keeps nothing). */
  forget(): void;
  destroy(): void;
}

/** Opens a socket, authenticates (handshake frame, or the upgrade URL when `viaUrl`), answers pings. */
export async function rawClient(baseUrl: string, token: string, options: { viaUrl?: boolean; keep?: boolean; onFrame?: (frame: Frame) => void } = {}): Promise<RawClient> {
  const ws = new WebSocket(wsUrl(baseUrl, options.viaUrl ? token : undefined));
  const frames: Frame[] = [];
  let keep = options.keep ?? true;
  const waiters = new Set<() => void>();
  ws.on("message", (data) => {
    const frame = JSON.parse(data.toString()) as Frame;
    if (frame.type === "ping") ws.send(JSON.stringify({ type: "pong" }));
    options.onFrame?.(frame);
    if (keep) frames.push(frame);
    for (const waiter of [...waiters]) waiter();
  });
  ws.on("error", () => {});
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => {
    resolve(code);
    for (const waiter of [...waiters]) waiter();
  }));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_request, response) => {
      reject(new Error(`upgrade refused: HTTP ${response.statusCode}`));
      ws.terminate();
    });
    ws.once("error", reject);
  });
  const client: RawClient = {
    ws,
    frames,
    closed,
    send: (message) => ws.send(JSON.stringify(message)),
    next(predicate, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        let index = 0;
        const check = () => {
          for (; index < frames.length; index++) {
            if (predicate(frames[index])) {
              done();
              return resolve(frames[index]);
            }
          }
          if (ws.readyState === WebSocket.CLOSED) {
            done();
            reject(new Error(`socket closed while waiting; last frames ${JSON.stringify(frames.slice(-3))}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching frame within ${timeoutMs} ms; last frames ${JSON.stringify(frames.slice(-3))}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    forget() {
      keep = false;
      frames.length = 0;
    },
    destroy() {
      tcpOf(ws)?.destroy();
      ws.terminate();
    },
  };
  if (!options.viaUrl) {
    client.send({ type: "auth", access_token: token });
    const reply = await client.next((frame) => frame.type === "auth");
    if (reply.status !== "ok") throw new Error(`auth failed: ${JSON.stringify(reply)}`);
  }
  return client;
}

/** Subscribes and waits for the init (or throws on an error frame). */
export async function subscribe(client: RawClient, collection: string, query: Record<string, unknown>, uid: string, extra: Record<string, unknown> = {}): Promise<Frame> {
  client.send({ type: "subscribe", collection, query, uid, ...extra });
  const reply = await client.next((frame) => (frame.type === "subscription" && frame.uid === uid) || (frame.type === "subscribe" && frame.status === "error"));
  if (reply.event !== "init") throw new Error(`subscribe failed: ${JSON.stringify(reply)}`);
  return reply;
}

export interface SdkClient {
  client: ReturnType<typeof makeSdk>;
  /** Every frame on every socket the client opened, read off the socket itself. */
  frames: Frame[];
  opens: number;
  closeCodes: number[];
  current(): WebSocket | undefined;
  /** Destroys the current TCP socket (the SDK sees an abnormal close and, if allowed, reconnects). */
  destroySocket(): void;
}

function makeSdk(url: string, token: string, reconnect: false | { delay: number; retries: number }) {
  return createDirectus(url, { globals: { WebSocket: WebSocket as unknown as typeof globalThis.WebSocket } })
    .with(staticToken(token))
    .with(realtime({ authMode: "handshake", reconnect, heartbeat: true }));
}

/** `createDirectus(url).with(staticToken(t)).with(realtime())` with its frames recorded. */
export async function sdkClient(url: string, token: string, reconnect: false | { delay: number; retries: number }, onFrame?: (frame: Frame) => void): Promise<SdkClient> {
  const client = makeSdk(url, token, reconnect);
  const frames: Frame[] = [];
  let socket: WebSocket | undefined;
  const self: SdkClient = {
    client,
    frames,
    opens: 0,
    closeCodes: [],
    current: () => socket,
    destroySocket() {
      if (socket) tcpOf(socket)?.destroy();
    },
  };
  client.onWebSocket("open", function (this: unknown) {
    const ws = this as WebSocket;
    socket = ws;
    self.opens += 1;
    ws.addEventListener("message", (message) => {
      const frame = JSON.parse(String(message.data)) as Frame;
      frames.push(frame);
      onFrame?.(frame);
    });
    ws.addEventListener("close", (event) => self.closeCodes.push(event.code));
  });
  await client.connect();
  return self;
}

/** Runs an SDK subscription's generator in the background (frames are read off the socket instead). */
export async function sdkSubscribe(sdk: SdkClient, collection: string, query: Record<string, unknown>): Promise<void> {
  const { subscription } = await sdk.client.subscribe(collection as never, { query: query as never });
  void (async () => {
    try {
      for await (const _message of subscription) void _message;
    } catch {
      /* closed or refused: the frames tell */
    }
  })();
}
