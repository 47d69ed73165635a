// The compiled filter tree shared by the SQL compiler (db/where.ts) and the in-memory matcher below.
import { compareText, foldCase, isNumberType, type FieldType } from "./values.js";

export const comparisonOperators = [
  "_eq", "_neq", "_lt", "_lte", "_gt", "_gte", "_in", "_nin", "_null", "_nnull",
  "_contains", "_ncontains", "_icontains", "_nicontains", "_starts_with", "_nstarts_with", "_istarts_with",
  "_nistarts_with", "_ends_with", "_nends_with", "_iends_with", "_niends_with", "_between", "_nbetween",
  "_empty", "_nempty",
] as const;
export type Operator = (typeof comparisonOperators)[number];

export const isOperator = (key: string): key is Operator => comparisonOperators.includes(key as Operator);

/**
 * A filter after it has been checked against the schema: every value is already canonical for its
 * field's type (see values.ts), so both evaluators compare like with like.
 * - `_null`, `_nnull`, `_empty`, `_nempty` carry no value (their `false` forms are rewritten to the opposite).
 * - `_in`, `_nin` carry an array; `_between`, `_nbetween` a pair.
 */
export type FilterNode =
  | { kind: "and"; nodes: FilterNode[] }
  | { kind: "or"; nodes: FilterNode[] }
  | { kind: "const"; value: boolean }
  | { kind: "field"; field: string; type: FieldType; op: Operator; value: unknown }
  | { kind: "m2o"; field: string; related: string; relatedKey: string; node: FilterNode }
  | { kind: "o2m"; related: string; foreignKey: string; ownKey: string; quantifier: "some" | "none"; node: FilterNode };

export const matchAll: FilterNode = { kind: "const", value: true };
export const matchNone: FilterNode = { kind: "const", value: false };

export function and(nodes: Array<FilterNode | undefined>): FilterNode {
  const kept = nodes.filter((node): node is FilterNode => node !== undefined && !(node.kind === "const" && node.value));
  if (kept.some((node) => node.kind === "const" && !node.value)) return matchNone;
  return kept.length === 0 ? matchAll : kept.length === 1 ? kept[0] : { kind: "and", nodes: kept };
}

export function or(nodes: FilterNode[]): FilterNode {
  if (nodes.some((node) => node.kind === "const" && node.value)) return matchAll;
  const kept = nodes.filter((node) => !(node.kind === "const" && !node.value));
  return kept.length === 0 ? matchNone : kept.length === 1 ? kept[0] : { kind: "or", nodes: kept };
}

/** True when the filter reads only the row's own fields, so `matchFilter` can decide it. */
export function isLocalFilter(node: FilterNode): boolean {
  switch (node.kind) {
    case "and": case "or": return node.nodes.every(isLocalFilter);
    case "const": case "field": return true;
    default: return false;
  }
}

/** Fields of the row that a local filter reads. */
export function filterFields(node: FilterNode, into = new Set<string>()): Set<string> {
  if (node.kind === "and" || node.kind === "or") node.nodes.forEach((child) => filterFields(child, into));
  else if (node.kind === "field") into.add(node.field);
  else if (node.kind === "m2o") into.add(node.field);
  return into;
}

const TEXT_TYPES = new Set<FieldType>(["string", "text", "csv", "hash"]);

/**
 * Decides whether a row (canonical values, as read from the database) matches a local filter.
 * Mirrors SQL: a null value matches only the null/empty tests, never a comparison or its negation.
 */
export function matchFilter(node: FilterNode, row: Record<string, unknown>): boolean {
  switch (node.kind) {
    case "and": return node.nodes.every((child) => matchFilter(child, row));
    case "or": return node.nodes.some((child) => matchFilter(child, row));
    case "const": return node.value;
    case "field": return matchField(node.op, node.type, row[node.field], node.value);
    default: throw new Error(`matchFilter: relational filter on "${node.kind === "m2o" ? node.field : node.related}" needs the database`);
  }
}

function matchField(op: Operator, type: FieldType, raw: unknown, value: unknown): boolean {
  const actual = raw === undefined ? null : raw;
  switch (op) {
    case "_null": return actual === null;
    case "_nnull": return actual !== null;
    // Only text columns can hold "" (see db/where.ts); csv is canonical text here.
    case "_empty": return actual === null || (TEXT_TYPES.has(type) && actual === "");
    case "_nempty": return !matchField("_empty", type, actual, value);
  }
  if (actual === null) return false;
  const left = comparable(type, actual);
  const compare = (right: unknown) => order(left, comparable(type, right));
  switch (op) {
    case "_eq": return compare(value) === 0;
    case "_neq": return compare(value) !== 0;
    case "_lt": return compare(value) < 0;
    case "_lte": return compare(value) <= 0;
    case "_gt": return compare(value) > 0;
    case "_gte": return compare(value) >= 0;
    case "_in": return (value as unknown[]).some((item) => compare(item) === 0);
    case "_nin": return !(value as unknown[]).some((item) => compare(item) === 0);
    case "_between": case "_nbetween": {
      const [low, high] = value as unknown[];
      const inside = compare(low) >= 0 && compare(high) <= 0;
      return op === "_between" ? inside : !inside;
    }
  }
  const exact = op.startsWith("_n") ? op.slice(2) : op.slice(1);
  const insensitive = exact.startsWith("i");
  const text = insensitive ? foldCase(String(left)) : String(left);
  const needle = insensitive ? foldCase(String(value)) : String(value);
  const base = insensitive ? exact.slice(1) : exact;
  const found = base === "contains" ? text.includes(needle) : base === "starts_with" ? text.startsWith(needle) : text.endsWith(needle);
  return op.startsWith("_n") ? !found : found;
}

function order(left: unknown, right: unknown): number {
  if (typeof left === "string" && typeof right === "string") return compareText(left, right);
  return left === right ? 0 : (left as number) < (right as number) ? -1 : 1;
}

/** Numbers compare as numbers (decimals arrive as strings), booleans as 0/1, everything else as text. */
function comparable(type: FieldType, value: unknown): any {
  if (Array.isArray(value)) return value.join(",");
  if (isNumberType(type)) return Number(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (type === "json") return JSON.stringify(value);
  return value;
}
