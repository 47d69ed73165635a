// One transaction for a schema change: DDL and metadata rows together, the version bump, then the reload
// and the change events for subscribers of directus_collections / directus_fields / directus_relations.
import type { Db, Executor } from "../db/db.js";
import { translateDbError } from "../db/errors.js";
import { selectRows } from "../db/rows.js";
import type { FilterNode } from "../query/filter.js";
import type { ChangeAction, ChangeEvent, Events } from "./events.js";
import type { Schema } from "./schema.js";
import { bumpSchemaVersion } from "./schema-store.js";
import { systemTable } from "./system-collections.js";

export type SchemaCollection = "directus_collections" | "directus_fields" | "directus_relations";

export interface SchemaChangeContext {
  trx: Executor;
  /** Reads the metadata rows matching `where` now (before-images for deletes, after-images otherwise) as an event. */
  note(collection: SchemaCollection, action: ChangeAction, where: FilterNode): Promise<void>;
}

export type SchemaChange = (label: string, work: (ctx: SchemaChangeContext) => Promise<void>) => Promise<Schema>;

export function createSchemaChange(db: Db, reload: () => Promise<Schema>, events: Events): SchemaChange {
  return async (label, work) => {
    const pending: ChangeEvent[] = [];
    try {
      await db.transaction(async (trx) => {
        const note: SchemaChangeContext["note"] = async (collection, action, where) => {
          const table = systemTable(collection);
          const rows = await selectRows(trx, table, { columns: Object.keys(table.types), where });
          if (rows.length) pending.push({ collection, action, keys: rows.map((row) => row[table.primaryKey]), rows, seq: 0 });
        };
        await work({ trx, note });
        await bumpSchemaVersion(trx);
      });
    } catch (error) {
      throw translateDbError(error, label);
    }
    const schema = await reload();
    for (const event of pending) events.emitChange(event);
    return schema;
  };
}
