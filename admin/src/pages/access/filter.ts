// Between Directus filter JSON and the builder's rows (field, operator, value), all combined with _and.
// Only flat conditions fit in rows; any other shape (_or, nested groups, _between, objects as values) stays JSON-only.
import { NUMBER_TYPES } from "../../components/field-values";

export interface Condition {
  /** A field name, or a dotted path through relations ("author.name"). */
  field: string;
  operator: string;
  /** As typed; turned into a number / boolean / list by the field's type when the filter is built. */
  value: string;
}

export type Filter = Record<string, unknown>;

export const OPERATORS: Array<{ value: string; label: string }> = [
  { value: "_eq", label: "equals" },
  { value: "_neq", label: "does not equal" },
  { value: "_lt", label: "is less than" },
  { value: "_lte", label: "is at most" },
  { value: "_gt", label: "is greater than" },
  { value: "_gte", label: "is at least" },
  { value: "_in", label: "is one of" },
  { value: "_nin", label: "is none of" },
  { value: "_contains", label: "contains" },
  { value: "_ncontains", label: "does not contain" },
  { value: "_icontains", label: "contains (any case)" },
  { value: "_starts_with", label: "starts with" },
  { value: "_ends_with", label: "ends with" },
  { value: "_null", label: "is null" },
  { value: "_nnull", label: "is not null" },
  { value: "_empty", label: "is empty" },
  { value: "_nempty", label: "is not empty" },
];

/** Operators that take no value (`{ _null: true }`). */
export const UNARY = new Set(["_null", "_nnull", "_empty", "_nempty"]);
const LISTS = new Set(["_in", "_nin"]);
const KNOWN = new Set(OPERATORS.map((operator) => operator.value));

/** Values the server fills in per request. */
export const DYNAMIC_VALUES = ["$CURRENT_USER", "$CURRENT_ROLE", "$CURRENT_ROLES", "$CURRENT_POLICIES", "$NOW"];


const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export const isEmptyFilter = (value: unknown) => value === null || value === undefined || (isPlainObject(value) && Object.keys(value).length === 0);

const scalarText = (value: unknown): string | undefined => (typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : undefined);

function valueText(operator: string, value: unknown): string | undefined {
  if (UNARY.has(operator)) return value === true ? "" : undefined;
  if (LISTS.has(operator)) {
    if (!Array.isArray(value)) return undefined;
    const items = value.map(scalarText);
    // A comma inside an item could not be told apart from the separator.
    return items.every((item) => item !== undefined && !item.includes(",")) ? items.join(", ") : undefined;
  }
  return scalarText(value);
}

/** `{ a: { b: { _eq: 1 } } }` → { field: "a.b", operator: "_eq", value: "1" }, or undefined when it is not that shape. */
function conditionOf(node: unknown): Condition | undefined {
  const path: string[] = [];
  let current = node;
  while (isPlainObject(current) && Object.keys(current).length === 1) {
    const [key] = Object.keys(current);
    if (key.startsWith("_")) {
      if (path.length === 0 || !KNOWN.has(key)) return undefined;
      const value = valueText(key, current[key]);
      return value === undefined ? undefined : { field: path.join("."), operator: key, value };
    }
    path.push(key);
    current = current[key];
  }
  return undefined;
}

/** The builder's rows for a filter, or null when the filter has a shape the rows cannot show. */
export function conditionsOf(filter: unknown): Condition[] | null {
  if (isEmptyFilter(filter)) return [];
  if (isPlainObject(filter) && Object.keys(filter).length === 1 && Array.isArray(filter._and)) {
    const conditions = filter._and.map(conditionOf);
    return conditions.every((condition) => condition !== undefined) ? (conditions as Condition[]) : null;
  }
  const single = conditionOf(filter);
  return single ? [single] : null;
}

function typedValue(text: string, type: string | undefined): unknown {
  if (text.startsWith("$")) return text;
  if (type && NUMBER_TYPES.includes(type) && text.trim() !== "" && Number.isFinite(Number(text))) return Number(text);
  if (type === "boolean" && (text === "true" || text === "false")) return text === "true";
  return text;
}

/** The filter for the builder's rows; rows without a field are left out (still being typed). */
export function filterOf(conditions: Condition[], typeOf: (field: string) => string | undefined): Filter {
  const parts = conditions
    .filter((condition) => condition.field.trim() !== "")
    .map(({ field, operator, value }) => {
      const path = field.trim().split(".");
      // Types are known for the collection's own fields; values along a relation path stay as typed.
      const type = path.length === 1 ? typeOf(path[0]) : undefined;
      const operand = UNARY.has(operator)
        ? true
        : LISTS.has(operator)
          ? value.split(",").map((item) => item.trim()).filter(Boolean).map((item) => typedValue(item, type))
          : typedValue(value, type);
      return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), { [operator]: operand }) as Filter;
    });
  if (parts.length === 0) return {};
  return parts.length === 1 ? parts[0] : { _and: parts };
}
