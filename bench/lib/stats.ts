// Counting and statistics for the benchmark: which (write, subscriber) pairs arrived, latencies, percentiles.
// Pure functions: the test in test/bench/ checks them on known data.

/** Arrivals reported by the load client: parallel arrays, one entry per received event. */
export interface Arrivals {
  /** Write sequence number found in the event (0-based). */
  seqs: Int32Array;
  /** Index of the connection that received it (0-based). */
  conns: Int32Array;
  /** Arrival time on the shared clock (ms). */
  times: Float64Array;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface Count {
  expected: number;
  /** Distinct expected (write, subscriber) pairs that arrived. */
  delivered: number;
  lost: number;
  /** Pairs that arrived more than once (every extra copy counts). */
  duplicates: number;
  /** Events for a write the subscriber should not see, or for an unknown write. */
  unexpected: number;
  /** Latency of each delivered pair: arrival − the write's send time (ms). */
  latencies: Float64Array;
  /** Latest arrival among delivered pairs (shared clock), or NaN when none arrived. */
  lastArrival: number;
}

/**
 * Which subscribers must receive each write: "all" of `connections`, or a function returning the
 * connection indexes for one write (e.g. the row's owner only).
 */
export type Recipients = "all" | ((seq: number) => number[]);

/** Nearest-rank percentile (p in 0..100) of an ascending array; NaN for an empty one. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function percentiles(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values).sort();
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1] : Number.NaN };
}

/** Matches arrivals against what each write should have produced. `sendTimes[seq]` is when write `seq` was sent. */
export function countDeliveries(arrivals: Arrivals, sendTimes: ArrayLike<number>, connections: number, recipients: Recipients = "all"): Count {
  const writes = sendTimes.length;
  const pairs = writes * connections;
  const wanted = new Uint8Array(pairs);
  let expected = 0;
  if (recipients === "all") {
    wanted.fill(1);
    expected = pairs;
  } else {
    for (let seq = 0; seq < writes; seq++) {
      for (const conn of recipients(seq)) {
        if (conn < 0 || conn >= connections) continue;
        const index = seq * connections + conn;
        if (!wanted[index]) {
          wanted[index] = 1;
          expected += 1;
        }
      }
    }
  }
  const seen = new Uint8Array(pairs);
  const latencies = new Float64Array(Math.min(arrivals.seqs.length, expected));
  let delivered = 0;
  let duplicates = 0;
  let unexpected = 0;
  let lastArrival = Number.NaN;
  for (let i = 0; i < arrivals.seqs.length; i++) {
    const seq = arrivals.seqs[i];
    const conn = arrivals.conns[i];
    if (seq < 0 || seq >= writes || conn < 0 || conn >= connections) {
      unexpected += 1;
      continue;
    }
    const index = seq * connections + conn;
    if (!wanted[index]) unexpected += 1;
    else if (seen[index]) duplicates += 1;
    else {
      seen[index] = 1;
      const time = arrivals.times[i];
      latencies[delivered++] = time - sendTimes[seq];
      if (!(time <= lastArrival)) lastArrival = time;
    }
  }
  return { expected, delivered, lost: expected - delivered, duplicates, unexpected, latencies: latencies.subarray(0, delivered), lastArrival };
}

/** Concatenates arrival batches (the load client sends them in chunks). */
export function joinArrivals(parts: Arrivals[]): Arrivals {
  const total = parts.reduce((sum, part) => sum + part.seqs.length, 0);
  const out: Arrivals = { seqs: new Int32Array(total), conns: new Int32Array(total), times: new Float64Array(total) };
  let offset = 0;
  for (const part of parts) {
    out.seqs.set(part.seqs, offset);
    out.conns.set(part.conns, offset);
    out.times.set(part.times, offset);
    offset += part.seqs.length;
  }
  return out;
}

/**
 * Finds the write sequence numbers in one event frame: every `"text":"w:<seq>:` in it. Works on the raw
 * bytes so the load client does not parse JSON (it must keep up with the server).
 */
const MARKER = Buffer.from('"text":"w:');
export function seqsInFrame(frame: Buffer, out: number[] = []): number[] {
  let at = frame.indexOf(MARKER);
  while (at !== -1) {
    let index = at + MARKER.length;
    let value = 0;
    let digits = 0;
    for (; index < frame.length; index++) {
      const byte = frame[index];
      if (byte < 48 || byte > 57) break;
      value = value * 10 + (byte - 48);
      digits += 1;
    }
    if (digits > 0) out.push(value);
    at = frame.indexOf(MARKER, index);
  }
  return out;
}

/** The text a benchmark write carries, so clients can tell which write an event belongs to. */
export const writeText = (seq: number, run: string) => `w:${seq}:${run}`;

/** a / b, or undefined when either is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return undefined;
  return a / b;
}
