// `npm run bench`: the fan-out benchmark. Starts Tidings and the bare baseline as child processes, opens N
// WebSocket clients from a separate load-client process, drives writes over REST and measures every
// (write, subscriber) delivery. Prints one table, writes the same figures to bench/results/<timestamp>.json,
// and exits non-zero when an event was lost (bench/README.md).
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { topFunctions } from "./lib/profile.js";
import { ROOT as REPO } from "../test/helpers/child-server.js";
import { checkTargets, formatTable, formatTargets, type CaseResult } from "./lib/report.js";
import { runCase, type Measured } from "./lib/runner.js";
import { parseOptions, planCases, type CaseSpec, type Options } from "./lib/scenarios.js";
import { startBaseline, startTidings, type Target } from "./lib/targets.js";

const log = (line: string) => process.stderr.write(`${line}\n`);

async function measure(spec: CaseSpec, options: Options, kind: "tidings" | "baseline", profileDir: string): Promise<Measured> {
  const started = Date.now();
  log(`  ${spec.id} on ${kind}…`);
  let target: Target;
  if (kind === "baseline") target = await startBaseline({ verbose: options.verbose });
  else {
    const nodeArgs = options.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${path.join(profileDir, spec.id.replace(/[^\w@-]/g, "_"))}`] : [];
    target = await startTidings({ ...spec.deploy, pgUrl: options.pgUrl, redisUrl: options.redisUrl, nodeArgs, verbose: options.verbose });
  }
  try {
    const measured = await runCase(spec, target, options, log);
    for (const problem of measured.problems) log(`    ✗ ${problem}`);
    return measured;
  } finally {
    await target.stop();
    log(`    done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const cases = planCases(options);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const resultsDir = path.resolve(REPO, options.resultsDir ?? "bench/results");
  const profileDir = path.join(resultsDir, `${stamp}-cpuprof`);
  mkdirSync(resultsDir, { recursive: true });
  log(`Tidings fan-out benchmark: ${cases.map((c) => c.id).join(", ")}${options.baseline ? " (each also on the bare baseline)" : ""}`);
  const started = Date.now();
  const loadAtStart = os.loadavg()[0];
  const results: CaseResult[] = [];
  let failed = false;
  for (const spec of cases) {
    log(`${spec.id}: ${spec.title} — N=${spec.n}, ${spec.writes} writes at ${spec.rate === "max" ? `max rate (${spec.concurrency} in flight)` : `${spec.rate}/s`}`);
    try {
      const tidings = await measure(spec, options, "tidings", profileDir);
      const baseline = options.baseline ? await measure(spec, options, "baseline", profileDir) : undefined;
      results.push({ spec, tidings, baseline });
      if (!tidings.ok || (baseline && !baseline.ok)) failed = true;
    } catch (error) {
      failed = true;
      log(`  ✗ ${spec.id} could not run: ${(error as Error).stack ?? error}`);
    }
  }
  const table = formatTable(results);
  const checks = checkTargets(results);
  const seconds = (Date.now() - started) / 1000;
  const load = os.loadavg()[0];
  process.stdout.write(`\nMachine: ${os.cpus().length} CPUs, load average ${loadAtStart.toFixed(1)} at start, ${load.toFixed(1)} at the end${loadAtStart > os.cpus().length ? " (other work competed for the CPU: figures are noisy)" : ""}.\n`);
  process.stdout.write(`\n${table}\n\nTargets (bench/README.md):\n${formatTargets(checks)}\n`);
  const profiles: Record<string, unknown> = {};
  if (options.cpuProf) {
    for (const spec of cases) {
      const dir = path.join(profileDir, spec.id.replace(/[^\w@-]/g, "_"));
      let files: string[] = [];
      try {
        files = readdirSync(dir).filter((file) => file.endsWith(".cpuprofile"));
      } catch {
        continue;
      }
      // tsx's loader thread writes a profile too: show the main thread's (the busiest one).
      const tops = files.map((file) => ({ file, top: topFunctions(path.join(dir, file), REPO, 15) })).sort((a, b) => b.top.totalMs - a.top.totalMs);
      if (!tops.length) continue;
      const { file, top } = tops[0];
      profiles[spec.id] = { file: path.relative(REPO, path.join(dir, file)), ...top };
      process.stdout.write(`\nServer CPU profile ${spec.id} (${path.relative(REPO, path.join(dir, file))}): ${top.totalMs.toFixed(0)} ms sampled from start to exit, top self time:\n`);
      for (const line of top.lines) process.stdout.write(`  ${line.selfPct.toFixed(1).padStart(5)}%  ${line.selfMs.toFixed(0).padStart(6)} ms  ${line.name}\n`);
    }
  }
  const file = path.join(resultsDir, `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify({
    startedAt: new Date(started).toISOString(),
    seconds,
    command: process.argv.slice(2),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, load: os.loadavg() },
    options: { ...options },
    cases: results.map(({ spec, tidings, baseline }) => ({ ...spec, tidings, baseline })),
    targets: checks,
    profiles,
    ok: !failed,
  }, null, 2)}\n`);
  process.stdout.write(`\n${failed ? "FAILED: events were lost or a case could not run (see above)." : "All events delivered."} ${seconds.toFixed(0)} s. Results: ${path.relative(process.cwd(), file)}\n`);
  const missed = checks.some((check) => check.met === false);
  process.exit(failed ? 1 : options.strict && missed ? 3 : 0);
}

main().catch((error) => {
  log(`benchmark failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
