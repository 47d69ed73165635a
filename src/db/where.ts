// Compiles a query/ FilterNode into one parameterised SQL condition, the same language the matcher runs.
import type { FilterNode, Operator } from "../query/filter.js";
import type { FieldType } from "../query/values.js";
import type { DbClient } from "./db.js";
import { toDbValue } from "./values.js";

export interface Sql {
  sql: string;
  bindings: unknown[];
}

/** Hands out table aliases (t1, t2, …) for the sub-queries of one statement. */
export interface AliasSource {
  next(): string;
}

export const createAliases = (): AliasSource => {
  let n = 0;
  return { next: () => `t${++n}` };
};

export function compileWhere(node: FilterNode, alias: string, client: DbClient, aliases: AliasSource): Sql {
  switch (node.kind) {
    case "const":
      return { sql: node.value ? "1 = 1" : "1 = 0", bindings: [] };
    case "and": case "or": {
      const parts = node.nodes.map((child) => compileWhere(child, alias, client, aliases));
      return {
        sql: `(${parts.map((part) => part.sql).join(node.kind === "and" ? " AND " : " OR ")})`,
        bindings: parts.flatMap((part) => part.bindings),
      };
    }
    case "field":
      return compileField(node.op, node.type, node.field, node.value, alias, client);
    case "m2o": {
      const inner = aliases.next();
      const where = compileWhere(node.node, inner, client, aliases);
      return {
        sql: `??.?? IN (SELECT ??.?? FROM ?? AS ?? WHERE ${where.sql})`,
        bindings: [alias, node.field, inner, node.relatedKey, node.related, inner, ...where.bindings],
      };
    }
    case "o2m": {
      const inner = aliases.next();
      const where = compileWhere(node.node, inner, client, aliases);
      const not = node.quantifier === "none" ? "NOT " : "";
      return {
        sql: `??.?? ${not}IN (SELECT ??.?? FROM ?? AS ?? WHERE ??.?? IS NOT NULL AND ${where.sql})`,
        bindings: [alias, node.ownKey, inner, node.foreignKey, node.related, inner, inner, node.foreignKey, ...where.bindings],
      };
    }
  }
}

const comparisons: Partial<Record<Operator, string>> = { _eq: "=", _neq: "<>", _lt: "<", _lte: "<=", _gt: ">", _gte: ">=" };

function compileField(op: Operator, type: FieldType, field: string, value: unknown, alias: string, client: DbClient): Sql {
  const column = { sql: "??.??", bindings: [alias, field] as unknown[] };
  const bind = (v: unknown) => toDbValue(client, type, v);
  // Only text columns can hold "" (PostgreSQL refuses to compare a uuid or json column with it).
  const textual = type === "string" || type === "text" || type === "csv" || type === "hash";
  const comparison = comparisons[op];
  if (comparison) return { sql: `${column.sql} ${comparison} ?`, bindings: [...column.bindings, bind(value)] };
  switch (op) {
    case "_null": return { sql: `${column.sql} IS NULL`, bindings: column.bindings };
    case "_nnull": return { sql: `${column.sql} IS NOT NULL`, bindings: column.bindings };
    case "_empty":
      return textual
        ? { sql: `(${column.sql} IS NULL OR ${column.sql} = '')`, bindings: [...column.bindings, ...column.bindings] }
        : { sql: `${column.sql} IS NULL`, bindings: column.bindings };
    case "_nempty":
      return textual
        ? { sql: `(${column.sql} IS NOT NULL AND ${column.sql} <> '')`, bindings: [...column.bindings, ...column.bindings] }
        : { sql: `${column.sql} IS NOT NULL`, bindings: column.bindings };
    case "_in": case "_nin": {
      const list = value as unknown[];
      if (list.length === 0) return op === "_in" ? { sql: "1 = 0", bindings: [] } : { sql: `${column.sql} IS NOT NULL`, bindings: column.bindings };
      const marks = list.map(() => "?").join(", ");
      return { sql: `${column.sql} ${op === "_nin" ? "NOT " : ""}IN (${marks})`, bindings: [...column.bindings, ...list.map(bind)] };
    }
    case "_between": case "_nbetween": {
      const [low, high] = value as unknown[];
      return {
        sql: `${column.sql} ${op === "_nbetween" ? "NOT " : ""}BETWEEN ? AND ?`,
        bindings: [...column.bindings, bind(low), bind(high)],
      };
    }
  }
  return compileText(op, column, String(value), client);
}

/** Substring tests, case-sensitive unless the operator has an `i`; a NULL column never matches either form. */
function compileText(op: Operator, column: Sql, needle: string, client: DbClient): Sql {
  const pg = client === "pg";
  const negate = op.startsWith("_n");
  const insensitive = /^_n?i/.test(op);
  const kind = op.replace(/^_n?i?/, "_");
  const param = pg ? "CAST(? AS TEXT)" : "?";
  const text = pg ? `CAST(${column.sql} AS TEXT)` : column.sql;
  const subject = insensitive ? `lower(${text})` : text;
  const value = insensitive ? `lower(${param})` : param;
  const col = column.bindings;
  let sql: string;
  let bindings: unknown[];
  if (kind === "_contains") {
    sql = pg ? `strpos(${subject}, ${value}) > 0` : `instr(${subject}, ${value}) > 0`;
    bindings = [...col, needle];
  } else if (kind === "_starts_with") {
    sql = pg ? `left(${subject}, length(${value})) = ${value}` : `substr(${subject}, 1, length(${value})) = ${value}`;
    bindings = [...col, needle, needle];
  } else if (pg) {
    sql = `right(${subject}, length(${value})) = ${value}`;
    bindings = [...col, needle, needle];
  } else {
    sql = `substr(${subject}, length(${subject}) - length(${value}) + 1) = ${value}`;
    bindings = [...col, ...col, needle, needle];
  }
  return { sql: negate ? `NOT (${sql})` : sql, bindings };
}
