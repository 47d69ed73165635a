// Resolves a user id into an Accountability: role chain, attached policies, admin and app flags.
import type { Executor } from "../db/db.js";
import { selectRows } from "../db/rows.js";
import { AppError } from "../errors.js";
import { or, type FilterNode } from "../query/filter.js";
import type { Accountability } from "./accountability.js";
import type { Client } from "./auth.js";
import { systemTable } from "./schema-store.js";

const field = (name: string, op: "_eq" | "_in" | "_null", value: unknown): FilterNode => ({ kind: "field", field: name, type: "uuid", op, value });

export async function resolveAccountability(ex: Executor, userId: string, client: Client): Promise<Accountability> {
  const [user] = await selectRows(ex, systemTable("directus_users"), { columns: ["id", "role", "status"], where: field("id", "_eq", userId) });
  if (!user || user.status !== "active") throw new AppError("INVALID_CREDENTIALS");
  const roles = await roleChain(ex, (user.role as string | null) ?? null);
  const accessRows = await selectRows(ex, systemTable("directus_access"), {
    columns: ["policy", "sort"],
    where: or([field("user", "_eq", userId), ...(roles.length ? [field("role", "_in", roles)] : [])]),
  });
  const policyIds = [...new Set(accessRows.map((row) => String(row.policy)))];
  const policies = policyIds.length
    ? await selectRows(ex, systemTable("directus_policies"), { columns: ["id", "admin_access", "app_access"], where: field("id", "_in", policyIds) })
    : [];
  return {
    user: userId,
    role: (user.role as string | null) ?? null,
    roles,
    policies: policyIds,
    admin: policies.some((policy) => policy.admin_access === true),
    app: policies.some((policy) => policy.app_access === true || policy.admin_access === true),
    ip: client.ip,
    userAgent: client.userAgent,
  };
}

/** The role and its ancestors, nearest first (cycles are cut). */
async function roleChain(ex: Executor, role: string | null): Promise<string[]> {
  if (!role) return [];
  const rows = await selectRows(ex, systemTable("directus_roles"), { columns: ["id", "parent"] });
  const parentOf = new Map(rows.map((row) => [String(row.id), (row.parent as string | null) ?? null]));
  const chain: string[] = [];
  for (let current: string | null = role; current && parentOf.has(current) && !chain.includes(current); current = parentOf.get(current) ?? null) {
    chain.push(current);
  }
  return chain;
}
