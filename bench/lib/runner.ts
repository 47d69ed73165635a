// Runs one case against one target: prepare, connect N clients in the load-client process, write, wait, measure.
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { randomUUID } from "node:crypto";
import type { Command, ConnectCommand, Report } from "../load-client.js";
import { now, sleep } from "./clock.js";
import { procStats, ROOT as REPO } from "../../test/helpers/child-server.js";
import type { CaseSpec, Options } from "./scenarios.js";
import { GRAPHQL_SUBSCRIPTION } from "./scenarios.js";
import { countDeliveries, percentiles, type Count, writeText, type Percentiles, type Recipients } from "./stats.js";
import { COLLECTION, SUBSCRIPTION_UID, type Counters, type Target } from "./targets.js";

/** utime + stime of a process in seconds (from /proc/<pid>/stat); throws once it is gone. */
function cpuSeconds(pid: number): number {
  const seconds = procStats(pid).cpuSeconds;
  if (seconds === undefined) throw new Error(`no /proc/${pid}/stat`);
  return seconds;
}

/** Resident set size of a process in KiB (VmRSS); throws once it is gone. */
function rssKiB(pid: number): number {
  const rss = procStats(pid).rss;
  if (rss === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return rss / 1024;
}

export interface Measured {
  target: "tidings" | "baseline";
  n: number;
  connected: number;
  writes: number;
  writeErrors: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  unexpected: number;
  /** Connections the server closed during the run (with their close codes). */
  closedConnections: number;
  closeCodes: Record<string, number>;
  latencyMs: Percentiles | null;
  deliveriesPerSec: number | null;
  writesPerSec: number;
  /** Write latency (send → response complete), p50/p99. */
  writeLatencyMs: Percentiles;
  cpuSecondsPer1kDeliveries: number | null;
  /** Server CPU seconds during the measured phase. */
  cpuSeconds: number;
  /** The load client's CPU per 1,000 deliveries (when it nears a full core, the client is the limit). */
  clientCpuSecondsPer1kDeliveries: number | null;
  clientCpuSeconds: number;
  rssKiBPerConnection: number | null;
  rssKiBBefore: number;
  rssKiBAfter: number;
  /** Fan-out SQL per event: statements during the writes, minus what a write costs with no subscribers. */
  sqlPerEvent: number | null;
  /** SQL statements one write costs with no subscribers (insert, read-back, auth…). */
  sqlPerWriteAlone: number | null;
  rendersPerEvent: number | null;
  connectMs: number;
  durationMs: number;
  ok: boolean;
  problems: string[];
}

class LoadClient {
  private readonly waiting: Array<(report: Report) => void> = [];
  private constructor(private readonly child: ChildProcess) {
    child.on("message", (report: Report) => this.waiting.shift()?.(report));
  }

  static start(dropOne: boolean): LoadClient {
    const child = fork(path.join(REPO, "bench/load-client.ts"), dropOne ? ["--drop-one"] : [], {
      cwd: REPO,
      execArgv: ["--import", "tsx"],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new LoadClient(child);
  }

  get pid() {
    return this.child.pid!;
  }

  ask<T extends Report["type"]>(command: Command, _type: T): Promise<Extract<Report, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`load client exited with code ${code}`));
      this.child.once("exit", onExit);
      this.waiting.push((report) => {
        this.child.off("exit", onExit);
        resolve(report as Extract<Report, { type: T }>);
      });
      this.child.send(command);
    });
  }

  async close() {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    await this.ask({ cmd: "close" }, "closed").catch(() => {});
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const delta = (after: number | undefined, before: number | undefined) => (after === undefined || before === undefined || !Number.isFinite(after - before) ? undefined : after - before);

const WARMUP_WRITES = 10;

export async function runCase(spec: CaseSpec, target: Target, options: Options, log: (line: string) => void): Promise<Measured> {
  const problems: string[] = [];
  const run = randomUUID().slice(0, 8);
  const prepared = await target.prepare(spec.shape);
  const users = prepared.userIds.length;
  const body = (seq: number, text: string): Record<string, unknown> => {
    if (target.kind === "baseline") {
      // The baseline frame carries what Tidings' frame carries: id, text (and the author's name for d).
      return spec.shape.relational ? { text, author: { name: "Author 0" } } : { text };
    }
    const row: Record<string, unknown> = { text, owner: prepared.userIds[seq % users], public: !spec.ownerOnly };
    if (spec.shape.relational) row.author = prepared.authorIds[seq % prepared.authorIds.length];
    return row;
  };

  // Warm-up with nobody subscribed: fills caches and measures what a write costs by itself.
  const before = await target.counters();
  for (let i = 0; i < WARMUP_WRITES; i++) await target.write(body(i, `warmup ${i}`), i);
  const warm = await target.counters();
  const probe = await target.counters();
  const countersCost = delta(probe.sql, warm.sql) ?? 0;
  const warmSql = delta(warm.sql, before.sql);
  const sqlPerWriteAlone = warmSql === undefined ? undefined : (warmSql - countersCost) / WARMUP_WRITES;

  await sleep(200);
  const rssBefore = sum(target.pids.map(rssKiB));
  let client: LoadClient | undefined;
  let connected = 0;
  let connectMs = 0;
  try {
    if (spec.n > 0) {
      client = LoadClient.start(options.dropOne);
      const command: ConnectCommand = {
        cmd: "connect",
        urls: target.urls,
        protocol: target.kind === "baseline" ? "directus" : spec.protocol,
        tokens: prepared.tokens.length === 1 ? prepared.tokens : prepared.tokens.slice(0, spec.n),
        count: spec.n,
        batch: options.batch,
        collection: COLLECTION,
        query: spec.query,
        graphql: GRAPHQL_SUBSCRIPTION,
        uid: SUBSCRIPTION_UID,
      };
      const started = now();
      const reply = await client.ask(command, "connected");
      connected = reply.count;
      for (const failure of reply.failures) problems.push(failure);
      if (connected < spec.n) problems.push(`${spec.n - connected} of ${spec.n} connections failed`);
      // graphql-ws does not confirm a subscription: wait until the server counts them all.
      if (target.kind === "tidings" && spec.protocol === "graphql") {
        const deadline = Date.now() + 60_000;
        const wanted = connected + WARMUP_WRITES * 0;
        for (;;) {
          const counters = await target.counters();
          if (counters.subscriptions === undefined || counters.subscriptions >= wanted) break;
          if (Date.now() > deadline) {
            problems.push(`only ${counters.subscriptions} of ${wanted} GraphQL subscriptions registered after 60 s`);
            break;
          }
          await sleep(100);
        }
      }
      connectMs = now() - started;
      log(`    ${connected} connected and subscribed in ${(connectMs / 1000).toFixed(1)} s`);
      await sleep(500);
    }
    const rssAfter = sum(target.pids.map(rssKiB));

    // The measured phase.
    const recipients: Recipients = spec.ownerOnly ? (seq) => [seq % users] : "all";
    const expectedTotal = spec.n === 0 ? 0 : spec.ownerOnly ? spec.writes : spec.writes * spec.n;
    const countersBefore = await target.counters();
    const cpuBefore = sum(target.pids.map(cpuSeconds));
    const clientCpuBefore = client ? cpuSeconds(client.pid) : 0;
    const sendTimes = new Float64Array(spec.writes);
    const doneTimes = new Float64Array(spec.writes);
    let writeErrors = 0;
    const write = async (seq: number) => {
      sendTimes[seq] = now();
      try {
        await target.write(body(seq, writeText(seq, run)), seq);
      } catch (error) {
        writeErrors += 1;
        if (writeErrors <= 3) problems.push(`write ${seq} failed: ${(error as Error).message}`);
      }
      doneTimes[seq] = now();
    };
    const firstSend = now();
    if (spec.rate === "max") {
      let next = 0;
      await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.writes) }, async () => {
        while (next < spec.writes) await write(next++);
      }));
    } else {
      // Open loop: each write leaves on schedule whether or not earlier ones have finished.
      const interval = 1000 / spec.rate;
      const inflight: Array<Promise<void>> = [];
      for (let seq = 0; seq < spec.writes; seq++) {
        const wait = firstSend + seq * interval - now();
        if (wait > 1) await sleep(wait);
        inflight.push(write(seq));
      }
      await Promise.all(inflight);
    }
    const writesDone = now();

    // Wait for the events: until all expected arrived, or nothing new came for quietMs.
    let arrivals = 0;
    let closed = 0;
    if (client) {
      let lastProgress = now();
      const hardDeadline = now() + Math.max(300_000, spec.writes * spec.n * 0.2);
      for (;;) {
        const report = await client.ask({ cmd: "count" }, "count");
        if (report.arrivals !== arrivals) lastProgress = now();
        arrivals = report.arrivals;
        closed = report.closed;
        if (arrivals >= expectedTotal) break;
        if (now() - lastProgress > options.quietMs || now() > hardDeadline) break;
        if (closed >= connected && connected > 0) break;
        await sleep(50);
      }
    }
    const cpuAfter = sum(target.pids.map(cpuSeconds));
    const clientCpu = client ? cpuSeconds(client.pid) - clientCpuBefore : 0;
    const countersAfter = await target.counters();

    let count: Count = { expected: expectedTotal, delivered: 0, lost: expectedTotal, duplicates: 0, unexpected: 0, latencies: new Float64Array(0), lastArrival: Number.NaN };
    let closeCodes: Record<string, number> = {};
    if (client) {
      const collected = await client.ask({ cmd: "collect" }, "arrivals");
      closed = collected.closed;
      closeCodes = collected.closeCodes;
      count = countDeliveries(collected, sendTimes, spec.n, recipients);
      // Connections that never connected cannot receive: they are counted as lost too.
    }
    if (count.lost > 0) problems.push(`${count.lost} of ${count.expected} events lost`);
    if (count.duplicates > 0) problems.push(`${count.duplicates} duplicate events`);
    if (count.unexpected > 0) problems.push(`${count.unexpected} unexpected events`);
    if (closed > 0) problems.push(`${closed} connections closed by the server during the run (${JSON.stringify(closeCodes)})`);
    if (writeErrors > 0) problems.push(`${writeErrors} writes failed`);

    const cpu = cpuAfter - cpuBefore;
    const end = count.delivered > 0 ? count.lastArrival : writesDone;
    const sqlDuring = delta(countersAfter.sql, countersBefore.sql);
    const sqlPerWrite = sqlDuring === undefined ? undefined : (sqlDuring - countersCost) / spec.writes;
    const renders = delta(countersAfter.renders, countersBefore.renders);
    const writeLatencies = Float64Array.from(doneTimes, (done, seq) => done - sendTimes[seq]);
    return {
      target: target.kind,
      n: spec.n,
      connected,
      writes: spec.writes,
      writeErrors,
      expected: count.expected,
      delivered: count.delivered,
      lost: count.lost,
      duplicates: count.duplicates,
      unexpected: count.unexpected,
      closedConnections: closed,
      closeCodes,
      latencyMs: count.delivered > 0 ? percentiles(count.latencies) : null,
      deliveriesPerSec: count.delivered > 0 ? count.delivered / ((end - firstSend) / 1000) : null,
      writesPerSec: spec.writes / ((writesDone - firstSend) / 1000),
      writeLatencyMs: percentiles(writeLatencies),
      cpuSecondsPer1kDeliveries: count.delivered > 0 ? (cpu / count.delivered) * 1000 : null,
      cpuSeconds: cpu,
      clientCpuSecondsPer1kDeliveries: count.delivered > 0 ? (clientCpu / count.delivered) * 1000 : null,
      clientCpuSeconds: clientCpu,
      rssKiBPerConnection: spec.n > 0 && connected > 0 ? (rssAfter - rssBefore) / connected : null,
      rssKiBBefore: rssBefore,
      rssKiBAfter: rssAfter,
      sqlPerEvent: sqlPerWrite === undefined || sqlPerWriteAlone === undefined ? null : sqlPerWrite - sqlPerWriteAlone,
      sqlPerWriteAlone: sqlPerWriteAlone ?? null,
      rendersPerEvent: renders === undefined ? null : renders / spec.writes,
      connectMs,
      durationMs: end - firstSend,
      ok: problems.length === 0,
      problems,
    };
  } finally {
    await client?.close();
  }
}

export type { Counters };
