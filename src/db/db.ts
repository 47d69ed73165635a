// Opens the database (SQLite file or PostgreSQL), counts queries, and runs transactions.
import { mkdirSync } from "node:fs";
import path from "node:path";
import knexFactory, { type Knex } from "knex";
import pg from "pg";
import type { Config } from "../config.js";
import { foldCase } from "../query/values.js";

export type DbClient = Config["db"]["client"];

/** A connection or an open transaction: what every function in db/ runs its SQL on. */
export type Executor = Knex | Knex.Transaction;

export interface Db {
  client: DbClient;
  knex: Knex;
  /** Total SQL statements sent since start: the benchmark and fan-out tests read it. */
  queryCount(): number;
  transaction<T>(work: (trx: Executor) => Promise<T>): Promise<T>;
  /** A transaction that also holds a named lock across instances (PostgreSQL advisory lock). */
  withLock<T>(name: string, work: (trx: Executor) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createDb(config: Config["db"]): Db {
  const knex = config.client === "pg" ? openPostgres(config) : openSqlite(config);
  let queries = 0;
  knex.on("query", () => {
    queries += 1;
  });
  return {
    client: config.client,
    knex,
    queryCount: () => queries,
    transaction: (work) => knex.transaction((trx) => work(trx)),
    withLock: (name, work) =>
      knex.transaction(async (trx) => {
        if (config.client === "pg") await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [name]);
        return work(trx);
      }),
    ping: async () => {
      await knex.raw("select 1");
    },
    close: () => knex.destroy(),
  };
}

function openSqlite(config: Config["db"]): Knex {
  if (config.filename !== ":memory:") mkdirSync(path.dirname(path.resolve(config.filename)), { recursive: true });
  return knexFactory({
    client: "better-sqlite3",
    connection: { filename: config.filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate(connection: any, done: (error: Error | null, connection: unknown) => void) {
        connection.pragma("journal_mode = WAL");
        connection.pragma("synchronous = NORMAL");
        connection.pragma("busy_timeout = 5000");
        // SQLite's own lower() folds ASCII only; use the fold the matcher and PostgreSQL use.
        connection.function("lower", { deterministic: true }, (text: unknown) =>
          text === null || text === undefined ? null : foldCase(String(text)),
        );
        done(null, connection);
      },
    },
  });
}

// Dates and times arrive as raw text so that values.ts alone decides their canonical form.
const RAW_TEXT_TYPES = new Set([1082, 1083, 1114, 1184, 1266]);

function openPostgres(config: Config["db"]): Knex {
  return knexFactory({
    client: "pg",
    connection: {
      connectionString: config.connectionString,
      types: {
        getTypeParser(oid: number, format: string) {
          if (RAW_TEXT_TYPES.has(oid)) return (text: string) => (oid === 1184 ? zonedToIso(text) : text);
          return pg.types.getTypeParser(oid, format as "text");
        },
      },
    } as Knex.PgConnectionConfig,
    pool: {
      min: config.pool.min,
      max: config.pool.max,
      afterCreate(connection: any, done: (error: Error | null, connection: unknown) => void) {
        connection.query("set time zone 'UTC'", (error: Error | null) => done(error, connection));
      },
    },
  });
}

/** "2024-01-01 10:00:00.5+00" → "2024-01-01T10:00:00.500Z" */
function zonedToIso(text: string): string {
  const normalized = text.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00");
  const date = new Date(normalized);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}
