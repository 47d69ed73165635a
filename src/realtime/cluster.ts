// Keeps instances in step through the bus: cache invalidations out and in.
import type { Bus } from "../bus/bus.js";
import type { Core } from "../core/core.js";
import type { Logger } from "../log.js";

export const SYSTEM_CHANNEL = "tidings:system";

/**
 * Local schema/access changes are announced; announcements from other instances expire local caches.
 * `invalidated` runs after either, once the caches are expired (open sockets re-check their access).
 */
export async function shareInvalidations(bus: Bus, core: Core, logger: Logger, invalidated: () => void): Promise<() => Promise<void>> {
  const origin = globalThis.crypto.randomUUID();
  const stop = core.events.onSystem((event) => {
    // Not fatal: the other instances still notice through the version rows, just less promptly.
    bus.publish(SYSTEM_CHANNEL, { ...event, origin }).catch((error) => logger.warn({ err: error }, "announcing a cache invalidation failed"));
    invalidated();
  });
  const unsubscribe = await bus.subscribe(SYSTEM_CHANNEL, (message) => {
    const { type, origin: from } = message as { type: string; origin: string };
    if (from === origin) return;
    if (type === "schema") core.schemas.expire();
    core.accessVersion.expire();
    invalidated();
  });
  return async () => {
    stop();
    await unsubscribe();
  };
}
