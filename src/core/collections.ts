// Creating, changing and dropping user collections (table DDL plus directus_collections rows).
import { createTable, dropTable } from "../db/ddl.js";
import { deleteRows, insertRow, updateRows } from "../db/rows.js";
import { invalidPayload } from "../errors.js";
import type { FilterNode } from "../query/filter.js";
import { assertIdentifier, columnSpec, deleteFieldRows, deleteRelationRowsFor, dependentFields, insertFieldRow, isObject, parseFieldInput, removeField, userCollection } from "./fields.js";
import type { Collection, Field, Schema } from "./schema.js";
import type { SchemaChange } from "./schema-change.js";
import { isSystemCollection, systemTable } from "./system-collections.js";

const byName = (collection: string): FilterNode => ({ kind: "field", field: "collection", type: "string", op: "_eq", value: collection });

const defaultPrimaryKey = (collection: string): Field =>
  parseFieldInput(collection, {
    field: "id",
    type: "integer",
    meta: { hidden: true, interface: "input", readonly: true },
    schema: { is_primary_key: true, has_auto_increment: true },
  });

export function createCollections(change: SchemaChange, schemaOf: () => Promise<Schema>) {
  return {
    async create(input: unknown): Promise<Collection> {
      if (!isObject(input)) throw invalidPayload("A collection must be an object.");
      const name = input.collection;
      assertIdentifier("Collection", name);
      if (isSystemCollection(name)) throw invalidPayload(`Collection names starting with "directus_" or "tidings_" are reserved.`);
      const current = await schemaOf();
      if ([...current.collections.keys()].some((existing) => existing.toLowerCase() === name.toLowerCase())) {
        throw invalidPayload(`Collection "${name}" already exists.`);
      }
      const folder = input.schema === null || input.schema === undefined;
      if (input.fields !== undefined && !Array.isArray(input.fields)) throw invalidPayload('"fields" must be a list.');
      const fields = ((input.fields as unknown[]) ?? []).map((field) => parseFieldInput(name, field));
      const names = new Set<string>();
      for (const field of fields) {
        if (names.has(field.field)) throw invalidPayload(`Field "${field.field}" is listed twice.`);
        names.add(field.field);
      }
      const primaries = fields.filter((field) => field.schema?.is_primary_key);
      if (primaries.length > 1) throw invalidPayload("A collection has exactly one primary key.");
      if (!folder && primaries.length === 0) {
        if (names.has("id")) throw invalidPayload('Field "id" must be the primary key when no other primary key is given.');
        fields.unshift(defaultPrimaryKey(name));
      }
      if (!folder && primaries[0]?.schema?.has_auto_increment && !["integer", "bigInteger"].includes(primaries[0].type)) {
        throw invalidPayload("Only integer primary keys can auto-increment.");
      }
      const meta = isObject(input.meta) ? { ...input.meta } : {};
      delete meta.collection;
      const schema = await change(name, async ({ trx, note }) => {
        if (!folder) await createTable(trx, name, fields.filter((field) => field.type !== "alias").map(columnSpec));
        await insertRow(trx, systemTable("directus_collections"), { collection: name, meta, folder });
        for (const [index, field] of fields.entries()) await insertFieldRow(trx, field, index + 1);
        await note("directus_collections", "create", byName(name));
        await note("directus_fields", "create", byName(name));
      });
      return schema.collections.get(name)!;
    },

    async update(name: string, input: unknown): Promise<Collection> {
      const collection = userCollection(await schemaOf(), name);
      if (!isObject(input)) throw invalidPayload("A collection update must be an object.");
      const meta = { ...collection.meta, ...(isObject(input.meta) ? input.meta : {}) };
      delete meta.collection;
      const schema = await change(name, async ({ trx, note }) => {
        await updateRows(trx, systemTable("directus_collections"), { meta }, byName(name));
        await note("directus_collections", "update", byName(name));
      });
      return schema.collections.get(name)!;
    },

    async remove(name: string): Promise<void> {
      const current = await schemaOf();
      const collection = userCollection(current, name);
      await change(name, async (context) => {
        const { trx, note } = context;
        for (const dependent of dependentFields(current, name)) await removeField(context, current, dependent);
        await note("directus_fields", "delete", byName(name));
        await note("directus_collections", "delete", byName(name));
        if (!collection.folder) await dropTable(trx, name);
        await deleteRows(trx, systemTable("directus_collections"), byName(name));
        await deleteFieldRows(trx, name);
        await deleteRelationRowsFor(trx, name);
      });
    },
  };
}
