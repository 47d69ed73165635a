// Tidings as a child process (the real `src/main.ts`), a private redis-server, and /proc readings:
// shared by the soak (soak/run.ts) and the crash tests (test/reliability/crash.test.ts).
// The process handling itself lives in test/helpers/child-server.ts.
import { readdirSync, readlinkSync } from "node:fs";
import { adminEnv, procStats, ROOT, spawnServer as spawnChild, type ServerProcess, type SpawnOptions } from "../../test/helpers/child-server.js";

export { freePort, redisServerInstalled, ROOT, sleep, startPrivateRedis, until } from "../../test/helpers/child-server.js";
export type { PrivateRedis, ServerProcess, SpawnOptions } from "../../test/helpers/child-server.js";

export const ADMIN = { email: "admin@example.com", password: "admin-password", token: "reliability-admin-token" };
export const SECRET = "reliability-secret-reliability-secret";

/** Base environment for a child server with a known admin token; add DB_* (and REDIS) in `env`. */
export function serverEnv(extra: Record<string, string>): Record<string, string> {
  return { ...adminEnv(ADMIN, SECRET), ...extra };
}

/** Starts `node --import tsx src/main.ts` and waits for /server/ping. */
export function spawnServer(options: SpawnOptions): Promise<ServerProcess> {
  // TIDINGS_SERVER_ROOT runs another checkout's src/main.ts (e.g. to compare with the last commit).
  return spawnChild({ ...options, cwd: options.cwd ?? (process.env.TIDINGS_SERVER_ROOT || ROOT) });
}

// ---------------------------------------------------------------- /proc

/** Resident set size in bytes (VmRSS), or undefined once the process is gone. */
export const rssOf = (pid: number): number | undefined => procStats(pid).rss;

/** Number of open file descriptors (entries of /proc/<pid>/fd). */
export const fdCount = (pid: number): number | undefined => procStats(pid).fds;

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
