// The system collections (users, roles, policies, …): their columns and relations, defined in code.
import type { FieldType } from "../query/values.js";
import type { FilterNode } from "../query/filter.js";
import { columnTypes, type Field, type FieldSchema, type Relation } from "./schema.js";

interface ColumnOptions {
  primary?: boolean;
  auto?: boolean;
  nullable?: boolean;
  unique?: boolean;
  default?: unknown;
  length?: number;
  special?: string[];
}

function column(collection: string, field: string, type: FieldType, options: ColumnOptions = {}): Field {
  const schema: FieldSchema | null = type === "alias" ? null : {
    is_primary_key: options.primary ?? false,
    has_auto_increment: options.auto ?? false,
    is_nullable: options.primary ? false : (options.nullable ?? true),
    is_unique: options.unique ?? false,
    default_value: options.default ?? null,
    max_length: type === "string" || type === "hash" ? (options.length ?? 255) : null,
    numeric_precision: null,
    numeric_scale: null,
  };
  return { collection, field, type, special: options.special ?? [], meta: { system: true }, schema };
}

const c = (collection: string, fields: Array<[string, FieldType, ColumnOptions?]>) => ({
  collection,
  fields: fields.map(([field, type, options]) => column(collection, field, type, options)),
});

export const systemCollections = [
  c("directus_collections", [
    ["collection", "string", { primary: true, length: 64 }],
    ["meta", "json"],
    ["folder", "boolean", { default: false, nullable: false }],
  ]),
  c("directus_fields", [
    ["id", "integer", { primary: true, auto: true }],
    ["collection", "string", { nullable: false, length: 64 }],
    ["field", "string", { nullable: false, length: 64 }],
    ["type", "string", { nullable: false, length: 32 }],
    ["special", "csv"],
    ["meta", "json"],
    ["schema", "json"],
    ["sort", "integer"],
  ]),
  c("directus_relations", [
    ["id", "integer", { primary: true, auto: true }],
    ["many_collection", "string", { nullable: false, length: 64 }],
    ["many_field", "string", { nullable: false, length: 64 }],
    ["one_collection", "string", { length: 64 }],
    ["one_field", "string", { length: 64 }],
    ["junction_field", "string", { length: 64 }],
    ["sort_field", "string", { length: 64 }],
    ["one_deselect_action", "string", { default: "nullify", length: 16 }],
    ["on_delete", "string", { default: "SET NULL", length: 16 }],
  ]),
  c("directus_roles", [
    ["id", "uuid", { primary: true, special: ["uuid"] }],
    ["name", "string", { nullable: false, length: 100 }],
    ["icon", "string", { default: "supervised_user_circle", length: 64 }],
    ["description", "text"],
    ["parent", "uuid"],
    ["children", "alias", { special: ["o2m"] }],
    ["users", "alias", { special: ["o2m"] }],
    ["policies", "alias", { special: ["o2m"] }],
  ]),
  c("directus_policies", [
    ["id", "uuid", { primary: true, special: ["uuid"] }],
    ["name", "string", { nullable: false, length: 100 }],
    ["icon", "string", { default: "badge", length: 64 }],
    ["description", "text"],
    ["ip_access", "csv"],
    ["enforce_tfa", "boolean", { default: false, nullable: false }],
    ["admin_access", "boolean", { default: false, nullable: false }],
    ["app_access", "boolean", { default: false, nullable: false }],
    ["permissions", "alias", { special: ["o2m"] }],
    ["roles", "alias", { special: ["o2m"] }],
    ["users", "alias", { special: ["o2m"] }],
  ]),
  c("directus_access", [
    ["id", "uuid", { primary: true, special: ["uuid"] }],
    ["role", "uuid"],
    ["user", "uuid"],
    ["policy", "uuid", { nullable: false }],
    ["sort", "integer"],
  ]),
  c("directus_permissions", [
    ["id", "integer", { primary: true, auto: true }],
    ["collection", "string", { nullable: false, length: 64 }],
    ["action", "string", { nullable: false, length: 10 }],
    ["permissions", "json"],
    ["validation", "json"],
    ["presets", "json"],
    ["fields", "csv"],
    ["policy", "uuid"],
  ]),
  c("directus_users", [
    ["id", "uuid", { primary: true, special: ["uuid"] }],
    ["first_name", "string", { length: 50 }],
    ["last_name", "string", { length: 50 }],
    ["email", "string", { unique: true, length: 128 }],
    ["password", "hash", { special: ["hash", "conceal"] }],
    ["location", "string"],
    ["title", "string", { length: 50 }],
    ["description", "text"],
    ["tags", "json"],
    ["avatar", "uuid"],
    ["language", "string", { length: 255 }],
    ["status", "string", { default: "active", nullable: false, length: 16 }],
    ["role", "uuid"],
    ["token", "string", { unique: true, special: ["conceal"] }],
    ["last_access", "timestamp"],
    ["last_page", "string"],
    ["provider", "string", { default: "default", nullable: false, length: 128 }],
    ["external_identifier", "string", { unique: true }],
    ["policies", "alias", { special: ["o2m"] }],
  ]),
  c("directus_sessions", [
    ["token", "string", { primary: true, length: 64 }],
    ["user", "uuid"],
    ["expires", "timestamp", { nullable: false }],
    ["ip", "string"],
    ["user_agent", "text"],
  ]),
  c("tidings_state", [
    ["key", "string", { primary: true, length: 64 }],
    ["value", "integer", { nullable: false, default: 0 }],
  ]),
  c("tidings_outbox", [
    ["id", "integer", { primary: true, auto: true }],
    ["collection", "string", { nullable: false, length: 64 }],
    ["seq", "bigInteger", { nullable: false }],
    ["event", "text", { nullable: false }],
    ["created_at", "timestamp", { nullable: false }],
  ]),
  c("tidings_sequences", [
    ["key", "string", { primary: true, length: 64 }],
    ["value", "bigInteger", { nullable: false, default: 0 }],
  ]),
];

function relation(
  collection: string, field: string, related: string, oneField: string | null, onDelete = "SET NULL", deselect = "nullify", where?: FilterNode,
): Relation {
  return {
    id: null,
    collection,
    field,
    relatedCollection: related,
    meta: { one_field: oneField, junction_field: null, sort_field: null, one_deselect_action: deselect },
    schema: { on_delete: onDelete },
    where,
  };
}

const notNull = (field: string): FilterNode => ({ kind: "field", field, type: "uuid", op: "_nnull", value: null });

export const systemRelations: Relation[] = [
  relation("directus_users", "role", "directus_roles", "users"),
  relation("directus_roles", "parent", "directus_roles", "children"),
  relation("directus_access", "role", "directus_roles", "policies", "CASCADE", "delete"),
  relation("directus_access", "user", "directus_users", "policies", "CASCADE", "delete"),
  relation("directus_access", "policy", "directus_policies", "roles", "CASCADE", "delete", notNull("role")),
  relation("directus_access", "policy", "directus_policies", "users", "CASCADE", "delete", notNull("user")),
  relation("directus_permissions", "policy", "directus_policies", "permissions", "CASCADE", "delete"),
  relation("directus_sessions", "user", "directus_users", null, "CASCADE"),
];

/** Changes to these decide who may do what: they invalidate every permission cache. */
export const accessCollections = new Set(["directus_users", "directus_roles", "directus_policies", "directus_access", "directus_permissions"]);

/** Collections that exist only for the server itself: never listed, never reachable through the API. */
export const internalCollections = new Set(["directus_sessions", "tidings_state", "tidings_sequences", "tidings_outbox"]);

export const isSystemCollection = (name: string) => name.startsWith("directus_") || name.startsWith("tidings_");

const systemFieldsByCollection = new Map(systemCollections.map((entry) => [entry.collection, entry.fields]));

export const systemTable = (collection: string) => {
  const fields = systemFieldsByCollection.get(collection);
  if (!fields) throw new Error(`unknown system collection ${collection}`);
  const primaryKey = fields.find((field) => field.schema?.is_primary_key)?.field ?? "id";
  return { table: collection, primaryKey, types: columnTypes(fields) };
};

