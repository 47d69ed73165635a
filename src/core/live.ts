// What a live subscriber sees of a change: computed once per (permissions, query) group, in memory
// when the change's rows carry everything needed, with one database read for the group otherwise.
import type { Db } from "../db/db.js";
import { and, isLocalFilter, matchFilter, matchNone, type FilterNode } from "../query/filter.js";
import type { Query } from "../query/params.js";
import { sortRows } from "../query/sort.js";
import type { Accountability } from "./accountability.js";
import type { ChangeEvent } from "./events.js";
import { keyFilter, readMeta, runRead, shapeRows, type ReadResult } from "./items-read.js";
import type { Items } from "./items.js";
import { canonicalKey } from "./items-write.js";
import type { AccessView, ActionAccess, Permissions, ReadAccess } from "./permissions.js";
import { planRead, type Limits, type ReadPlan } from "./query.js";
import type { Collection, Schema } from "./schema.js";
import type { SchemaStore } from "./schema-store.js";
import { matchRows } from "./visibility.js";

type Row = Record<string, unknown>;

export interface LiveTarget {
  collection: string;
  /** As subscribed; `prepare` binds its dynamic variables. */
  query: Query;
  /** Canonical key of an item subscription. */
  item?: unknown;
  /** Set on the target a plan carries: its query is bound, and stays bound to that moment ($NOW). */
  bound?: true;
}

export interface LivePlan {
  stamp: string;
  /** The target with its variables bound: what subscribers register, so groups compare bound queries. */
  target: LiveTarget;
  schema: Schema;
  collection: Collection;
  access: ActionAccess & ReadAccess;
  read: ReadPlan;
  /** Rows the subscriber may see and asked for: permission filter ∧ query filter ∧ search ∧ item. */
  visible: FilterNode;
  /** The item part of `visible` (item subscriptions): the one condition a read of `read` does not apply itself. */
  itemFilter?: FilterNode;
  /** True when creates and updates can be rendered from the event's rows alone. */
  local: boolean;
  item?: unknown;
}

/** The data part of a subscription message, or undefined when this subscriber gets nothing. */
export interface LiveData {
  data: unknown;
  meta?: ReadResult["meta"];
}

export type Live = ReturnType<typeof createLive>;

export function createLive(deps: { db: Db; schemas: SchemaStore; permissions: Permissions; items: Items; limits: Limits; accessVersion: () => Promise<number> }) {
  const { db, schemas, permissions, items, limits } = deps;

  async function stamp(schema: Schema) {
    return `${schema.version}:${await deps.accessVersion()}`;
  }

  /** Binds a target's variables once, at subscribe time (as Directus does): a plan's target stays bound to that moment. */
  async function bindTarget(accountability: Accountability, target: LiveTarget): Promise<LiveTarget> {
    return target.bound ? target : { ...target, query: await items.bindQuery(accountability, target.query), bound: true };
  }

  /** Compiles a target for an accountability; throws FORBIDDEN / INVALID_QUERY like a read would. */
  async function prepare(accountability: Accountability, subscribed: LiveTarget): Promise<LivePlan> {
    const { schema, collection, access } = await items.access(accountability, subscribed.collection, "read");
    const target = await bindTarget(accountability, subscribed);
    const read = planRead(schema, collection, target.query, access, limits);
    // Events carry every changed row; only a limit the subscriber set itself trims them.
    if (target.query.limit === undefined) read.limit = Infinity;
    const item = target.item === undefined ? undefined : canonicalKey(collection, target.item);
    const itemFilter = target.item === undefined ? undefined : item === undefined ? matchNone : keyFilter(collection, collection.primaryKey, [item]);
    const visible = and([access.rowFilter(collection.collection), read.filter, read.search, itemFilter]);
    const conditions = access.fieldConditions(collection.collection);
    const local = read.tree.children.size === 0
      && !read.meta?.length
      && isLocalFilter(visible)
      && read.sort.every((sort) => sort.path.length === 0)
      && [...(conditions?.values() ?? [])].every(isLocalFilter);
    return { stamp: await stamp(schema), target, schema, collection, access, read, visible, itemFilter, local, item };
  }

  /** Changes whenever the schema or any permission changes: plans made under another stamp are stale. */
  async function currentStamp(): Promise<string> {
    return stamp(await schemas.get());
  }

  async function initial(accountability: Accountability, target: LiveTarget): Promise<LiveData> {
    if (target.item !== undefined) return { data: await items.readOne(accountability, target.collection, target.item, target.query) };
    const result = await items.readMany(accountability, target.collection, target.query);
    return result.meta ? { data: result.data, meta: result.meta } : { data: result.data };
  }

  /**
   * Renders without touching the database when the plan allows it (creates and updates of local
   * plans): synchronous, so a fan-out to many groups costs no awaits. Returns "async" otherwise.
   */
  function renderLocal(plan: LivePlan, event: ChangeEvent): LiveData | undefined | "async" {
    if (event.action === "delete" || !plan.local) return "async";
    const matching = event.rows.filter((row) => matchFilter(plan.visible, row));
    const sorted = matching.length > 1 ? sortRows(matching, plan.read.sort, plan.collection.table.types) : matching;
    // Copies: the event's rows are shared by every group.
    const rows = sorted.slice(plan.read.offset, plan.read.offset + plan.read.limit).map((row) => ({ ...row }));
    if (rows.length === 0) return undefined;
    hideLocal(plan, rows);
    const shaped = shapeRows(rows, plan.read.tree);
    return { data: plan.item === undefined ? shaped : shaped[0] };
  }

  async function render(plan: LivePlan, event: ChangeEvent): Promise<LiveData | undefined> {
    const local = renderLocal(plan, event);
    if (local !== "async") return local;
    if (event.action === "delete") return renderDelete(plan, event);
    let rows: Row[];
    let meta: ReadResult["meta"];
    {
      const keys = event.keys.map((key) => canonicalKey(plan.collection, key));
      // runRead applies the row filter, query filter and search itself: add only what narrows further.
      const changed = and([keyFilter(plan.collection, plan.collection.primaryKey, keys), plan.itemFilter]);
      rows = (await runRead(db.knex, { ...plan.read, meta: undefined }, plan.access, changed)).data;
      if (rows.length && plan.read.meta?.length) meta = await metaOf(plan);
    }
    if (rows.length === 0) return undefined;
    const shaped = shapeRows(rows, plan.read.tree);
    const data = plan.item === undefined ? shaped : shaped[0];
    return meta ? { data, meta } : { data };
  }

  async function renderDelete(plan: LivePlan, event: ChangeEvent): Promise<LiveData | undefined> {
    const pk = plan.collection.primaryKey;
    const seen = await matchRows(db.knex, plan.schema, plan.visible, event.rows);
    const keys = event.rows.filter((_, index) => seen[index]).map((row) => String(row[pk]));
    if (keys.length === 0) return undefined;
    const data = plan.item === undefined ? keys : keys[0];
    return plan.read.meta?.length ? { data, meta: await metaOf(plan) } : { data };
  }

  /** `meta` describes the whole subscription query after the change, as Directus recomputes it (§6.4). */
  async function metaOf(plan: LivePlan): Promise<ReadResult["meta"]> {
    return readMeta(db.knex, plan.read, plan.access);
  }

  /** Field-level rule conditions, evaluated on the event rows. */
  function hideLocal(plan: LivePlan, rows: Row[]) {
    const conditions = plan.access.fieldConditions(plan.collection.collection);
    if (!conditions) return;
    for (const row of rows) for (const [field, condition] of conditions) if (!matchFilter(condition, row)) row[field] = null;
  }

  /** The caller's permission view (cached by the permission engine). */
  async function view(accountability: Accountability): Promise<AccessView> {
    return permissions.view(await schemas.get(), accountability);
  }

  return { prepare, currentStamp, initial, render, renderLocal, view, schemas };
}
