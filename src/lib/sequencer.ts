// Restores per-key order from sequence numbers: holds early items briefly, fetches or skips missing
// ones, and drops repeats and stale ones.

export interface Sequencer<T> {
  push(key: string, seq: number, item: T): void;
  /** Told that numbers up to `last` exist for `key`: recovers the ones not seen yet (a quiet tail). */
  reconcile(key: string, last: number): Promise<void>;
  close(): void;
}

export interface SequencerOptions<T> {
  /** How long to wait for a missing number before recovering or skipping it. */
  maxWaitMs: number;
  /** Items held per key at most while waiting. */
  maxHeld: number;
  seqOf(item: T): number;
  /** The first number expected for a key never seen before (else the first one that arrives). */
  start?(key: string): number | undefined;
  deliver(item: T): void;
  /** Fetches missing items from elsewhere (the outbox); whatever it cannot return is skipped. */
  recover?(key: string, from: number, to: number): Promise<T[]>;
  onGap(key: string, missingFrom: number, missingTo: number): void;
}

interface KeyState<T> {
  next: number;
  held: Map<number, T>;
  timer?: NodeJS.Timeout;
  recovering?: boolean;
}

export function createSequencer<T>(options: SequencerOptions<T>): Sequencer<T> {
  const keys = new Map<string, KeyState<T>>();
  let closed = false;

  function drain(state: KeyState<T>) {
    while (state.held.has(state.next)) {
      const item = state.held.get(state.next)!;
      state.held.delete(state.next);
      state.next += 1;
      options.deliver(item);
    }
    if (state.held.size === 0 && state.timer) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
  }

  function arm(key: string, state: KeyState<T>) {
    if (state.held.size && !state.timer && !state.recovering) state.timer = setTimeout(() => void resolveGap(key, state), options.maxWaitMs);
  }

  async function resolveGap(key: string, state: KeyState<T>) {
    state.timer = undefined;
    if (state.held.size === 0 || closed) return;
    const first = Math.min(...state.held.keys());
    if (options.recover) {
      state.recovering = true;
      try {
        for (const item of await options.recover(key, state.next, first - 1)) {
          const seq = options.seqOf(item);
          if (seq >= state.next && !state.held.has(seq)) state.held.set(seq, item);
        }
      } catch {
        // Recovery is best effort; what is still missing is skipped below.
      } finally {
        state.recovering = false;
      }
      if (closed) return;
      drain(state);
    }
    if (state.held.size && !state.held.has(state.next)) {
      const upTo = Math.min(...state.held.keys());
      options.onGap(key, state.next, upTo - 1);
      state.next = upTo;
      drain(state);
    }
    arm(key, state);
  }

  return {
    push(key, seq, item) {
      if (!(seq > 0)) return options.deliver(item); // unnumbered: nothing to order by
      let state = keys.get(key);
      if (!state) {
        state = { next: options.start?.(key) ?? seq, held: new Map() };
        keys.set(key, state);
      }
      if (seq < state.next || state.held.has(seq)) return; // delivered already (a replay or a repeat)
      state.held.set(seq, item);
      if (!state.recovering) drain(state);
      if (state.held.size > options.maxHeld && !state.recovering) {
        if (state.timer) clearTimeout(state.timer);
        void resolveGap(key, state);
      } else arm(key, state);
    },
    async reconcile(key, last) {
      let state = keys.get(key);
      if (!state) {
        const start = options.start?.(key);
        if (start === undefined) return;
        state = { next: start, held: new Map() };
        keys.set(key, state);
      }
      if (!options.recover || state.recovering || state.held.size || last < state.next) return;
      state.recovering = true;
      try {
        for (const item of await options.recover(key, state.next, last)) {
          const seq = options.seqOf(item);
          if (seq >= state.next && !state.held.has(seq)) state.held.set(seq, item);
        }
      } catch {
        return; // best effort: the next reconcile tries again
      } finally {
        state.recovering = false;
      }
      if (!closed) drain(state);
      arm(key, state);
    },
    close() {
      closed = true;
      for (const state of keys.values()) if (state.timer) clearTimeout(state.timer);
      keys.clear();
    },
  };
}
