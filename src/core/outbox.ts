// Change events' commit-order numbers, and the events kept a while in the database so instances can recover ones the bus lost.
import type { Executor } from "../db/db.js";
import { deleteRows, incrementCounter, insertRows, readCounters, selectRows } from "../db/rows.js";
import { and, type FilterNode } from "../query/filter.js";
import type { ChangeEvent } from "./events.js";
import { systemTable } from "./system-collections.js";

const table = () => systemTable("tidings_outbox");

/** Gives each event its collection's next sequence numbers, last thing before commit (see incrementCounter). */
export async function numberEvents(trx: Executor, events: ChangeEvent[]) {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.collection, (counts.get(event.collection) ?? 0) + 1);
  const next = new Map<string, number>();
  for (const [collection, count] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    next.set(collection, (await incrementCounter(trx, "tidings_sequences", collection, count)) - count + 1);
  }
  for (const event of events) {
    const seq = next.get(event.collection)!;
    event.seq = seq;
    next.set(event.collection, seq + 1);
  }
}

/** Written inside the change's own transaction: an event exists here exactly when its change committed. */
export async function recordEvents(trx: Executor, events: ChangeEvent[], now: Date): Promise<void> {
  if (events.length === 0) return;
  const createdAt = now.toISOString();
  await insertRows(trx, table(), events.map((event) => ({ collection: event.collection, seq: event.seq, event: JSON.stringify(event), created_at: createdAt })));
}

/** Events of `collection` numbered `from`…`to`, in order (those still kept). */
export async function readEvents(ex: Executor, collection: string, from: number, to: number): Promise<ChangeEvent[]> {
  const where: FilterNode = and([
    { kind: "field", field: "collection", type: "string", op: "_eq", value: collection },
    { kind: "field", field: "seq", type: "bigInteger", op: "_between", value: [from, to] },
  ]);
  const rows = await selectRows(ex, table(), { columns: ["event"], where, sort: [{ path: [], field: "seq", descending: false }] });
  return rows.map((row) => JSON.parse(String(row.event)) as ChangeEvent);
}

export async function pruneEvents(ex: Executor, olderThan: Date): Promise<void> {
  await deleteRows(ex, table(), { kind: "field", field: "created_at", type: "timestamp", op: "_lt", value: olderThan.toISOString() });
}

/** The last sequence number committed per collection (an instance starts counting after these). */
export function readSequences(ex: Executor): Promise<Map<string, number>> {
  return readCounters(ex, "tidings_sequences");
}
