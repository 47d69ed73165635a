// Field types and their canonical values: the one place that says what "2024-01-01" or "true" means per type.
import { AppError } from "../errors.js";

export const fieldTypes = [
  "string", "text", "integer", "bigInteger", "float", "decimal", "boolean", "uuid", "hash",
  "json", "csv", "dateTime", "date", "time", "timestamp", "alias",
] as const;
export type FieldType = (typeof fieldTypes)[number];

export const isFieldType = (value: unknown): value is FieldType => fieldTypes.includes(value as FieldType);

const stringTypes = new Set<FieldType>(["string", "text", "uuid", "hash", "csv"]);
const numberTypes = new Set<FieldType>(["integer", "bigInteger", "float", "decimal"]);
const dateTypes = new Set<FieldType>(["dateTime", "date", "time", "timestamp"]);

export const isStringType = (type: FieldType) => stringTypes.has(type);
export const isNumberType = (type: FieldType) => numberTypes.has(type);
export const isDateType = (type: FieldType) => dateTypes.has(type);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const NO_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * Converts an input value (JSON or URL string) to the canonical value of `type`, as stored and as
 * returned by the API; returns `undefined` when the value does not fit the type.
 * Canonical dates are fixed-width strings so that string order equals time order.
 */
export function toCanonical(type: FieldType, value: unknown): unknown {
  if (value === null) return null;
  switch (type) {
    case "string": case "text": case "hash":
      return typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
    case "uuid":
      return typeof value === "string" && UUID.test(value) ? value.toLowerCase() : undefined;
    case "csv":
      if (Array.isArray(value)) return value.every((v) => typeof v === "string" || typeof v === "number") ? value.join(",") : undefined;
      return typeof value === "string" ? value : undefined;
    case "integer": case "bigInteger": {
      const n = toNumber(value);
      return n !== undefined && Number.isSafeInteger(n) && (type === "bigInteger" || (n >= -2147483648 && n <= 2147483647)) ? n : undefined;
    }
    case "float": case "decimal":
      return toNumber(value);
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === 1 || value === "1" || value === "true") return true;
      if (value === 0 || value === "0" || value === "false") return false;
      return undefined;
    case "json":
      return value;
    case "timestamp": {
      const date = toDate(value);
      return date ? date.toISOString() : undefined;
    }
    case "dateTime": {
      const date = toDate(value);
      return date ? date.toISOString().slice(0, 19) : undefined;
    }
    case "date": {
      if (typeof value === "string" && DATE_ONLY.test(value)) return validDay(value) ? value : undefined;
      const date = toDate(value);
      return date ? date.toISOString().slice(0, 10) : undefined;
    }
    case "time": {
      const match = typeof value === "string" ? TIME.exec(value) : null;
      if (!match) return undefined;
      const [h, m, s = "00"] = [match[1], match[2], match[3]];
      return Number(h) < 24 && Number(m) < 60 && Number(s) < 60 ? `${h}:${m}:${s}` : undefined;
    }
    case "alias":
      return undefined;
  }
}

/** Like toCanonical, but throws INVALID_PAYLOAD naming the field. */
export function castForWrite(type: FieldType, value: unknown, field: string): unknown {
  const result = toCanonical(type, value);
  if (result === undefined) {
    throw new AppError("INVALID_PAYLOAD", `Invalid payload. Value for field "${field}" is not a valid ${type}.`);
  }
  return result;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && value.trim() !== "" && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value.trim())) {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Strings without a zone are read as UTC, so that a dateTime means the same on every server. */
function toDate(value: unknown): Date | undefined {
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === "number") date = new Date(value);
  else if (typeof value === "string") {
    const text = value.trim();
    if (DATE_ONLY.test(text)) date = validDay(text) ? new Date(`${text}T00:00:00Z`) : undefined;
    else if (NO_ZONE.test(text)) date = new Date(`${text.replace(" ", "T")}Z`);
    else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text)) date = new Date(text.replace(" ", "T"));
  }
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

function validDay(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** A canonical value as it appears in API output (csv becomes a list, decimals stay exact strings). */
export function toOutput(type: FieldType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type === "csv") return typeof value === "string" ? (value === "" ? [] : value.split(",")) : value;
  return value;
}

/**
 * Lower-cases one code point at a time with Unicode's simple mappings, as PostgreSQL's lower() does:
 * no context rules (final sigma) and no expansions (İ becomes "i", not "i" plus a combining dot).
 * SQLite gets this same function as its lower(), so both databases and the matcher agree.
 */
export function foldCase(text: string): string {
  let folded = "";
  for (const char of text) {
    const lower = char.toLowerCase();
    folded += lower.length === char.length ? lower : char === "\u0130" ? "i" : char;
  }
  return folded;
}

/** Code point order (what SQLite's BINARY and PostgreSQL's C collations use), not UTF-16 unit order. */
export function compareText(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
