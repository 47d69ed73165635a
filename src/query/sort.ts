// In-memory ordering of canonical rows, the same order SQL gives (nulls first ascending, last descending).
import { compareText, isNumberType, type FieldType } from "./values.js";

export interface LocalSort {
  field: string;
  descending: boolean;
}

export function sortRows<T extends Record<string, unknown>>(rows: T[], sort: LocalSort[], types: Record<string, FieldType>): T[] {
  return [...rows].sort((a, b) => {
    for (const { field, descending } of sort) {
      const order = compareValues(a[field], b[field], types[field]);
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  });
}

function compareValues(a: unknown, b: unknown, type: FieldType | undefined): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  if (type && isNumberType(type)) return Number(a) - Number(b);
  if (typeof a === "boolean" || typeof b === "boolean") return Number(a) - Number(b);
  return compareText(String(a), String(b));
}
