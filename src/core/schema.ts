// The data model (collections, fields, relations) as one immutable snapshot, and how fields relate.
import type { FilterNode } from "../query/filter.js";
import type { FieldType } from "../query/values.js";

export interface FieldSchema {
  is_primary_key: boolean;
  has_auto_increment: boolean;
  is_nullable: boolean;
  is_unique: boolean;
  default_value: unknown;
  max_length: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
}

export interface Field {
  collection: string;
  field: string;
  type: FieldType;
  special: string[];
  meta: Record<string, unknown> | null;
  /** Column facts; null for alias fields, which have no column. */
  schema: FieldSchema | null;
}

export interface Collection {
  collection: string;
  primaryKey: string;
  fields: Map<string, Field>;
  meta: Record<string, unknown> | null;
  /** A folder groups collections in the studio and has no table. */
  folder: boolean;
  system: boolean;
  /** What db/rows needs to read and write the table. */
  table: { table: string; primaryKey: string; types: Record<string, FieldType> };
}

export interface Relation {
  id: number | null;
  collection: string;
  field: string;
  relatedCollection: string | null;
  meta: { one_field: string | null; junction_field: string | null; sort_field: string | null; one_deselect_action: string };
  schema: { on_delete: string };
  /** System relations only: which rows of the many side belong to this one-to-many (policy → roles vs users). */
  where?: FilterNode;
}

export interface Schema {
  version: number;
  collections: Map<string, Collection>;
  relations: Relation[];
}

/** How a field reaches another collection: many-to-one (a key column) or one-to-many (an alias). */
export type Link =
  | { kind: "m2o"; field: string; related: string; relatedKey: string }
  | {
      kind: "o2m";
      field: string;
      related: string;
      foreignKey: string;
      ownKey: string;
      /** What happens to related items left out of a new list: unlink them, or delete them. */
      deselect: "nullify" | "delete";
      where?: FilterNode;
    };

export function linkOf(schema: Schema, collection: string, field: string): Link | undefined {
  for (const relation of schema.relations) {
    if (relation.collection === collection && relation.field === field && relation.relatedCollection) {
      const related = schema.collections.get(relation.relatedCollection);
      if (related) return { kind: "m2o", field, related: related.collection, relatedKey: related.primaryKey };
    }
  }
  for (const relation of schema.relations) {
    if (relation.relatedCollection === collection && relation.meta.one_field === field) {
      const own = schema.collections.get(collection);
      if (own) {
        return {
          kind: "o2m",
          field,
          related: relation.collection,
          foreignKey: relation.field,
          ownKey: own.primaryKey,
          deselect: relation.meta.one_deselect_action === "delete" ? "delete" : "nullify",
          where: relation.where,
        };
      }
    }
  }
  return undefined;
}

/** Field name → type for the columns of a collection (alias fields excluded). */
export function columnTypes(fields: Iterable<Field>): Record<string, FieldType> {
  const types: Record<string, FieldType> = {};
  for (const field of fields) if (field.type !== "alias") types[field.field] = field.type;
  return types;
}
