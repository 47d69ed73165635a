// Translates driver errors (SQLite, PostgreSQL) into AppErrors, so both databases fail alike.
import { AppError } from "../errors.js";

/** Deadlocks and serialization failures: the transaction did nothing and may simply run again. */
export function isRetryableConflict(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === "40P01" || code === "40001" || code === "SQLITE_BUSY";
}

/** Returns an AppError for known constraint violations, or the original error. */
export function translateDbError(error: unknown, table?: string): unknown {
  if (!error || typeof error !== "object") return error;
  const { code, message = "", detail = "", column: pgColumn } = error as { code?: string; message?: string; detail?: string; column?: string };
  const where = table ? ` in collection "${table}"` : "";
  if (code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
    const field = /Key \(([^)]+)\)/.exec(detail)?.[1] ?? /constraint failed: [^.]+\.(\w+)/.exec(message)?.[1] ?? "unknown";
    return new AppError("RECORD_NOT_UNIQUE", `Value for field "${field}"${where} has to be unique.`, { cause: error });
  }
  if (code === "23502" || code === "SQLITE_CONSTRAINT_NOTNULL") {
    const field = pgColumn ?? /constraint failed: [^.]+\.(\w+)/.exec(message)?.[1] ?? "unknown";
    return new AppError("NOT_NULL_VIOLATION", `Value for field "${field}"${where} can't be null.`, { cause: error });
  }
  if (code === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY") {
    return new AppError("INVALID_FOREIGN_KEY", `Invalid foreign key${where}.`, { cause: error });
  }
  if (code === "22001") return new AppError("VALUE_TOO_LONG", `Value is too long${where}.`, { cause: error });
  if (code === "22003") return new AppError("VALUE_OUT_OF_RANGE", `Numeric value is out of range${where}.`, { cause: error });
  if (code === "22P02" || code === "22007" || code === "22008") {
    return new AppError("INVALID_PAYLOAD", `Invalid payload. A value has the wrong format${where}.`, { cause: error });
  }
  return error;
}
