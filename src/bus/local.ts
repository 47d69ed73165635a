// In-process bus for a single instance: delivery on the next microtask, in publish order.
import type { Bus } from "./bus.js";

export function createLocalBus(onListenerError: (error: unknown) => void): Bus {
  const channels = new Map<string, Set<(message: unknown) => void>>();
  return {
    async publish(channel, message) {
      const listeners = channels.get(channel);
      if (!listeners?.size) return;
      queueMicrotask(() => {
        for (const listener of listeners) {
          try {
            listener(message);
          } catch (error) {
            onListenerError(error);
          }
        }
      });
    },
    async subscribe(channel, listener) {
      const listeners = channels.get(channel) ?? new Set();
      listeners.add(listener);
      channels.set(channel, listeners);
      return async () => {
        listeners.delete(listener);
      };
    },
    async close() {
      channels.clear();
    },
  };
}
