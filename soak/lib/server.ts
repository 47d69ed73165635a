// Tidings as a child process (the real `src/main.ts`), a private redis-server, and /proc readings:
// shared by the soak (soak/run.ts) and the crash tests (test/reliability/crash.test.ts).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const ADMIN = { email: "admin@example.com", password: "admin-password", token: "reliability-admin-token" };
export const SECRET = "reliability-secret-reliability-secret";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until truthy; throws naming `what` after `timeoutMs`. */
export async function until<T>(condition: () => T | Promise<T>, what: string | (() => string), timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`);
    await sleep(everyMs);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  name: string;
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** stdout and stderr, line by line. */
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** kill -9: no shutdown code runs. */
  kill9(): Promise<void>;
  /** SIGTERM and wait (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
}

export interface SpawnOptions {
  name?: string;
  env: Record<string, string>;
  port?: number;
  /** How long to wait for /server/ping. */
  startTimeoutMs?: number;
}

/** Base environment for a child server with a known admin token; add DB_* (and REDIS) in `env`. */
export function serverEnv(extra: Record<string, string>): Record<string, string> {
  return {
    HOST: "127.0.0.1",
    SECRET,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    ADMIN_TOKEN: ADMIN.token,
    LOG_LEVEL: "warn",
    ...extra,
  };
}

/** Starts `node --import tsx src/main.ts` (so the pid is the server's own) and waits for /server/ping. */
export async function spawnServer(options: SpawnOptions): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const name = options.name ?? "tidings";
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    // TIDINGS_SERVER_ROOT runs another checkout's src/main.ts (e.g. to compare with the last commit).
    cwd: process.env.TIDINGS_SERVER_ROOT || ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = "";
    stream.on("data", (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split("\n");
      rest = lines.pop()!;
      logs.push(...lines.filter(Boolean));
      if (logs.length > 5000) logs.splice(0, logs.length - 5000);
    });
  }
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      gone = true;
      resolve({ code, signal });
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const self: ServerProcess = {
    name, url, port, pid: child.pid!, child, logs, exited,
    alive: () => !gone,
    async kill9() {
      if (!gone) child.kill("SIGKILL");
      await exited;
    },
    async stop(graceMs = 10_000) {
      if (!gone) child.kill("SIGTERM");
      const timer = setTimeout(() => !gone && child.kill("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  try {
    await until(
      async () => {
        if (gone) throw new Error(`${name} exited during startup:\n${logs.join("\n")}`);
        return fetch(`${url}/server/ping`).then((reply) => reply.ok, () => false);
      },
      () => `${name} on port ${port} to answer /server/ping; logs:\n${logs.join("\n")}`,
      options.startTimeoutMs ?? 45_000,
      50,
    );
  } catch (error) {
    await self.kill9();
    throw error;
  }
  return self;
}

// ---------------------------------------------------------------- /proc

/** Resident set size in bytes (VmRSS), or undefined once the process is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Number of open file descriptors (entries of /proc/<pid>/fd). */
export function fdCount(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** Open descriptors by kind (socket, pipe, anon_inode:[eventpoll], or the file path), for diagnostics. */
export function fdKinds(pid: number): Record<string, number> {
  const kinds: Record<string, number> = {};
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target = "?";
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`).replace(/:\[\d+\]$/, "");
      } catch {
        /* closed meanwhile */
      }
      kinds[target] = (kinds[target] ?? 0) + 1;
    }
  } catch {
    /* gone */
  }
  return kinds;
}

// ---------------------------------------------------------------- Redis

function probeRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.setTimeout(2000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

export const redisServerInstalled = () => spawnSync("redis-server", ["--version"]).status === 0;

export interface PrivateRedis {
  port: number;
  url: string;
  /** kill -9 (no persistence: everything it held is gone). */
  stop(): Promise<void>;
  /** A fresh, empty redis-server on the same port. */
  restart(): Promise<void>;
}

/** `redis-server --port P --save "" --appendonly no` of our own, so no shared Redis is touched. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess;
  let exited: Promise<void>;
  const launch = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"], { stdio: "ignore" });
    exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      await until(() => probeRedis(port), `redis-server on ${port}`, 10_000, 50);
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
  };
  await launch();
  const self: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async restart() {
      await self.stop();
      await launch();
    },
  };
  return self;
}
