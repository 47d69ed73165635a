// The filter builder's model: rows of field / operator / value, turned into a Directus `_and` filter.
import { NUMBER_TYPES, TEMPORAL_TYPES } from "../../components/field-values";

export interface FilterRow {
  id: number;
  field: string;
  operator: string;
  value: string;
}

export const OPERATOR_LABELS: Record<string, string> = {
  _eq: "equals",
  _neq: "does not equal",
  _contains: "contains",
  _icontains: "contains (any case)",
  _starts_with: "starts with",
  _gt: "greater than",
  _gte: "greater than or equal",
  _lt: "less than",
  _lte: "less than or equal",
  _in: "is one of",
  _null: "is empty",
  _nnull: "is not empty",
};

const TEXT_OPERATORS = ["_eq", "_neq", "_contains", "_icontains", "_starts_with", "_in", "_null", "_nnull"];
const ORDERED_OPERATORS = ["_eq", "_neq", "_gt", "_gte", "_lt", "_lte", "_in", "_null", "_nnull"];
const PRESENCE_OPERATORS = ["_null", "_nnull"];

/** The operators that make sense for a field type. */
export function operatorsFor(type: string): string[] {
  if (NUMBER_TYPES.includes(type) || TEMPORAL_TYPES.includes(type)) return ORDERED_OPERATORS;
  if (type === "boolean") return ["_eq", "_neq", ...PRESENCE_OPERATORS];
  // JSON has no comparable value; hashes can't be filtered on beyond being set.
  if (type === "json" || type === "hash") return PRESENCE_OPERATORS;
  return TEXT_OPERATORS;
}

export const needsValue = (operator: string) => !PRESENCE_OPERATORS.includes(operator);

function operand(type: string, operator: string, value: string): unknown {
  if (!needsValue(operator)) return true;
  if (operator === "_in") return value.split(",").map((part) => cast(type, part.trim())).filter((part) => part !== "");
  return cast(type, value);
}

function cast(type: string, value: string): unknown {
  if (type === "boolean") return value === "true";
  if (NUMBER_TYPES.includes(type) && value !== "" && Number.isFinite(Number(value))) return Number(value);
  // A timestamp is an instant: the local wall time typed in becomes UTC.
  if (type === "timestamp" && !Number.isNaN(new Date(value).getTime())) return new Date(value).toISOString();
  return value;
}

/** The filter for the complete rows (a row waiting for its value is left out), or undefined. */
export function buildFilter(rows: FilterRow[], typeOf: (field: string) => string): Record<string, unknown> | undefined {
  const clauses = rows
    .filter((row) => row.field && row.operator && (!needsValue(row.operator) || row.value.trim() !== ""))
    .map((row) => ({ [row.field]: { [row.operator]: operand(typeOf(row.field), row.operator, row.value) } }));
  return clauses.length ? { _and: clauses } : undefined;
}
