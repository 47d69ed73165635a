// The single read and write path for items of every collection: permissions, variables, events.
import type { Db } from "../db/db.js";
import { isRetryableConflict, translateDbError } from "../db/errors.js";
import { collectionForbidden, forbidden, invalidPayload, isAppError } from "../errors.js";
import type { FilterNode } from "../query/filter.js";
import type { Query } from "../query/params.js";
import { systemAccountability, type Accountability } from "./accountability.js";
import type { ChangeEvent, Events } from "./events.js";
import { keyFilter, runRead, shapeRows, type ReadResult } from "./items-read.js";
import { canonicalKey, createOne, deleteMany, updateMany, type WriteContext } from "./items-write.js";
import { runAggregate } from "./aggregate.js";
import { numberEvents, recordEvents } from "./outbox.js";
import type { Action, Permissions } from "./permissions.js";
import { planRead, type Limits } from "./query.js";
import type { Collection, Schema } from "./schema.js";
import type { SchemaStore } from "./schema-store.js";
import { internalCollections } from "./system-collections.js";
import { bindVariables, valueAtPath } from "./variables.js";
import { bumpVersion } from "./versions.js";

type Row = Record<string, unknown>;

export interface ItemsDeps {
  db: Db;
  schemas: SchemaStore;
  events: Events;
  permissions: Permissions;
  limits: Limits;
  /** Called after a committed write changed users, roles, policies, access rows or permissions. */
  onAccessChange: () => void;
  /** Re-reads the shared access version now; true when another instance changed access. */
  accessMoved: () => Promise<boolean>;
  now?: () => Date;
}

export type Items = ReturnType<typeof createItems>;

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Runs a transaction again (a few times) when the database aborted it for a deadlock or serialization conflict. */
async function retryConflicts<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= 4 || !isRetryableConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
    }
  }
}

export function createItems(deps: ItemsDeps) {
  const { db, schemas, events, permissions, limits } = deps;
  const now = deps.now ?? (() => new Date());

  async function collectionOf(name: string): Promise<{ schema: Schema; collection: Collection }> {
    const schema = await schemas.get();
    const collection = schema.collections.get(name);
    if (!collection || collection.folder || internalCollections.has(name)) throw collectionForbidden(name);
    return { schema, collection };
  }

  async function access(accountability: Accountability, name: string, action: Action) {
    const { schema, collection } = await collectionOf(name);
    const view = await permissions.view(schema, accountability);
    return { schema, collection, access: view.access(collection, action) };
  }

  /** Runs writes in one transaction; change events go out only once it has committed. */
  function write<T>(accountability: Accountability, name: string, work: (ctx: WriteContext, collection: Collection) => Promise<T>): Promise<T> {
    return fresh(() => writeNow(accountability, name, work));
  }

  async function writeNow<T>(accountability: Accountability, name: string, work: (ctx: WriteContext, collection: Collection) => Promise<T>): Promise<T> {
    const { schema, collection } = await collectionOf(name);
    const view = await permissions.view(schema, accountability);
    const pending: ChangeEvent[] = [];
    let accessChanged = false;
    let result: T;
    try {
      result = await retryConflicts(() => db.transaction(async (trx) => {
        pending.length = 0;
        const ctx: WriteContext = { trx, schema, accountability, view, pending, now: now(), accessChanged: false };
        const value = await work(ctx, collection);
        if (ctx.accessChanged) await bumpVersion(trx, "access_version");
        await numberEvents(trx, pending);
        await recordEvents(trx, pending, now());
        accessChanged = ctx.accessChanged;
        return value;
      }));
    } catch (error) {
      throw translateDbError(error, name);
    }
    if (accessChanged) deps.onAccessChange();
    for (const event of pending) events.emitChange(event);
    return result;
  }

  /**
   * Another instance may have changed the schema or permissions a moment ago (its announcement can
   * trail the request): before refusing, check the shared versions once and retry on fresh ones.
   */
  async function fresh<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!isAppError(error) || !["FORBIDDEN", "INVALID_PAYLOAD", "INVALID_QUERY"].includes(error.code)) throw error;
      const [schemaStale, accessMoved] = await Promise.all([schemas.isStale(), deps.accessMoved()]);
      if (!schemaStale && !accessMoved) throw error;
      return work();
    }
  }

  async function readMany(accountability: Accountability, name: string, query: Query, extra?: FilterNode): Promise<ReadResult> {
    return fresh(() => readManyNow(accountability, name, query, extra));
  }

  /** The query with dynamic variables ($CURRENT_USER, $NOW, …) in its filter and deep replaced by values. */
  async function bindQuery(accountability: Accountability, query: Query): Promise<Query> {
    const at = now();
    return {
      ...query,
      filter: await bindVariables(accountability, query.filter, readPath, at),
      deep: await bindVariables(accountability, query.deep, readPath, at),
    };
  }

  async function readManyNow(accountability: Accountability, name: string, query: Query, extra?: FilterNode): Promise<ReadResult> {
    const { schema, collection, access: rules } = await access(accountability, name, "read");
    const plan = planRead(schema, collection, await bindQuery(accountability, query), rules, limits);
    const result = await runRead(db.knex, plan, rules, extra);
    return { ...result, data: shapeRows(result.data, plan.tree) };
  }

  async function readByKeys(accountability: Accountability, name: string, keys: unknown[], query: Query): Promise<Row[]> {
    const { collection } = await collectionOf(name);
    const canonical = keys.map((key) => canonicalKey(collection, key)).filter((key) => key !== undefined);
    if (canonical.length === 0) return [];
    const whole = { ...query, limit: -1, offset: 0, page: undefined, meta: undefined };
    return (await readMany(accountability, name, whole, keyFilter(collection, collection.primaryKey, canonical))).data;
  }

  async function readOne(accountability: Accountability, name: string, key: unknown, query: Query): Promise<Row> {
    const [row] = await readByKeys(accountability, name, [key], query);
    if (!row) throw forbidden();
    return row;
  }

  async function aggregate(accountability: Accountability, name: string, query: Query): Promise<Row[]> {
    return fresh(() => aggregateNow(accountability, name, query));
  }

  async function aggregateNow(accountability: Accountability, name: string, query: Query): Promise<Row[]> {
    const { schema, collection, access: rules } = await access(accountability, name, "read");
    return runAggregate(db.knex, schema, collection, await bindQuery(accountability, query), rules, limits);
  }

  /** Keys matched by a query (filter, search, sort, limit) that the caller may read. */
  async function keysByQuery(accountability: Accountability, name: string, query: Query): Promise<unknown[]> {
    const { collection } = await collectionOf(name);
    const result = await readMany(accountability, name, { ...query, fields: [collection.primaryKey], meta: undefined });
    return result.data.map((row) => row[collection.primaryKey]);
  }

  async function readPath(collection: string, key: string, path: string): Promise<unknown> {
    const [row] = await readByKeys(systemAccountability, collection, [key], { fields: [path] });
    return valueAtPath(row, path.split("."));
  }

  return {
    access,
    bindQuery,
    readMany,
    aggregate,
    readByKeys,
    readOne,
    keysByQuery,
    readPath,
    create: (accountability: Accountability, name: string, payloads: unknown[]) =>
      write(accountability, name, async (ctx, collection) => {
        const keys: unknown[] = [];
        for (const payload of payloads) keys.push(await createOne(ctx, collection, payload));
        return keys;
      }),
    update: (accountability: Accountability, name: string, keys: unknown[], payload: unknown) =>
      write(accountability, name, (ctx, collection) => updateMany(ctx, collection, keys, payload)),
    /** Each entry updates its keys with its payload; all land in one transaction or none do. */
    updateBatch: (accountability: Accountability, name: string, entries: Array<{ keys: unknown[]; payload: unknown }>) =>
      write(accountability, name, async (ctx, collection) => {
        // Rows are locked in key order, whatever the request's order, so concurrent batches cannot deadlock.
        const ordered = entries.map((entry, index) => ({ entry, index })).sort((a, b) => compareKeys(a.entry.keys[0], b.entry.keys[0]) || a.index - b.index);
        for (const { entry } of ordered) await updateMany(ctx, collection, entry.keys, entry.payload);
        return entries.flatMap((entry) => entry.keys.map((key) => canonicalKey(collection, key)));
      }),
    remove: (accountability: Accountability, name: string, keys: unknown[]) =>
      write(accountability, name, (ctx, collection) => deleteMany(ctx, collection, keys)),
  };
}

/** A batch update's items as entries for `updateBatch`: each item is keyed by its own primary key, which it must carry. */
export function batchEntries(data: unknown[], primaryKey: string): Array<{ keys: unknown[]; payload: unknown }> {
  return data.map((item) => {
    const key = item && typeof item === "object" ? (item as Row)[primaryKey] : undefined;
    if (key === undefined || key === null) throw invalidPayload(`Each item of a batch update needs its primary key "${primaryKey}".`);
    return { keys: [key], payload: item };
  });
}

/** A caller that may write but not read the result gets `null`, as in Directus. */
export async function nullIfForbidden<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (isAppError(error) && error.code === "FORBIDDEN") return null;
    throw error;
  }
}
