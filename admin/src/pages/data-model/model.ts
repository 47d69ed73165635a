// The data model's rules and request shapes, kept apart from the components that use them.
import { request } from "../../api/client";
import { isSystemCollection, keyTypeOf, type Field, type Relation, type Schema } from "../../api/schema";

/** The server's identifier rule (src/core/fields.ts): letter or underscore first, then letters, digits, underscores. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Why `name` can't name a field or collection, or undefined when it can. */
export function nameProblem(name: string, kind: "collection" | "field"): string | undefined {
  if (name === "") return "Enter a name.";
  if (!IDENTIFIER.test(name)) return "Use letters, digits and underscores only, not starting with a digit (at most 64 characters).";
  if (kind === "collection" && isSystemCollection(name)) return 'Names starting with "directus_" or "tidings_" are reserved.';
  return undefined;
}

export type PrimaryKeyKind = "integer" | "uuid" | "string";

/** The primary key field of POST /collections, as the Directus app sends it. */
export function primaryKeyField(kind: PrimaryKeyKind, name = "id") {
  switch (kind) {
    case "integer":
      return { field: name, type: "integer", meta: { hidden: true, interface: "input", readonly: true }, schema: { is_primary_key: true, has_auto_increment: true } };
    case "uuid":
      return { field: name, type: "uuid", meta: { hidden: true, readonly: true, interface: "input", special: ["uuid"] }, schema: { is_primary_key: true, length: 36, has_auto_increment: false } };
    case "string":
      return { field: name, type: "string", meta: { interface: "input", readonly: false, hidden: false }, schema: { is_primary_key: true, length: 255, has_auto_increment: false } };
  }
}

/** Fields the server fills in itself: who and when an item was created or last updated. */
export const STAMP_FIELDS = {
  date_created: { field: "date_created", type: "timestamp", meta: { special: ["date-created"], interface: "datetime", readonly: true, hidden: true }, schema: {} },
  date_updated: { field: "date_updated", type: "timestamp", meta: { special: ["date-updated"], interface: "datetime", readonly: true, hidden: true }, schema: {} },
  user_created: { field: "user_created", type: "uuid", meta: { special: ["user-created"], interface: "select-dropdown-m2o", readonly: true, hidden: true }, schema: {} },
  user_updated: { field: "user_updated", type: "uuid", meta: { special: ["user-updated"], interface: "select-dropdown-m2o", readonly: true, hidden: true }, schema: {} },
} as const;

export type StampField = keyof typeof STAMP_FIELDS;

export const ON_DELETE = [
  { value: "SET NULL", label: "Set the reference to empty (SET NULL)" },
  { value: "CASCADE", label: "Delete the referencing items too (CASCADE)" },
  { value: "NO ACTION", label: "Refuse while referenced (NO ACTION)" },
] as const;

export type OnDelete = (typeof ON_DELETE)[number]["value"];


/** Whether a column of `type` can hold keys of `collection` (the server's compatibility rule, src/core/relations.ts). */
export function holdsKeysOf(schema: Schema, collection: string, type: string): boolean {
  const pkType = keyTypeOf(schema, collection);
  const integers = ["integer", "bigInteger"];
  const strings = ["string", "uuid"];
  return pkType === type || (integers.includes(pkType) && integers.includes(type)) || (strings.includes(pkType) && strings.includes(type));
}

/** A foreign key column for keys of `related`, marked m2o so the content page offers a picker. */
export function foreignKeyField(schema: Schema, name: string, related: string, extraMeta: Record<string, unknown> = {}) {
  return { field: name, type: keyTypeOf(schema, related), meta: { special: ["m2o"], interface: "select-dropdown-m2o", ...extraMeta }, schema: {} };
}

export const aliasField = (name: string, special: "o2m" | "m2m") => ({ field: name, type: "alias", meta: { special: [special], interface: special === "o2m" ? "list-o2m" : "list-m2m" }, schema: null });

/** How a field takes part in relations, for the badges of the fields table. */
export type RelationRole =
  | { kind: "m2o"; related: string | null }
  | { kind: "o2m"; related: string; via: string }
  | { kind: "m2m"; related: string; junction: string }
  | { kind: "broken"; problem: string };

export function relationRoleOf(schema: Schema, field: Field): RelationRole | undefined {
  const many = schema.relations.find((relation) => relation.collection === field.collection && relation.field === field.field);
  if (many) return { kind: "m2o", related: many.related_collection };
  const one = schema.relations.find((relation) => relation.related_collection === field.collection && relation.meta?.one_field === field.field);
  if (one) {
    const junctionField = one.meta?.junction_field;
    if (junctionField) {
      const other = schema.relations.find((relation) => relation.collection === one.collection && relation.field === junctionField);
      if (!other?.related_collection) return { kind: "broken", problem: `m2m via ${one.collection} lacks its other relation` };
      return { kind: "m2m", related: other.related_collection, junction: one.collection };
    }
    return { kind: "o2m", related: one.collection, via: one.field };
  }
  // A relational special with no relation behind it: the content page can't use it, so say so.
  const special = field.meta?.special?.find((item) => ["m2o", "o2m", "m2m"].includes(item));
  return special ? { kind: "broken", problem: `${special} without a relation` } : undefined;
}

/** The relations in which `collection` takes part, on either side. */
export const relationsOf = (schema: Schema, collection: string): Relation[] =>
  schema.relations.filter((relation) => relation.collection === collection || relation.related_collection === collection);

/**
 * Runs schema changes one after the other. When one is refused, the ones before it are undone (newest
 * first) so that a half-made relation doesn't stay behind, and the refusal is thrown.
 */
export async function runSteps(steps: Array<{ run: () => Promise<unknown>; undo?: () => Promise<unknown> }>): Promise<void> {
  const done: Array<() => Promise<unknown>> = [];
  try {
    for (const step of steps) {
      await step.run();
      if (step.undo) done.push(step.undo);
    }
  } catch (error) {
    for (const undo of done.reverse()) await undo().catch(() => undefined);
    throw error;
  }
}

export const createField = (collection: string, field: object) => ({
  run: () => request(`/fields/${encodeURIComponent(collection)}`, { method: "POST", body: field }),
  undo: () => request(`/fields/${encodeURIComponent(collection)}/${encodeURIComponent((field as { field: string }).field)}`, { method: "DELETE" }),
});

export const createRelation = (relation: { collection: string; field: string; related_collection: string; meta?: object; schema?: object }) => ({
  run: () => request("/relations", { method: "POST", body: relation }),
  undo: () => request(`/relations/${encodeURIComponent(relation.collection)}/${encodeURIComponent(relation.field)}`, { method: "DELETE" }),
});
