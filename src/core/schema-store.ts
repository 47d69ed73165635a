// Loads the schema snapshot from the database and keeps it current across instances via a version row.
import type { Db, Executor } from "../db/db.js";
import { selectRows } from "../db/rows.js";
import { isFieldType } from "../query/values.js";
import type { FieldType } from "../query/values.js";
import { columnTypes, type Collection, type Field, type FieldSchema, type Relation, type Schema } from "./schema.js";
import { systemCollections, systemRelations, systemTable } from "./system-collections.js";
import { bumpVersion, readVersion, watchVersion } from "./versions.js";

/** Marks the schema as changed; every instance reloads it on its next version check. */
export const bumpSchemaVersion = (ex: Executor) => bumpVersion(ex, "schema_version");

export async function loadSchema(ex: Executor): Promise<Schema> {
  const version = await readVersion(ex, "schema_version");
  const collections = new Map<string, Collection>();
  for (const { collection, fields } of systemCollections) {
    collections.set(collection, buildCollection(collection, fields, { system: true }, false, true));
  }
  const collectionRows = await selectRows(ex, systemTable("directus_collections"), { columns: ["collection", "meta", "folder"] });
  const fieldRows = await selectRows(ex, systemTable("directus_fields"), {
    columns: ["collection", "field", "type", "special", "meta", "schema", "sort"],
    sort: [{ path: [], field: "sort", descending: false }, { path: [], field: "id", descending: false }],
  });
  const fieldsOf = new Map<string, Field[]>();
  for (const row of fieldRows) {
    const type = isFieldType(row.type) ? row.type : "string";
    const field: Field = {
      collection: String(row.collection),
      field: String(row.field),
      type,
      special: typeof row.special === "string" && row.special ? row.special.split(",") : [],
      // The position kept in the sort column, unless the meta names one itself.
      meta: { ...((row.meta as Record<string, unknown>) ?? {}), sort: (row.meta as { sort?: unknown } | null)?.sort ?? row.sort ?? null },
      schema: type === "alias" ? null : ((row.schema as FieldSchema) ?? null),
    };
    const list = fieldsOf.get(field.collection) ?? [];
    list.push(field);
    fieldsOf.set(field.collection, list);
  }
  for (const row of collectionRows) {
    const name = String(row.collection);
    collections.set(name, buildCollection(name, fieldsOf.get(name) ?? [], (row.meta as Record<string, unknown>) ?? null, Boolean(row.folder), false));
  }
  const relationRows = await selectRows(ex, systemTable("directus_relations"), {
    columns: ["id", "many_collection", "many_field", "one_collection", "one_field", "junction_field", "sort_field", "one_deselect_action", "on_delete"],
    sort: [{ path: [], field: "id", descending: false }],
  });
  const relations: Relation[] = [...systemRelations, ...relationRows.map(toRelation)];
  addMissingAliases(collections, relations);
  return { version, collections, relations };
}

/** A relation's one_field works even when no alias field row was created for it. */
function addMissingAliases(collections: Map<string, Collection>, relations: Relation[]) {
  for (const relation of relations) {
    const one = relation.relatedCollection ? collections.get(relation.relatedCollection) : undefined;
    const name = relation.meta.one_field;
    if (!one || !name || one.fields.has(name)) continue;
    one.fields.set(name, { collection: one.collection, field: name, type: "alias", special: ["o2m"], meta: null, schema: null });
  }
}

function buildCollection(name: string, fields: Field[], meta: Record<string, unknown> | null, folder: boolean, system: boolean): Collection {
  const primaryKey = fields.find((field) => field.schema?.is_primary_key)?.field ?? "id";
  return {
    collection: name,
    primaryKey,
    fields: new Map(fields.map((field) => [field.field, field])),
    meta,
    folder,
    system,
    table: { table: name, primaryKey, types: columnTypes(fields) as Record<string, FieldType> },
  };
}

function toRelation(row: Record<string, unknown>): Relation {
  return {
    id: Number(row.id),
    collection: String(row.many_collection),
    field: String(row.many_field),
    relatedCollection: (row.one_collection as string | null) ?? null,
    meta: {
      one_field: (row.one_field as string | null) ?? null,
      junction_field: (row.junction_field as string | null) ?? null,
      sort_field: (row.sort_field as string | null) ?? null,
      one_deselect_action: (row.one_deselect_action as string | null) ?? "nullify",
    },
    schema: { on_delete: (row.on_delete as string | null) ?? "SET NULL" },
  };
}

export interface SchemaStore {
  /** The current snapshot, reloaded first if another instance changed the schema. */
  get(): Promise<Schema>;
  /** Reload now (after a local schema change). */
  reload(): Promise<Schema>;
  /** Check the shared version on the next `get()` (another instance said the schema changed). */
  expire(): void;
  /** Asks the database now whether another instance changed the schema since it was loaded. */
  isStale(): Promise<boolean>;
}

export function createSchemaStore(db: Db, options: { checkIntervalMs: number }): SchemaStore {
  const version = watchVersion(db, "schema_version", options.checkIntervalMs);
  let schema: Schema | undefined;
  let loading: Promise<Schema> | undefined;

  /** Starts a load; one that finishes after a newer one never puts the older snapshot back. */
  const load = (): Promise<Schema> => {
    const pending: Promise<Schema> = loadSchema(db.knex)
      .then((fresh) => (schema = schema && schema.version > fresh.version ? schema : fresh))
      .finally(() => {
        if (loading === pending) loading = undefined;
      });
    loading = pending;
    return pending;
  };

  return {
    async reload() {
      version.expire();
      // Never join a load in flight: it may have started before the caller's change committed.
      return load();
    },
    expire: () => version.expire(),
    async isStale() {
      version.expire();
      return schema !== undefined && (await version.current()) !== schema.version;
    },
    async get() {
      if (!schema) return loading ?? load();
      const latest = await version.current();
      return latest === schema.version ? schema : (loading ?? load());
    },
  };
}
