import { describe, expect, it, vi } from "vitest";
import { createSequencer } from "./sequencer.js";

type Item = { seq: number };

function setup(recover?: (key: string, from: number, to: number) => Promise<Item[]>) {
  const delivered: number[] = [];
  const gaps: Array<[number, number]> = [];
  const sequencer = createSequencer<Item>({
    maxWaitMs: 100,
    maxHeld: 5,
    seqOf: (item) => item.seq,
    deliver: (item) => delivered.push(item.seq),
    recover,
    onGap: (_key, from, to) => gaps.push([from, to]),
  });
  const push = (...seqs: number[]) => seqs.forEach((seq) => sequencer.push("c", seq, { seq }));
  return { delivered, gaps, push, sequencer };
}

describe("sequencer", () => {
  it("reorders, and drops repeats and stale numbers", () => {
    const { delivered, push } = setup();
    push(5, 7, 6, 6, 5, 8, 4);
    expect(delivered).toEqual([5, 6, 7, 8]);
  });

  it("skips a gap after the wait when nothing can recover it", async () => {
    vi.useFakeTimers();
    const { delivered, gaps, push } = setup();
    push(1, 3, 4);
    expect(delivered).toEqual([1]);
    await vi.advanceTimersByTimeAsync(150);
    expect(delivered).toEqual([1, 3, 4]);
    expect(gaps).toEqual([[2, 2]]);
    vi.useRealTimers();
  });

  it("fills a gap from recovery, in order", async () => {
    vi.useFakeTimers();
    const { delivered, gaps, push } = setup(async (_key, from, to) => Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i })));
    push(1, 4, 5);
    await vi.advanceTimersByTimeAsync(150);
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
    expect(gaps).toEqual([]);
    vi.useRealTimers();
  });

  it("delivers unnumbered items at once", () => {
    const { delivered, sequencer } = setup();
    sequencer.push("c", 0, { seq: 0 });
    expect(delivered).toEqual([0]);
  });
});
