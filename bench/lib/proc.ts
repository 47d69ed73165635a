// Child processes of the benchmark (servers, load client) and what /proc says about them.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on every mainstream Linux build). */
const CLK_TCK = 100;

/** utime + stime of a process in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident set size of a process in KiB (VmRSS). */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

export interface ServerChild {
  name: string;
  url: string;
  child: ChildProcess;
  pid: number;
  /** Last lines of output, for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

export interface SpawnServerOptions {
  name: string;
  /** Script path relative to the repository root. */
  script: string;
  env: Record<string, string>;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Finds the base URL in one line of the child's output. */
  ready: (line: string) => string | undefined;
  verbose?: boolean;
  timeoutMs?: number;
}

/** Starts `node --import tsx <script>` (so the child's pid is the server itself) and waits for its URL. */
export async function spawnServer(options: SpawnServerOptions): Promise<ServerChild> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", options.script], {
    cwd: REPO,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => {
    exited = true;
    resolve();
  }));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.name} did not start within ${options.timeoutMs ?? 30_000} ms:\n${lines.join("\n")}`)), options.timeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (!line.trim()) continue;
        lines.push(line);
        if (lines.length > 40) lines.shift();
        if (options.verbose) process.stderr.write(`[${options.name}] ${line}\n`);
        const found = options.ready(line);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with code ${code} before it was ready:\n${lines.join("\n")}`));
    });
  });
  return {
    name: options.name,
    url,
    child,
    pid: child.pid!,
    tail: () => lines.join("\n"),
    async stop() {
      if (exited) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
