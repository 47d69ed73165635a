// The server under test as a child process (`node --import tsx src/main.ts`), so a crash is observable.
// The process handling itself lives in test/helpers/child-server.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { procStats, spawnServer, type Exit } from "../test/helpers/child-server.js";


export interface ChildServer {
  url: string;
  pid: number;
  adminToken: string;
  /** Set once the process has exited: code and signal. */
  exited(): Exit | undefined;
  /** The last lines the server wrote to stderr/stdout (for crash reports). */
  output(): string;
  /** Resident set size in bytes from /proc/<pid>/status (undefined when unavailable). */
  rss(): number | undefined;
  stop(): Promise<void>;
}

export async function startChildServer(env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ChildServer> {
  const dir = mkdtempSync(path.join(tmpdir(), "tidings-fuzz-"));
  const adminToken = `fuzz-admin-${Math.random().toString(36).slice(2)}`;
  const server = await spawnServer({
    name: "server",
    env: {
      HOME: process.env.HOME ?? dir,
      HOST: "127.0.0.1",
      SECRET: "fuzz-secret-fuzz-secret-fuzz-secret-fuzz",
      LOG_LEVEL: "error",
      ADMIN_EMAIL: "admin@example.com",
      ADMIN_PASSWORD: "fuzz-admin-password",
      ADMIN_TOKEN: adminToken,
      DB_CLIENT: "sqlite3",
      DB_FILENAME: path.join(dir, "tidings.db"),
      ...env,
    },
    port: env.PORT ? Number(env.PORT) : undefined,
    startTimeoutMs: timeoutMs,
  }).catch((error) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    url: server.url,
    pid: server.pid,
    adminToken,
    exited: server.exit,
    output: () => server.logs.join("\n"),
    rss: () => procStats(server.pid).rss,
    async stop() {
      if (server.alive()) await server.stop(5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
