// Sanitizes query parameters (JSON values or the SDK's URL-style strings) into one typed Query.
import { invalidQuery } from "../errors.js";

export type MetaKey = "total_count" | "filter_count";

export interface Query {
  fields?: string[];
  filter?: Record<string, unknown>;
  sort?: string[];
  limit?: number;
  offset?: number;
  page?: number;
  search?: string;
  meta?: MetaKey[];
  deep?: Record<string, unknown>;
  aggregate?: Record<string, string[]>;
  groupBy?: string[];
  alias?: Record<string, string>;
}

const MAX_JSON_DEPTH = 32;

/** Accepts `{fields: "a,b"}`, `{fields: ["a","b"]}`, `{filter: '{"a":{"_eq":1}}'}`, `{filter: {...}}`, `{limit: "10"}`, … */
export function parseQuery(raw: Record<string, unknown> | undefined | null): Query {
  const query: Query = {};
  if (raw === undefined || raw === null) return query;
  if (typeof raw !== "object" || Array.isArray(raw)) throw invalidQuery("Query must be an object.");
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    switch (key) {
      case "fields": query.fields = parseList(key, value); break;
      case "sort": query.sort = parseList(key, value); break;
      case "groupBy": query.groupBy = parseList(key, value); break;
      case "filter": query.filter = parseObject(key, value); break;
      case "deep": query.deep = parseObject(key, value); break;
      case "alias": query.alias = parseObject(key, value) as Record<string, string>; break;
      case "aggregate": query.aggregate = parseAggregate(parseObject(key, value)); break;
      case "limit": query.limit = parseInteger(key, value, -1); break;
      case "offset": query.offset = parseInteger(key, value, 0); break;
      case "page": query.page = parseInteger(key, value, 1); break;
      case "search":
        if (typeof value !== "string" && typeof value !== "number") throw invalidQuery('"search" must be a string.');
        query.search = String(value);
        break;
      case "meta": query.meta = parseMeta(value); break;
      default: break; // Unknown parameters (access_token, export, …) are not part of the query.
    }
  }
  return query;
}

function parseList(key: string, value: unknown): string[] {
  const items = typeof value === "string" ? value.split(",") : Array.isArray(value) ? value : undefined;
  if (!items || !items.every((item) => typeof item === "string")) throw invalidQuery(`"${key}" must be a comma-separated string or a list of strings.`);
  return (items as string[]).map((item) => item.trim()).filter((item) => item !== "");
}

function parseObject(key: string, value: unknown): Record<string, unknown> {
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw invalidQuery(`"${key}" is not valid JSON.`);
    }
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw invalidQuery(`"${key}" must be an object.`);
  if (depthOf(parsed) > MAX_JSON_DEPTH) throw invalidQuery(`"${key}" is nested too deeply (max ${MAX_JSON_DEPTH}).`);
  return parsed as Record<string, unknown>;
}

function parseInteger(key: string, value: unknown, min: number): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min) throw invalidQuery(`"${key}" must be an integer of at least ${min}.`);
  return n;
}

function parseMeta(value: unknown): MetaKey[] {
  const items = value === "*" ? ["total_count", "filter_count"] : parseList("meta", value);
  const keys = items.flatMap((item) => (item === "*" ? ["total_count", "filter_count"] : [item]));
  for (const key of keys) {
    if (key !== "total_count" && key !== "filter_count") throw invalidQuery(`"meta" may only contain total_count and filter_count.`);
  }
  return [...new Set(keys)] as MetaKey[];
}

function parseAggregate(value: Record<string, unknown>): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [fn, fields] of Object.entries(value)) result[fn] = parseList(`aggregate.${fn}`, fields);
  return result;
}

function depthOf(value: unknown, depth = 0): number {
  if (depth > MAX_JSON_DEPTH) return depth;
  if (!value || typeof value !== "object") return depth;
  let max = depth + 1;
  for (const child of Object.values(value)) max = Math.max(max, depthOf(child, depth + 1));
  return max;
}
