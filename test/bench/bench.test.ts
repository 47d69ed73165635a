// The fan-out benchmark counts correctly: percentiles on known data, (write, subscriber) matching, and a tiny
// end-to-end run that passes, and fails with a non-zero exit when the load client drops one event.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { countDeliveries, joinArrivals, percentile, percentiles, seqsInFrame, writeText, type Arrivals } from "../../bench/lib/stats.js";

const REPO = path.resolve(import.meta.dirname, "../..");

function arrivals(rows: Array<[seq: number, conn: number, time: number]>): Arrivals {
  return {
    seqs: Int32Array.from(rows.map((row) => row[0])),
    conns: Int32Array.from(rows.map((row) => row[1])),
    times: Float64Array.from(rows.map((row) => row[2])),
  };
}

describe("benchmark statistics", () => {
  it("computes nearest-rank percentiles on known data", () => {
    const shuffled = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    expect(percentiles(shuffled)).toEqual({ p50: 50, p95: 95, p99: 99, max: 100 });
    expect(percentiles([7])).toEqual({ p50: 7, p95: 7, p99: 7, max: 7 });
    const ten = Float64Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(percentile(ten, 50)).toBe(50);
    expect(percentile(ten, 95)).toBe(100);
    expect(percentile(ten, 90)).toBe(90);
    expect(percentile(ten, 0)).toBe(10);
    expect(Number.isNaN(percentile(new Float64Array(0), 50))).toBe(true);
  });

  it("counts every (write, subscriber) pair once and reports lost, duplicate and unexpected events", () => {
    const sendTimes = [100, 200, 300];
    const got = arrivals([
      [0, 0, 101], [0, 1, 103],
      [1, 0, 205], [1, 0, 206], // a duplicate
      [2, 0, 310], [2, 1, 330],
      [7, 0, 400], // a write that never happened
    ]); // write 1 never reached connection 1
    const count = countDeliveries(got, sendTimes, 2);
    expect(count).toMatchObject({ expected: 6, delivered: 5, lost: 1, duplicates: 1, unexpected: 1, lastArrival: 330 });
    expect([...count.latencies]).toEqual([1, 3, 5, 10, 30]);
    expect(percentiles(count.latencies).max).toBe(30);
  });

  it("checks sparse recipients: an event the subscriber should not get is unexpected", () => {
    const owner = (seq: number) => [seq % 3];
    const count = countDeliveries(arrivals([[0, 0, 1], [1, 1, 2], [2, 2, 3], [2, 1, 4]]), [0, 0, 0], 3, owner);
    expect(count).toMatchObject({ expected: 3, delivered: 3, lost: 0, unexpected: 1 });
  });

  it("joins arrival batches", () => {
    const joined = joinArrivals([arrivals([[0, 0, 1]]), arrivals([[1, 1, 2], [2, 0, 3]])]);
    expect([...joined.seqs]).toEqual([0, 1, 2]);
    expect([...joined.times]).toEqual([1, 2, 3]);
  });

  it("finds write numbers in Directus and GraphQL frames without parsing JSON", () => {
    const directus = JSON.stringify({ type: "subscription", event: "create", data: [{ id: 1, text: writeText(42, "r") }, { id: 2, text: writeText(7, "r") }], uid: "bench" });
    expect(seqsInFrame(Buffer.from(directus))).toEqual([42, 7]);
    const graphql = JSON.stringify({ id: "bench", type: "next", payload: { data: { bench_mutated: { key: "9", event: "create", data: { id: 9, text: writeText(1234, "r") } } } } });
    expect(seqsInFrame(Buffer.from(graphql))).toEqual([1234]);
    expect(seqsInFrame(Buffer.from('{"type":"subscription","event":"create","data":[{"id":1,"text":"warmup 3"}]}'))).toEqual([]);
  });
});

describe("benchmark end to end", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tidings-bench-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function bench(args: string[], results: string) {
    return new Promise<{ code: number | null; stdout: string; stderr: string; json: any }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts", "--results", results, ...args], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.on("exit", (code) => {
        const files = readdirSync(results).filter((file) => file.endsWith(".json"));
        const json = files.length ? JSON.parse(readFileSync(path.join(results, files[0]), "utf8")) : undefined;
        resolve({ code, stdout, stderr, json });
      });
    });
  }

  it("delivers every event of a tiny run (N=5, 5 writes) on Tidings and on the baseline", async () => {
    const { code, stdout, stderr, json } = await bench(["--scenario", "a", "--n", "5", "--writes", "5", "--quiet-ms", "2000"], path.join(dir, "ok"));
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toContain("25/25");
    const [only] = json.cases;
    expect(only.tidings).toMatchObject({ expected: 25, delivered: 25, lost: 0, duplicates: 0, ok: true });
    expect(only.baseline).toMatchObject({ expected: 25, delivered: 25, lost: 0, ok: true });
    expect(only.tidings.latencyMs.p50).toBeGreaterThan(0);
    expect(only.tidings.latencyMs.max).toBeGreaterThanOrEqual(only.tidings.latencyMs.p99);
    expect(json.ok).toBe(true);
  }, 30_000);

  it("fails with a non-zero exit when one event is lost", async () => {
    const { code, stdout, json } = await bench(["--scenario", "a", "--n", "5", "--writes", "5", "--quiet-ms", "500", "--drop-one", "--no-baseline"], path.join(dir, "drop"));
    expect(code).toBe(1);
    expect(stdout).toContain("24/25");
    expect(json.cases[0].tidings).toMatchObject({ expected: 25, delivered: 24, lost: 1, ok: false });
    expect(json.ok).toBe(false);
  }, 30_000);
});
