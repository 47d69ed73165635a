// The protocol/REST fuzzer's short, seeded run (the long one is `npm run fuzz -- --seconds 300`):
// a child-process server gets hostile frames, documents and requests; every invariant must hold.
import { describe, expect, it } from "vitest";
import { CATEGORIES } from "../../fuzz/gen.js";
import { formatReport, INVARIANTS, runFuzz } from "../../fuzz/engine.js";

const SEED = Number(process.env.TIDINGS_FUZZ_SEED ?? 20_240_601);

describe("protocol fuzzing (short bounded run)", () => {
  it("keeps every invariant under seeded hostile input", async () => {
    const lines: string[] = [];
    const report = await runFuzz({
      seed: SEED,
      seconds: 14,
      batchSize: 30,
      stormEvery: 3,
      stormSize: 300,
      concurrency: 2,
      failFast: false,
      log: (line) => lines.push(line),
    });
    const text = formatReport(report, `npm run fuzz -- --seed ${SEED} --iterations ${report.cases} --batch 30 --storm-every 3 --storm-size 300`);
    // Every category was exercised and every invariant checked at least once.
    for (const category of CATEGORIES) expect(report.categories[category].cases, `${category} never ran\n${text}`).toBeGreaterThan(0);
    for (const invariant of INVARIANTS) expect(report.invariantChecks[invariant], `${invariant} never checked\n${text}`).toBeGreaterThan(0);
    expect(report.violations, text).toEqual([]);
  }, 60_000);
});
