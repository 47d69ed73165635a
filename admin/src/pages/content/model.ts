// How the content pages read a collection's schema: columns, relations, labels and what a form may write.
import { fieldsOf, o2mRelationOf, primaryKeyOf, relationOf, type Field, type Schema } from "../../api/schema";

export type Item = Record<string, unknown>;
export type Key = string | number;

/** Rows per page of the items table. */
export const PAGE_SIZE = 25;

/** /permissions/me: per collection and action, how much the caller may do and with which fields. */
export type ActionAccess = { access: "none" | "partial" | "full"; fields?: string[] };
export type Permissions = Record<string, Partial<Record<"create" | "read" | "update" | "delete", ActionAccess>>>;

export const can = (permissions: Permissions | undefined, collection: string, action: "create" | "read" | "update" | "delete") => (permissions?.[collection]?.[action]?.access ?? "none") !== "none";

/** Whether the action's field list names the field ("*" names them all). */
export function allowsField(permissions: Permissions | undefined, collection: string, action: "create" | "read" | "update", field: string): boolean {
  const fields = permissions?.[collection]?.[action]?.fields;
  return !!fields && (fields.includes("*") || fields.includes(field));
}

const specials = (field: Field) => field.meta?.special ?? [];
const SERVER_FILLED_SPECIALS = ["date-created", "date-updated", "user-created", "user-updated"];

/** Filled in by the server: never part of a create form, read-only when editing. */
export function isServerFilled(field: Field): boolean {
  if (specials(field).some((special) => SERVER_FILLED_SPECIALS.includes(special))) return true;
  return !!field.schema?.is_primary_key && (!!field.schema.has_auto_increment || specials(field).includes("uuid"));
}

export type Relational =
  | { kind: "m2o"; related: string }
  | { kind: "o2m"; related: string; foreignKey: string }
  /** Many-to-many through a junction: one junction row per link, `relatedField` points at the far side. */
  | { kind: "m2m"; junction: string; junctionKey: string; relatedField: string; related: string };

/** The relation a field stands for, if any (o2m and m2m are alias fields without a column). */
export function relationalOf(schema: Schema, collection: string, field: Field): Relational | undefined {
  if (field.type !== "alias") {
    const relation = relationOf(schema, collection, field.field);
    return relation?.related_collection ? { kind: "m2o", related: relation.related_collection } : undefined;
  }
  const relation = o2mRelationOf(schema, collection, field.field);
  if (!relation) return undefined;
  const junctionField = relation.meta?.junction_field;
  const far = junctionField ? relationOf(schema, relation.collection, junctionField) : undefined;
  if (junctionField && far?.related_collection) {
    return { kind: "m2m", junction: relation.collection, junctionKey: primaryKeyOf(schema, relation.collection), relatedField: junctionField, related: far.related_collection };
  }
  return { kind: "o2m", related: relation.collection, foreignKey: relation.field };
}

/** Collections the caller can see: GET /collections answers with only those. */
export const isReadable = (schema: Schema, collection: string) => schema.collections.some((item) => item.collection === collection);

/** The field that names an item: the first string field, else the primary key. */
export function labelFieldOf(schema: Schema, collection: string): string {
  const fields = fieldsOf(schema, collection);
  return fields.find((field) => field.type === "string" && !field.schema?.is_primary_key)?.field ?? primaryKeyOf(schema, collection);
}

/** A readable name for a related item (or its key when only the key is known). */
export function itemLabel(schema: Schema, collection: string, item: unknown): string {
  if (item === null || item === undefined) return "";
  if (typeof item !== "object") return String(item);
  const row = item as Item;
  const label = row[labelFieldOf(schema, collection)];
  const key = row[primaryKeyOf(schema, collection)];
  return label !== null && label !== undefined && label !== "" ? String(label) : String(key ?? "");
}

/** The table's columns: the primary key, then the visible fields that have a column. */
export function columnsOf(schema: Schema, collection: string, permissions: Permissions | undefined): Field[] {
  const primaryKey = primaryKeyOf(schema, collection);
  const fields = fieldsOf(schema, collection);
  const key = fields.filter((field) => field.field === primaryKey);
  const rest = fields.filter((field) => field.field !== primaryKey && field.type !== "alias" && !field.meta?.hidden && allowsField(permissions, collection, "read", field.field));
  return [...key, ...rest];
}

/** The `fields` to read: every field, plus the related item of each many-to-one column the caller can read. */
export function queryFieldsOf(schema: Schema, collection: string, columns: Field[]): string[] {
  const expanded = columns.filter((field) => {
    const relational = relationalOf(schema, collection, field);
    return relational?.kind === "m2o" && isReadable(schema, relational.related);
  });
  return ["*", ...expanded.map((field) => `${field.field}.*`)];
}

/** Keys travel as strings in delete events and form controls: compare them that way. */
export const keyString = (key: unknown) => String(key);

/** A key from a form control back in the type of the field that holds it. */
export function castKey(type: string, value: string): Key {
  return ["integer", "bigInteger"].includes(type) && /^-?\d+$/.test(value) ? Number(value) : value;
}
