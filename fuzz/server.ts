// The server under test as a child process (`node --import tsx src/main.ts`), so a crash is observable.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface ChildServer {
  url: string;
  pid: number;
  adminToken: string;
  /** Set once the process has exited: code and signal. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** The last lines the server wrote to stderr/stdout (for crash reports). */
  output(): string;
  /** Resident set size in bytes from /proc/<pid>/status (undefined when unavailable). */
  rss(): number | undefined;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startChildServer(env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ChildServer> {
  const dir = mkdtempSync(path.join(tmpdir(), "tidings-fuzz-"));
  const port = await freePort();
  const adminToken = `fuzz-admin-${Math.random().toString(36).slice(2)}`;
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? dir,
      HOST: "127.0.0.1",
      PORT: String(port),
      SECRET: "fuzz-secret-fuzz-secret-fuzz-secret-fuzz",
      LOG_LEVEL: "error",
      ADMIN_EMAIL: "admin@example.com",
      ADMIN_PASSWORD: "fuzz-admin-password",
      ADMIN_TOKEN: adminToken,
      DB_CLIENT: "sqlite3",
      DB_FILENAME: path.join(dir, "tidings.db"),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(chunk.toString());
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exitedPromise = new Promise<void>((resolve) => child.on("exit", (code, signal) => {
    exit = { code, signal };
    resolve();
  }));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exit) throw new Error(`server exited during startup (${JSON.stringify(exit)}):\n${lines.join("")}`);
    try {
      const response = await fetch(`${url}/server/ping`);
      if (response.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not start within ${timeoutMs} ms:\n${lines.join("")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    pid: child.pid!,
    adminToken,
    exited: () => exit,
    output: () => lines.join(""),
    rss: () => {
      try {
        const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        return match ? Number(match[1]) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    async stop() {
      if (!exit) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exitedPromise;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
