// The single read path: runs a read plan level by level, one query per relation per level.
import type { Executor } from "../db/db.js";
import { countRows, selectRows } from "../db/rows.js";
import { and, filterFields, isLocalFilter, matchFilter, type FilterNode } from "../query/filter.js";
import { toOutput } from "../query/values.js";
import { isConcealed } from "./filter.js";
import type { ReadAccess } from "./permissions.js";
import type { ChildPlan, FieldTree, ReadPlan } from "./query.js";
import type { Collection } from "./schema.js";

type Row = Record<string, unknown>;

const KEY_CHUNK = 500;
/** What password hashes and static tokens read as, for everyone (Directus masks them the same way). */
export const CONCEALED = "**********";

export interface ReadResult {
  data: Row[];
  meta?: { total_count?: number; filter_count?: number };
}

/** Reads rows for a plan; `restrict` is the caller's row filter for the root collection. */
export async function runRead(ex: Executor, plan: ReadPlan, access: ReadAccess, extra?: FilterNode): Promise<ReadResult> {
  const rowFilter = access.rowFilter(plan.collection.collection);
  const where = and([rowFilter, plan.filter, plan.search, extra]);
  const rows = await readLevel(ex, plan.tree, where, plan.sort, plan.limit, plan.offset, access);
  return plan.meta?.length ? { data: rows, meta: await readMeta(ex, plan, access, extra) } : { data: rows };
}

/** The counts a query asked for in `meta` (total: every readable row; filter: those matching the query too). */
export async function readMeta(ex: Executor, plan: ReadPlan, access: ReadAccess, extra?: FilterNode): Promise<NonNullable<ReadResult["meta"]>> {
  const rowFilter = and([access.rowFilter(plan.collection.collection), extra]);
  const meta: NonNullable<ReadResult["meta"]> = {};
  if (plan.meta?.includes("total_count")) meta.total_count = await countRows(ex, plan.collection.table, rowFilter);
  if (plan.meta?.includes("filter_count")) meta.filter_count = await countRows(ex, plan.collection.table, and([rowFilter, plan.filter, plan.search]));
  return meta;
}

async function readLevel(
  ex: Executor, tree: FieldTree, where: FilterNode, sort: ReadPlan["sort"], limit: number, offset: number, access: ReadAccess,
  extraColumns: string[] = [],
): Promise<Row[]> {
  const { collection } = tree;
  const columns = new Set([collection.primaryKey, ...tree.columns, ...extraColumns]);
  for (const [field, child] of tree.children) if (child.link.kind === "m2o") columns.add(field);
  const conditions = access.fieldConditions(collection.collection);
  for (const condition of conditions?.values() ?? []) if (isLocalFilter(condition)) filterFields(condition, columns);
  const rows = await selectRows(ex, collection.table, { columns: [...columns], where, sort, limit, offset });
  if (conditions) await hideConditionalFields(ex, collection, rows, conditions);
  for (const [field, child] of tree.children) await attachChild(ex, rows, field, child, access);
  return rows;
}

/** Blanks fields on rows where none of the rules granting that field applies (field-level union). */
async function hideConditionalFields(ex: Executor, collection: Collection, rows: Row[], conditions: Map<string, FilterNode>) {
  const groups = new Map<string, { condition: FilterNode; fields: string[] }>();
  for (const [field, condition] of conditions) {
    const key = JSON.stringify(condition);
    const group = groups.get(key) ?? { condition, fields: [] };
    group.fields.push(field);
    groups.set(key, group);
  }
  const pk = collection.primaryKey;
  for (const { condition, fields } of groups.values()) {
    let visible: Set<string>;
    if (isLocalFilter(condition)) visible = new Set(rows.filter((row) => matchFilter(condition, row)).map((row) => String(row[pk])));
    else {
      visible = new Set();
      for (const keys of chunks(rows.map((row) => row[pk]))) {
        const matching = await selectRows(ex, collection.table, { columns: [pk], where: and([keyFilter(collection, pk, keys), condition]) });
        for (const row of matching) visible.add(String(row[pk]));
      }
    }
    for (const row of rows) if (!visible.has(String(row[pk]))) for (const field of fields) row[field] = null;
  }
}

async function attachChild(ex: Executor, rows: Row[], field: string, child: ChildPlan, access: ReadAccess) {
  const { link, tree } = child;
  const related = tree.collection;
  const rowFilter = access.rowFilter(related.collection);
  if (link.kind === "m2o") {
    const keys = unique(rows.map((row) => row[field]));
    const found = new Map<string, Row>();
    for (const chunk of chunks(keys)) {
      const where = and([keyFilter(related, related.primaryKey, chunk), rowFilter, child.filter]);
      for (const row of await readLevel(ex, tree, where, child.sort, Infinity, 0, access)) found.set(String(row[related.primaryKey]), row);
    }
    for (const row of rows) row[field] = row[field] === null ? null : (found.get(String(row[field])) ?? null);
    return;
  }
  const ownKeys = unique(rows.map((row) => row[link.ownKey]));
  const groups = new Map<string, Row[]>();
  for (const chunk of chunks(ownKeys)) {
    const where = and([keyFilter(related, link.foreignKey, chunk), link.where, rowFilter, child.filter]);
    for (const row of await readLevel(ex, tree, where, child.sort, Infinity, 0, access, [link.foreignKey])) {
      const key = String(row[link.foreignKey]);
      const list = groups.get(key) ?? [];
      list.push(row);
      groups.set(key, list);
    }
  }
  for (const row of rows) {
    const list = (groups.get(String(row[link.ownKey])) ?? []).slice(child.offset, child.offset + child.limit);
    row[field] = child.keysOnly ? list.map((item) => item[related.primaryKey]) : list;
  }
}

/** Shapes canonical rows for output: requested keys only, in order, csv as lists. */
export function shapeRows(rows: Row[], tree: FieldTree): Row[] {
  return rows.map((row) => shapeRow(row, tree));
}

function shapeRow(row: Row, tree: FieldTree): Row {
  const out: Row = {};
  for (const key of tree.output) {
    const child = tree.children.get(key);
    const value = row[key];
    if (child && !child.keysOnly) {
      if (Array.isArray(value)) out[key] = value.map((item) => shapeRow(item as Row, child.tree));
      else out[key] = value && typeof value === "object" ? shapeRow(value as Row, child.tree) : (value ?? null);
    } else if (child) {
      out[key] = value ?? [];
    } else {
      const field = tree.collection.fields.get(key);
      if (field && isConcealed(field)) out[key] = value === null || value === undefined ? null : CONCEALED;
      else out[key] = field ? toOutput(field.type, value) : (value ?? null);
    }
  }
  return out;
}

export function keyFilter(collection: Collection, field: string, keys: unknown[]): FilterNode {
  const type = collection.table.types[field] ?? "string";
  return { kind: "field", field, type, op: "_in", value: keys };
}

function unique(values: unknown[]): unknown[] {
  const seen = new Map<string, unknown>();
  for (const value of values) if (value !== null && value !== undefined) seen.set(String(value), value);
  return [...seen.values()];
}

function chunks<T>(items: T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += KEY_CHUNK) result.push(items.slice(i, i + KEY_CHUNK));
  return result;
}
