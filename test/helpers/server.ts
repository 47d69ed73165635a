// Starts a real Tidings server on a free port (SQLite in a temp dir, or a fresh PostgreSQL database).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { createPgDatabase, type DbKind } from "./databases.js";

export interface TestServer {
  url: string;
  db: DbKind;
  app: App;
  adminEmail: string;
  adminPassword: string;
  adminToken: string;
  close(): Promise<void>;
}

export interface StartOptions {
  db?: DbKind;
  env?: Record<string, string>;
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const db = options.db ?? "sqlite";
  const adminEmail = "admin@example.com";
  const adminPassword = "admin-password";
  const adminToken = "admin-static-token";
  const env: Record<string, string> = {
    HOST: "127.0.0.1",
    PORT: "0",
    SECRET: "test-secret-test-secret-test-secret",
    LOG_LEVEL: "silent",
    ADMIN_EMAIL: adminEmail,
    ADMIN_PASSWORD: adminPassword,
    ADMIN_TOKEN: adminToken,
  };
  const cleanups: Array<() => Promise<void> | void> = [];
  if (db === "pg") {
    const database = await createPgDatabase();
    env.DB_CLIENT = "pg";
    env.DB_CONNECTION_STRING = database.url;
    cleanups.push(database.drop);
  } else {
    const dir = mkdtempSync(path.join(tmpdir(), "tidings-test-"));
    env.DB_CLIENT = "sqlite3";
    env.DB_FILENAME = path.join(dir, "tidings.db");
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  }
  Object.assign(env, options.env);
  const app = await createApp(loadConfig(env));
  const url = await app.listen();
  return {
    url,
    db,
    app,
    adminEmail,
    adminPassword,
    adminToken,
    close: async () => {
      await app.close();
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}
