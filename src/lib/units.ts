// Parsing of human-friendly durations ("15m", "7d") and sizes ("1mb") used in configuration.
import ms from "ms";
import bytes from "bytes";

/** A duration in milliseconds, or undefined when the text is not one. Bare numbers are milliseconds. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const value = ms(trimmed as ms.StringValue);
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** A size in bytes, or undefined when the text is not one. Bare numbers are bytes. */
export function parseSize(text: string): number | undefined {
  const value = bytes.parse(text.trim());
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}
