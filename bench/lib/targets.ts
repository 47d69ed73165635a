// The systems under test: Tidings (SQLite, or PostgreSQL + Redis with several instances) and the bare baseline.
// Each target starts its processes, prepares the schema/users over REST, and exposes writes and counters.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnServer as spawnChild, type ServerProcess } from "../../test/helpers/child-server.js";

export const COLLECTION = "bench";
export const AUTHORS = "bench_authors";
export const ADMIN_TOKEN = "bench-admin-static-token";
export const SUBSCRIPTION_UID = "bench";

export interface Counters {
  /** SQL statements sent (sum over instances); undefined when the server does not expose them. */
  sql?: number;
  events?: number;
  renders?: number;
  deliveries?: number;
  subscriptions?: number;
}

export interface Shape {
  /** Subscribers that are distinct users (one token each) instead of one user on every connection. */
  distinctUsers: number;
  /** Row filter of the subscribers' read permission (null: all rows). */
  rowFilter: Record<string, unknown> | null;
  /** Relational `author` field to bench_authors. */
  relational: boolean;
}

export interface Prepared {
  /** Tokens for the load client: one (shared) or one per connection. */
  tokens: string[];
  /** User ids in token order (the `owner` of rows). */
  userIds: string[];
  authorIds: number[];
}

export interface Target {
  kind: "tidings" | "baseline";
  urls: string[];
  pids: number[];
  prepare(shape: Shape): Promise<Prepared>;
  /** Sends one write; resolves when its response is complete. Throws on a non-2xx reply. */
  write(body: Record<string, unknown>, seq: number): Promise<void>;
  counters(): Promise<Counters>;
  stop(): Promise<void>;
}

export interface TidingsOptions {
  db: "sqlite" | "pg";
  bus: "local" | "redis";
  instances: number;
  pgUrl: string;
  redisUrl: string;
  nodeArgs: string[];
  verbose: boolean;
}

const readyLine = (pattern: RegExp) => (line: string) => pattern.exec(line)?.[1];

/**
 * Starts `node [nodeArgs] --import tsx <script>` with the whole environment plus `env` (PORT=0) and waits for the
 * URL the server announces in its output.
 */
function spawnServer(options: { name: string; script: string; env: Record<string, string>; nodeArgs?: string[]; ready: (line: string) => string | undefined; verbose?: boolean }) {
  return spawnChild({
    name: options.name,
    script: options.script,
    env: options.env,
    inheritEnv: true,
    nodeArgs: options.nodeArgs,
    ready: options.ready,
    onLine: options.verbose ? (line) => process.stderr.write(`[${options.name}] ${line}\n`) : undefined,
    startTimeoutMs: 30_000,
    maxLogLines: 40,
    graceMs: 15_000,
  });
}

async function request(url: string, method: string, body?: unknown, token?: string): Promise<any> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} → ${response.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

export async function startTidings(options: TidingsOptions): Promise<Target> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const env: Record<string, string> = {
    HOST: "127.0.0.1",
    PORT: "0",
    SECRET: "bench-secret-bench-secret-bench-secret",
    LOG_LEVEL: "info",
    ADMIN_EMAIL: "admin@bench.local",
    ADMIN_PASSWORD: "bench-admin-password",
    ADMIN_TOKEN,
  };
  if (options.db === "pg") {
    const { default: pg } = await import("pg");
    const name = `tidings_bench_${Date.now().toString(36)}_${process.pid}`;
    const admin = new pg.Client({ connectionString: options.pgUrl });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    await admin.end();
    const url = new URL(options.pgUrl);
    url.pathname = `/${name}`;
    env.DB_CLIENT = "pg";
    env.DB_CONNECTION_STRING = url.toString();
    cleanups.push(async () => {
      const client = new pg.Client({ connectionString: options.pgUrl });
      await client.connect();
      await client.query(`drop database if exists "${name}" with (force)`);
      await client.end();
    });
  } else {
    const dir = mkdtempSync(path.join(tmpdir(), "tidings-bench-"));
    env.DB_CLIENT = "sqlite3";
    env.DB_FILENAME = path.join(dir, "tidings.db");
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  }
  if (options.bus === "redis") {
    const namespace = `tidings:bench:${Date.now().toString(36)}:${process.pid}`;
    env.REDIS = options.redisUrl;
    env.REDIS_BUS_NAMESPACE = namespace;
    cleanups.push(async () => {
      const { Redis } = await import("ioredis");
      const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
      try {
        const keys = await redis.keys(`${namespace}:*`);
        if (keys.length) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    });
  }
  const servers: ServerProcess[] = [];
  try {
    // Instances start one after the other: the first one bootstraps the database.
    for (let index = 0; index < options.instances; index++) {
      servers.push(await spawnServer({
        name: `tidings#${index}`,
        script: "src/main.ts",
        env,
        nodeArgs: options.nodeArgs,
        ready: readyLine(/listening on (http:\/\/[^"\s]+)/),
        verbose: options.verbose,
      }));
    }
  } catch (error) {
    for (const server of servers) await server.stop();
    for (const cleanup of cleanups.reverse()) await cleanup();
    throw error;
  }
  const urls = servers.map((server) => server.url);
  const admin = (method: string, route: string, body?: unknown, instance = 0) => request(urls[instance] + route, method, body, ADMIN_TOKEN);
  let metricsAvailable = true;

  return {
    kind: "tidings",
    urls,
    pids: servers.map((server) => server.pid),
    async prepare(shape) {
      const fields: unknown[] = [
        { field: "id", type: "integer", meta: { hidden: true, readonly: true }, schema: { is_primary_key: true, has_auto_increment: true } },
        { field: "text", type: "string", schema: {} },
        { field: "owner", type: "string", schema: { length: 64 } },
        { field: "public", type: "boolean", schema: { default_value: true } },
      ];
      let authorIds: number[] = [];
      if (shape.relational) {
        await admin("POST", "/collections", {
          collection: AUTHORS, meta: {}, schema: {},
          fields: [{ field: "id", type: "integer", meta: { hidden: true }, schema: { is_primary_key: true, has_auto_increment: true } }, { field: "name", type: "string", schema: {} }],
        });
        fields.push({ field: "author", type: "integer", meta: { special: ["m2o"] }, schema: {} });
      }
      await admin("POST", "/collections", { collection: COLLECTION, meta: {}, schema: {}, fields });
      if (shape.relational) {
        await admin("POST", "/relations", { collection: COLLECTION, field: "author", related_collection: AUTHORS });
        const authors = await admin("POST", `/items/${AUTHORS}`, Array.from({ length: 10 }, (_, i) => ({ name: `Author ${i}` })));
        authorIds = authors.data.map((row: { id: number }) => row.id);
      }
      const role = (await admin("POST", "/roles", { name: `bench-subscribers-${randomUUID().slice(0, 8)}` })).data;
      const policy = (await admin("POST", "/policies", { name: `bench-read-${randomUUID().slice(0, 8)}`, admin_access: false, app_access: false, roles: [{ role: role.id }] })).data;
      const grant = (collection: string, filter: Record<string, unknown> | null) =>
        admin("POST", "/permissions", { policy: policy.id, collection, action: "read", fields: ["*"], permissions: filter ?? {}, validation: null, presets: null });
      await grant(COLLECTION, shape.rowFilter);
      if (shape.relational) await grant(AUTHORS, null);
      const count = Math.max(1, shape.distinctUsers);
      const tokens: string[] = [];
      const userIds: string[] = [];
      const run = randomUUID().slice(0, 8);
      // Users in bulk (no password: nothing to hash), with static tokens.
      for (let start = 0; start < count; start += 500) {
        const users = Array.from({ length: Math.min(500, count - start) }, (_, i) => ({
          email: `bench-${run}-${start + i}@bench.local`, role: role.id, token: `bench-${run}-${start + i}-${randomUUID()}`,
        }));
        const created = (await admin("POST", "/users?fields=id,email", users)).data as Array<{ id: string; email: string }>;
        const byEmail = new Map(created.map((user) => [user.email, user.id]));
        for (const user of users) {
          tokens.push(user.token);
          userIds.push(byEmail.get(user.email)!);
        }
      }
      // Other instances learn about the new schema and permissions through the bus: wait until they serve it.
      for (let instance = 1; instance < urls.length; instance++) {
        const deadline = Date.now() + 10_000;
        for (;;) {
          const response = await fetch(`${urls[instance]}/items/${COLLECTION}?limit=1`, { headers: { authorization: `Bearer ${tokens[0]}` } });
          await response.text();
          if (response.ok) break;
          if (Date.now() > deadline) throw new Error(`instance ${instance} does not serve ${COLLECTION} to subscribers after 10 s`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      return { tokens, userIds, authorIds };
    },
    async write(body, seq) {
      await request(`${urls[seq % urls.length]}/items/${COLLECTION}`, "POST", body, ADMIN_TOKEN);
    },
    async counters() {
      if (!metricsAvailable) return {};
      const total: Counters = { sql: 0, events: 0, renders: 0, deliveries: 0, subscriptions: 0 };
      for (const url of urls) {
        const response = await fetch(`${url}/server/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        const text = await response.text();
        if (!response.ok) {
          // No metrics endpoint: SQL per event is reported as n/a (see bench/README.md).
          metricsAvailable = false;
          return {};
        }
        const data = JSON.parse(text).data;
        total.sql! += data.sqlQueries ?? Number.NaN;
        total.events! += data.events ?? Number.NaN;
        total.renders! += data.renders ?? Number.NaN;
        total.deliveries! += data.deliveries ?? Number.NaN;
        total.subscriptions! += data.subscriptions ?? Number.NaN;
      }
      return total;
    },
    async stop() {
      for (const server of servers) await server.stop();
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (error) {
          process.stderr.write(`cleanup failed: ${(error as Error).message}\n`);
        }
      }
    },
  };
}

export async function startBaseline(options: { verbose: boolean; nodeArgs?: string[] }): Promise<Target> {
  const server = await spawnServer({
    name: "baseline",
    script: "bench/baseline-server.ts",
    env: { PORT: "0" },
    nodeArgs: options.nodeArgs,
    ready: readyLine(/baseline listening on (http:\/\/\S+)/),
    verbose: options.verbose,
  });
  return {
    kind: "baseline",
    urls: [server.url],
    pids: [server.pid],
    async prepare(shape) {
      const count = Math.max(1, shape.distinctUsers);
      return {
        tokens: Array.from({ length: count }, (_, i) => `baseline-${i}`),
        userIds: Array.from({ length: count }, (_, i) => `user-${i}`),
        authorIds: [1],
      };
    },
    async write(body) {
      await request(`${server.url}/items/${COLLECTION}`, "POST", body);
    },
    async counters() {
      const response = await fetch(`${server.url}/server/metrics`);
      const data = (await response.json()).data;
      return { deliveries: data.deliveries, subscriptions: data.subscriptions };
    },
    stop: async () => void (await server.stop()),
  };
}
