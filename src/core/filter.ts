// Checks a Directus filter against the schema and compiles it into the typed FilterNode tree.
import { AppError, invalidQuery } from "../errors.js";
import { and, isOperator, matchNone, or, type FilterNode, type Operator } from "../query/filter.js";
import { isDateType, isNumberType, isStringType, toCanonical, type FieldType } from "../query/values.js";
import { linkOf, type Collection, type Schema } from "./schema.js";

/** What the caller may see; the permission engine supplies it, admins get `fullAccess`. */
export interface FieldAccess {
  /** Extra row filter that every row of `collection` reached through a relation must pass. */
  rowFilter(collection: string): FilterNode | undefined;
  /** Whether the caller may read this field (on at least some rows). */
  canRead(collection: string, field: string): boolean;
  /**
   * Whether the caller may filter, sort, search or aggregate on this field: only when it is readable on
   * every row it can see (a field granted on some rows only would reveal itself on the others).
   */
  canQuery(collection: string, field: string): boolean;
}

export const fullAccess: FieldAccess = { rowFilter: () => undefined, canRead: () => true, canQuery: () => true };

const MAX_IN_LIST = 10_000;
const MAX_NODES = 2_000;

const allowedOps: Record<"string" | "number" | "date" | "boolean" | "json", ReadonlySet<Operator>> = {
  string: new Set<Operator>(),
  number: new Set<Operator>(["_eq", "_neq", "_lt", "_lte", "_gt", "_gte", "_in", "_nin", "_null", "_nnull", "_between", "_nbetween", "_empty", "_nempty"]),
  date: new Set<Operator>(["_eq", "_neq", "_lt", "_lte", "_gt", "_gte", "_in", "_nin", "_null", "_nnull", "_between", "_nbetween", "_empty", "_nempty"]),
  boolean: new Set<Operator>(["_eq", "_neq", "_in", "_nin", "_null", "_nnull", "_empty", "_nempty"]),
  json: new Set<Operator>(["_null", "_nnull", "_empty", "_nempty"]),
};

function operatorAllowed(type: FieldType, op: Operator): boolean {
  if (isStringType(type)) return true;
  if (isNumberType(type)) return allowedOps.number.has(op);
  if (isDateType(type)) return allowedOps.date.has(op);
  if (type === "boolean") return allowedOps.boolean.has(op);
  return allowedOps.json.has(op);
}

export const fieldForbidden = (collection: string, field: string) =>
  new AppError("FORBIDDEN", `You don't have permission to access field "${field}" in collection "${collection}" or it does not exist.`);

export function compileFilter(schema: Schema, collection: Collection, raw: unknown, access: FieldAccess = fullAccess): FilterNode {
  return compileObject(schema, collection, raw, access, 0, { nodes: 0 });
}

interface Budget {
  nodes: number;
}

function compileObject(schema: Schema, collection: Collection, raw: unknown, access: FieldAccess, depth: number, budget: Budget): FilterNode {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw invalidQuery("A filter must be an object.");
  if (++budget.nodes > MAX_NODES) throw invalidQuery(`The filter is too large (more than ${MAX_NODES} conditions).`);
  const nodes: FilterNode[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (key === "_and" || key === "_or") {
      if (!Array.isArray(value)) throw invalidQuery(`"${key}" must be a list of filters.`);
      const children = value.map((child) => compileObject(schema, collection, child, access, depth, budget));
      nodes.push(key === "_and" ? and(children) : or(children));
    } else if (key.startsWith("_")) {
      throw invalidQuery(`Unknown filter operator "${key}".`);
    } else {
      nodes.push(compileField(schema, collection, key, value, access, depth, budget));
    }
  }
  return and(nodes);
}

function compileField(
  schema: Schema, collection: Collection, name: string, value: unknown, access: FieldAccess, depth: number, budget: Budget,
): FilterNode {
  const field = collection.fields.get(name);
  // Filtering on a hash or concealed value would reveal it one character at a time.
  if (!field || !access.canQuery(collection.collection, name) || isConcealed(field)) throw fieldForbidden(collection.collection, name);
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw invalidQuery(`The filter on field "${name}" must be an object of operators.`);
  }
  const link = linkOf(schema, collection.collection, name);
  const nodes: FilterNode[] = [];
  const nested: Record<string, unknown> = {};
  for (const [key, operand] of Object.entries(value)) {
    if (isOperator(key) && field.type !== "alias") nodes.push(compileComparison(name, field.type, key, operand));
    else if ((key === "_some" || key === "_none") && link?.kind === "o2m") {
      nodes.push(compileLink(schema, link, operand, key === "_some" ? "some" : "none", access, depth, budget));
    } else if (key.startsWith("_")) throw invalidQuery(`Unknown filter operator "${key}" on field "${name}".`);
    else if (link) nested[key] = operand;
    else throw invalidQuery(`Field "${name}" is not a relation, so "${key}" cannot be filtered on.`);
  }
  if (Object.keys(nested).length > 0 && link) nodes.push(compileLink(schema, link, nested, "some", access, depth, budget));
  return and(nodes);
}

function compileLink(
  schema: Schema, link: NonNullable<ReturnType<typeof linkOf>>, raw: unknown, quantifier: "some" | "none",
  access: FieldAccess, depth: number, budget: Budget,
): FilterNode {
  if (depth + 1 > 10) throw invalidQuery("The filter goes through too many relations.");
  const related = schema.collections.get(link.related);
  if (!related) throw invalidQuery(`Relation "${link.field}" points to a missing collection.`);
  const inner = and([
    compileObject(schema, related, raw, access, depth + 1, budget),
    access.rowFilter(related.collection),
    link.kind === "o2m" ? link.where : undefined,
  ]);
  if (link.kind === "m2o") return { kind: "m2o", field: link.field, related: related.collection, relatedKey: link.relatedKey, node: inner };
  return { kind: "o2m", related: related.collection, foreignKey: link.foreignKey, ownKey: link.ownKey, quantifier, node: inner };
}

function compileComparison(field: string, type: FieldType, op: Operator, operand: unknown): FilterNode {
  if (!operatorAllowed(type, op)) throw invalidQuery(`Operator "${op}" can't be used on field "${field}" of type ${type}.`);
  const cast = (value: unknown) => {
    const result = toCanonical(type === "csv" ? "string" : type, value);
    if (result === undefined || result === null) throw invalidQuery(`Value ${JSON.stringify(value)} is not a valid ${type} for field "${field}" (${op}).`);
    return result;
  };
  switch (op) {
    case "_null": case "_nnull": case "_empty": case "_nempty": {
      const flag = toCanonical("boolean", operand);
      if (flag === undefined || flag === null) throw invalidQuery(`"${op}" on field "${field}" takes true or false.`);
      const opposite = { _null: "_nnull", _nnull: "_null", _empty: "_nempty", _nempty: "_empty" } as const;
      return { kind: "field", field, type, op: flag ? op : opposite[op], value: null };
    }
    case "_in": case "_nin": {
      const list = typeof operand === "string" ? operand.split(",") : operand;
      if (!Array.isArray(list)) throw invalidQuery(`"${op}" on field "${field}" takes a list.`);
      if (list.length > MAX_IN_LIST) throw invalidQuery(`"${op}" on field "${field}" has more than ${MAX_IN_LIST} values.`);
      return { kind: "field", field, type, op, value: list.filter((item) => item !== null).map(cast) };
    }
    case "_between": case "_nbetween": {
      const pair = typeof operand === "string" ? operand.split(",") : operand;
      if (!Array.isArray(pair) || pair.length !== 2) throw invalidQuery(`"${op}" on field "${field}" takes two values.`);
      return { kind: "field", field, type, op, value: pair.map(cast) };
    }
    case "_eq": case "_neq":
      if (operand === null) return { kind: "field", field, type, op: op === "_eq" ? "_null" : "_nnull", value: null };
      return { kind: "field", field, type, op, value: cast(operand) };
    case "_lt": case "_lte": case "_gt": case "_gte":
      if (operand === null) return matchNone;
      return { kind: "field", field, type, op, value: cast(operand) };
    default: // substring operators, on text only (operatorAllowed)
      if (typeof operand !== "string" && typeof operand !== "number") throw invalidQuery(`"${op}" on field "${field}" takes a string.`);
      return { kind: "field", field, type, op, value: String(operand) };
  }
}

/** Directus's `search`: case-insensitive contains on text fields, equality on numbers and uuids. */
export function compileSearch(collection: Collection, search: string, access: FieldAccess = fullAccess): FilterNode {
  const nodes: FilterNode[] = [];
  for (const field of collection.fields.values()) {
    if (!access.canQuery(collection.collection, field.field) || isConcealed(field)) continue;
    if (field.type === "string" || field.type === "text" || field.type === "csv") {
      nodes.push({ kind: "field", field: field.field, type: field.type, op: "_icontains", value: search });
    } else if (isNumberType(field.type) || field.type === "uuid") {
      const value = toCanonical(field.type, search);
      if (value !== undefined && value !== null) nodes.push({ kind: "field", field: field.field, type: field.type, op: "_eq", value });
    }
  }
  return or(nodes);
}

/** Password hashes and static tokens: readable only as "**********", never filterable or sortable. */
export const isConcealed = (field: { type: string; special: string[] }) => field.type === "hash" || field.special.includes("conceal");
