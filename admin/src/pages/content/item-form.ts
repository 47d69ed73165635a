// The item form's model: which fields it shows and how, its starting values, and the payload of what changed.
import { fieldsOf, keyTypeOf, primaryKeyOf, type Field, type Schema } from "../../api/schema";
import { allowsField, castKey, isReadable, isServerFilled, itemLabel, keyString, relationalOf, type Item, type Permissions, type Relational } from "./model";
import { formatCell, fromFormValue, toFormValue } from "../../components/field-values";

export interface FormField {
  field: Field;
  relational: Relational | undefined;
  readOnly: boolean;
  required: boolean;
}

export type FormMode = "create" | "edit" | "view";

/** The fields of the form: hidden fields stay out, server-filled ones only show (read-only) once the item exists. */
export function formFieldsOf(schema: Schema, collection: string, permissions: Permissions | undefined, mode: FormMode): FormField[] {
  const primaryKey = primaryKeyOf(schema, collection);
  const action = mode === "create" ? "create" : "update";
  return fieldsOf(schema, collection).flatMap((field): FormField[] => {
    const isKey = field.field === primaryKey;
    const relational = relationalOf(schema, collection, field);
    if (field.meta?.hidden && !(isKey && mode !== "create")) return [];
    if (mode === "create" && isServerFilled(field)) return [];
    // An alias without a relation has nothing to edit; a relation to an unreadable collection has nothing to pick from.
    if (field.type === "alias" && (!relational || !isReadable(schema, relational.related))) return [];
    const writable = mode !== "view" && allowsField(permissions, collection, action, field.field);
    if (mode === "create" && !writable) return [];
    const readOnly = !writable || isServerFilled(field) || !!field.meta?.readonly || (isKey && mode === "edit");
    const required = !readOnly && field.type !== "boolean" && (!!field.meta?.required || (field.schema?.is_nullable === false && (field.schema.default_value ?? null) === null));
    return [{ field, relational, readOnly, required }];
  });
}

/** The `fields` to read an item for the form: related items for labels, junction rows for many-to-many. */
export function formQueryFields(formFields: FormField[], schema: Schema): string[] {
  const nested = formFields.filter(({ relational }) => relational && relational.kind !== "o2m" && isReadable(schema, relational.related)).map(({ field }) => `${field.field}.*`);
  return ["*", ...nested];
}

/** Junction row keys by the far item's key, per many-to-many field: removing a link deletes its junction row. */
export type Junctions = Record<string, Map<string, unknown>>;

const keyOf = (value: unknown, schema: Schema, collection: string) => (value !== null && typeof value === "object" ? (value as Item)[primaryKeyOf(schema, collection)] : value);

/** What each control starts with: the item's values, or on create the column defaults. */
export function initialValues(formFields: FormField[], schema: Schema, item: Item | undefined): { values: Record<string, unknown>; junctions: Junctions } {
  const values: Record<string, unknown> = {};
  const junctions: Junctions = {};
  for (const { field, relational, readOnly } of formFields) {
    const name = field.field;
    if (!item) {
      const fallback = ["string", "text", "integer", "bigInteger", "float", "decimal", "boolean"].includes(field.type) ? field.schema?.default_value : undefined;
      values[name] = relational && relational.kind !== "m2o" ? [] : relational ? "" : toFormValue(field.type, fallback ?? null);
      continue;
    }
    const raw = item[name];
    if (readOnly) values[name] = displayOf(field, relational, raw, schema);
    else if (relational?.kind === "m2o") values[name] = raw === null || raw === undefined ? "" : keyString(keyOf(raw, schema, relational.related));
    else if (relational?.kind === "o2m") values[name] = ((raw as unknown[]) ?? []).map((entry) => keyString(keyOf(entry, schema, relational.related)));
    else if (relational?.kind === "m2m") {
      const rows = ((raw as Item[]) ?? []).filter((row) => row && typeof row === "object");
      junctions[name] = new Map(rows.map((row) => [keyString(keyOf(row[relational.relatedField], schema, relational.related)), row[relational.junctionKey]]));
      values[name] = [...junctions[name].keys()];
    } else values[name] = toFormValue(field.type, raw);
  }
  return { values, junctions };
}

/** The text a read-only field shows. */
function displayOf(field: Field, relational: Relational | undefined, raw: unknown, schema: Schema): string {
  if (relational?.kind === "m2o") return raw !== null && typeof raw === "object" ? itemLabel(schema, relational.related, raw) : formatCell(field.type, raw);
  if (relational) return `${Array.isArray(raw) ? raw.length : 0} linked`;
  return formatCell(field.type, raw);
}

/** A key from a control, in the type of the related collection's primary key. */
function relatedKey(schema: Schema, related: string, key: string) {
  return castKey(keyTypeOf(schema, related), key);
}

/**
 * The payload: only the fields whose control changed. Many-to-many links go through the junction
 * (see src/core/items-write.ts: on create a list of junction rows; on edit {create, delete} of junction rows).
 */
export function payloadOf(formFields: FormField[], schema: Schema, initial: Record<string, unknown>, values: Record<string, unknown>, junctions: Junctions, creating: boolean): Item {
  const payload: Item = {};
  for (const { field, relational, readOnly } of formFields) {
    const name = field.field;
    if (readOnly || JSON.stringify(values[name]) === JSON.stringify(initial[name])) continue;
    const value = values[name];
    if (relational?.kind === "m2o") payload[name] = value === "" ? null : castKey(field.type, String(value));
    else if (relational?.kind === "o2m") payload[name] = (value as string[]).map((key) => relatedKey(schema, relational.related, key));
    else if (relational?.kind === "m2m") {
      const chosen = value as string[];
      const before = (initial[name] as string[]) ?? [];
      const link = (key: string) => ({ [relational.relatedField]: relatedKey(schema, relational.related, key) });
      payload[name] = creating
        ? chosen.map(link)
        : { create: chosen.filter((key) => !before.includes(key)).map(link), update: [], delete: before.filter((key) => !chosen.includes(key)).map((key) => junctions[name].get(key)) };
    } else payload[name] = fromFormValue(field.type, value);
  }
  return payload;
}
