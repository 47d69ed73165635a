// The only reader of process.env: validates the environment into a typed, immutable Config.
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { parse as parseDotenv } from "dotenv";
import { parseDuration, parseSize } from "./lib/units.js";

export type DbClient = "sqlite" | "pg";
export type AuthMode = "public" | "handshake" | "strict";

export interface Config {
  host: string;
  port: number;
  publicUrl: string;
  logLevel: string;
  db: {
    client: DbClient;
    filename: string;
    connectionString?: string;
    pool: { min: number; max: number };
  };
  secret: string;
  secretGenerated: boolean;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  admin: { email?: string; password?: string; token?: string };
  queryLimitDefault: number;
  queryLimitMax: number;
  maxPayloadSize: number;
  maxRelationalDepth: number;
  cors: { enabled: boolean; origin: boolean | string[] };
  websockets: {
    enabled: boolean;
    rest: WebSocketEndpoint;
    graphql: WebSocketEndpoint;
    heartbeat: { enabled: boolean; periodMs: number };
    /** Largest accepted frame; bigger ones close the socket with 1009. */
    maxMessageSize: number;
    /** Bytes a client may leave unread before it is disconnected as too slow. */
    maxBuffered: number;
    rateLimiter: { enabled: boolean; points: number; duration: number };
  };
  /** Redis for fan-out across instances; undefined runs the in-process bus. */
  redis?: { url: string; namespace: string; retention: number; bufferLimit: number };
  sessionCookieName: string;
  graphql: { tokenLimit: number; maxDepth: number };
  /** Trust X-Forwarded-For (behind a proxy); off by default so clients can't spoof ip_access. */
  trustProxy: boolean;
  rateLimiter: { enabled: boolean; points: number; duration: number; loginPoints: number; loginDuration: number };
}

export interface WebSocketEndpoint {
  enabled: boolean;
  path: string;
  auth: AuthMode;
  authTimeoutMs: number;
  connLimit: number;
}

/** Thrown for invalid configuration: the message is one line naming the variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

/** Reads `.env` from `cwd` (if present) under the real environment, which wins. */
export function readEnvironment(cwd = process.cwd(), env: Env = process.env): Env {
  const file = path.join(cwd, ".env");
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {};
  return { ...fromFile, ...env };
}

export function loadConfig(env: Env = readEnvironment(), randomSecret: () => string = defaultSecret): Config {
  const read = createReader(env);
  const client = read.enum("DB_CLIENT", ["sqlite3", "sqlite", "better-sqlite3", "pg", "postgres", "postgresql"], "sqlite3");
  const dbClient: DbClient = client.startsWith("p") ? "pg" : "sqlite";
  const connectionString = env.DB_CONNECTION_STRING || pgUrlFromParts(env);
  if (dbClient === "pg" && !connectionString) {
    throw new ConfigError("DB_CONNECTION_STRING is required when DB_CLIENT is pg (or set DB_HOST, DB_DATABASE, DB_USER).");
  }
  const secret = env.SECRET;
  return Object.freeze({
    host: env.HOST || "0.0.0.0",
    port: read.int("PORT", 8055, 0, 65535),
    publicUrl: env.PUBLIC_URL || "/",
    logLevel: read.enum("LOG_LEVEL", ["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
    db: {
      client: dbClient,
      filename: env.DB_FILENAME || "./data/tidings.db",
      connectionString,
      pool: { min: read.int("DB_POOL__MIN", 0, 0, 1000), max: read.int("DB_POOL__MAX", 10, 1, 1000) },
    },
    secret: secret || randomSecret(),
    secretGenerated: !secret,
    accessTokenTtl: read.duration("ACCESS_TOKEN_TTL", "15m"),
    refreshTokenTtl: read.duration("REFRESH_TOKEN_TTL", "7d"),
    admin: { email: env.ADMIN_EMAIL || undefined, password: env.ADMIN_PASSWORD || undefined, token: env.ADMIN_TOKEN || undefined },
    queryLimitDefault: read.int("QUERY_LIMIT_DEFAULT", 100, 1, Number.MAX_SAFE_INTEGER),
    queryLimitMax: read.limit("QUERY_LIMIT_MAX"),
    maxPayloadSize: read.size("MAX_PAYLOAD_SIZE", "1mb"),
    maxRelationalDepth: read.int("MAX_RELATIONAL_DEPTH", 10, 2, 100),
    cors: { enabled: read.bool("CORS_ENABLED", false), origin: read.origins("CORS_ORIGIN") },
    trustProxy: read.bool("IP_TRUST_PROXY", false),
    websockets: {
      enabled: read.bool("WEBSOCKETS_ENABLED", true),
      rest: endpoint(read, "REST", "/websocket"),
      graphql: endpoint(read, "GRAPHQL", "/graphql"),
      heartbeat: {
        enabled: read.bool("WEBSOCKETS_HEARTBEAT_ENABLED", true),
        periodMs: read.int("WEBSOCKETS_HEARTBEAT_PERIOD", 30, 1, 86_400) * 1000,
      },
      maxMessageSize: read.size("WEBSOCKETS_MAX_MESSAGE_SIZE", "1mb"),
      maxBuffered: read.size("WEBSOCKETS_MAX_BUFFERED", "4mb"),
      rateLimiter: {
        enabled: read.bool("RATE_LIMITER_WEBSOCKETS_ENABLED", read.bool("RATE_LIMITER_ENABLED", false)),
        points: read.int("RATE_LIMITER_WEBSOCKETS_POINTS", read.int("RATE_LIMITER_POINTS", 50, 1, Number.MAX_SAFE_INTEGER), 1, Number.MAX_SAFE_INTEGER),
        duration: read.int("RATE_LIMITER_WEBSOCKETS_DURATION", read.int("RATE_LIMITER_DURATION", 1, 1, Number.MAX_SAFE_INTEGER), 1, Number.MAX_SAFE_INTEGER),
      },
    },
    redis: redisConfig(env, read),
    sessionCookieName: env.SESSION_COOKIE_NAME || "directus_session_token",
    graphql: {
      tokenLimit: read.int("GRAPHQL_QUERY_TOKEN_LIMIT", 5000, 1, Number.MAX_SAFE_INTEGER),
      maxDepth: read.int("GRAPHQL_MAX_DEPTH", 12, 1, 1000),
    },
    rateLimiter: {
      enabled: read.bool("RATE_LIMITER_ENABLED", false),
      points: read.int("RATE_LIMITER_POINTS", 50, 1, Number.MAX_SAFE_INTEGER),
      duration: read.int("RATE_LIMITER_DURATION", 1, 1, Number.MAX_SAFE_INTEGER),
      loginPoints: read.int("RATE_LIMITER_LOGIN_POINTS", 10, 1, Number.MAX_SAFE_INTEGER),
      loginDuration: read.int("RATE_LIMITER_LOGIN_DURATION", 60, 1, Number.MAX_SAFE_INTEGER),
    },
  });
}

function endpoint(read: ReturnType<typeof createReader>, kind: "REST" | "GRAPHQL", path: string): WebSocketEndpoint {
  const prefix = `WEBSOCKETS_${kind}`;
  const wanted = read.text(`${prefix}_PATH`, path);
  if (!wanted.startsWith("/")) throw new ConfigError(`${prefix}_PATH=${JSON.stringify(wanted)} is invalid: expected a path starting with "/".`);
  return {
    enabled: read.bool(`${prefix}_ENABLED`, true),
    path: wanted,
    auth: read.enum(`${prefix}_AUTH`, ["public", "handshake", "strict"] as const, "handshake"),
    authTimeoutMs: read.int(`${prefix}_AUTH_TIMEOUT`, 10, 1, 3600) * 1000,
    connLimit: read.limit(`${prefix}_CONN_LIMIT`),
  };
}

function redisConfig(env: Env, read: ReturnType<typeof createReader>): Config["redis"] {
  let url = env.REDIS;
  if (!url && env.REDIS_HOST) {
    const built = new URL("redis://localhost");
    built.hostname = env.REDIS_HOST;
    built.port = env.REDIS_PORT || "6379";
    if (env.REDIS_USERNAME) built.username = env.REDIS_USERNAME;
    if (env.REDIS_PASSWORD) built.password = env.REDIS_PASSWORD;
    if (env.REDIS_DB) built.pathname = `/${env.REDIS_DB}`;
    url = built.toString();
  }
  if (!url) return undefined;
  if (!/^rediss?:\/\//.test(url)) throw new ConfigError(`REDIS=${JSON.stringify(url)} is invalid: expected a redis:// or rediss:// URL.`);
  return {
    url,
    namespace: read.text("REDIS_BUS_NAMESPACE", "tidings:bus"),
    retention: read.int("BUS_RETENTION", 100_000, 1000, Number.MAX_SAFE_INTEGER),
    bufferLimit: read.int("BUS_BUFFER_LIMIT", 10_000, 1, Number.MAX_SAFE_INTEGER),
  };
}

function defaultSecret(): string {
  return globalThis.crypto.randomUUID() + globalThis.crypto.randomUUID();
}

function pgUrlFromParts(env: Env): string | undefined {
  if (!env.DB_HOST && !env.DB_DATABASE) return undefined;
  const url = new URL("postgres://localhost");
  url.hostname = env.DB_HOST || "127.0.0.1";
  url.port = env.DB_PORT || "5432";
  url.pathname = `/${env.DB_DATABASE || "postgres"}`;
  url.username = env.DB_USER || "postgres";
  url.password = env.DB_PASSWORD || "";
  return url.toString();
}

function createReader(env: Env) {
  const fail = (name: string, expected: string): never => {
    throw new ConfigError(`${name}=${JSON.stringify(env[name])} is invalid: expected ${expected}.`);
  };
  return {
    int(name: string, fallback: number, min: number, max: number): number {
      const raw = env[name];
      if (raw === undefined || raw === "") return fallback;
      const value = Number(raw);
      return Number.isInteger(value) && value >= min && value <= max ? value : fail(name, `an integer from ${min} to ${max}`);
    },
    text(name: string, fallback: string): string {
      const raw = env[name];
      return raw === undefined || raw === "" ? fallback : raw;
    },
    limit(name: string): number {
      const raw = env[name];
      if (raw === undefined || raw === "" || raw === "-1" || raw.toLowerCase() === "infinity") return Infinity;
      const value = Number(raw);
      return Number.isInteger(value) && value > 0 ? value : fail(name, "a positive integer or -1");
    },
    bool(name: string, fallback: boolean): boolean {
      const raw = env[name]?.toLowerCase();
      if (raw === undefined || raw === "") return fallback;
      if (["true", "1", "yes", "on"].includes(raw)) return true;
      if (["false", "0", "no", "off"].includes(raw)) return false;
      return fail(name, "true or false");
    },
    enum<T extends string>(name: string, values: readonly T[], fallback: T): T {
      const raw = env[name];
      if (raw === undefined || raw === "") return fallback;
      const value = raw.toLowerCase() as T;
      return values.includes(value) ? value : fail(name, `one of ${values.join(", ")}`);
    },
    duration(name: string, fallback: string): number {
      const raw = env[name] || fallback;
      return parseDuration(raw) ?? fail(name, 'a duration such as "15m" or "7d"');
    },
    size(name: string, fallback: string): number {
      const raw = env[name] || fallback;
      return parseSize(raw) ?? fail(name, 'a size such as "1mb"');
    },
    origins(name: string): boolean | string[] {
      const raw = env[name];
      if (raw === undefined || raw === "" || raw === "false") return false;
      if (raw === "true" || raw === "*") return true;
      return raw.split(",").map((origin) => origin.trim()).filter(Boolean);
    },
  };
}
