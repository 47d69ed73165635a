// The load client: a separate process holding N real WebSocket clients. It connects in batches, speaks the
// Directus protocol (or graphql-transport-ws), answers pings, and records for every event which write it
// belongs to, which connection got it and when (shared monotonic clock). The parent drives it over IPC.
//
// Flags: --drop-one discards the first event it receives (the benchmark must then fail: used by its test).
import WebSocket from "ws";
import { now } from "./lib/clock.js";
import { seqsInFrame } from "./lib/stats.js";

export type Protocol = "directus" | "graphql";

export interface ConnectCommand {
  cmd: "connect";
  /** Base URLs; connection i goes to urls[i % urls.length]. */
  urls: string[];
  protocol: Protocol;
  /** One token for every connection, or one per connection. */
  tokens: string[];
  count: number;
  batch: number;
  collection: string;
  /** Directus subscribe `query` (e.g. { fields: "id,text" }). */
  query?: Record<string, unknown>;
  /** GraphQL subscription document. */
  graphql?: string;
  uid: string;
}

export type Command = ConnectCommand | { cmd: "count" } | { cmd: "collect" } | { cmd: "close" };

export type Report =
  | { type: "connected"; count: number; failures: string[]; ms: number }
  | { type: "count"; arrivals: number; closed: number }
  | { type: "arrivals"; seqs: Int32Array; conns: Int32Array; times: Float64Array; closed: number; closeCodes: Record<string, number> }
  | { type: "closed" };

const dropOne = process.argv.includes("--drop-one");
let dropped = false;

// Arrivals in growable parallel typed arrays: no per-event objects, cheap to send in one IPC message.
let capacity = 1 << 16;
let size = 0;
let seqs = new Int32Array(capacity);
let conns = new Int32Array(capacity);
let times = new Float64Array(capacity);

function record(seq: number, conn: number, time: number) {
  if (dropOne && !dropped) {
    dropped = true;
    return;
  }
  if (size === capacity) {
    capacity *= 2;
    const grow = <T extends Int32Array | Float64Array>(old: T, make: (n: number) => T) => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    seqs = grow(seqs, (n) => new Int32Array(n));
    conns = grow(conns, (n) => new Int32Array(n));
    times = grow(times, (n) => new Float64Array(n));
  }
  seqs[size] = seq;
  conns[size] = conn;
  times[size] = time;
  size += 1;
}

const sockets: WebSocket[] = [];
let unexpectedCloses = 0;
const closeCodes: Record<string, number> = {};
let closing = false;
const PING = Buffer.from('"type":"ping"');
const found: number[] = [];

function wsBase(url: string): string {
  const parsed = new URL(url);
  parsed.protocol = parsed.protocol === "https:" ? "wss:" : "ws:";
  return parsed.toString().replace(/\/$/, "");
}

function onClose(code: number) {
  if (closing) return;
  unexpectedCloses += 1;
  closeCodes[code] = (closeCodes[code] ?? 0) + 1;
}

/** One Directus-protocol client: auth frame, subscribe with a uid, wait for init. */
function openDirectus(index: number, command: ConnectCommand): Promise<WebSocket> {
  const token = command.tokens.length === 1 ? command.tokens[0] : command.tokens[index];
  const ws = new WebSocket(`${wsBase(command.urls[index % command.urls.length])}/websocket`, { perMessageDeflate: false, skipUTF8Validation: true });
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => fail(new Error("no init within 60 s")), 60_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      if (!ready) {
        ws.terminate();
        reject(error);
      }
    };
    ws.on("open", () => ws.send(JSON.stringify({ type: "auth", access_token: token })));
    ws.on("message", (data: Buffer) => {
      const time = now();
      if (ready) {
        if (data.length < 64 && data.indexOf(PING) !== -1) return ws.send('{"type":"pong"}');
        found.length = 0;
        for (const seq of seqsInFrame(data, found)) record(seq, index, time);
        return;
      }
      const message = JSON.parse(data.toString());
      if (message.type === "auth" && message.status === "ok") {
        ws.send(JSON.stringify({ type: "subscribe", collection: command.collection, query: command.query, uid: command.uid }));
      } else if (message.type === "subscription" && message.event === "init") {
        ready = true;
        clearTimeout(timer);
        resolve(ws);
      } else if (message.type === "ping") {
        ws.send('{"type":"pong"}');
      } else if (message.status === "error") {
        fail(new Error(`${message.type}: ${message.error?.code} ${message.error?.message}`));
      }
    });
    ws.on("unexpected-response", (_request, response) => fail(new Error(`HTTP ${response.statusCode}`)));
    ws.on("error", (error) => fail(error));
    ws.on("close", (code) => {
      if (ready) onClose(code);
      else fail(new Error(`closed ${code} before init`));
    });
  });
}

/** One graphql-transport-ws client: connection_init with the token, then one subscription. */
function openGraphQL(index: number, command: ConnectCommand): Promise<WebSocket> {
  const token = command.tokens.length === 1 ? command.tokens[0] : command.tokens[index];
  const ws = new WebSocket(`${wsBase(command.urls[index % command.urls.length])}/graphql`, "graphql-transport-ws", { perMessageDeflate: false, skipUTF8Validation: true });
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => fail(new Error("no connection_ack within 60 s")), 60_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      if (!ready) {
        ws.terminate();
        reject(error);
      }
    };
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { access_token: token } })));
    ws.on("message", (data: Buffer) => {
      const time = now();
      if (ready && data.length >= 64) {
        found.length = 0;
        for (const seq of seqsInFrame(data, found)) record(seq, index, time);
        return;
      }
      const message = JSON.parse(data.toString());
      if (message.type === "ping") ws.send('{"type":"pong"}');
      else if (message.type === "connection_ack") {
        ws.send(JSON.stringify({ id: command.uid, type: "subscribe", payload: { query: command.graphql } }));
        // graphql-ws has no "subscribed" reply: the parent waits for the server's subscription count.
        ready = true;
        clearTimeout(timer);
        resolve(ws);
      } else if (message.type === "next") {
        found.length = 0;
        for (const seq of seqsInFrame(data, found)) record(seq, index, time);
      } else if (message.type === "error") {
        unexpectedCloses += 1;
        closeCodes["graphql error"] = (closeCodes["graphql error"] ?? 0) + 1;
        process.stderr.write(`graphql error on connection ${index}: ${JSON.stringify(message.payload).slice(0, 300)}\n`);
      }
    });
    ws.on("unexpected-response", (_request, response) => fail(new Error(`HTTP ${response.statusCode}`)));
    ws.on("error", (error) => fail(error));
    ws.on("close", (code) => {
      if (ready) onClose(code);
      else fail(new Error(`closed ${code} before connection_ack`));
    });
  });
}

async function connect(command: ConnectCommand): Promise<Report> {
  const started = now();
  const failures: string[] = [];
  let failed = 0;
  const open = command.protocol === "graphql" ? openGraphQL : openDirectus;
  const first = sockets.length;
  for (let start = 0; start < command.count; start += command.batch) {
    const batch: Array<Promise<void>> = [];
    for (let index = start; index < Math.min(command.count, start + command.batch); index++) {
      batch.push(open(first + index, command).then(
        (ws) => void sockets.push(ws),
        (error: Error) => {
          failed += 1;
          if (failures.length < 5) failures.push(`connection ${index}: ${error.message}`);
        },
      ));
    }
    await Promise.all(batch);
  }
  if (failed > failures.length) failures.push(`… ${failed} connections failed in all`);
  return { type: "connected", count: command.count - failed, failures, ms: now() - started };
}

async function closeAll() {
  closing = true;
  await Promise.all(sockets.map((ws) => new Promise<void>((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    ws.once("close", () => resolve());
    ws.close();
    setTimeout(() => {
      ws.terminate();
      resolve();
    }, 2000).unref();
  })));
}

const send = (report: Report) => process.send!(report);

process.on("message", (command: Command) => {
  switch (command.cmd) {
    case "connect":
      void connect(command).then(send);
      return;
    case "count":
      send({ type: "count", arrivals: size, closed: unexpectedCloses });
      return;
    case "collect":
      send({ type: "arrivals", seqs: seqs.slice(0, size), conns: conns.slice(0, size), times: times.slice(0, size), closed: unexpectedCloses, closeCodes });
      return;
    case "close":
      void closeAll().then(() => {
        send({ type: "closed" });
        process.disconnect();
        process.exit(0);
      });
      return;
  }
});
// If the parent dies, do not linger.
process.on("disconnect", () => process.exit(0));
