// `npm run soak -- --minutes N [--db sqlite|pg]`: runs Tidings as a child process under connection churn,
// a steady write stream, slow consumers and long-lived subscribers for N minutes (default 1). Samples the
// server's RSS and open file descriptors (/proc/<pid>) and GET /server/metrics, prints them as a table, and
// exits non-zero if a healthy subscriber missed an acknowledged write, if memory or handles keep growing,
// or if the subscription/connection counters do not return to their baseline once the churn stops.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPgDatabase } from "../test/helpers/databases.js";
import { rawClient, rest, sdkClient, sdkSubscribe, subscribe, tcpOf, type Frame, type RawClient } from "./lib/clients.js";
import { ADMIN, fdCount, fdKinds, rssOf, serverEnv, sleep, spawnServer, until, type ServerProcess } from "./lib/server.js";

// ---------------------------------------------------------------- options

interface Options {
  minutes: number;
  db: "sqlite" | "pg";
  rate: number;
  churners: number;
  slow: number;
  healthy: number;
  sampleMs: number;
  verbose: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { minutes: 1, db: "sqlite", rate: 20, churners: 4, slow: 3, healthy: 4, sampleMs: 0, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    const number = (min: number) => {
      const parsed = Number(value());
      if (!Number.isFinite(parsed) || parsed < min) throw new Error(`${arg} expects a number ≥ ${min}`);
      return parsed;
    };
    switch (arg) {
      case "--minutes": options.minutes = number(0.1); break;
      case "--db": {
        const db = value();
        if (db !== "sqlite" && db !== "pg") throw new Error("--db expects sqlite or pg");
        options.db = db;
        break;
      }
      case "--rate": options.rate = number(1); break;
      case "--churners": options.churners = number(0); break;
      case "--slow": options.slow = number(0); break;
      case "--healthy": options.healthy = number(1); break;
      case "--sample-seconds": options.sampleMs = number(1) * 1000; break;
      case "--verbose": options.verbose = true; break;
      case "--help":
      case "-h":
        process.stdout.write("npm run soak -- [--minutes N=1] [--db sqlite|pg] [--rate writes/s=20] [--churners 4] [--slow 3] [--healthy 4] [--sample-seconds S] [--verbose]\n");
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default: throw new Error(`unknown option ${arg} (try --help)`);
    }
  }
  // About 24 rows over the run, never more often than every 2 s.
  if (!options.sampleMs) options.sampleMs = Math.max(2000, Math.min(60_000, Math.round((options.minutes * 60_000) / 24)));
  return options;
}

// ---------------------------------------------------------------- figures

const COLLECTION = "soak_events";
const PAD = "x".repeat(256);
const USER_TOKEN = "soak-user-token";

interface Sample {
  t: number;
  phase: "base" | "run" | "settle";
  rss?: number;
  fds?: number;
  heap?: number;
  subscriptions?: number;
  connections?: number;
  events?: number;
  deliveries?: number;
  sqlQueries?: number;
  written: number;
  churned: number;
}

interface Healthy {
  name: string;
  received: Map<number, number>;
  closes: number[];
  close(): Promise<void> | void;
}

const mb = (bytes?: number) => (bytes === undefined ? "-" : (bytes / 1024 / 1024).toFixed(1));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const log = (line: string) => process.stdout.write(`${line}\n`);
const random = (min: number, max: number) => min + Math.random() * (max - min);

// ---------------------------------------------------------------- the run

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const cleanups: Array<() => Promise<void> | void> = [];
  let server: ServerProcess | undefined;
  const failures: string[] = [];
  const warnings: string[] = [];

  const onSignal = async () => {
    log("interrupted: stopping the server");
    await server?.kill9();
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
    process.exit(130);
  };
  process.once("SIGINT", () => void onSignal());

  try {
    // ---- server
    const env: Record<string, string> = {
      // Shorter heartbeat than the default 30 s so silent (paused) sockets are reaped within the run.
      WEBSOCKETS_HEARTBEAT_PERIOD: "15",
      WEBSOCKETS_MAX_BUFFERED: "64kb",
    };
    if (options.db === "pg") {
      const database = await createPgDatabase();
      cleanups.push(database.drop);
      Object.assign(env, { DB_CLIENT: "pg", DB_CONNECTION_STRING: database.url });
    } else {
      const dir = mkdtempSync(path.join(tmpdir(), "tidings-soak-"));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      Object.assign(env, { DB_CLIENT: "sqlite3", DB_FILENAME: path.join(dir, "soak.db") });
    }
    server = await spawnServer({ name: "soak", env: serverEnv(env) });
    const srv = server;
    cleanups.push(async () => void (await srv.stop()));
    log(`Tidings pid ${srv.pid} at ${srv.url} on ${options.db}; ${options.minutes} min, ${options.rate} writes/s, ${options.healthy} healthy subscribers, ${options.churners} churners, ${options.slow} slow consumers`);

    // ---- schema and a limited user
    const admin = rest(srv.url, ADMIN.token);
    await admin.ok("POST", "/collections", {
      collection: COLLECTION, meta: {}, schema: {},
      fields: [
        { field: "id", type: "integer", meta: { hidden: true, readonly: true }, schema: { is_primary_key: true, has_auto_increment: true } },
        { field: "n", type: "integer", schema: {} },
        { field: "writer", type: "string", schema: {} },
        { field: "pad", type: "text", schema: {} },
      ],
    });
    const role = await admin.ok("POST", "/roles", { name: "soak" });
    const policy = await admin.ok("POST", "/policies", { name: "soak", admin_access: false, app_access: false, roles: [{ role: role.id }] });
    for (const action of ["read", "create"]) {
      await admin.ok("POST", "/permissions", { policy: policy.id, collection: COLLECTION, action, fields: ["*"], permissions: {}, validation: null, presets: null });
    }
    await admin.ok("POST", "/users", { email: "soak@example.com", password: "soak-password", role: role.id, token: USER_TOKEN });
    const writer = rest(srv.url, USER_TOKEN);

    // ---- healthy long-lived subscribers: must see every acknowledged write
    const healthy: Healthy[] = [];
    const record = (target: Healthy) => (frame: Frame) => {
      if (frame.type !== "subscription" || frame.event !== "create") return;
      for (const row of frame.data ?? []) target.received.set(row.n, (target.received.get(row.n) ?? 0) + 1);
    };
    for (let i = 0; i < options.healthy; i++) {
      const useSdk = i === options.healthy - 1;
      const entry: Healthy = { name: `${useSdk ? "sdk" : "raw"}-${i}`, received: new Map(), closes: [], close: () => {} };
      if (useSdk) {
        const sdk = await sdkClient(srv.url, USER_TOKEN, false, record(entry));
        await sdkSubscribe(sdk, COLLECTION, { fields: ["id", "n"] });
        await until(() => sdk.frames.some((frame) => frame.type === "subscription" && frame.event === "init"), "the SDK subscriber's init");
        entry.closes = sdk.closeCodes;
        entry.close = () => sdk.client.disconnect();
      } else {
        const client = await rawClient(srv.url, USER_TOKEN, { onFrame: record(entry) });
        await subscribe(client, COLLECTION, { fields: ["id", "n"] }, `healthy-${i}`);
        client.forget();
        void client.closed.then((code) => entry.closes.push(code));
        entry.close = () => client.ws.close();
      }
      healthy.push(entry);
    }

    // ---- sampling
    const samples: Sample[] = [];
    const counters = { written: 0, acked: new Set<number>(), writeErrors: [] as string[], skipped: 0, churned: 0, sdkReconnects: 0, cycles: 0, churnErrors: [] as string[], slow: 0, slowCloses: new Map<string, number>() };
    const takeSample = async (phase: Sample["phase"]): Promise<Sample> => {
      const metrics = await admin.ok("GET", "/server/metrics").catch(() => undefined);
      const sample: Sample = {
        t: (Date.now() - started) / 1000, phase,
        rss: rssOf(srv.pid), fds: fdCount(srv.pid), heap: metrics?.heapUsed,
        subscriptions: metrics?.subscriptions, connections: metrics?.connections, events: metrics?.events, deliveries: metrics?.deliveries, sqlQueries: metrics?.sqlQueries,
        written: counters.acked.size, churned: counters.churned,
      };
      samples.push(sample);
      log(formatRow(sample));
      return sample;
    };
    log("");
    log(header());
    await sleep(500); // let the upgrade bookkeeping settle
    const baseline = await takeSample("base");
    const baselineKinds = fdKinds(srv.pid);

    // ---- the load
    let stop = false;
    const runUntil = Date.now() + options.minutes * 60_000;
    const holdFor = async (ms: number) => {
      const end = Math.min(Date.now() + ms, runUntil);
      while (!stop && Date.now() < end) await sleep(Math.min(100, end - Date.now()));
    };

    // Writes at a steady rate over REST; each payload carries its sequence number `n`.
    let next = 1;
    let inFlight = 0;
    const writes: Array<Promise<void>> = [];
    const writing = (async () => {
      const period = 1000 / options.rate;
      let due = Date.now();
      while (!stop && Date.now() < runUntil) {
        due += period;
        if (inFlight >= 50) counters.skipped += 1;
        else {
          const n = next++;
          inFlight += 1;
          counters.written += 1;
          const promise = writer.request("POST", `/items/${COLLECTION}`, { n, writer: "soak", pad: PAD })
            .then((reply) => {
              if (reply.status === 200) counters.acked.add(n);
              else counters.writeErrors.push(`n=${n}: ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`);
            }, (error: Error) => void counters.writeErrors.push(`n=${n}: ${error.message}`))
            .finally(() => void (inFlight -= 1));
          writes.push(promise);
          if (writes.length > 1000) writes.splice(0, writes.length - 200);
        }
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
      }
    })();

    // Connection churn: raw sockets and SDK clients connect, subscribe, and vanish (socket destroyed).
    const churnRaw = async (worker: number, cycle: number) => {
      const client: RawClient = await rawClient(srv.url, USER_TOKEN, { viaUrl: cycle % 2 === 0 });
      counters.churned += 1;
      try {
        const variant = cycle % 3;
        if (variant === 0) await subscribe(client, COLLECTION, { fields: ["id", "n"] }, "c");
        else if (variant === 1) await subscribe(client, COLLECTION, { fields: ["n"], filter: { n: { _gte: next } } }, "c", { event: "create" });
        else {
          await subscribe(client, COLLECTION, { fields: ["id"] }, "c1", { item: Math.max(1, next - 5) });
          await subscribe(client, COLLECTION, { fields: ["id", "n"], sort: ["-n"], limit: 5 }, "c2");
        }
        client.forget();
        await holdFor(random(200, 2500));
      } finally {
        client.destroy();
      }
      void worker;
    };
    const churnSdk = async () => {
      const sdk = await sdkClient(srv.url, USER_TOKEN, { delay: 100, retries: 5 });
      const inits = () => sdk.frames.filter((frame) => frame.type === "subscription" && frame.event === "init").length;
      try {
        await sdkSubscribe(sdk, COLLECTION, { fields: ["id", "n"] });
        await until(() => inits() >= 1, "an SDK init", 10_000);
        await holdFor(random(200, 1500));
        // Abrupt loss of the socket: the SDK reconnects and subscribes again by itself.
        const before = inits();
        sdk.destroySocket();
        await until(() => sdk.opens >= 2 && inits() > before, "the SDK to reconnect and resubscribe", 10_000);
        counters.sdkReconnects += 1;
        await holdFor(random(200, 1500));
      } finally {
        counters.churned += sdk.opens;
        sdk.client.disconnect();
        sdk.destroySocket();
      }
    };
    const churners = Array.from({ length: options.churners }, async (_, worker) => {
      for (let cycle = 0; !stop && Date.now() < runUntil; cycle++) {
        counters.cycles += 1;
        try {
          if (cycle % 4 === 3) await churnSdk();
          else await churnRaw(worker, cycle);
        } catch (error) {
          counters.churnErrors.push(`churner ${worker} cycle ${cycle}: ${(error as Error).message.slice(0, 300)}`);
          await holdFor(500);
        }
      }
    });

    // Slow consumers: subscribe, then stop reading their socket for a while.
    const slowConsumers = Array.from({ length: options.slow }, async (_, worker) => {
      for (let cycle = 0; !stop && Date.now() < runUntil; cycle++) {
        try {
          const client = await rawClient(srv.url, USER_TOKEN);
          counters.churned += 1;
          counters.slow += 1;
          await subscribe(client, COLLECTION, { fields: ["id", "n", "writer", "pad"] }, "slow");
          client.forget();
          tcpOf(client.ws)?.pause();
          await holdFor(random(5_000, 25_000));
          // Read again briefly to learn whether the server gave up on us, then vanish.
          tcpOf(client.ws)?.resume();
          const code = await Promise.race([client.closed, sleep(300).then(() => undefined)]);
          const key = code === undefined ? "still open" : String(code);
          counters.slowCloses.set(key, (counters.slowCloses.get(key) ?? 0) + 1);
          client.destroy();
        } catch (error) {
          counters.churnErrors.push(`slow ${worker} cycle ${cycle}: ${(error as Error).message.slice(0, 300)}`);
          await holdFor(500);
        }
      }
    });

    const sampling = (async () => {
      while (!stop && Date.now() < runUntil) {
        await holdFor(options.sampleMs);
        if (Date.now() < runUntil + 50 && !stop) await takeSample("run");
      }
    })();

    await writing;
    stop = true;
    await Promise.all([...churners, ...slowConsumers, sampling]);
    await Promise.all(writes);

    // ---- settle: deliveries complete, counters back to baseline, handles released
    writer.close(); // its kept-alive connections are the client's, not a server leak
    const acked = [...counters.acked];
    const missingFor = (entry: Healthy) => acked.filter((n) => !entry.received.has(n));
    await until(() => healthy.every((entry) => missingFor(entry).length === 0), "every healthy subscriber to catch up", 20_000, 100).catch(() => {});
    let settled: Sample | undefined;
    const settleStart = Date.now();
    await until(async () => {
      settled = await takeSample("settle");
      return settled.subscriptions === baseline.subscriptions && settled.connections === baseline.connections
        && (settled.fds ?? Infinity) <= (baseline.fds ?? 0) + 10;
    }, "", 30_000, 2000).catch(() => {});
    const settleSeconds = (Date.now() - settleStart) / 1000;

    // ---- verdict
    let checked = 0;
    for (const entry of healthy) {
      const missing = missingFor(entry);
      const repeated = [...entry.received].filter(([, count]) => count > 1).map(([n]) => n);
      checked += acked.length - missing.length;
      if (missing.length) failures.push(`${entry.name} never received ${missing.length} acknowledged writes (n=${missing.slice(0, 15).join(",")}${missing.length > 15 ? ",…" : ""})`);
      if (repeated.length) failures.push(`${entry.name} received ${repeated.length} writes more than once (n=${repeated.slice(0, 15).join(",")})`);
      if (entry.closes.length) failures.push(`${entry.name} was disconnected (close codes ${entry.closes.join(",")})`);
    }
    if (counters.writeErrors.length) failures.push(`${counters.writeErrors.length} writes failed, e.g. ${counters.writeErrors.slice(0, 3).join(" | ")}`);

    const run = samples.filter((sample) => sample.phase === "run");
    if (run.length >= 4) {
      const half = Math.floor(run.length / 2);
      const first = run.slice(0, half);
      const second = run.slice(run.length - half);
      const rss1 = median(first.map((s) => s.rss ?? 0));
      const rss2 = median(second.map((s) => s.rss ?? 0));
      const fds1 = median(first.map((s) => s.fds ?? 0));
      const fds2 = median(second.map((s) => s.fds ?? 0));
      const rssLimit = rss1 * 1.25 + 16 * 1024 * 1024;
      const fdsLimit = fds1 + Math.max(10, fds1 * 0.25);
      log(`\nRSS median ${mb(rss1)} MB (first half) → ${mb(rss2)} MB (second half), limit ${mb(rssLimit)} MB; fds median ${fds1} → ${fds2}, limit ${fdsLimit.toFixed(0)}`);
      if (rss2 > rssLimit) failures.push(`RSS keeps growing: second-half median ${mb(rss2)} MB > ${mb(rssLimit)} MB (first half ${mb(rss1)} MB)`);
      if (fds2 > fdsLimit) failures.push(`open file descriptors keep growing: second-half median ${fds2} > ${fdsLimit.toFixed(0)} (first half ${fds1})`);
    } else {
      warnings.push(`only ${run.length} samples during the run: growth check skipped (use a longer run or --sample-seconds)`);
    }
    // Counts that were never read compare equal (undefined === undefined): that is a failure, not a pass.
    if (baseline.subscriptions === undefined || baseline.connections === undefined || settled?.subscriptions === undefined || settled.connections === undefined) {
      failures.push("GET /server/metrics did not answer at the baseline or after the churn: the leak checks could not run");
    }
    if (!settled || settled.subscriptions !== baseline.subscriptions) {
      failures.push(`subscriptions did not return to baseline after the churn: ${settled?.subscriptions} vs ${baseline.subscriptions} (waited ${settleSeconds.toFixed(0)} s)`);
    }
    if (!settled || settled.connections !== baseline.connections) {
      failures.push(`connections did not return to baseline after the churn: ${settled?.connections} vs ${baseline.connections} (waited ${settleSeconds.toFixed(0)} s)`);
    }
    if (!settled || (settled.fds ?? Infinity) > (baseline.fds ?? 0) + 10) {
      failures.push(`open file descriptors did not return near baseline: ${settled?.fds} vs ${baseline.fds} (+10 allowed); now ${JSON.stringify(fdKinds(srv.pid))}, at start ${JSON.stringify(baselineKinds)}`);
    }
    if (counters.churnErrors.length) warnings.push(`${counters.churnErrors.length} of ${counters.cycles + counters.slow} churn cycles failed, e.g.\n    ${counters.churnErrors.slice(0, 5).join("\n    ")}`);
    if (counters.skipped) warnings.push(`${counters.skipped} write slots skipped (50 writes already in flight)`);
    const errorLines = srv.logs.filter((line) => /"level":(50|60)/.test(line));
    if (errorLines.length) warnings.push(`${errorLines.length} error lines in the server log, e.g.\n    ${errorLines.slice(0, 3).map((line) => line.slice(0, 400)).join("\n    ")}`);

    for (const entry of healthy) await entry.close();

    // ---- figures
    const end = settled ?? samples[samples.length - 1];
    log("");
    log(`minutes                 ${options.minutes} (${options.db}; wall ${((Date.now() - started) / 60_000).toFixed(1)} min)`);
    log(`connections churned     ${counters.churned} (${counters.sdkReconnects} SDK reconnects after socket destroy; ${counters.slow} slow consumers: ${[...counters.slowCloses].map(([k, v]) => `${k}×${v}`).join(", ") || "-"})`);
    log(`events written          ${counters.written} sent, ${acked.length} acknowledged`);
    log(`deliveries checked      ${checked} (${healthy.length} healthy subscribers × ${acked.length} acknowledged writes)`);
    log(`RSS start/end           ${mb(baseline.rss)} MB → ${mb(end?.rss)} MB`);
    log(`fds start/end           ${baseline.fds} → ${end?.fds}`);
    log(`subs/conns start/end    ${baseline.subscriptions}/${baseline.connections} → ${end?.subscriptions}/${end?.connections}`);
    for (const warning of warnings) log(`warning: ${warning}`);
    if (failures.length) {
      log(`\nSOAK FAILED (${failures.length}):`);
      for (const failure of failures) log(`  ✗ ${failure}`);
    } else {
      log("\nSOAK PASSED");
    }
  } catch (error) {
    failures.push(`soak aborted: ${(error as Error).stack ?? error}`);
    log(`\nSOAK ABORTED: ${(error as Error).stack ?? error}`);
    if (server) log(`server log tail:\n${server.logs.slice(-20).join("\n")}`);
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch((error) => log(`cleanup failed: ${(error as Error).message}`));
  }
  process.exit(failures.length ? 1 : 0);
}

function header(): string {
  return ["t(s)", "phase", "rss MB", "fds", "heap MB", "subs", "conns", "events", "deliveries", "sql", "written", "churned"].map((text, i) => text.padStart(i === 1 ? 6 : 9)).join(" ");
}

function formatRow(sample: Sample): string {
  return [
    sample.t.toFixed(0), sample.phase, mb(sample.rss), sample.fds ?? "-", mb(sample.heap), sample.subscriptions ?? "-", sample.connections ?? "-",
    sample.events ?? "-", sample.deliveries ?? "-", sample.sqlQueries ?? "-", sample.written, sample.churned,
  ].map((text, i) => String(text).padStart(i === 1 ? 6 : 9)).join(" ");
}

void main();
