// The subscription registry and fan-out: one render per (permissions, query) group, then bytes to sockets.
import type { Bus } from "../bus/bus.js";
import type { Accountability } from "../core/accountability.js";
import type { ChangeAction, ChangeEvent } from "../core/events.js";
import type { Live, LiveData, LivePlan, LiveTarget } from "../core/live.js";
import { createSequencer } from "../lib/sequencer.js";
import type { Logger } from "../log.js";
import type { AccessOwner } from "./socket-access.js";

export const CHANGES_CHANNEL = "tidings:changes";

/** A rendered change for one group; `memo` caches each wire format so it is serialized once. */
export interface GroupOutput extends LiveData {
  action: ChangeAction;
  memo(format: string, build: () => string): string;
}

export interface HubSubscriber {
  /** The connection this subscription belongs to (revalidated once per access change). */
  owner: AccessOwner;
  target: LiveTarget;
  event?: ChangeAction;
  /** String form of an item subscription's canonical key. */
  itemKey?: string;
  accountability(): Accountability;
  deliver(output: GroupOutput): void;
}

interface CollectionIndex {
  all: Set<HubSubscriber>;
  byItem: Map<string, Set<HubSubscriber>>;
}

const YIELD_EVERY = 500;
const TAIL_CHECK_MS = 2000;
const PLAN_CACHE_LIMIT = 20_000;
/** Connections re-resolving their access at once after an access change (each may read the database). */
const REVALIDATE_CONCURRENCY = 16;

const accountabilityKeys = new WeakMap<Accountability, string>();

/** Subscribers with equal keys see the same data; cached per accountability object (hot path). */
export function accountabilityKey(accountability: Accountability): string {
  let key = accountabilityKeys.get(accountability);
  if (key === undefined) {
    key = `${accountability.user}|${accountability.role}|${accountability.policies.join(",")}|${accountability.admin ? 1 : 0}${accountability.app ? 1 : 0}`;
    accountabilityKeys.set(accountability, key);
  }
  return key;
}

export class Hub {
  private readonly index = new Map<string, CollectionIndex>();
  /** What a subscriber asked for, as a group-key suffix computed once at subscribe time. */
  private readonly targetKeys = new WeakMap<HubSubscriber, string>();
  /** Plans per group, valid while their stamp (schema and access versions) is current. */
  private readonly plans = new Map<string, { stamp: string; plan?: LivePlan; pending: Promise<LivePlan> }>();
  /** Permission fingerprints per (caller, collection), for the current stamp. */
  private prints = { stamp: "", map: new Map<string, string>() };
  private queue: Promise<void> = Promise.resolve();
  private accessStamp = -1;
  /** The revalidation of subscribed connections for the newest access version, while it runs. */
  private revalidating?: Promise<void>;
  /** Sequence numbers already committed when this hub started: it expects the ones after them. */
  private committed?: Map<string, number>;
  private readonly sequencer = createSequencer<ChangeEvent>({
    maxWaitMs: 500,
    maxHeld: 10_000,
    seqOf: (event) => event.seq,
    start: (collection) => (this.committed ? (this.committed.get(collection) ?? 0) + 1 : undefined),
    deliver: (event) => this.enqueue(event),
    // An instance that crashed between commit and publish, or a bus that lost messages: read them back.
    recover: (collection, from, to) => this.recover(collection, from, to),
    onGap: (collection, from, to) => this.logger.warn({ collection, from, to }, "realtime events never arrived; skipping them"),
  });
  private unsubscribe?: () => Promise<void>;
  /** Events dispatched and renders done: the fan-out tests and the benchmark read these. */
  readonly stats = { events: 0, renders: 0, deliveries: 0 };

  constructor(
    private readonly live: Live,
    private readonly bus: Bus,
    private readonly accessVersion: () => Promise<number>,
    private readonly recover: (collection: string, from: number, to: number) => Promise<ChangeEvent[]>,
    private readonly committedNow: () => Promise<Map<string, number>>,
    private readonly logger: Logger,
  ) {}

  private tailTimer?: NodeJS.Timeout;

  /**
   * A gap shows up only when a later event arrives; events lost at the end of a quiet collection
   * (a writer crashed while Redis was down) are found by comparing with the committed numbers.
   */
  private async reconcileTails(): Promise<void> {
    if (this.index.size === 0) return;
    const committed = await this.committedNow();
    for (const collection of this.index.keys()) {
      const last = committed.get(collection);
      if (last !== undefined) await this.sequencer.reconcile(collection, last);
    }
  }

  async start(onChange: (listener: (event: ChangeEvent) => void) => () => void, committed: Map<string, number>): Promise<void> {
    this.accessStamp = await this.accessVersion();
    this.committed = committed;
    this.tailTimer = setInterval(() => {
      this.reconcileTails().catch((error) => this.logger.warn({ err: error }, "checking for missed realtime events failed"));
      // An access change whose announcement was lost still reaches subscribers through the version row.
      this.accessChanged();
    }, TAIL_CHECK_MS);
    this.tailTimer.unref();
    this.unsubscribe = await this.bus.subscribe(CHANGES_CHANNEL, (message) => {
      const event = message as ChangeEvent;
      this.sequencer.push(event.collection, event.seq, event);
    });
    onChange((event) => {
      this.bus.publish(CHANGES_CHANNEL, event).catch((error) => this.logger.error({ err: error }, "publishing a change failed"));
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    if (this.tailTimer) clearInterval(this.tailTimer);
    this.sequencer.close();
    await this.queue;
    await this.revalidating;
  }

  /**
   * Access may have changed (announced here or by another instance): subscribed connections
   * re-resolve who they are now, so their events stop without waiting for one to arrive.
   */
  accessChanged(): void {
    if (this.index.size === 0) return;
    this.revalidateOnAccessChange().catch((error) => this.logger.warn({ err: error }, "revalidating realtime connections failed"));
  }

  add(subscriber: HubSubscriber): void {
    const { target } = subscriber;
    this.targetKeys.set(subscriber, `${target.collection}\u0000${JSON.stringify(target.query)}\u0000${subscriber.itemKey ?? ""}`);
    const entry = this.entryFor(subscriber.target.collection);
    if (subscriber.itemKey === undefined) entry.all.add(subscriber);
    else {
      const set = entry.byItem.get(subscriber.itemKey) ?? new Set();
      set.add(subscriber);
      entry.byItem.set(subscriber.itemKey, set);
    }
  }

  remove(subscriber: HubSubscriber): void {
    const entry = this.index.get(subscriber.target.collection);
    if (!entry) return;
    entry.all.delete(subscriber);
    if (subscriber.itemKey !== undefined) {
      const set = entry.byItem.get(subscriber.itemKey);
      set?.delete(subscriber);
      if (set?.size === 0) entry.byItem.delete(subscriber.itemKey);
    }
    if (entry.all.size === 0 && entry.byItem.size === 0) this.index.delete(subscriber.target.collection);
  }

  /** Number of live subscriptions (for the inspector and tests). */
  count(): number {
    let total = 0;
    for (const entry of this.index.values()) {
      total += entry.all.size;
      for (const set of entry.byItem.values()) total += set.size;
    }
    return total;
  }

  /** Whether any subscription here follows a collection. */
  watches(collection: string): boolean {
    return this.index.has(collection);
  }

  /** Events are handled one at a time, in each collection's commit order (the sequencer restores it). */
  private enqueue(event: ChangeEvent) {
    this.queue = this.queue.then(() => this.dispatch(event)).catch((error) => this.logger.error({ err: error }, "realtime dispatch failed"));
  }

  private entryFor(collection: string): CollectionIndex {
    let entry = this.index.get(collection);
    if (!entry) {
      entry = { all: new Set(), byItem: new Map() };
      this.index.set(collection, entry);
    }
    return entry;
  }

  private candidates(event: ChangeEvent): HubSubscriber[] {
    const entry = this.index.get(event.collection);
    if (!entry) return [];
    const found: HubSubscriber[] = [];
    for (const subscriber of entry.all) if (!subscriber.event || subscriber.event === event.action) found.push(subscriber);
    for (const key of event.keys) {
      for (const subscriber of entry.byItem.get(String(key)) ?? []) if (!subscriber.event || subscriber.event === event.action) found.push(subscriber);
    }
    return found;
  }

  private async dispatch(event: ChangeEvent): Promise<void> {
    this.stats.events += 1;
    let subscribers = this.candidates(event);
    if (subscribers.length === 0) return;
    if (await this.revalidateOnAccessChange()) subscribers = this.candidates(event);
    const stamp = await this.live.currentStamp();
    if (this.prints.stamp !== stamp) this.prints = { stamp, map: new Map() };
    const schema = await this.live.schemas.get();
    const collection = schema.collections.get(event.collection);
    const groups = new Map<string, { accountability: Accountability; target: LiveTarget; members: HubSubscriber[] }>();
    for (const subscriber of subscribers) {
      const accountability = subscriber.accountability();
      // Callers whose rules for this collection come out the same (e.g. every user of one role)
      // share a group, whoever they are: one render serves them all.
      const own = `${accountabilityKey(accountability)}\u0000${event.collection}`;
      let print = this.prints.map.get(own);
      if (print === undefined) {
        print = collection ? (await this.live.view(accountability)).fingerprint(collection) : own;
        this.prints.map.set(own, print);
      }
      const key = `${print}\u0000${this.targetKeys.get(subscriber)}`;
      const group = groups.get(key);
      if (group) group.members.push(subscriber);
      else groups.set(key, { accountability, target: subscriber.target, members: [subscriber] });
    }
    let delivered = 0;
    for (const [key, group] of groups) {
      const rendered = this.render(key, stamp, group.accountability, group.target, event);
      const output = rendered instanceof Promise ? await rendered : rendered; // no await (and no tick) for sync renders
      if (!output) continue;
      for (const subscriber of group.members) {
        subscriber.deliver(output);
        this.stats.deliveries += 1;
        // Large fan-outs give the event loop back now and then, so writes and pings keep flowing.
        if (++delivered % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  /** One group's view of the event; synchronous when its plan is cached and renders from the event's rows. */
  private render(key: string, stamp: string, accountability: Accountability, target: LiveTarget, event: ChangeEvent): GroupOutput | undefined | Promise<GroupOutput | undefined> {
    try {
      let entry = this.plans.get(key);
      if (!entry || entry.stamp !== stamp) {
        if (this.plans.size > PLAN_CACHE_LIMIT) this.plans.clear();
        const pending = this.live.prepare(accountability, target);
        const fresh: { stamp: string; plan?: LivePlan; pending: Promise<LivePlan> } = { stamp, pending };
        pending.then((plan) => (fresh.plan = plan), () => this.plans.delete(key));
        this.plans.set(key, (entry = fresh));
      }
      if (entry.plan) {
        const local = this.live.renderLocal(entry.plan, event);
        if (local !== "async") return this.output(local, event);
      }
      return this.renderAsync(entry.pending, event);
    } catch (error) {
      this.logger.debug({ err: error }, "live render skipped");
      return undefined;
    }
  }

  private async renderAsync(plan: Promise<LivePlan>, event: ChangeEvent): Promise<GroupOutput | undefined> {
    try {
      return this.output(await this.live.render(await plan, event), event);
    } catch (error) {
      // Lost access (revoked permission, deleted collection): the group simply gets nothing.
      this.logger.debug({ err: error }, "live render skipped");
      return undefined;
    }
  }

  private output(data: LiveData | undefined, event: ChangeEvent): GroupOutput | undefined {
    this.stats.renders += 1;
    if (!data) return undefined;
    const cache = new Map<string, string>();
    return {
      ...data,
      action: event.action,
      memo: (format, build) => {
        let text = cache.get(format);
        if (text === undefined) cache.set(format, (text = build()));
        return text;
      },
    };
  }

  /**
   * After any user/role/policy/permission change, connections re-resolve who they are before the
   * next event goes out. Resolves true when a revalidation ran (or was awaited).
   */
  private async revalidateOnAccessChange(): Promise<boolean> {
    const version = await this.accessVersion();
    if (version !== this.accessStamp) {
      this.accessStamp = version;
      this.revalidating = this.revalidateOwners();
    }
    const running = this.revalidating;
    if (!running) return false;
    await running;
    if (this.revalidating === running) this.revalidating = undefined;
    return true;
  }

  /** Every connection with a subscription, a bounded number at a time; one failing does not hold up the others. */
  private async revalidateOwners(): Promise<void> {
    const owners = new Set<AccessOwner>();
    for (const entry of this.index.values()) {
      for (const subscriber of entry.all) owners.add(subscriber.owner);
      for (const set of entry.byItem.values()) for (const subscriber of set) owners.add(subscriber.owner);
    }
    const queue = [...owners];
    const worker = async () => {
      for (let owner = queue.pop(); owner; owner = queue.pop()) {
        await owner.revalidate().catch((error) => this.logger.warn({ err: error }, "revalidating a realtime connection failed"));
      }
    };
    await Promise.all(Array.from({ length: Math.min(REVALIDATE_CONCURRENCY, queue.length) }, worker));
  }
}
