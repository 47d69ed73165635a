// Writes inside one transaction: payload checks, specials, presets, validation, nested relations, cascades.
import { randomUUID } from "node:crypto";
import type { Executor } from "../db/db.js";
import { deleteRows, insertRow, selectRows, updateRows } from "../db/rows.js";
import { AppError, forbidden, invalidPayload } from "../errors.js";
import { hashPassword, isPasswordHash } from "../lib/password.js";
import { and, isLocalFilter, matchFilter, type FilterNode } from "../query/filter.js";
import { castForWrite, toCanonical } from "../query/values.js";
import type { Accountability } from "./accountability.js";
import type { ChangeEvent } from "./events.js";
import { CONCEALED, keyFilter } from "./items-read.js";
import { isConcealed } from "./filter.js";
import type { AccessView, Action, ActionAccess } from "./permissions.js";
import { linkOf, type Collection, type Link, type Schema } from "./schema.js";
import { checkPermissionRule, checkSystemPayload } from "./system-checks.js";
import { accessCollections } from "./system-collections.js";

type Row = Record<string, unknown>;

/** Keys one write may name: keeps every statement under the databases' bound-parameter limits. */
const MAX_KEYS = 10_000;
type O2M = Extract<Link, { kind: "o2m" }>;

export interface WriteContext {
  trx: Executor;
  schema: Schema;
  accountability: Accountability;
  /** Resolved before the transaction opened: permission checks inside it need no database reads. */
  view: AccessView;
  pending: ChangeEvent[];
  now: Date;
  /** Set when a user, role, policy, access row or permission changed: caches must be dropped. */
  accessChanged: boolean;
  /** `collection:key` of rows whose delete is under way: a CASCADE loop back to them stops there. */
  deleting?: Set<string>;
}

function accessFor(ctx: WriteContext, collection: Collection, action: Action): ActionAccess {
  return ctx.view.access(collection, action);
}

const allColumns = (collection: Collection) => Object.keys(collection.table.types);

export async function createOne(ctx: WriteContext, collection: Collection, payload: unknown): Promise<unknown> {
  const access = accessFor(ctx, collection, "create");
  const { values, nested } = await prepareValues(ctx, collection, payload, access, "create");
  await checkForeignKeys(ctx, collection, values);
  const key = await insertRow(ctx.trx, collection.table, values);
  for (const [link, value] of nested) await writeNested(ctx, link, key, value, true);
  await validateStored(ctx, collection, [key], access);
  const rows = await selectRows(ctx.trx, collection.table, { columns: allColumns(collection), where: keyFilter(collection, collection.primaryKey, [key]) });
  checkStoredRows(ctx, collection, rows);
  noteChange(ctx, { collection: collection.collection, action: "create", keys: [key], rows, seq: 0 });
  return key;
}

export async function updateMany(ctx: WriteContext, collection: Collection, keys: unknown[], payload: unknown): Promise<unknown[]> {
  const access = accessFor(ctx, collection, "update");
  const existing = await existingKeys(ctx.trx, collection, keys, access.filter);
  const { values, nested } = await prepareValues(ctx, collection, payload, access, "update");
  delete values[collection.primaryKey];
  await checkForeignKeys(ctx, collection, values);
  if (existing.length === 0) return existing;
  await updateRows(ctx.trx, collection.table, values, keyFilter(collection, collection.primaryKey, existing));
  for (const key of existing) for (const [link, value] of nested) await writeNested(ctx, link, key, value, false);
  await validateStored(ctx, collection, existing, access);
  const rows = await selectRows(ctx.trx, collection.table, { columns: allColumns(collection), where: keyFilter(collection, collection.primaryKey, existing) });
  checkStoredRows(ctx, collection, rows);
  noteChange(ctx, { collection: collection.collection, action: "update", keys: existing, rows, seq: 0 });
  return existing;
}

export async function deleteMany(ctx: WriteContext, collection: Collection, keys: unknown[]): Promise<unknown[]> {
  const access = accessFor(ctx, collection, "delete");
  const existing = await existingKeys(ctx.trx, collection, keys, access.filter);
  await deleteCascading(ctx, collection, existing);
  return existing;
}

/** Checks that need the whole row as stored, not just the payload (a PATCH may send one column). */
function checkStoredRows(ctx: WriteContext, collection: Collection, rows: Row[]) {
  if (collection.collection === "directus_permissions") for (const row of rows) checkPermissionRule(ctx.schema, row);
}

function noteChange(ctx: WriteContext, event: ChangeEvent) {
  ctx.pending.push({ ...event, rows: maskConcealed(ctx.schema, event.collection, event.rows) });
  if (accessCollections.has(event.collection)) ctx.accessChanged = true;
}

/**
 * Password hashes and static tokens never travel in events (the bus, the outbox): they only ever read as
 * CONCEALED, and nobody may filter on them, so the mask loses nothing.
 */
function maskConcealed(schema: Schema, name: string, rows: Row[]): Row[] {
  const concealed = [...(schema.collections.get(name)?.fields.values() ?? [])].filter(isConcealed).map((field) => field.field);
  if (concealed.length === 0) return rows;
  return rows.map((row) => {
    const masked = { ...row };
    for (const field of concealed) if (masked[field] !== null && masked[field] !== undefined) masked[field] = CONCEALED;
    return masked;
  });
}

/** A key from a URL or body in the primary key's canonical form, or undefined if it can't be one. */
export function canonicalKey(collection: Collection, key: unknown): unknown {
  const value = toCanonical(collection.table.types[collection.primaryKey] ?? "string", key);
  return value === null ? undefined : value;
}

/** All keys must exist (and pass the action's row filter), or the whole request is refused. */
async function existingKeys(trx: Executor, collection: Collection, keys: unknown[], filter: FilterNode | undefined): Promise<unknown[]> {
  if (keys.length > MAX_KEYS) throw invalidPayload(`At most ${MAX_KEYS} items can be changed in one request.`);
  const canonical = keys.map((key) => canonicalKey(collection, key));
  if (canonical.some((key) => key === undefined)) throw forbidden();
  const unique = [...new Map(canonical.map((key) => [String(key), key])).values()];
  if (unique.length === 0) return [];
  const rows = await selectRows(trx, collection.table, { columns: [collection.primaryKey], where: and([keyFilter(collection, collection.primaryKey, unique), filter]) });
  if (rows.length !== unique.length) throw forbidden();
  return unique;
}

async function deleteCascading(ctx: WriteContext, collection: Collection, keys: unknown[]) {
  if (keys.length === 0) return;
  const { trx, schema } = ctx;
  const where = keyFilter(collection, collection.primaryKey, keys);
  const rows = await selectRows(trx, collection.table, { columns: allColumns(collection), where });
  const deleting = (ctx.deleting ??= new Set());
  const mark = (name: string, key: unknown) => `${name}:${String(key)}`;
  for (const key of keys) deleting.add(mark(collection.collection, key));
  const handled = new Set<string>();
  for (const relation of schema.relations) {
    if (relation.relatedCollection !== collection.collection) continue;
    const many = schema.collections.get(relation.collection);
    if (!many || many.folder || !many.table.types[relation.field] || handled.has(`${many.collection}.${relation.field}`)) continue;
    handled.add(`${many.collection}.${relation.field}`);
    const refWhere = keyFilter(many, relation.field, keys);
    const onDelete = relation.schema.on_delete.toUpperCase();
    if (onDelete === "CASCADE") {
      const refs = (await selectRows(trx, many.table, { columns: [many.primaryKey], where: refWhere })).map((ref) => ref[many.primaryKey]);
      await deleteCascading(ctx, many, refs.filter((key) => !deleting.has(mark(many.collection, key))));
    } else if (onDelete === "SET NULL" || onDelete === "SET DEFAULT") {
      // Unlinked rows changed too: subscribers of that collection get an update event for them.
      const refs = (await selectRows(trx, many.table, { columns: [many.primaryKey], where: refWhere })).map((ref) => ref[many.primaryKey]);
      if (refs.length === 0) continue;
      await updateRows(trx, many.table, { [relation.field]: null }, refWhere);
      const changed = await selectRows(trx, many.table, { columns: allColumns(many), where: keyFilter(many, many.primaryKey, refs) });
      noteChange(ctx, { collection: many.collection, action: "update", keys: refs, rows: changed, seq: 0 });
    } else {
      const refs = await selectRows(trx, many.table, { columns: [many.primaryKey], where: refWhere, limit: 1 });
      if (refs.length) throw new AppError("INVALID_FOREIGN_KEY", `Items of "${many.collection}" still reference these items.`);
    }
  }
  await deleteRows(trx, collection.table, where);
  for (const key of keys) deleting.delete(mark(collection.collection, key));
  noteChange(ctx, { collection: collection.collection, action: "delete", keys, rows, seq: 0 });
}

/** Casts a payload to canonical column values; alias (o2m) values are returned apart for writeNested. */
async function prepareValues(ctx: WriteContext, collection: Collection, payload: unknown, access: ActionAccess, action: "create" | "update") {
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) throw invalidPayload("An item must be an object.");
  const values: Row = {};
  const nested: Array<[O2M, unknown]> = [];
  const own = payload as Row;
  const input: Row = action === "create" ? { ...access.presets, ...own } : own;
  for (const [name, raw] of Object.entries(input)) {
    const field = collection.fields.get(name);
    if (!field) throw invalidPayload(`Field "${name}" does not exist in collection "${collection.collection}".`);
    // On update the primary key only names the item (it is never changed); on create it needs permission.
    if (action === "update" && name === collection.primaryKey) continue;
    // Only the caller's own values need field permission: preset values come from the rule itself.
    if (Object.hasOwn(own, name) && access.fields !== "*" && !access.fields.has(name)) {
      throw new AppError("FORBIDDEN", `You don't have permission to write field "${name}" in collection "${collection.collection}".`);
    }
    const link = linkOf(ctx.schema, collection.collection, name);
    if (field.type === "alias") {
      if (link?.kind === "o2m") nested.push([link, raw]);
      continue;
    }
    let value = raw;
    if (link?.kind === "m2o" && value && typeof value === "object" && !Array.isArray(value)) value = await writeParent(ctx, link, value as Row);
    value = castForWrite(field.type, value, name);
    const maxLength = field.schema?.max_length;
    if (typeof value === "string" && maxLength && field.type !== "hash" && [...value].length > maxLength) {
      throw new AppError("VALUE_TOO_LONG", `Value for field "${name}" in collection "${collection.collection}" is too long (max ${maxLength}).`);
    }
    if (field.type === "hash" && typeof value === "string" && !isPasswordHash(value)) value = await hashPassword(value);
    if (collection.collection === "directus_users" && name === "email" && typeof value === "string") value = value.trim().toLowerCase();
    values[name] = value;
  }
  checkSystemPayload(ctx.schema, collection.collection, values);
  validate(collection, values, access);
  applySpecials(ctx, collection, values, action);
  return { values, nested };
}

/** Checks the caller's validation rule against the payload (fields it does not send are not judged). */
function validate(collection: Collection, values: Row, access: ActionAccess) {
  const rule = access.validation;
  if (!rule || !isLocalFilter(rule)) return;
  const failing = failingFields(rule, values);
  if (failing.length) {
    throw new AppError("FAILED_VALIDATION", `Validation failed for field "${failing[0]}" in collection "${collection.collection}".`);
  }
}

/** Validation rules that reach into relations are checked on the written rows, inside the transaction. */
async function validateStored(ctx: WriteContext, collection: Collection, keys: unknown[], access: ActionAccess) {
  const rule = access.validation;
  if (!rule || isLocalFilter(rule) || keys.length === 0) return;
  const passing = await selectRows(ctx.trx, collection.table, { columns: [collection.primaryKey], where: and([keyFilter(collection, collection.primaryKey, keys), rule]) });
  if (passing.length !== keys.length) throw new AppError("FAILED_VALIDATION", `Validation failed in collection "${collection.collection}".`);
}

function failingFields(node: FilterNode, values: Row): string[] {
  if (node.kind === "field") return node.field in values && !matchFilter(node, values) ? [node.field] : [];
  if (node.kind === "and") return node.nodes.flatMap((child) => failingFields(child, values));
  if (node.kind === "or") {
    const results = node.nodes.map((child) => failingFields(child, values));
    return results.some((fields) => fields.length === 0) ? [] : results[0];
  }
  return [];
}

function applySpecials(ctx: WriteContext, collection: Collection, values: Row, action: "create" | "update") {
  for (const field of collection.fields.values()) {
    const has = (special: string) => field.special.includes(special);
    if (action === "create" && has("uuid") && (values[field.field] === undefined || values[field.field] === null)) values[field.field] = randomUUID();
    if ((action === "create" && has("date-created")) || (action === "update" && has("date-updated"))) values[field.field] = toCanonical(field.type, ctx.now);
    if ((action === "create" && has("user-created")) || (action === "update" && has("user-updated"))) values[field.field] = ctx.accountability.user;
  }
  const pk = collection.fields.get(collection.primaryKey);
  if (action === "create" && pk && !pk.schema?.has_auto_increment && values[collection.primaryKey] === undefined) {
    throw invalidPayload(`Field "${collection.primaryKey}" (the primary key) is required.`);
  }
}

async function checkForeignKeys(ctx: WriteContext, collection: Collection, values: Row) {
  for (const [name, value] of Object.entries(values)) {
    if (value === null) continue;
    const link = linkOf(ctx.schema, collection.collection, name);
    if (link?.kind !== "m2o") continue;
    const related = ctx.schema.collections.get(link.related)!;
    const found = await selectRows(ctx.trx, related.table, { columns: [related.primaryKey], where: keyFilter(related, related.primaryKey, [value]) });
    if (found.length === 0) throw new AppError("INVALID_FOREIGN_KEY", `Invalid foreign key for field "${name}" in collection "${collection.collection}".`);
  }
}

/** A many-to-one given as an object: create the related item, or update it when it carries its key. */
async function writeParent(ctx: WriteContext, link: Extract<Link, { kind: "m2o" }>, item: Row): Promise<unknown> {
  const related = ctx.schema.collections.get(link.related)!;
  const key = item[link.relatedKey];
  if (key === undefined || key === null) return createOne(ctx, related, item);
  const rest = { ...item };
  delete rest[link.relatedKey];
  if (Object.keys(rest).length) await updateMany(ctx, related, [key], rest);
  return key;
}

/**
 * One-to-many values: a list is the complete new set (items left out are detached per
 * one_deselect_action); `{create, update, delete}` changes only what it names.
 */
async function writeNested(ctx: WriteContext, link: O2M, parentKey: unknown, value: unknown, created: boolean) {
  const related = ctx.schema.collections.get(link.related)!;
  const fk = link.foreignKey;
  const attach = async (item: unknown): Promise<unknown> => {
    if (item === null || typeof item !== "object") {
      await updateMany(ctx, related, [item], { [fk]: parentKey });
      return canonicalKey(related, item);
    }
    const row = item as Row;
    const key = row[related.primaryKey];
    if (key !== undefined && key !== null) {
      const found = await selectRows(ctx.trx, related.table, { columns: [related.primaryKey], where: keyFilter(related, related.primaryKey, [canonicalKey(related, key)]) });
      if (found.length) {
        await updateMany(ctx, related, [key], { ...row, [fk]: parentKey });
        return canonicalKey(related, key);
      }
    }
    return createOne(ctx, related, { ...row, [fk]: parentKey });
  };
  const detach = async (keys: unknown[]) => {
    if (keys.length === 0) return;
    if (link.deselect === "delete") await deleteMany(ctx, related, keys);
    else await updateMany(ctx, related, keys, { [fk]: null });
  };
  if (Array.isArray(value)) {
    const kept = new Set<string>();
    for (const item of value) kept.add(String(await attach(item)));
    if (created) return;
    const current = await selectRows(ctx.trx, related.table, { columns: [related.primaryKey], where: and([keyFilter(related, fk, [parentKey]), link.where]) });
    await detach(current.map((row) => row[related.primaryKey]).filter((key) => !kept.has(String(key))));
    return;
  }
  if (value && typeof value === "object") {
    const changes = value as { create?: unknown; update?: unknown; delete?: unknown };
    for (const item of asList(changes.create)) await createOne(ctx, related, { ...(item as Row), [fk]: parentKey });
    for (const item of asList(changes.update)) await attach(item);
    await detach(asList(changes.delete));
    return;
  }
  if (value !== null && value !== undefined) throw invalidPayload(`Field "${link.field}" takes a list of items or {create, update, delete}.`);
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidPayload("create, update and delete must be lists.");
  return value;
}
