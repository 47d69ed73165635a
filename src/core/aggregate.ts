// Aggregation reads (count, sum, avg, min, max, grouped), with the same permissions as item reads.
import type { Executor } from "../db/db.js";
import { aggregateRows, type AggregateFunction } from "../db/rows.js";
import { invalidQuery } from "../errors.js";
import { and } from "../query/filter.js";
import type { Query } from "../query/params.js";
import { fieldForbidden, isConcealed } from "./filter.js";
import type { ActionAccess, ReadAccess } from "./permissions.js";
import { planConditions, resolveLimit, type Limits } from "./query.js";
import type { Collection, Schema } from "./schema.js";

const FUNCTIONS: AggregateFunction[] = ["count", "countDistinct", "countAll", "sum", "sumDistinct", "avg", "avgDistinct", "min", "max"];

/** Directus's shape: `[{count: 3}]`, `[{count: {id: 3}}]`, `[{status: "x", sum: {price: 10}}]`. */
export async function runAggregate(
  ex: Executor, schema: Schema, collection: Collection, query: Query, access: ActionAccess & ReadAccess, limits: Limits,
): Promise<Record<string, unknown>[]> {
  const readable = (field: string) => {
    if (field === "*") return;
    const known = collection.fields.get(field);
    // Aggregates reveal values: concealed fields and fields readable on some rows only are off limits.
    if (!known || known.type === "alias" || !access.canQuery(collection.collection, field) || isConcealed(known)) throw fieldForbidden(collection.collection, field);
  };
  const aggregates: Array<{ fn: AggregateFunction; field: string }> = [];
  for (const [fn, fields] of Object.entries(query.aggregate ?? {})) {
    if (!FUNCTIONS.includes(fn as AggregateFunction)) throw invalidQuery(`Unknown aggregate function "${fn}".`);
    for (const field of fields) {
      readable(field);
      if (field === "*" && fn !== "count" && fn !== "countAll") throw invalidQuery(`"${fn}" needs a field name, not "*".`);
      aggregates.push({ fn: fn as AggregateFunction, field });
    }
  }
  const groupBy = query.groupBy ?? [];
  for (const field of groupBy) {
    if (field === "*") throw invalidQuery('"groupBy" needs field names, not "*".');
    readable(field);
  }
  if (aggregates.length === 0 && groupBy.length === 0) throw invalidQuery("Aggregation needs at least one function or groupBy field.");
  const { filter, search } = planConditions(schema, collection, query, access);
  const where = and([access.rowFilter(collection.collection), filter, search]);
  const rows = await aggregateRows(ex, collection.table, { aggregates, groupBy, where, limit: resolveLimit(query.limit, limits) });
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const group of groupBy) out[group] = row[group];
    for (const { fn, field } of aggregates) {
      const value = row[`${fn}:${field}`];
      if (field === "*") out[fn] = value;
      else out[fn] = { ...(out[fn] as Record<string, unknown> | undefined), [field]: value };
    }
    return out;
  });
}
