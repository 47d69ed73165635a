// Decides which rows (canonical images) match a filter: in memory where possible, SQL for relations.
import type { Executor } from "../db/db.js";
import { selectRows } from "../db/rows.js";
import { and, isLocalFilter, matchFilter, type FilterNode } from "../query/filter.js";
import { keyFilter } from "./items-read.js";
import type { Schema } from "./schema.js";

type Row = Record<string, unknown>;

/**
 * For rows that may no longer exist (a delete's before-images): the row's own fields come from the
 * image, and relational conditions are asked of the related tables as they are now.
 */
export async function matchRows(ex: Executor, schema: Schema, node: FilterNode, rows: Row[]): Promise<boolean[]> {
  if (isLocalFilter(node)) return rows.map((row) => matchFilter(node, row));
  const results: boolean[] = [];
  for (const row of rows) results.push(await matchOne(ex, schema, node, row));
  return results;
}

async function matchOne(ex: Executor, schema: Schema, node: FilterNode, row: Row): Promise<boolean> {
  switch (node.kind) {
    case "and":
      for (const child of node.nodes) if (!(await matchOne(ex, schema, child, row))) return false;
      return true;
    case "or":
      for (const child of node.nodes) if (await matchOne(ex, schema, child, row)) return true;
      return false;
    case "const": case "field":
      return matchFilter(node, row);
    case "m2o": {
      const key = row[node.field];
      const related = schema.collections.get(node.related);
      if (key === null || key === undefined || !related) return false;
      const found = await selectRows(ex, related.table, { columns: [related.primaryKey], where: and([keyFilter(related, related.primaryKey, [key]), node.node]), limit: 1 });
      return found.length > 0;
    }
    case "o2m": {
      const related = schema.collections.get(node.related);
      const key = row[node.ownKey];
      if (!related || key === null || key === undefined) return node.quantifier === "none";
      const found = await selectRows(ex, related.table, { columns: [related.primaryKey], where: and([keyFilter(related, node.foreignKey, [key]), node.node]), limit: 1 });
      return node.quantifier === "some" ? found.length > 0 : found.length === 0;
    }
  }
}
