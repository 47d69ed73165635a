// Adding, changing and removing fields of user collections (column DDL plus directus_fields rows).
import type { Executor } from "../db/db.js";
import { addColumn, alterColumn, dropColumn, type ColumnSpec } from "../db/ddl.js";
import { deleteRows, insertRow, updateRows } from "../db/rows.js";
import { AppError, collectionForbidden, invalidPayload } from "../errors.js";
import { and, type FilterNode } from "../query/filter.js";
import { isFieldType, toCanonical, type FieldType } from "../query/values.js";
import { fieldForbidden } from "./filter.js";
import type { Collection, Field, FieldSchema, Schema } from "./schema.js";
import type { SchemaChange, SchemaChangeContext } from "./schema-change.js";
import { systemTable } from "./system-collections.js";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function assertIdentifier(kind: string, name: unknown): asserts name is string {
  if (typeof name !== "string" || !IDENTIFIER.test(name)) {
    throw invalidPayload(`${kind} name ${JSON.stringify(name)} must start with a letter or underscore and contain only letters, digits and underscores (max 64).`);
  }
}

const ALIAS_SPECIALS = ["o2m", "m2m", "m2a", "alias", "no-data", "group", "translations", "files"];

/** Reads a Directus field definition `{field, type, meta, schema}` into a Field. */
export function parseFieldInput(collection: string, input: unknown, fieldName?: string): Field {
  if (!input || typeof input !== "object" || Array.isArray(input)) throw invalidPayload("A field must be an object.");
  const raw = input as Record<string, unknown>;
  const name = fieldName ?? raw.field;
  assertIdentifier("Field", name);
  const meta = isObject(raw.meta) ? { ...raw.meta } : {};
  const special = parseSpecial(meta.special);
  delete meta.special;
  delete meta.collection;
  delete meta.field;
  delete meta.id;
  let type = raw.type ?? (special.some((s) => ALIAS_SPECIALS.includes(s)) ? "alias" : undefined);
  if (type === "unknown") type = "string";
  if (!isFieldType(type)) throw invalidPayload(`Field "${name}" has an unknown type ${JSON.stringify(raw.type)}.`);
  return { collection, field: name, type, special, meta, schema: type === "alias" ? null : parseFieldSchema(name, type, raw.schema) };
}

function parseSpecial(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  const list = typeof value === "string" ? value.split(",") : value;
  if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) throw invalidPayload('"meta.special" must be a list of strings.');
  return list;
}

function parseFieldSchema(name: string, type: FieldType, value: unknown): FieldSchema {
  const schema = isObject(value) ? value : {};
  const flag = (key: string, fallback: boolean) => {
    const v = schema[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "boolean") throw invalidPayload(`"schema.${key}" of field "${name}" must be true or false.`);
    return v;
  };
  const number = (key: string, fallback: number | null) => {
    const v = schema[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw invalidPayload(`"schema.${key}" of field "${name}" must be a positive integer.`);
    return v;
  };
  const primary = flag("is_primary_key", false);
  let defaultValue: unknown = schema.default_value ?? null;
  if (defaultValue !== null) {
    defaultValue = toCanonical(type, defaultValue);
    if (defaultValue === undefined) throw invalidPayload(`"schema.default_value" of field "${name}" is not a valid ${type}.`);
  }
  return {
    is_primary_key: primary,
    has_auto_increment: flag("has_auto_increment", false),
    is_nullable: primary ? false : flag("is_nullable", true),
    is_unique: flag("is_unique", false),
    default_value: defaultValue,
    max_length: type === "string" || type === "hash" ? number("max_length", null) ?? number("length", null) ?? 255 : null,
    numeric_precision: type === "decimal" ? number("numeric_precision", 10) : null,
    numeric_scale: type === "decimal" ? number("numeric_scale", 5) : null,
  };
}

export function columnSpec(field: Field): ColumnSpec {
  const schema = field.schema!;
  return {
    name: field.field,
    type: field.type,
    primaryKey: schema.is_primary_key,
    autoIncrement: schema.has_auto_increment,
    nullable: schema.is_nullable,
    unique: schema.is_unique,
    defaultValue: schema.default_value,
    maxLength: schema.max_length,
    precision: schema.numeric_precision,
    scale: schema.numeric_scale,
  };
}

const fieldRowFilter = (collection: string, field?: string): FilterNode =>
  and([
    { kind: "field", field: "collection", type: "string", op: "_eq", value: collection },
    field === undefined ? undefined : { kind: "field", field: "field", type: "string", op: "_eq", value: field },
  ]);

export async function insertFieldRow(ex: Executor, field: Field, sort: number | null): Promise<void> {
  await insertRow(ex, systemTable("directus_fields"), {
    collection: field.collection,
    field: field.field,
    type: field.type,
    special: field.special.join(","),
    meta: field.meta,
    schema: field.schema,
    sort,
  });
}

export async function deleteFieldRows(ex: Executor, collection: string, field?: string): Promise<void> {
  await deleteRows(ex, systemTable("directus_fields"), fieldRowFilter(collection, field));
}

export function userCollection(schema: Schema, name: string): Collection {
  const collection = schema.collections.get(name);
  if (!collection || collection.system) throw collectionForbidden(name);
  return collection;
}

export function createFields(change: SchemaChange, schemaOf: () => Promise<Schema>) {
  return {
    async create(collectionName: string, input: unknown): Promise<Field> {
      const collection = userCollection(await schemaOf(), collectionName);
      const field = parseFieldInput(collectionName, input);
      if (collection.fields.has(field.field)) throw invalidPayload(`Field "${field.field}" already exists in collection "${collectionName}".`);
      if (field.schema?.is_primary_key) throw invalidPayload("A collection's primary key is set when the collection is created.");
      const schema = await change(collectionName, async ({ trx, note }) => {
        if (field.type !== "alias" && !collection.folder) await addColumn(trx, collectionName, columnSpec(field));
        await insertFieldRow(trx, field, collection.fields.size + 1);
        await note("directus_fields", "create", fieldRowFilter(collectionName, field.field));
      });
      return schema.collections.get(collectionName)!.fields.get(field.field)!;
    },

    async update(collectionName: string, fieldName: string, input: unknown): Promise<Field> {
      const collection = userCollection(await schemaOf(), collectionName);
      const previous = collection.fields.get(fieldName);
      if (!previous) throw fieldForbidden(collectionName, fieldName);
      const raw = isObject(input) ? input : {};
      const merged = parseFieldInput(collectionName, {
        type: raw.type ?? previous.type,
        meta: { special: previous.special, ...previous.meta, ...(isObject(raw.meta) ? raw.meta : {}) },
        schema: previous.schema ? { ...previous.schema, ...(isObject(raw.schema) ? raw.schema : {}) } : raw.schema,
      }, fieldName);
      if ((merged.type === "alias") !== (previous.type === "alias")) throw invalidPayload(`Field "${fieldName}" can't change between alias and column.`);
      if (merged.schema?.is_primary_key !== (previous.schema?.is_primary_key ?? false) && merged.type !== "alias") {
        throw invalidPayload("The primary key can't be changed.");
      }
      const columnChanged = merged.schema && JSON.stringify([merged.type, merged.schema]) !== JSON.stringify([previous.type, previous.schema]);
      const schema = await change(collectionName, async ({ trx, note }) => {
        if (columnChanged && !collection.folder) await alterColumn(trx, collectionName, columnSpec(merged), columnSpec(previous));
        await updateRows(trx, systemTable("directus_fields"), {
          type: merged.type, special: merged.special.join(","), meta: merged.meta, schema: merged.schema,
        }, fieldRowFilter(collectionName, fieldName));
        await note("directus_fields", "update", fieldRowFilter(collectionName, fieldName));
      });
      return schema.collections.get(collectionName)!.fields.get(fieldName)!;
    },

    async remove(collectionName: string, fieldName: string): Promise<void> {
      const current = await schemaOf();
      const collection = userCollection(current, collectionName);
      const field = collection.fields.get(fieldName);
      if (!field) throw fieldForbidden(collectionName, fieldName);
      if (field.schema?.is_primary_key) throw new AppError("INVALID_PAYLOAD", "The primary key can't be deleted.");
      await change(collectionName, async (context) => {
        for (const dependent of [{ collection: collectionName, field: fieldName }, ...dependentFields(current, collectionName, fieldName)]) {
          await removeField(context, current, dependent);
        }
      });
    },
  };
}

interface FieldRef {
  collection: string;
  field: string;
}

/**
 * Fields elsewhere that stop making sense when this field (or, without `field`, this whole collection) goes,
 * as Directus removes them: the o2m alias on the other side of an m2o, the m2m alias whose junction loses a
 * leg, and, for a collection, the keys in other collections that point at it.
 */
export function dependentFields(schema: Schema, collection: string, field?: string): FieldRef[] {
  const found = new Map<string, FieldRef>();
  const add = (ref: FieldRef) => {
    const existing = schema.collections.get(ref.collection)?.fields.has(ref.field);
    if (existing && !(ref.collection === collection && (field === undefined || ref.field === field))) found.set(`${ref.collection}.${ref.field}`, ref);
  };
  /** The alias of a relation, and the alias of its junction sibling, if any. */
  const aliasesOf = (relation: Schema["relations"][number]) => {
    if (relation.relatedCollection && relation.meta.one_field) add({ collection: relation.relatedCollection, field: relation.meta.one_field });
    const sibling = relation.meta.junction_field ? schema.relations.find((other) => other.collection === relation.collection && other.field === relation.meta.junction_field) : undefined;
    if (sibling?.relatedCollection && sibling.meta.one_field) add({ collection: sibling.relatedCollection, field: sibling.meta.one_field });
  };
  for (const relation of schema.relations) {
    if (relation.id === null) continue; // built-in system relations never depend on user fields
    const isManySide = relation.collection === collection && (field === undefined || relation.field === field);
    const pointsHere = field === undefined && relation.relatedCollection === collection && relation.collection !== collection;
    if (isManySide) aliasesOf(relation);
    if (pointsHere) {
      add({ collection: relation.collection, field: relation.field });
      aliasesOf(relation);
    }
  }
  return [...found.values()];
}

/** Drops a field's column (if any), its field row and its relations, with a change event. */
export async function removeField({ trx, note }: SchemaChangeContext, schema: Schema, ref: FieldRef): Promise<void> {
  const collection = schema.collections.get(ref.collection);
  const field = collection?.fields.get(ref.field);
  if (!collection || !field) return;
  await note("directus_fields", "delete", fieldRowFilter(ref.collection, ref.field));
  if (field.type !== "alias" && !collection.folder) await dropColumn(trx, ref.collection, ref.field);
  await deleteFieldRows(trx, ref.collection, ref.field);
  await deleteRelationRowsFor(trx, ref.collection, ref.field);
}

/** Removes relations whose many side is this field, and unhooks o2m aliases that were this field. */
export async function deleteRelationRowsFor(ex: Executor, collection: string, field?: string): Promise<void> {
  const table = systemTable("directus_relations");
  const eq = (column: string, value: string): FilterNode => ({ kind: "field", field: column, type: "string", op: "_eq", value });
  await deleteRows(ex, table, and([eq("many_collection", collection), field ? eq("many_field", field) : undefined]));
  if (field) await updateRows(ex, table, { one_field: null }, and([eq("one_collection", collection), eq("one_field", field)]));
  else await deleteRows(ex, table, eq("one_collection", collection));
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === "object" && !Array.isArray(value);
}
