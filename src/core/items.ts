// The single read and write path for items of every collection: permissions, validation, events.
import { randomUUID } from "node:crypto";
import type { Db, Executor } from "../db/db.js";
import { translateDbError } from "../db/errors.js";
import { deleteRows, insertRow, selectRows, updateRows } from "../db/rows.js";
import { AppError, collectionForbidden, forbidden, invalidPayload } from "../errors.js";
import { and, type FilterNode } from "../query/filter.js";
import type { Query } from "../query/params.js";
import { castForWrite, toCanonical } from "../query/values.js";
import { systemAccountability, type Accountability } from "./accountability.js";
import type { ChangeEvent, Events } from "./events.js";
import { keyFilter, runRead, shapeRows, type ReadResult } from "./items-read.js";
import type { Action, ActionAccess, Permissions } from "./permissions.js";
import { planRead, type Limits } from "./query.js";
import { linkOf, type Collection, type Schema } from "./schema.js";
import type { SchemaStore } from "./schema-store.js";
import { internalCollections } from "./system-collections.js";
import { bindVariables, valueAtPath } from "./variables.js";

type Row = Record<string, unknown>;

export interface ItemsDeps {
  db: Db;
  schemas: SchemaStore;
  events: Events;
  permissions: Permissions;
  limits: Limits;
  now?: () => Date;
}

export type Items = ReturnType<typeof createItems>;

export function createItems(deps: ItemsDeps) {
  const { db, schemas, events, permissions, limits } = deps;
  const now = deps.now ?? (() => new Date());

  async function prepare(accountability: Accountability, name: string, action: Action) {
    const schema = await schemas.get();
    const collection = schema.collections.get(name);
    if (!collection || collection.folder || internalCollections.has(name)) throw collectionForbidden(name);
    const access = await permissions.access(schema, accountability, collection, action);
    return { schema, collection, access };
  }

  /** Runs `work` in one transaction and publishes its change events once it has committed. */
  async function write<T>(collectionName: string, work: (trx: Executor, pending: ChangeEvent[]) => Promise<T>): Promise<T> {
    const pending: ChangeEvent[] = [];
    let result: T;
    try {
      result = await db.transaction((trx) => work(trx, pending));
    } catch (error) {
      throw translateDbError(error, collectionName);
    }
    for (const event of pending) events.emitChange(event);
    return result;
  }

  async function readMany(accountability: Accountability, name: string, query: Query, extra?: FilterNode): Promise<ReadResult> {
    const { schema, collection, access } = await prepare(accountability, name, "read");
    const bound = { ...query, filter: await bindVariables(accountability, query.filter, readPath, now()), deep: await bindVariables(accountability, query.deep, readPath, now()) };
    const plan = planRead(schema, collection, bound, access, limits);
    const result = await runRead(db.knex, plan, access, extra);
    return { ...result, data: shapeRows(result.data, plan.tree) };
  }

  async function readByKeys(accountability: Accountability, name: string, keys: unknown[], query: Query): Promise<Row[]> {
    const schema = await schemas.get();
    const collection = schema.collections.get(name);
    if (!collection) throw collectionForbidden(name);
    const canonical = keys.map((key) => canonicalKey(collection, key)).filter((key) => key !== undefined);
    if (canonical.length === 0) return [];
    const result = await readMany(accountability, name, { ...query, limit: -1, offset: 0, page: undefined, meta: undefined }, keyFilter(collection, collection.primaryKey, canonical));
    return result.data;
  }

  async function readOne(accountability: Accountability, name: string, key: unknown, query: Query): Promise<Row> {
    const [row] = await readByKeys(accountability, name, [key], query);
    if (!row) throw forbidden();
    return row;
  }

  async function create(accountability: Accountability, name: string, payloads: unknown[]): Promise<unknown[]> {
    const { schema, collection, access } = await prepare(accountability, name, "create");
    return write(name, async (trx, pending) => {
      const keys: unknown[] = [];
      for (const payload of payloads) {
        const values = prepareValues(schema, collection, payload, access, "create", accountability);
        await checkForeignKeys(trx, schema, collection, values);
        const key = await insertRow(trx, collection.table, values);
        keys.push(key);
        const rows = await selectRows(trx, collection.table, { columns: Object.keys(collection.table.types), where: keyFilter(collection, collection.primaryKey, [key]) });
        pending.push({ collection: name, action: "create", keys: [key], rows });
      }
      return keys;
    });
  }

  async function update(accountability: Accountability, name: string, keys: unknown[], payload: unknown): Promise<unknown[]> {
    return updateBatch(accountability, name, [{ keys, payload }]);
  }

  /** Each entry updates its keys with its payload; all entries land in one transaction or none do. */
  async function updateBatch(accountability: Accountability, name: string, entries: Array<{ keys: unknown[]; payload: unknown }>): Promise<unknown[]> {
    const { schema, collection, access } = await prepare(accountability, name, "update");
    return write(name, async (trx, pending) => {
      const all: unknown[] = [];
      for (const entry of entries) {
        const keys = await existingKeys(trx, collection, entry.keys, access.filter);
        const values = prepareValues(schema, collection, entry.payload, access, "update", accountability);
        delete values[collection.primaryKey];
        await checkForeignKeys(trx, schema, collection, values);
        await updateRows(trx, collection.table, values, keyFilter(collection, collection.primaryKey, keys));
        const rows = await selectRows(trx, collection.table, { columns: Object.keys(collection.table.types), where: keyFilter(collection, collection.primaryKey, keys) });
        pending.push({ collection: name, action: "update", keys, rows });
        all.push(...keys);
      }
      return all;
    });
  }

  async function remove(accountability: Accountability, name: string, keys: unknown[]): Promise<unknown[]> {
    const { schema, collection, access } = await prepare(accountability, name, "delete");
    return write(name, async (trx, pending) => {
      const existing = await existingKeys(trx, collection, keys, access.filter);
      await deleteCascading(trx, schema, collection, existing, pending);
      return existing;
    });
  }

  /** Keys matched by a query (filter, search, sort, limit) that the caller may read. */
  async function keysByQuery(accountability: Accountability, name: string, query: Query): Promise<unknown[]> {
    const schema = await schemas.get();
    const collection = schema.collections.get(name);
    if (!collection) throw collectionForbidden(name);
    const result = await readMany(accountability, name, { ...query, fields: [collection.primaryKey], meta: undefined });
    return result.data.map((row) => row[collection.primaryKey]);
  }

  async function readPath(collection: string, key: string, path: string): Promise<unknown> {
    const [row] = await readByKeys(systemAccountability, collection, [key], { fields: [path] });
    return valueAtPath(row, path.split("."));
  }

  return { readMany, readByKeys, readOne, create, update, updateBatch, remove, keysByQuery, prepare };

  /** All keys must exist (and pass the action's row filter), or the whole request is refused. */
  async function existingKeys(trx: Executor, collection: Collection, keys: unknown[], filter: FilterNode | undefined): Promise<unknown[]> {
    const canonical = keys.map((key) => canonicalKey(collection, key));
    if (canonical.some((key) => key === undefined)) throw forbidden();
    const unique = [...new Map(canonical.map((key) => [String(key), key])).values()];
    if (unique.length === 0) return [];
    const rows = await selectRows(trx, collection.table, { columns: [collection.primaryKey], where: and([keyFilter(collection, collection.primaryKey, unique), filter]) });
    if (rows.length !== unique.length) throw forbidden();
    return unique;
  }

  async function deleteCascading(trx: Executor, schema: Schema, collection: Collection, keys: unknown[], pending: ChangeEvent[]) {
    if (keys.length === 0) return;
    const where = keyFilter(collection, collection.primaryKey, keys);
    const rows = await selectRows(trx, collection.table, { columns: Object.keys(collection.table.types), where });
    for (const relation of schema.relations) {
      if (relation.relatedCollection !== collection.collection) continue;
      const many = schema.collections.get(relation.collection);
      if (!many || many.folder || !many.table.types[relation.field]) continue;
      const refWhere = keyFilter(many, relation.field, keys);
      const onDelete = relation.schema.on_delete.toUpperCase();
      if (onDelete === "CASCADE") {
        const refs = await selectRows(trx, many.table, { columns: [many.primaryKey], where: refWhere });
        if (many.collection === collection.collection) {
          const remaining = refs.map((ref) => ref[many.primaryKey]).filter((key) => !keys.some((k) => String(k) === String(key)));
          await deleteCascading(trx, schema, many, remaining, pending);
        } else await deleteCascading(trx, schema, many, refs.map((ref) => ref[many.primaryKey]), pending);
      } else if (onDelete === "SET NULL" || onDelete === "SET DEFAULT") {
        await updateRows(trx, many.table, { [relation.field]: null }, refWhere);
      } else {
        const refs = await selectRows(trx, many.table, { columns: [many.primaryKey], where: refWhere, limit: 1 });
        if (refs.length) throw new AppError("INVALID_FOREIGN_KEY", `Items of "${many.collection}" still reference these items.`);
      }
    }
    await deleteRows(trx, collection.table, where);
    pending.push({ collection: collection.collection, action: "delete", keys, rows });
  }

  /** Casts a payload to canonical column values, applying specials, presets and field rules. */
  function prepareValues(
    schema: Schema, collection: Collection, payload: unknown, access: ActionAccess, action: "create" | "update", accountability: Accountability,
  ): Row {
    if (!payload || typeof payload !== "object" || Array.isArray(payload)) throw invalidPayload("An item must be an object.");
    const values: Row = {};
    const input: Row = action === "create" ? { ...access.presets, ...(payload as Row) } : (payload as Row);
    for (const [name, raw] of Object.entries(input)) {
      const field = collection.fields.get(name);
      if (!field) throw invalidPayload(`Field "${name}" does not exist in collection "${collection.collection}".`);
      if (access.fields !== "*" && !access.fields.has(name) && !(name in access.presets)) {
        throw new AppError("FORBIDDEN", `You don't have permission to write field "${name}" in collection "${collection.collection}".`);
      }
      if (field.type === "alias") continue; // nested relational writes are not part of the payload columns
      let value = raw;
      const link = linkOf(schema, collection.collection, name);
      if (link?.kind === "m2o" && value && typeof value === "object" && !Array.isArray(value)) {
        value = (value as Row)[link.relatedKey];
        if (value === undefined) throw invalidPayload(`Field "${name}" takes the key of a "${link.related}" item.`);
      }
      value = castForWrite(field.type, value, name);
      const maxLength = field.schema?.max_length;
      if (typeof value === "string" && maxLength && [...value].length > maxLength) {
        throw new AppError("VALUE_TOO_LONG", `Value for field "${name}" in collection "${collection.collection}" is too long (max ${maxLength}).`);
      }
      values[name] = value;
    }
    applySpecials(collection, values, action, accountability);
    return values;
  }

  function applySpecials(collection: Collection, values: Row, action: "create" | "update", accountability: Accountability) {
    const stamp = now();
    for (const field of collection.fields.values()) {
      const has = (special: string) => field.special.includes(special);
      if (action === "create" && has("uuid") && (values[field.field] === undefined || values[field.field] === null)) values[field.field] = randomUUID();
      const stampField = (action === "create" && has("date-created")) || (action === "update" && has("date-updated"));
      if (stampField) values[field.field] = toCanonical(field.type, stamp);
      const userField = (action === "create" && has("user-created")) || (action === "update" && has("user-updated"));
      if (userField) values[field.field] = accountability.user;
    }
    const pk = collection.fields.get(collection.primaryKey);
    if (action === "create" && pk && !pk.schema?.has_auto_increment && values[collection.primaryKey] === undefined) {
      throw invalidPayload(`Field "${collection.primaryKey}" (the primary key) is required.`);
    }
  }

  async function checkForeignKeys(trx: Executor, schema: Schema, collection: Collection, values: Row) {
    for (const [name, value] of Object.entries(values)) {
      if (value === null) continue;
      const link = linkOf(schema, collection.collection, name);
      if (link?.kind !== "m2o") continue;
      const related = schema.collections.get(link.related)!;
      const found = await selectRows(trx, related.table, { columns: [related.primaryKey], where: keyFilter(related, related.primaryKey, [value]) });
      if (found.length === 0) throw new AppError("INVALID_FOREIGN_KEY", `Invalid foreign key for field "${name}" in collection "${collection.collection}".`);
    }
  }
}

/** A key from a URL or body in the primary key's canonical form, or undefined if it can't be one. */
export function canonicalKey(collection: Collection, key: unknown): unknown {
  const type = collection.table.types[collection.primaryKey] ?? "string";
  const value = toCanonical(type, key);
  return value === null ? undefined : value;
}
