// `npm run fuzz -- [--seconds N | --iterations N] [--seed N] [--replay file]`: protocol and REST fuzzing
// against a child-process server; prints what it tried and which invariants held, exits 1 on a violation.
import { readFileSync } from "node:fs";
import { CATEGORIES, type Category } from "./gen.js";
import { formatReport, runFuzz, type FuzzOptions } from "./engine.js";
import { randomSeed } from "./rng.js";

const USAGE = `usage: npm run fuzz -- [options]
  --seconds N        run for about N seconds (default 60 unless --iterations is given)
  --iterations N     run exactly N cases (whole batches; with --seed this reproduces a run)
  --seed N           the seed (default: random, printed)
  --batch N          cases per batch between invariant checks (default 40)
  --storm-every N    a subscription storm every N batches (default 5; 0 = never)
  --storm-size N     subscriptions per storm (default 2000)
  --concurrency N    parallel fuzz workers (default 2)
  --rss-cap MB       server RSS cap (default 400)
  --rss-growth MB    allowed RSS growth after the first batch (default 150)
  --only a,b         only these categories (${CATEGORIES.join(", ")})
  --replay FILE      run the inputs saved for a failing batch
  --keep-going       do not stop at the first failing batch
  --verbose          one line per batch`;

function parseArgs(argv: string[]): FuzzOptions & { help?: boolean } {
  const options: FuzzOptions & { help?: boolean } = { seed: randomSeed() };
  const int = (name: string, text: string | undefined) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} expects a non-negative integer, got ${text}`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const next = () => inline ?? argv[++i];
    switch (flag) {
      case "--seconds": options.seconds = int(flag, next()); break;
      case "--iterations": options.iterations = int(flag, next()); break;
      case "--seed": options.seed = int(flag, next()); break;
      case "--batch": options.batchSize = Math.max(1, int(flag, next())); break;
      case "--storm-every": options.stormEvery = int(flag, next()); break;
      case "--storm-size": options.stormSize = int(flag, next()); break;
      case "--concurrency": options.concurrency = Math.max(1, int(flag, next())); break;
      case "--rss-cap": options.rssCapMb = int(flag, next()); break;
      case "--rss-growth": options.rssGrowthMb = int(flag, next()); break;
      case "--only": {
        const only = new Set(next().split(","));
        for (const name of only) if (!CATEGORIES.includes(name as Category)) throw new Error(`unknown category ${name}`);
        options.weights = Object.fromEntries(CATEGORIES.map((c) => [c, only.has(c) ? (c === "ws-storm" ? 1 : 10) : 0]));
        if (!only.has("ws-storm")) options.stormEvery = 0;
        break;
      }
      case "--replay": {
        const saved = JSON.parse(readFileSync(next(), "utf8"));
        options.replay = saved.cases;
        if (typeof saved.seed === "number") options.seed = saved.seed;
        break;
      }
      case "--keep-going": options.failFast = false; break;
      case "--verbose": options.verbose = true; break;
      case "--help": case "-h": options.help = true; break;
      default: throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  if (options.seconds === undefined && options.iterations === undefined) options.seconds = 60;
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) return void process.stdout.write(`${USAGE}\n`);
  const what = options.replay ? `replaying ${options.replay.length} saved inputs` : options.iterations !== undefined ? `${options.iterations} cases` : `${options.seconds} s`;
  process.stdout.write(`fuzzing with seed ${options.seed} (${what}); server: node --import tsx src/main.ts (child process)\n`);
  const report = await runFuzz(options);
  const command = options.replay ? "npm run fuzz -- --replay <file>" : `npm run fuzz -- --seed ${report.seed} --iterations ${report.cases}${options.batchSize ? ` --batch ${options.batchSize}` : ""}${options.stormEvery !== undefined ? ` --storm-every ${options.stormEvery}` : ""}${options.stormSize !== undefined ? ` --storm-size ${options.stormSize}` : ""}`;
  process.stdout.write(`${formatReport(report, command)}\n`);
  process.stdout.write(report.violations.length ? "\nFAIL: invariant violated\n" : "\nOK: every invariant held\n");
  process.exit(report.violations.length ? 1 : 0);
}

main().catch((error) => {
  process.stderr.write(`fuzzer failed: ${(error as Error)?.stack ?? error}\n`);
  process.exit(2);
});
