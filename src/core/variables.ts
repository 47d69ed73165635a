// Binds dynamic variables ($CURRENT_USER, $CURRENT_USER.team, $NOW(-1 day), …) for one accountability.
import { applyVariables, collectLookups, type VariableValues } from "../query/variables.js";
import type { Accountability } from "./accountability.js";

/** Reads one field path of one item with full access (for `$CURRENT_USER.<path>` lookups). */
export type PathReader = (collection: string, key: string, path: string) => Promise<unknown>;

export async function variableValues(accountability: Accountability, raw: unknown, readPath: PathReader, now: Date): Promise<VariableValues> {
  const lookups: Record<string, unknown> = {};
  for (const variable of collectLookups(raw)) {
    const [head, ...rest] = variable.split(".");
    const isUser = head === "$CURRENT_USER";
    const key = isUser ? accountability.user : accountability.role;
    lookups[variable] = key ? await readPath(isUser ? "directus_users" : "directus_roles", key, rest.join(".")) : null;
  }
  return { user: accountability.user, role: accountability.role, roles: accountability.roles, policies: accountability.policies, now, lookups };
}

export async function bindVariables<T>(accountability: Accountability, raw: T, readPath: PathReader, now: Date): Promise<T> {
  if (raw === undefined || raw === null) return raw;
  return applyVariables(raw, await variableValues(accountability, raw, readPath, now)) as T;
}

/** Follows a dotted path through a nested read result; o2m lists yield lists of values. */
export function valueAtPath(value: unknown, path: string[]): unknown {
  if (path.length === 0) return value ?? null;
  if (Array.isArray(value)) return value.map((item) => valueAtPath(item, path)).flat();
  if (!value || typeof value !== "object") return null;
  return valueAtPath((value as Record<string, unknown>)[path[0]], path.slice(1));
}
