// Field values between the API, the table and form controls (which hold strings, booleans or parsed JSON): shared by every page.

export const NUMBER_TYPES = ["integer", "bigInteger", "float", "decimal"];
export const TEMPORAL_TYPES = ["dateTime", "timestamp", "date", "time"];

/** The <input> type and step for a field type (seconds for times; text, json, boolean and hash have their own controls). */
export function inputAttrsOf(type: string): { type: string; step?: string } {
  if (type === "integer" || type === "bigInteger") return { type: "number", step: "1" };
  if (NUMBER_TYPES.includes(type)) return { type: "number", step: "any" };
  if (type === "dateTime" || type === "timestamp") return { type: "datetime-local", step: "1" };
  if (type === "date") return { type: "date" };
  if (type === "time") return { type: "time", step: "1" };
  return { type: "text" };
}

const pad = (value: number) => String(value).padStart(2, "0");

/** A timestamp (an instant, ISO with zone) as the local wall time a datetime-local input shows. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** What a form control holds for an API value. */
export function toFormValue(type: string, value: unknown): unknown {
  if (type === "boolean") return value === true;
  if (type === "json") return value ?? null;
  if (type === "hash" || value === null || value === undefined) return "";
  if (type === "csv") return Array.isArray(value) ? value.join(", ") : String(value);
  if (type === "timestamp") return toLocalInput(String(value));
  if (type === "dateTime") return String(value).slice(0, 19);
  return String(value);
}

/** The API value for what a form control holds; empty means null. */
export function fromFormValue(type: string, value: unknown): unknown {
  if (type === "boolean" || type === "json") return value;
  const text = String(value ?? "");
  if (text.trim() === "") return null;
  if (NUMBER_TYPES.includes(type)) {
    const number = Number(text);
    // Leave what isn't a number to the server, which says why it refuses it.
    return Number.isFinite(number) ? number : text;
  }
  if (type === "timestamp") {
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? text : date.toISOString();
  }
  if (type === "csv") return text.split(",").map((part) => part.trim()).filter(Boolean);
  return text;
}

/** A value as one line of table text. */
export function formatCell(type: string, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (type === "hash") return "••••••";
  if (type === "boolean") return value ? "Yes" : "No";
  if (type === "timestamp" && typeof value === "string") {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
  }
  if (Array.isArray(value) && type === "csv") return value.join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
