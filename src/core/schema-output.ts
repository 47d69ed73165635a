// Directus's API shapes for collections, fields and relations.
import type { Collection, Field, Relation } from "./schema.js";

export function collectionOutput(collection: Collection) {
  return {
    collection: collection.collection,
    meta: collection.system
      ? { collection: collection.collection, system: true, hidden: false, singleton: false, icon: null, note: null }
      : { collection: collection.collection, icon: null, note: null, hidden: false, singleton: false, sort_field: null, ...collection.meta },
    schema: collection.folder ? null : { name: collection.collection },
  };
}

export function fieldOutput(field: Field) {
  return {
    collection: field.collection,
    field: field.field,
    type: field.type,
    meta: {
      collection: field.collection,
      field: field.field,
      special: field.special.length ? field.special : null,
      interface: null,
      options: null,
      display: null,
      display_options: null,
      readonly: false,
      hidden: false,
      sort: null,
      width: "full",
      note: null,
      required: false,
      ...field.meta,
    },
    schema: field.schema
      ? {
          name: field.field,
          table: field.collection,
          data_type: field.type,
          foreign_key_table: null,
          foreign_key_column: null,
          ...field.schema,
        }
      : null,
  };
}

export function relationOutput(relation: Relation) {
  return {
    collection: relation.collection,
    field: relation.field,
    related_collection: relation.relatedCollection,
    meta: {
      id: relation.id,
      many_collection: relation.collection,
      many_field: relation.field,
      one_collection: relation.relatedCollection,
      ...relation.meta,
      one_collection_field: null,
      one_allowed_collections: null,
    },
    schema: {
      table: relation.collection,
      column: relation.field,
      foreign_key_table: relation.relatedCollection,
      foreign_key_column: null,
      on_update: "NO ACTION",
      constraint_name: null,
      ...relation.schema,
    },
  };
}
