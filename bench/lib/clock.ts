// One clock for every benchmark process: CLOCK_MONOTONIC (process.hrtime) is shared by all processes on a machine.

/** Milliseconds (fractional, ns resolution) on the machine-wide monotonic clock. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
