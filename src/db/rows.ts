// Row-level SQL for user and system tables: select, count, insert, update, delete, aggregate.
import type { Knex } from "knex";
import { matchAll, type FilterNode } from "../query/filter.js";
import type { FieldType } from "../query/values.js";
import type { DbClient, Executor } from "./db.js";
import { compileWhere, createAliases, type AliasSource, type Sql } from "./where.js";
import { fromDbRow, toDbValue } from "./values.js";

export interface TableSpec {
  table: string;
  primaryKey: string;
  types: Record<string, FieldType>;
}

/**
 * Sort by a field of this table, or of a table reached through a chain of many-to-one fields. A hop's
 * `where` limits the related rows that count (others sort as NULL), so an order cannot reveal hidden rows.
 */
export interface SortSpec {
  path: Array<{ field: string; related: string; relatedKey: string; where?: FilterNode }>;
  field: string;
  descending: boolean;
}

export interface SelectSpec {
  columns: string[];
  where?: FilterNode;
  sort?: SortSpec[];
  limit?: number;
  offset?: number;
}

const ROOT = "t0";

export const clientOf = (ex: Executor): DbClient => ((ex as Knex).client.config.client === "pg" ? "pg" : "sqlite");

function applyWhere(builder: Knex.QueryBuilder, ex: Executor, where: FilterNode | undefined, aliases: AliasSource) {
  if (!where || (where.kind === "const" && where.value)) return;
  const compiled = compileWhere(where, ROOT, clientOf(ex), aliases);
  builder.whereRaw(compiled.sql, compiled.bindings as Knex.RawBinding[]);
}

export async function selectRows(ex: Executor, table: TableSpec, spec: SelectSpec): Promise<Record<string, unknown>[]> {
  const aliases = createAliases();
  const builder = ex({ [ROOT]: table.table }).select(spec.columns.map((column) => `${ROOT}.${column}`));
  applyWhere(builder, ex, spec.where, aliases);
  for (const sort of spec.sort ?? []) applySort(builder, clientOf(ex), sort, aliases);
  if (spec.limit !== undefined && Number.isFinite(spec.limit)) builder.limit(spec.limit);
  if (spec.offset) {
    if (spec.limit === undefined || !Number.isFinite(spec.limit)) builder.limit(clientOf(ex) === "pg" ? Number.MAX_SAFE_INTEGER : -1);
    builder.offset(spec.offset);
  }
  const rows = (await builder) as Record<string, unknown>[];
  return rows.map((row) => fromDbRow(row, table.types));
}

function applySort(builder: Knex.QueryBuilder, client: DbClient, sort: SortSpec, aliases: AliasSource) {
  const direction = sort.descending ? "DESC NULLS LAST" : "ASC NULLS FIRST";
  const expression = sortExpression(ROOT, sort.path, sort.field, client, aliases);
  builder.orderByRaw(`${expression.sql} ${direction}`, expression.bindings as Knex.RawBinding[]);
}

/** `(SELECT t1.name FROM authors AS t1 WHERE t1.id = t0.author AND <hop's where>)`, nested once per many-to-one hop. */
function sortExpression(outer: string, path: SortSpec["path"], field: string, client: DbClient, aliases: AliasSource): Sql {
  if (path.length === 0) return { sql: "??.??", bindings: [outer, field] };
  const [hop, ...rest] = path;
  const inner = aliases.next();
  const value = sortExpression(inner, rest, field, client, aliases);
  const where = compileWhere(hop.where ?? matchAll, inner, client, aliases);
  return {
    sql: `(SELECT ${value.sql} FROM ?? AS ?? WHERE ??.?? = ??.?? AND ${where.sql})`,
    bindings: [...value.bindings, hop.related, inner, inner, hop.relatedKey, outer, hop.field, ...where.bindings],
  };
}

export async function countRows(ex: Executor, table: TableSpec, where?: FilterNode): Promise<number> {
  const builder = ex({ [ROOT]: table.table }).count({ count: "*" });
  applyWhere(builder, ex, where, createAliases());
  const [row] = (await builder) as Array<{ count: number | string }>;
  return Number(row.count);
}

export async function insertRow(ex: Executor, table: TableSpec, values: Record<string, unknown>): Promise<unknown> {
  const [row] = (await ex(table.table).insert(toDbRow(ex, table, values)).returning(table.primaryKey)) as Array<Record<string, unknown>>;
  return fromDbRow(row, table.types)[table.primaryKey];
}

/** Inserts many rows in one statement per chunk (no keys returned). */
export async function insertRows(ex: Executor, table: TableSpec, rows: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) await ex(table.table).insert(rows.slice(i, i + 200).map((row) => toDbRow(ex, table, row)));
}

export async function updateRows(ex: Executor, table: TableSpec, values: Record<string, unknown>, where: FilterNode): Promise<void> {
  if (Object.keys(values).length === 0) return;
  const builder = ex({ [ROOT]: table.table }).update(toDbRow(ex, table, values));
  applyWhere(builder, ex, where, createAliases());
  await builder;
}

/** Deletes matching rows and returns how many went. */
export async function deleteRows(ex: Executor, table: TableSpec, where: FilterNode): Promise<number> {
  const builder = ex({ [ROOT]: table.table }).delete();
  applyWhere(builder, ex, where, createAliases());
  return Number(await builder);
}

function toDbRow(ex: Executor, table: TableSpec, values: Record<string, unknown>): Record<string, unknown> {
  const client = clientOf(ex);
  const row: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(values)) row[column] = toDbValue(client, table.types[column] ?? "string", value);
  return row;
}

export type AggregateFunction = "count" | "countDistinct" | "countAll" | "sum" | "sumDistinct" | "avg" | "avgDistinct" | "min" | "max";

export interface AggregateSpec {
  aggregates: Array<{ fn: AggregateFunction; field: string }>;
  groupBy: string[];
  where?: FilterNode;
  limit?: number;
}

/** Runs aggregate functions (optionally grouped); each result row has `fn:field` keys plus the group fields. */
export async function aggregateRows(ex: Executor, table: TableSpec, spec: AggregateSpec): Promise<Record<string, unknown>[]> {
  const builder = ex({ [ROOT]: table.table });
  for (const group of spec.groupBy) builder.select(`${ROOT}.${group}`).groupBy(`${ROOT}.${group}`);
  for (const { fn, field } of spec.aggregates) {
    const alias = `${fn}:${field}`;
    const column = field === "*" ? "*" : `${ROOT}.${field}`;
    switch (fn) {
      case "count": builder.count({ [alias]: column }); break;
      case "countAll": builder.count({ [alias]: "*" }); break;
      case "countDistinct": builder.countDistinct({ [alias]: column }); break;
      case "sum": builder.sum({ [alias]: column }); break;
      case "sumDistinct": builder.sumDistinct({ [alias]: column }); break;
      case "avg": builder.avg({ [alias]: column }); break;
      case "avgDistinct": builder.avgDistinct({ [alias]: column }); break;
      case "min": builder.min({ [alias]: column }); break;
      case "max": builder.max({ [alias]: column }); break;
    }
  }
  applyWhere(builder, ex, spec.where, createAliases());
  if (spec.limit !== undefined && Number.isFinite(spec.limit)) builder.limit(spec.limit);
  const rows = (await builder) as Record<string, unknown>[];
  return rows.map((row) => {
    const groups = fromDbRow(Object.fromEntries(spec.groupBy.map((group) => [group, row[group]])), table.types);
    const values: Record<string, unknown> = {};
    for (const { fn, field } of spec.aggregates) {
      const raw = row[`${fn}:${field}`];
      const type = table.types[field];
      const numeric = fn.startsWith("count") || fn.startsWith("sum") || fn.startsWith("avg") || type === "integer" || type === "float" || type === "decimal" || type === "bigInteger";
      values[`${fn}:${field}`] = raw === null || raw === undefined ? null : numeric ? Number(raw) : fromDbRow({ v: raw }, { v: type ?? "string" }).v;
    }
    return { ...groups, ...values };
  });
}

/**
 * Adds `by` to a named counter and returns the new value, in one upsert statement. The row lock it
 * takes is held until the transaction ends, so counters move in commit order (the realtime sequence
 * per collection).
 */
export async function incrementCounter(ex: Executor, table: string, name: string, by: number): Promise<number> {
  const rows = (await ex(table)
    .insert({ key: name, value: by })
    .onConflict("key")
    .merge({ value: ex.raw("??.?? + ?", [table, "value", by]) })
    .returning("value")) as Array<{ value: number | string }>;
  return Number(rows[0].value);
}

/** Every counter's current value. */
export async function readCounters(ex: Executor, table: string): Promise<Map<string, number>> {
  const rows = (await ex(table).select("key", "value")) as Array<{ key: string; value: number | string }>;
  return new Map(rows.map((row) => [row.key, Number(row.value)]));
}
