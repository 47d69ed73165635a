// The data model as the server describes it (/collections, /fields, /relations), shared by every page.
import { useEffect, useSyncExternalStore } from "react";
import { data } from "./client";

export interface Collection {
  collection: string;
  meta: { note?: string | null; icon?: string | null; hidden?: boolean; singleton?: boolean; sort_field?: string | null } | null;
  schema: { name: string } | null;
}

export interface Field {
  collection: string;
  field: string;
  type: string;
  meta: { special?: string[] | null; interface?: string | null; options?: Record<string, unknown> | null; readonly?: boolean; hidden?: boolean; required?: boolean; note?: string | null; sort?: number | null } | null;
  schema: { is_primary_key?: boolean; has_auto_increment?: boolean; is_nullable?: boolean; is_unique?: boolean; default_value?: unknown; max_length?: number | null } | null;
}

export interface Relation {
  collection: string;
  field: string;
  related_collection: string | null;
  meta: { one_field?: string | null; junction_field?: string | null; sort_field?: string | null } | null;
  schema: { on_delete?: string } | null;
}

export interface Schema {
  collections: Collection[];
  fields: Field[];
  relations: Relation[];
}

/** The field types a column can have (alias: o2m / m2m, no column). */
export const FIELD_TYPES = ["string", "text", "integer", "bigInteger", "float", "decimal", "boolean", "uuid", "hash", "json", "csv", "dateTime", "date", "time", "timestamp"] as const;

export const isSystemCollection = (name: string) => name.startsWith("directus_") || name.startsWith("tidings_");

/** The collections users made that hold items (folders have no table), by name. */
export const userCollections = (schema: Schema) =>
  schema.collections.filter((collection) => !isSystemCollection(collection.collection) && collection.schema !== null).sort((a, b) => a.collection.localeCompare(b.collection));

export const fieldsOf = (schema: Schema, collection: string) => schema.fields.filter((field) => field.collection === collection).sort((a, b) => (a.meta?.sort ?? 0) - (b.meta?.sort ?? 0));

export const primaryKeyOf = (schema: Schema, collection: string) =>
  schema.fields.find((field) => field.collection === collection && field.schema?.is_primary_key)?.field ?? "id";

/** The type of `collection`'s primary key: what a column holding its keys needs (integer, bigInteger, uuid or string). */
export function keyTypeOf(schema: Schema, collection: string): string {
  const pk = primaryKeyOf(schema, collection);
  return schema.fields.find((field) => field.collection === collection && field.field === pk)?.type ?? "integer";
}

/** The relation whose many side is collection.field (m2o, or one leg of a junction). */
export const relationOf = (schema: Schema, collection: string, field: string) =>
  schema.relations.find((relation) => relation.collection === collection && relation.field === field);

/** The relation that an o2m alias (collection.field) belongs to. */
export const o2mRelationOf = (schema: Schema, collection: string, field: string) =>
  schema.relations.find((relation) => relation.related_collection === collection && relation.meta?.one_field === field);

// One copy of the schema for the whole studio, loaded on demand and reloaded after every change.
let current: { schema?: Schema; error?: unknown; loading: boolean } = { loading: false };
/** Only the newest load may store its answer: an older one may predate a change, or a sign-out. */
let latestLoad = 0;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((listener) => listener());

export async function reloadSchema(): Promise<void> {
  const load = ++latestLoad;
  current = { ...current, loading: true };
  emit();
  try {
    const [collections, fields, relations] = await Promise.all([data<Collection[]>("/collections"), data<Field[]>("/fields"), data<Relation[]>("/relations")]);
    if (load === latestLoad) current = { schema: { collections, fields, relations }, loading: false };
  } catch (error) {
    if (load === latestLoad) current = { schema: current.schema, error, loading: false };
  }
  emit();
}

export function forgetSchema() {
  latestLoad++;
  current = { loading: false };
  emit();
}

/**
 * The schema, loaded the first time a component asks. With `fresh`, a schema loaded earlier is reloaded
 * when the component mounts: collections come and go elsewhere (other users, scripts).
 */
export function useSchema({ fresh = false } = {}) {
  const state = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
  useEffect(() => {
    if (current.loading) return; // a load in flight is fresh enough
    if (fresh || (!current.schema && !current.error)) void reloadSchema();
    // Once per mount, whatever `fresh` becomes later.
  }, []);
  return { schema: state.schema, error: state.error, loading: state.loading || (!state.schema && !state.error), reload: reloadSchema };
}
