// Scale-out test harness (not a test file): real Tidings processes sharing one PostgreSQL database and one Redis.
import { spawnSync, type ChildProcess } from "node:child_process";
import { createDirectus, realtime, staticToken } from "@directus/sdk";
import { createClient, type Client } from "graphql-ws";
import { Redis } from "ioredis";
import WebSocket from "ws";
import {
  adminEnv, freePort, probeRedis, redisServerInstalled, spawnServer, startPrivateRedis as startRedis, until, type Exit, type PrivateRedis as SharedRedis,
} from "../helpers/child-server.js";
import { createPgDatabase, databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { connect, wsUrl, type Frame, type WsClient } from "../helpers/ws-client.js";

export { freePort, ROOT, until } from "../helpers/child-server.js";
export const SHARED_REDIS_PORT = Number(process.env.TIDINGS_TEST_REDIS_PORT ?? 6379);
export const ADMIN = { email: "admin@example.com", password: "admin-password", token: "cluster-admin-token" };
const SECRET = "cluster-secret-cluster-secret-cluster-secret";

/** Only for holding Redis down for a moment: the tests otherwise wait by condition. */
export const hold = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- availability (skip rule)

/**
 * Whether the cluster suite can run: PostgreSQL, Redis on 6379 and (with `privateRedis`) the redis-server binary.
 * Outside CI a missing service skips the suite with a message; under CI=true it fails instead.
 */
export async function clusterAvailable(file: string, options: { privateRedis?: boolean } = {}): Promise<boolean> {
  const missing: string[] = [];
  if (!(await databases()).includes("pg")) missing.push("PostgreSQL");
  if (!(await probeRedis(SHARED_REDIS_PORT))) missing.push(`Redis at 127.0.0.1:${SHARED_REDIS_PORT}`);
  if (options.privateRedis && !redisServerInstalled()) missing.push("the redis-server binary");
  if (missing.length === 0) return true;
  const message = `${file}: the scale-out tests need ${missing.join(", ")}`;
  if (process.env.CI === "true") throw new Error(`CI=true: ${message}, which is not available.`);
  console.warn(`[tidings tests] ${message}: skipped.`);
  return false;
}

// ---------------------------------------------------------------- ports and Redis

/** One-off command against a Redis server. */
export async function redisCall(port: number, ...args: Array<string | number>): Promise<unknown> {
  const redis = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return await redis.call(String(args[0]), ...args.slice(1).map(String));
  } finally {
    redis.disconnect();
  }
}

/** Deletes a test namespace's streams from the shared Redis. */
export async function dropNamespace(namespace: string, port = SHARED_REDIS_PORT) {
  const keys = (await redisCall(port, "KEYS", `${namespace}:*`)) as string[];
  if (keys.length) await redisCall(port, "DEL", ...keys);
}

export interface PrivateRedis extends SharedRedis {
  /** SIGKILL: an abrupt crash that loses everything (no persistence). */
  crash(): Promise<void>;
}

/** A redis-server of our own on a free port, so the machine's shared Redis is never restarted. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const redis = await startRedis();
  return Object.assign(redis, { crash: () => redis.kill() });
}

// ---------------------------------------------------------------- instances

export interface Instance {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** stdout + stderr lines (pino JSON at LOG_LEVEL=warn). */
  logs: string[];
  /** Admin REST client (static token). */
  admin: Http;
  exited: Promise<Exit>;
  /** SIGTERM and wait for the exit. */
  terminate(): Promise<Exit>;
  kill(): void;
}

export interface ClusterOptions {
  redisUrl?: string;
  namespace: string;
  env?: Record<string, string>;
}

export interface Cluster {
  dbUrl: string;
  instances: Instance[];
  start(name: string, env?: Record<string, string>, port?: number): Promise<Instance>;
  close(): Promise<void>;
}

/** A fresh database and `count` instances started at the same time (they race through bootstrap together). */
export async function startCluster(count: number, options: ClusterOptions): Promise<Cluster> {
  const database = await createPgDatabase();
  const instances: Instance[] = [];
  const baseEnv = {
    DB_CLIENT: "pg",
    DB_CONNECTION_STRING: database.url,
    REDIS: options.redisUrl ?? `redis://127.0.0.1:${SHARED_REDIS_PORT}`,
    REDIS_BUS_NAMESPACE: options.namespace,
    ...adminEnv(ADMIN, SECRET),
    ...options.env,
  };
  const cluster: Cluster = {
    dbUrl: database.url,
    instances,
    async start(name, env = {}, port) {
      const instance = await startInstance(name, { ...baseEnv, ...env }, port ?? (await freePort()));
      instances.push(instance);
      return instance;
    },
    async close() {
      for (const instance of instances) instance.kill();
      await Promise.all(instances.map((instance) => instance.exited));
      await database.drop().catch(() => {});
    },
  };
  try {
    await Promise.all(Array.from({ length: count }, (_, i) => cluster.start(String.fromCharCode(65 + i))));
  } catch (error) {
    await cluster.close();
    throw error;
  }
  instances.sort((a, b) => a.name.localeCompare(b.name));
  return cluster;
}

async function startInstance(name: string, env: Record<string, string>, port: number): Promise<Instance> {
  const server = await spawnServer({ name: `instance ${name}`, env, port, startTimeoutMs: 30_000, maxLogLines: Infinity });
  return {
    name, url: server.url, port, child: server.child, logs: server.logs, exited: server.exited,
    admin: createHttp(server.url, ADMIN.token),
    terminate: () => server.stop(Infinity),
    kill: () => void server.kill9(),
  };
}

/** Log lines (pino JSON) of an instance whose message contains `text`. */
export function logged(instance: Instance, text: string): string[] {
  return instance.logs.filter((line) => line.includes(text));
}

/** The TCP ports an instance uses towards a Redis port (from `ss`), to cut exactly its connections. */
export function redisClientPorts(instance: Instance, redisPort: number): number[] {
  const out = spawnSync("ss", ["-tnpH", "state", "established", "dst", `127.0.0.1:${redisPort}`], { encoding: "utf8" }).stdout ?? "";
  return out.split("\n").filter((line) => line.includes(`pid=${instance.child.pid},`)).map((line) => Number(/127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:\d+/.exec(line)?.[1])).filter(Boolean);
}

// ---------------------------------------------------------------- clients

/** Raw-`ws` Directus-protocol subscriber: connects with a token and waits for the init. */
export async function rawSubscriber(url: string, token: string, collection: string, query: Record<string, unknown>, uid = "s"): Promise<WsClient & { events(): Frame[] }> {
  const client = await connect(url, { token });
  client.send({ type: "subscribe", collection, query, uid });
  const init = await client.next((frame) => (frame.type === "subscription" && frame.uid === uid) || frame.status === "error", 5000);
  if (init.event !== "init") throw new Error(`subscribe failed: ${JSON.stringify(init)}`);
  return Object.assign(client, { events: () => client.frames.filter((frame) => frame.type === "subscription" && frame.uid === uid && frame.event !== "init") });
}

/** Answers server pings so a long test never trips the heartbeat. */
export function pong(client: WsClient) {
  client.ws.on("message", (data) => {
    if (data.toString().includes('"ping"')) client.send({ type: "pong" });
  });
}

export interface SdkSubscriber {
  frames: Frame[];
  events(): Frame[];
  closeCodes: number[];
  disconnect(): void;
}

/** The real @directus/sdk realtime client; frames are read off its socket (its generator can coalesce). */
export async function sdkSubscriber(url: string, token: string, collection: string, fields: string[]): Promise<SdkSubscriber> {
  const client = createDirectus(url, { globals: { WebSocket: WebSocket as unknown as typeof globalThis.WebSocket } })
    .with(staticToken(token))
    .with(realtime({ authMode: "handshake", reconnect: false }));
  const frames: Frame[] = [];
  const closeCodes: number[] = [];
  client.onWebSocket("open", function (this: unknown) {
    const socket = this as WebSocket;
    socket.addEventListener("message", (message) => frames.push(JSON.parse(String(message.data))));
    socket.addEventListener("close", (event) => closeCodes.push(event.code));
  });
  await client.connect();
  const { subscription } = await client.subscribe(collection as never, { query: { fields } as never });
  void (async () => {
    try {
      for await (const _message of subscription) void _message;
    } catch {
      /* closed */
    }
  })();
  await until(() => {
    const failed = frames.find((frame) => frame.type === "subscribe" && frame.status === "error");
    if (failed) throw new Error(`SDK subscribe failed: ${JSON.stringify(failed)}`);
    return frames.some((frame) => frame.type === "subscription" && frame.event === "init");
  }, "the SDK subscription's init", 5000);
  return {
    frames,
    events: () => frames.filter((frame) => frame.type === "subscription" && frame.event !== "init"),
    closeCodes,
    disconnect: () => client.disconnect(),
  };
}

export interface GqlSubscriber {
  client: Client;
  received: any[];
  errors: unknown[];
  closed: Promise<number>;
  dispose(): Promise<void>;
}

/** A graphql-ws client (no retries, so close codes are observable) running one subscription. */
export async function gqlSubscriber(url: string, token: string, query: string): Promise<GqlSubscriber> {
  let onClosed!: (code: number) => void;
  let onConnected!: () => void;
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const client = createClient({
    url: wsUrl(url, "/graphql"),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    connectionParams: { access_token: token },
    on: { connected: () => onConnected(), closed: (event: any) => onClosed(event?.code ?? -1) },
  });
  const received: any[] = [];
  const errors: unknown[] = [];
  client.subscribe({ query }, { next: (value) => void received.push(value), error: (error) => void errors.push(error), complete: () => {} });
  await connected;
  return { client, received, errors, closed, dispose: async () => void (await client.dispose()) };
}

/**
 * graphql-ws has no "subscribed" acknowledgement: write (with `trigger`) until every subscriber saw something,
 * then forget what they saw so far.
 */
export async function activate(subscribers: GqlSubscriber[], trigger: () => Promise<unknown>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (subscribers.some((sub) => sub.received.length === 0)) {
    const failed = subscribers.find((sub) => sub.errors.length);
    if (failed) throw new Error(`subscription failed: ${JSON.stringify(failed.errors)}`);
    if (Date.now() > deadline) throw new Error("GraphQL subscriptions not active in time");
    await trigger();
    await until(() => subscribers.every((sub) => sub.received.length > 0), "", 300).catch(() => {});
  }
  for (const sub of subscribers) sub.received.length = 0;
}

/** The `<collection>_mutated` payload of a graphql-ws next. */
export const mutated = (collection: string) => (payload: any) => payload?.data?.[`${collection}_mutated`];

/** Occurrences of each value (for exactly-once checks). */
export function counts<T>(values: T[]): Map<T, number> {
  const map = new Map<T, number>();
  for (const value of values) map.set(value, (map.get(value) ?? 0) + 1);
  return map;
}

/** Values that occur more than once. */
export const repeats = <T>(values: T[]) => [...counts(values)].filter(([, n]) => n > 1).map(([value]) => value);

export const uniqueNamespace = (file: string) => `tidings-test:${file}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;

/** Closes raw clients, ignoring ones already gone. */
export async function closeClients(clients: Array<{ close(): Promise<void> } | undefined>) {
  await Promise.all(clients.map((client) => client?.close().catch(() => {})));
}

/** One afterAll for every cluster file: clients of each kind, the instances, then the bus namespace. */
export async function tearDown(parts: {
  closers: Array<{ close(): Promise<void> } | undefined>;
  gqls: GqlSubscriber[];
  sdks: SdkSubscriber[];
  cluster: Cluster | undefined;
  namespace: string;
}) {
  await closeClients(parts.closers);
  await Promise.all(parts.gqls.map((sub) => sub.dispose().catch(() => {})));
  for (const sdk of parts.sdks) sdk.disconnect();
  await parts.cluster?.close();
  await dropNamespace(parts.namespace).catch(() => {});
}
