// Which databases the black-box tests run on: SQLite always, PostgreSQL when reachable (required under CI=true).
import pg from "pg";

export type DbKind = "sqlite" | "pg";

export const PG_ADMIN_URL = process.env.TIDINGS_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

let pgAvailable: Promise<boolean> | undefined;

async function probePostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch (error) {
    if (process.env.CI === "true") {
      throw new Error(`CI=true requires PostgreSQL at ${PG_ADMIN_URL}: ${(error as Error).message}`);
    }
    console.warn(`[tidings tests] PostgreSQL not reachable at ${PG_ADMIN_URL}: PostgreSQL runs are skipped.`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The database kinds to run a suite against. Top-level await this in a test file. */
export async function databases(): Promise<DbKind[]> {
  pgAvailable ??= probePostgres();
  return (await pgAvailable) ? ["sqlite", "pg"] : ["sqlite"];
}

/** Creates an empty PostgreSQL database for one test server and returns its URL and a drop function. */
export async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `tidings_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
