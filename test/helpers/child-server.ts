// Tidings (or another script) as a child process, a private redis-server, and /proc readings.
// Shared by the soak (soak/), the fuzzer (fuzz/), the benchmark (bench/) and the scale-out tests (test/cluster).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

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
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------- server processes

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface ServerProcess {
  name: string;
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** stdout and stderr, line by line (the last `maxLogLines`). */
  logs: string[];
  exited: Promise<Exit>;
  /** The exit once it happened. */
  exit(): Exit | undefined;
  alive(): boolean;
  /** kill -9: no shutdown code runs. */
  kill9(): Promise<void>;
  /** SIGTERM and wait (SIGKILL after `graceMs`; never with Infinity). */
  stop(graceMs?: number): Promise<Exit>;
}

export interface SpawnOptions {
  env: Record<string, string>;
  /** PORT for the child (default: a free port). Ignored with `ready`, where `env` sets PORT. */
  port?: number;
  /** Used in messages. */
  name?: string;
  /** Working directory (default: the repository root). */
  cwd?: string;
  /** Script relative to `cwd` (default src/main.ts). */
  script?: string;
  /** Extra node flags before `--import tsx` (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Pass the whole of process.env (default: only PATH and HOME) under `env`. */
  inheritEnv?: boolean;
  /** Instead of polling /server/ping: finds the base URL in one line of output. */
  ready?: (line: string) => string | undefined;
  /** Called with every output line (e.g. to echo it). */
  onLine?: (line: string) => void;
  /** How long to wait for readiness (default 45 s). */
  startTimeoutMs?: number;
  /** Lines of output kept (default 5000). */
  maxLogLines?: number;
  /** SIGTERM grace of stop() when no argument is given (default 10 s). */
  graceMs?: number;
}

/** HOST, SECRET, the admin's email, password and static token, and LOG_LEVEL for a child server. */
export function adminEnv(admin: { email: string; password: string; token: string }, secret: string, logLevel = "warn"): Record<string, string> {
  return { HOST: "127.0.0.1", SECRET: secret, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, ADMIN_TOKEN: admin.token, LOG_LEVEL: logLevel };
}

/** Starts `node --import tsx src/main.ts` (so the pid is the server's own) and waits until it serves. */
export async function spawnServer(options: SpawnOptions): Promise<ServerProcess> {
  const name = options.name ?? "tidings";
  let port = options.ready ? 0 : options.port ?? (await freePort());
  const base = options.inheritEnv ? { ...process.env } : { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", options.script ?? "src/main.ts"], {
    cwd: options.cwd ?? ROOT,
    env: { ...base, ...options.env, ...(options.ready ? {} : { PORT: String(port) }) } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const maxLogLines = options.maxLogLines ?? 5000;
  let announced: string | undefined;
  const onLine = (line: string) => {
    logs.push(line);
    if (logs.length > maxLogLines) logs.splice(0, logs.length - maxLogLines);
    options.onLine?.(line);
    if (options.ready && announced === undefined) announced = options.ready(line);
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = "";
    stream.on("data", (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split("\n");
      rest = lines.pop()!;
      for (const line of lines) if (line.trim()) onLine(line);
    });
  }
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  let url = `http://127.0.0.1:${port}`;
  const self: ServerProcess = {
    name, url, port, pid: child.pid!, child, logs, exited,
    exit: () => exit,
    alive: () => !exit,
    async kill9() {
      if (!exit) child.kill("SIGKILL");
      await exited;
    },
    async stop(graceMs = options.graceMs ?? 10_000) {
      if (!exit) child.kill("SIGTERM");
      const timer = Number.isFinite(graceMs) ? setTimeout(() => !exit && child.kill("SIGKILL"), graceMs) : undefined;
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  const timeoutMs = options.startTimeoutMs ?? 45_000;
  try {
    await until(
      async () => {
        if (exit) throw new Error(`${name} exited (code ${exit.code}, signal ${exit.signal}) during startup:\n${logs.join("\n")}`);
        if (options.ready) return announced;
        return fetch(`${url}/server/ping`).then((reply) => reply.ok, () => false);
      },
      () => `${name}${options.ready ? "" : ` on port ${port}`} to ${options.ready ? "announce its URL" : "answer /server/ping"}; logs:\n${logs.join("\n")}`,
      timeoutMs,
      options.ready ? 10 : 50,
    );
  } catch (error) {
    await self.kill9();
    throw error;
  }
  if (announced !== undefined) {
    url = announced;
    port = Number(new URL(url).port);
    Object.assign(self, { url, port });
  }
  return self;
}

// ---------------------------------------------------------------- /proc

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on every mainstream Linux build). */
const CLK_TCK = 100;

export interface ProcStats {
  /** Resident set size in bytes (VmRSS). */
  rss?: number;
  /** Open file descriptors (entries of /proc/<pid>/fd). */
  fds?: number;
  /** utime + stime in seconds. */
  cpuSeconds?: number;
}

const attempt = <T>(read: () => T): T | undefined => {
  try {
    return read();
  } catch {
    return undefined;
  }
};

/** What /proc says about a process; a field is undefined when unavailable (e.g. the process is gone). */
export function procStats(pid: number): ProcStats {
  return {
    rss: attempt(() => {
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      return match ? Number(match[1]) * 1024 : undefined;
    }),
    fds: attempt(() => readdirSync(`/proc/${pid}/fd`).length),
    cpuSeconds: attempt(() => {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields[0] is field 3 (state); utime is field 14, stime field 15.
      return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    }),
  };
}

// ---------------------------------------------------------------- Redis

/** Whether a Redis server answers PING on 127.0.0.1:`port`. */
export function probeRedis(port: number): Promise<boolean> {
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
  process(): ChildProcess;
  /** Starts a fresh, empty redis-server on the port (after kill or stop). */
  start(): Promise<void>;
  /** SIGKILL and wait: an abrupt crash that loses everything (no persistence). */
  kill(): Promise<void>;
  signal(name: "SIGSTOP" | "SIGCONT"): void;
  /** Kills it if it runs (also when SIGSTOPped). */
  stop(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
}

/** `redis-server --port P --save "" --appendonly no` of our own on a free port, so no shared Redis is touched. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const running = () => !!child && child.exitCode === null && child.signalCode === null;
  const self: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: () => child!,
    async start() {
      const current = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"], { stdio: "ignore" });
      child = current;
      exited = new Promise<void>((resolve) => current.once("exit", () => resolve()));
      try {
        await until(() => probeRedis(port), `redis-server on ${port}`, 10_000, 50);
      } catch (error) {
        current.kill("SIGKILL");
        throw error;
      }
    },
    async kill() {
      if (running()) child!.kill("SIGKILL");
      await exited;
    },
    signal: (name) => void child!.kill(name),
    async stop() {
      if (running()) child!.kill("SIGCONT");
      await self.kill();
    },
    async restart() {
      await self.stop();
      await self.start();
    },
  };
  await self.start();
  return self;
}
