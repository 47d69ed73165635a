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
const DESELECT = ["nullify", "delete"];

const eq = (field: string, value: unknown): FilterNode => ({ kind: "field", field, type: field === "id" ? "integer" : "string", op: "_eq", value });

export function findRelation(schema: Schema, collection: string, field: string): Relation | undefined {
  return schema.relations.find((relation) => relation.id !== null && relation.collection === collection && relation.field === field);
}

type RelationOptions = {
  one_field?: string | null;
  one_deselect_action?: string;
  on_delete?: string;
};

/** The one-to-many alias on the related side, which must not name a real column (removing the alias would drop it). */
function checkedOneField(schema: Schema, relatedName: string | null, value: unknown): string | null {
  if (typeof value !== "string" || relatedName === null) return null;
  const existing = schema.collections.get(relatedName)?.fields.get(value);
  if (existing && existing.type !== "alias") throw invalidPayload(`Field "${value}" of "${relatedName}" is not an alias field.`);
  return value;
}

/** The one_field, one_deselect_action and on_delete a create or update body names, checked alike for both. */
function checkedOptions(schema: Schema, relatedName: string | null, body: Record<string, unknown>): RelationOptions {
  const meta = isObject(body.meta) ? body.meta : {};
  const options: RelationOptions = {};
  if ("one_field" in meta) options.one_field = checkedOneField(schema, relatedName, meta.one_field);
  if (meta.one_deselect_action !== undefined && meta.one_deselect_action !== null) {
    const deselect = String(meta.one_deselect_action);
    if (!DESELECT.includes(deselect)) throw invalidPayload(`"meta.one_deselect_action" must be one of ${DESELECT.join(", ")}.`);
    options.one_deselect_action = deselect;
  }
  const onDelete = isObject(body.schema) ? body.schema.on_delete : undefined;
  if (onDelete !== undefined && onDelete !== null) {
    options.on_delete = String(onDelete).toUpperCase();
    if (!ON_DELETE.includes(options.on_delete)) throw invalidPayload(`"schema.on_delete" must be one of ${ON_DELETE.join(", ")}.`);
  }
  return options;
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
      if (relatedName !== null) {
        const related = schema.collections.get(String(relatedName));
        if (!related || related.folder) throw invalidPayload(`Related collection ${JSON.stringify(relatedName)} does not exist.`);
        const pk = related.fields.get(related.primaryKey)!;
        const compatible = pk.type === field.type || (["integer", "bigInteger"].includes(pk.type) && ["integer", "bigInteger"].includes(field.type))
          || (["string", "uuid"].includes(pk.type) && ["string", "uuid"].includes(field.type));
        if (!compatible) throw invalidPayload(`Field "${fieldName}" (${field.type}) can't hold keys of "${related.collection}" (${pk.type}).`);
      }
      const options = checkedOptions(schema, relatedName === null ? null : String(relatedName), input);
      const meta = isObject(input.meta) ? input.meta : {};
      const text = (value: unknown) => (typeof value === "string" ? value : null);
      const fresh = await change(many.collection, async ({ trx, note }) => {
        await insertRow(trx, systemTable("directus_relations"), {
          many_collection: many.collection,
          many_field: fieldName,
          one_collection: relatedName,
          one_field: options.one_field ?? null,
          junction_field: text(meta.junction_field),
          sort_field: text(meta.sort_field),
          one_deselect_action: options.one_deselect_action ?? "nullify",
          on_delete: options.on_delete ?? "SET NULL",
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
      const values: Record<string, unknown> = checkedOptions(schema, relation.relatedCollection, body);
      for (const key of ["junction_field", "sort_field"]) if (key in meta) values[key] = meta[key];
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
