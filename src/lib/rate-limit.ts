// Fixed-window rate limiting per key (IP, account, socket), in memory.

export interface RateLimiter {
  /** Uses one point for `key`; returns how long to wait when the key has none left. */
  consume(key: string): { allowed: true } | { allowed: false; retryAfterMs: number };
}

export function createRateLimiter(points: number, windowMs: number, now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { start: number; used: number }>();
  let lastSweep = now();
  return {
    consume(key) {
      const time = now();
      if (time - lastSweep > windowMs) {
        for (const [k, window] of windows) if (time - window.start >= windowMs) windows.delete(k);
        lastSweep = time;
      }
      let window = windows.get(key);
      if (!window || time - window.start >= windowMs) {
        window = { start: time, used: 0 };
        windows.set(key, window);
      }
      if (window.used >= points) return { allowed: false, retryAfterMs: window.start + windowMs - time };
      window.used += 1;
      return { allowed: true };
    },
  };
}
