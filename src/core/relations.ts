// Declaring relations between collections (directus_relations rows; integrity is kept by core/items).
import { deleteRows, insertRow, updateRows } from "../db/rows.js";
import { AppError, invalidPayload } from "../errors.js";
import { and, type FilterNode } from "../query/filter.js";
import { fieldForbidden } from "./filter.js";
import { isObject, userCollection } from "./fields.js";
import type { Relation, Schema } from "./schema.js";
import type { SchemaChange } from "./schema-change.js";
import { systemTable } from "./system-collections.js";

const ON_DELETE = ["SET NULL", "CASCADE", "NO ACTION", "RESTRICT", "SET DEFAULT"];

const eq = (field: string, value: unknown): FilterNode => ({ kind: "field", field, type: field === "id" ? "integer" : "string", op: "_eq", value });

export function findRelation(schema: Schema, collection: string, field: string): Relation | undefined {
  return schema.relations.find((relation) => relation.id !== null && relation.collection === collection && relation.field === field);
}

export function createRelations(change: SchemaChange, schemaOf: () => Promise<Schema>) {
  return {
    async create(input: unknown): Promise<Relation> {
      if (!isObject(input)) throw invalidPayload("A relation must be an object.");
      const schema = await schemaOf();
      const many = userCollection(schema, String(input.collection));
      const fieldName = String(input.field);
      const field = many.fields.get(fieldName);
      if (!field) throw fieldForbidden(many.collection, fieldName);
      if (field.type === "alias") throw invalidPayload(`Field "${fieldName}" is an alias; a relation needs a key column.`);
      if (findRelation(schema, many.collection, fieldName)) throw invalidPayload(`Field "${fieldName}" of "${many.collection}" already has a relation.`);
      const relatedName = input.related_collection ?? null;
      let oneField: string | null = null;
      if (relatedName !== null) {
        const related = schema.collections.get(String(relatedName));
        if (!related || related.folder) throw invalidPayload(`Related collection ${JSON.stringify(relatedName)} does not exist.`);
        const pk = related.fields.get(related.primaryKey)!;
        const compatible = pk.type === field.type || (["integer", "bigInteger"].includes(pk.type) && ["integer", "bigInteger"].includes(field.type))
          || (["string", "uuid"].includes(pk.type) && ["string", "uuid"].includes(field.type));
        if (!compatible) throw invalidPayload(`Field "${fieldName}" (${field.type}) can't hold keys of "${related.collection}" (${pk.type}).`);
        const meta = isObject(input.meta) ? input.meta : {};
        oneField = typeof meta.one_field === "string" ? meta.one_field : null;
        if (oneField !== null) {
          const existing = related.fields.get(oneField);
          if (existing && existing.type !== "alias") throw invalidPayload(`Field "${oneField}" of "${related.collection}" is not an alias field.`);
        }
      }
      const meta = isObject(input.meta) ? input.meta : {};
      const onDelete = String((isObject(input.schema) ? input.schema.on_delete : undefined) ?? "SET NULL").toUpperCase();
      if (!ON_DELETE.includes(onDelete)) throw invalidPayload(`"schema.on_delete" must be one of ${ON_DELETE.join(", ")}.`);
      const text = (value: unknown) => (typeof value === "string" ? value : null);
      const fresh = await change(many.collection, async ({ trx, note }) => {
        await insertRow(trx, systemTable("directus_relations"), {
          many_collection: many.collection,
          many_field: fieldName,
          one_collection: relatedName,
          one_field: oneField,
          junction_field: text(meta.junction_field),
          sort_field: text(meta.sort_field),
          one_deselect_action: text(meta.one_deselect_action) ?? "nullify",
          on_delete: onDelete,
        });
        await note("directus_relations", "create", and([eq("many_collection", many.collection), eq("many_field", fieldName)]));
      });
      return findRelation(fresh, many.collection, fieldName)!;
    },

    async update(collection: string, field: string, input: unknown): Promise<Relation> {
      const schema = await schemaOf();
      const relation = findRelation(schema, collection, field);
      if (!relation) throw new AppError("FORBIDDEN");
      const body = isObject(input) ? input : {};
      const meta = isObject(body.meta) ? body.meta : {};
      const values: Record<string, unknown> = {};
      for (const key of ["one_field", "junction_field", "sort_field", "one_deselect_action"]) if (key in meta) values[key] = meta[key];
      if (isObject(body.schema) && body.schema.on_delete !== undefined) {
        const onDelete = String(body.schema.on_delete).toUpperCase();
        if (!ON_DELETE.includes(onDelete)) throw invalidPayload(`"schema.on_delete" must be one of ${ON_DELETE.join(", ")}.`);
        values.on_delete = onDelete;
      }
      const fresh = await change(collection, async ({ trx, note }) => {
        await updateRows(trx, systemTable("directus_relations"), values, eq("id", relation.id));
        await note("directus_relations", "update", eq("id", relation.id));
      });
      return findRelation(fresh, collection, field)!;
    },

    async remove(collection: string, field: string): Promise<void> {
      const relation = findRelation(await schemaOf(), collection, field);
      if (!relation) throw new AppError("FORBIDDEN");
      await change(collection, async ({ trx, note }) => {
        await note("directus_relations", "delete", eq("id", relation.id));
        await deleteRows(trx, systemTable("directus_relations"), eq("id", relation.id));
      });
    },
  };
}
