// A small raw WebSocket client for black-box realtime tests: exact frames, waiting by condition with timeouts.
import http from "node:http";
import WebSocket from "ws";

export type Frame = Record<string, any>;
export type Predicate = (frame: Frame) => boolean;

export interface ConnectOptions {
  /** Sent as the first frame `{type:"auth", access_token}`; connect resolves after `auth`/`ok`. */
  token?: string;
  /** Put in the upgrade URL as `?access_token=` (no auth frame is sent). */
  accessToken?: string;
  path?: string;
  headers?: Record<string, string>;
  /** Largest frame the client accepts (defaults to ws' 100 MiB). */
  maxPayload?: number;
  /** Answer protocol-level pings (ws' default); false makes a client that shows no sign of life. */
  autoPong?: boolean;
}

export interface WsClient {
  ws: WebSocket;
  /** Every parsed frame received so far, in order. */
  frames: Frame[];
  /** Raw text of frames that were not JSON. */
  raw: string[];
  send(message: unknown): void;
  sendText(text: string): void;
  /** The next not-yet-taken frame matching `predicate` (frames already received count). */
  next(predicate?: Predicate | Frame, timeoutMs?: number): Promise<Frame>;
  /** All frames matching `predicate` received so far (taken or not). */
  all(predicate: Predicate | Frame): Frame[];
  /** Resolves with the close code and reason once the socket has closed. */
  closed: Promise<{ code: number; reason: string }>;
  isOpen(): boolean;
  close(): Promise<void>;
}

/** Matches a frame by a predicate, or by a partial object compared with JSON equality per key. */
export function matcher(predicate?: Predicate | Frame): Predicate {
  if (!predicate) return () => true;
  if (typeof predicate === "function") return predicate as Predicate;
  const expected = predicate;
  return (frame) => Object.entries(expected).every(([key, value]) => JSON.stringify(frame[key]) === JSON.stringify(value));
}

export function wsUrl(baseUrl: string, path = "/websocket", accessToken?: string): string {
  const url = new URL(baseUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = path;
  if (accessToken !== undefined) url.searchParams.set("access_token", accessToken);
  return url.toString();
}

/** Opens a socket; rejects with `Error("HTTP <status>")` when the upgrade is refused. */
export async function connect(baseUrl: string, options: ConnectOptions = {}): Promise<WsClient> {
  const ws = new WebSocket(wsUrl(baseUrl, options.path, options.accessToken), { headers: options.headers, maxPayload: options.maxPayload, autoPong: options.autoPong ?? true });
  const frames: Frame[] = [];
  const raw: string[] = [];
  const taken = new Set<Frame>();
  const waiters = new Set<() => void>();
  ws.on("message", (data) => {
    const text = data.toString();
    try {
      frames.push(JSON.parse(text));
    } catch {
      raw.push(text);
    }
    for (const waiter of [...waiters]) waiter();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const waiter of [...waiters]) waiter();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_request, response) => {
      reject(new Error(`HTTP ${response.statusCode}`));
      ws.terminate();
    });
    ws.once("error", reject);
  });
  ws.on("error", () => {});

  const client: WsClient = {
    ws,
    frames,
    raw,
    send: (message) => ws.send(JSON.stringify(message)),
    sendText: (text) => ws.send(text),
    next(predicate, timeoutMs = 3000) {
      const match = matcher(predicate);
      const find = () => frames.find((frame) => !taken.has(frame) && match(frame));
      return new Promise<Frame>((resolve, reject) => {
        const check = () => {
          const found = find();
          if (found) {
            taken.add(found);
            finish();
            resolve(found);
          } else if (ws.readyState === WebSocket.CLOSED) {
            finish();
            reject(new Error(`socket closed while waiting for ${describe(predicate)}; frames: ${JSON.stringify(frames).slice(0, 2000)}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no frame matching ${describe(predicate)} within ${timeoutMs} ms; frames: ${JSON.stringify(frames).slice(0, 2000)}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    all: (predicate) => frames.filter(matcher(predicate)),
    closed,
    isOpen: () => ws.readyState === WebSocket.OPEN,
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      const timer = setTimeout(() => ws.terminate(), 1000);
      await closed;
      clearTimeout(timer);
    },
  };
  if (options.token !== undefined) {
    client.send({ type: "auth", access_token: options.token });
    const reply = await client.next({ type: "auth" });
    if (reply.status !== "ok") {
      await client.close();
      throw new Error(`handshake failed: ${JSON.stringify(reply)}`);
    }
  }
  return client;
}

/** The HTTP status of an upgrade attempt: 101 when accepted (the socket is closed again), else the refusal status. */
export function upgradeStatus(baseUrl: string, options: { accessToken?: string; path?: string; headers?: Record<string, string> } = {}): Promise<number> {
  const url = new URL(wsUrl(baseUrl, options.path, options.accessToken).replace(/^ws/, "http"));
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": Buffer.from("0123456789abcdef").toString("base64"),
        ...options.headers,
      },
    });
    request.on("upgrade", (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    request.on("response", (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on("error", reject);
    request.end();
  });
}

function describe(predicate?: Predicate | Frame): string {
  if (!predicate) return "any frame";
  return typeof predicate === "function" ? predicate.toString().slice(0, 200) : JSON.stringify(predicate);
}

/** Closes every client, ignoring ones already gone. */
export async function closeAll(clients: Array<WsClient | undefined>): Promise<void> {
  await Promise.all(clients.map((client) => client?.close().catch(() => {})));
}
