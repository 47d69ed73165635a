// The bare baseline: `ws` + `node:http`, just enough of the Directus protocol for the load client, no database.
// Each POST /items/<collection> serializes one frame and sends it to every subscriber: the physical limit
// of fan-out on this machine, measured with the same clients and the same clock as Tidings.
import http from "node:http";
import { WebSocketServer, type WebSocket } from "ws";

const port = Number(process.env.PORT ?? 0);
const heartbeatMs = Number(process.env.HEARTBEAT_MS ?? 30_000);

interface Subscriber {
  ws: WebSocket;
  uid?: string;
}

const subscribers = new Map<string, Set<Subscriber>>();
let nextId = 0;
let deliveries = 0;

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://localhost");
  if (request.method === "GET" && url.pathname === "/server/metrics") {
    const memory = process.memoryUsage();
    let count = 0;
    for (const set of subscribers.values()) count += set.size;
    return json(response, 200, { data: { rss: memory.rss, heapUsed: memory.heapUsed, deliveries, subscriptions: count, connections: wss.clients.size } });
  }
  const match = /^\/items\/([^/]+)$/.exec(url.pathname);
  if (request.method !== "POST" || !match) return json(response, 404, { errors: [{ message: "Not found" }] });
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    let item: Record<string, unknown>;
    try {
      item = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      return json(response, 400, { errors: [{ message: "Invalid JSON" }] });
    }
    const row = { id: ++nextId, ...item };
    const set = subscribers.get(match[1]);
    if (set?.size) {
      // One serialization per distinct uid (the load client uses one uid, so one per write).
      const frames = new Map<string | undefined, string>();
      for (const subscriber of set) {
        let frame = frames.get(subscriber.uid);
        if (frame === undefined) {
          frame = JSON.stringify({ type: "subscription", event: "create", data: [row], ...(subscriber.uid === undefined ? {} : { uid: subscriber.uid }) });
          frames.set(subscriber.uid, frame);
        }
        subscriber.ws.send(frame);
        deliveries += 1;
      }
    }
    json(response, 200, { data: row });
  });
});

const wss = new WebSocketServer({ server, path: "/websocket" });
wss.on("connection", (ws) => {
  const mine: Array<{ collection: string; subscriber: Subscriber }> = [];
  let alive = true;
  ws.on("message", (data) => {
    alive = true;
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return;
    }
    const uid = message.uid === undefined ? undefined : String(message.uid);
    switch (message.type) {
      case "auth":
        ws.send(JSON.stringify({ type: "auth", status: "ok", ...(message.uid === undefined ? {} : { uid: message.uid }) }));
        return;
      case "subscribe": {
        const collection = String(message.collection);
        const subscriber: Subscriber = { ws, uid };
        let set = subscribers.get(collection);
        if (!set) subscribers.set(collection, (set = new Set()));
        set.add(subscriber);
        mine.push({ collection, subscriber });
        ws.send(JSON.stringify({ type: "subscription", event: "init", data: [], ...(uid === undefined ? {} : { uid }) }));
        return;
      }
      case "ping":
        ws.send(JSON.stringify({ type: "pong", ...(message.uid === undefined ? {} : { uid: message.uid }) }));
        return;
      default:
        return;
    }
  });
  ws.on("close", () => {
    for (const { collection, subscriber } of mine) subscribers.get(collection)?.delete(subscriber);
  });
  ws.on("error", () => {});
  (ws as WebSocket & { isAlive?: () => boolean }).isAlive = () => {
    const was = alive;
    alive = false;
    return was;
  };
});

// The same heartbeat as Tidings (§8): ping everyone each period, close whoever stayed silent.
const heartbeat = setInterval(() => {
  for (const ws of wss.clients) {
    const check = (ws as WebSocket & { isAlive?: () => boolean }).isAlive;
    if (check && !check()) ws.close();
    else ws.send('{"type":"ping"}');
  }
}, heartbeatMs);
heartbeat.unref();

function json(response: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

server.listen(port, "127.0.0.1", () => {
  const address = server.address() as { port: number };
  process.stdout.write(`baseline listening on http://127.0.0.1:${address.port}\n`);
});

process.on("SIGTERM", () => {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
