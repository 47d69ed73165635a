// Shared version counters (schema, access) in tidings_state: how every instance learns a cache is stale.
import type { Db, Executor } from "../db/db.js";
import { insertRow, selectRows, updateRows } from "../db/rows.js";
import type { FilterNode } from "../query/filter.js";
import { systemTable } from "./system-collections.js";

export type VersionKey = "schema_version" | "access_version";

const byKey = (key: VersionKey): FilterNode => ({ kind: "field", field: "key", type: "string", op: "_eq", value: key });

export async function readVersion(ex: Executor, key: VersionKey): Promise<number> {
  const rows = await selectRows(ex, systemTable("tidings_state"), { columns: ["value"], where: byKey(key) });
  return rows.length ? Number(rows[0].value) : 0;
}

/** Increments a version inside the caller's transaction, so it moves exactly when the change commits. */
export async function bumpVersion(ex: Executor, key: VersionKey): Promise<void> {
  const table = systemTable("tidings_state");
  const rows = await selectRows(ex, table, { columns: ["value"], where: byKey(key) });
  if (rows.length === 0) await insertRow(ex, table, { key, value: 1 });
  else await updateRows(ex, table, { value: Number(rows[0].value) + 1 }, byKey(key));
}

export interface VersionWatch {
  /** The version as last seen; re-read from the database at most once per interval. */
  current(): Promise<number>;
  /** Forget the last reading, so the next `current()` asks the database (after a local change). */
  expire(): void;
  /** Re-reads the version now; true when it moved since the last reading. */
  moved(): Promise<boolean>;
}

export function watchVersion(db: Db, key: VersionKey, intervalMs: number, now: () => number = Date.now): VersionWatch {
  let value = -1;
  let checkedAt = -Infinity;
  let reading: Promise<number> | undefined;
  return {
    async current() {
      if (now() - checkedAt < intervalMs) return value;
      reading ??= readVersion(db.knex, key)
        .then((fresh) => {
          value = fresh;
          checkedAt = now();
          return fresh;
        })
        .finally(() => {
          reading = undefined;
        });
      return reading;
    },
    expire() {
      checkedAt = -Infinity;
    },
    async moved() {
      const before = value;
      checkedAt = -Infinity;
      return (await this.current()) !== before;
    },
  };
}
