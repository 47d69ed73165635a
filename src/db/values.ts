// Converts canonical values (query/values.ts) to what each driver stores, and stored values back.
import { toCanonical, type FieldType } from "../query/values.js";
import type { DbClient } from "./db.js";

export function toDbValue(client: DbClient, type: FieldType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type === "json") return JSON.stringify(value);
  if (type === "boolean" && client === "sqlite") return value ? 1 : 0;
  return value;
}

export function fromDbValue(type: FieldType, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  if (type === "json") {
    if (typeof raw !== "string") return raw;
    try {
      return JSON.parse(raw);
    } catch {
      return raw; // Text written to a json column outside Tidings stays readable.
    }
  }
  const value = toCanonical(type, raw);
  return value === undefined ? raw : value;
}

/** Canonical row from a driver row, for the listed columns and their types. */
export function fromDbRow(row: Record<string, unknown>, types: Record<string, FieldType>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [column, raw] of Object.entries(row)) {
    const type = types[column];
    result[column] = type ? fromDbValue(type, raw) : raw;
  }
  return result;
}
