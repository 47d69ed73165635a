// Restores per-key order from sequence numbers: holds early items briefly, drops repeats and stale ones.

export interface Sequencer<T> {
  push(key: string, seq: number, item: T): void;
  close(): void;
}

export interface SequencerOptions<T> {
  /** How long to wait for a missing number before giving up on it. */
  maxWaitMs: number;
  /** Items held per key at most while waiting. */
  maxHeld: number;
  deliver(item: T): void;
  onGap(key: string, missingFrom: number, missingTo: number): void;
}

export function createSequencer<T>(options: SequencerOptions<T>): Sequencer<T> {
  const keys = new Map<string, { next: number; held: Map<number, T>; timer?: NodeJS.Timeout }>();

  function drain(key: string) {
    const state = keys.get(key)!;
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

  function skipGap(key: string) {
    const state = keys.get(key)!;
    state.timer = undefined;
    if (state.held.size === 0) return;
    const first = Math.min(...state.held.keys());
    options.onGap(key, state.next, first - 1);
    state.next = first;
    drain(key);
    if (state.held.size && !state.timer) state.timer = setTimeout(() => skipGap(key), options.maxWaitMs);
  }

  return {
    push(key, seq, item) {
      if (!(seq > 0)) return options.deliver(item); // unnumbered: nothing to order by
      let state = keys.get(key);
      if (!state) {
        state = { next: seq, held: new Map() };
        keys.set(key, state);
      }
      if (seq < state.next || state.held.has(seq)) return; // delivered already (a replay or a repeat)
      state.held.set(seq, item);
      drain(key);
      if (state.held.size > options.maxHeld) {
        if (state.timer) clearTimeout(state.timer);
        skipGap(key);
      } else if (state.held.size && !state.timer) {
        state.timer = setTimeout(() => skipGap(key), options.maxWaitMs);
      }
    },
    close() {
      for (const state of keys.values()) if (state.timer) clearTimeout(state.timer);
      keys.clear();
    },
  };
}
