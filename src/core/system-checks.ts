// Payload checks for system collections that their column types alone cannot express.
import { isIP } from "node:net";
import { invalidPayload, isAppError } from "../errors.js";
import { applyVariables, type VariableValues } from "../query/variables.js";
import { compileFilter } from "./filter.js";
import type { Schema } from "./schema.js";

type Row = Record<string, unknown>;

const ACTIONS = ["create", "read", "update", "delete"];
const STATUSES = ["active", "invited", "draft", "suspended", "archived"];

export function checkSystemPayload(schema: Schema, collection: string, values: Row): void {
  if (collection === "directus_permissions") {
    if ("action" in values && !ACTIONS.includes(String(values.action))) throw invalidPayload(`"action" must be one of ${ACTIONS.join(", ")}.`);
    if ("collection" in values && !schema.collections.has(String(values.collection))) {
      throw invalidPayload(`Collection ${JSON.stringify(values.collection)} does not exist.`);
    }
    for (const key of ["permissions", "validation", "presets"]) {
      const value = values[key];
      if (value !== undefined && value !== null && (typeof value !== "object" || Array.isArray(value))) throw invalidPayload(`"${key}" must be an object or null.`);
    }
  }
  if (collection === "directus_users" && "status" in values && !STATUSES.includes(String(values.status))) {
    throw invalidPayload(`"status" must be one of ${STATUSES.join(", ")}.`);
  }
  if (collection === "directus_policies" && typeof values.ip_access === "string" && values.ip_access !== "") {
    for (const range of values.ip_access.split(",")) {
      const [base, bits] = range.trim().split("/");
      const family = isIP(base);
      const maxBits = family === 6 ? 128 : 32;
      if (!family || (bits !== undefined && !(Number.isInteger(Number(bits)) && Number(bits) >= 0 && Number(bits) <= maxBits))) {
        throw invalidPayload(`"ip_access" entry ${JSON.stringify(range)} is not an IP address or CIDR range.`);
      }
    }
  }
}

/** Stand-ins for dynamic variables when a rule is checked on save ($CURRENT_USER and the like). */
const placeholderValues = (): VariableValues => ({ user: null, role: null, roles: [], policies: [], now: new Date(), lookups: {} });

/**
 * A stored permission rule must fit its collection. A filter on a missing field, or with an unknown operator,
 * would otherwise be saved and then silently grant nothing. Checked on the row as written (create and update).
 */
export function checkPermissionRule(schema: Schema, row: Row): void {
  const collection = schema.collections.get(String(row.collection));
  if (!collection) return;
  for (const key of ["permissions", "validation"]) {
    const filter = row[key];
    if (!filter || typeof filter !== "object" || Object.keys(filter).length === 0) continue;
    try {
      compileFilter(schema, collection, applyVariables(filter, placeholderValues()));
    } catch (error) {
      if (!isAppError(error)) throw error;
      throw invalidPayload(`"${key}" does not fit collection "${collection.collection}": ${error.message}`);
    }
  }
  const fields = typeof row.fields === "string" ? row.fields.split(",") : Array.isArray(row.fields) ? row.fields : [];
  const unknown = fields.map(String).find((name) => name !== "*" && !collection.fields.has(name));
  if (unknown !== undefined) throw invalidPayload(`"fields" names "${unknown}", which is not a field of collection "${collection.collection}".`);
}
