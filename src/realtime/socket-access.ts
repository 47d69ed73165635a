// What both socket kinds do to keep a caller's access current: re-resolve it when access changes, expire it with its token.
import type { Accountability } from "../core/accountability.js";
import type { Client } from "../core/auth.js";
import type { Core } from "../core/core.js";

/** setTimeout's longest delay (~24.8 days); later deadlines are reached in several steps. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * The caller as things stand now (the public stays as is). Throws when a signed-in caller lost
 * access: user gone or not active, static token removed or given to someone else.
 */
export async function reresolve(core: Core, current: Accountability, credential: string | undefined, client: Client): Promise<Accountability> {
  const { user, expiresAt } = current;
  if (!user) return current;
  // A static token is checked again, so a rotated one stops working here as on REST; a JWT stays
  // valid until it expires, so only its user is looked up again.
  const fresh = credential && expiresAt === undefined ? await core.auth.authenticate(credential, client) : await core.access.user(user, client);
  if (fresh.user !== user) throw new Error("the token now belongs to someone else");
  return { ...fresh, expiresAt };
}

/** A connection as the hub knows it: revalidated when access changes. */
export interface AccessOwner {
  revalidate(): Promise<void>;
}

/**
 * Runs a connection's `revalidate` once per change of the shared access version, however many
 * callers (its next frame, the hub) ask. Runs are serialized so an older one never finishes last,
 * and callers wait for the run covering the version they saw.
 */
export function watchAccess(core: Core, revalidate: () => Promise<void>): AccessOwner {
  let seen: number | undefined;
  let running = Promise.resolve();
  return {
    async revalidate() {
      const version = await core.accessVersion.current();
      if (version !== seen) {
        seen = version;
        running = running.then(revalidate, revalidate).catch((error: unknown) => {
          seen = undefined; // try again next time
          throw error;
        });
      }
      return running;
    },
  };
}

/** Calls `expired` once `expiresAt` (ms since epoch) has passed, however far away; returns a cancel function. */
export function onExpiry(expiresAt: number, expired: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    timer = setTimeout(() => (Date.now() < expiresAt ? arm() : expired()), Math.min(Math.max(0, expiresAt - Date.now()), MAX_TIMER_DELAY));
  };
  arm();
  return () => clearTimeout(timer);
}
