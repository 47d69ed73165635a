// Resolves who is asking: a user id (or nobody) into an Accountability with role chain and policies.
import { BlockList, isIP } from "node:net";
import type { Executor } from "../db/db.js";
import { selectRows } from "../db/rows.js";
import { AppError } from "../errors.js";
import { and, or, type FilterNode } from "../query/filter.js";
import type { Accountability } from "./accountability.js";
import type { Client } from "./auth.js";
import type { PermissionRule } from "./permissions.js";
import { systemTable } from "./system-collections.js";

const uuidField = (name: string, op: "_eq" | "_in" | "_null", value: unknown): FilterNode => ({ kind: "field", field: name, type: "uuid", op, value });

const CACHE_LIMIT = 5000;

export function createAccessResolver(ex: Executor, accessVersion: () => Promise<number>) {
  const cache = new Map<string, { version: number; accountability: Promise<Accountability> }>();
  const owners = new Map<string, { version: number; userId: string | undefined }>();

  async function cached(key: string, build: () => Promise<Accountability>): Promise<Accountability> {
    const version = await accessVersion();
    const hit = cache.get(key);
    if (hit && hit.version === version) return hit.accountability;
    const accountability = build();
    if (cache.size > CACHE_LIMIT) cache.clear();
    cache.set(key, { version, accountability });
    accountability.catch(() => cache.delete(key));
    return accountability;
  }

  return {
    /** A signed-in user; throws INVALID_CREDENTIALS when the user is gone or not active. */
    user: (userId: string, client: Client) => cached(`u:${userId}:${client.ip ?? ""}`, () => resolveUser(ex, userId, client)),
    /** Nobody signed in: the public policy (and any other policy attached to neither role nor user). */
    anonymous: (client: Client) => cached(`p:${client.ip ?? ""}`, () => resolvePublic(ex, client)),
    /** The user behind a static token, or undefined (cached until any user or access row changes). */
    async tokenOwner(token: string): Promise<string | undefined> {
      const version = await accessVersion();
      const hit = owners.get(token);
      if (hit && hit.version === version) return hit.userId;
      const [user] = await selectRows(ex, systemTable("directus_users"), {
        columns: ["id"], where: { kind: "field", field: "token", type: "string", op: "_eq", value: token }, limit: 1,
      });
      if (!user) return undefined; // misses are not cached: the token may have been set a moment ago elsewhere
      const userId = String(user.id);
      if (owners.size > CACHE_LIMIT) owners.clear();
      owners.set(token, { version, userId });
      return userId;
    },
  };
}

export type AccessResolver = ReturnType<typeof createAccessResolver>;

async function resolveUser(ex: Executor, userId: string, client: Client): Promise<Accountability> {
  const [user] = await selectRows(ex, systemTable("directus_users"), { columns: ["id", "role", "status"], where: uuidField("id", "_eq", userId) });
  if (!user) throw new AppError("INVALID_CREDENTIALS");
  if (user.status !== "active") throw new AppError("INVALID_CREDENTIALS");
  const roles = await roleChain(ex, (user.role as string | null) ?? null);
  // A user without a role also gets the public policies, as in Directus 11.
  const attached = or([
    uuidField("user", "_eq", userId),
    roles.length ? uuidField("role", "_in", roles) : and([uuidField("role", "_null", null), uuidField("user", "_null", null)]),
  ]);
  const policies = await policiesFor(ex, attached, client);
  return {
    user: userId,
    role: (user.role as string | null) ?? null,
    roles,
    policies: policies.map((policy) => String(policy.id)),
    admin: policies.some((policy) => policy.admin_access === true),
    app: policies.some((policy) => policy.app_access === true || policy.admin_access === true),
    ip: client.ip,
    userAgent: client.userAgent,
  };
}

async function resolvePublic(ex: Executor, client: Client): Promise<Accountability> {
  const policies = await policiesFor(ex, and([uuidField("role", "_null", null), uuidField("user", "_null", null)]), client);
  return { user: null, role: null, roles: [], policies: policies.map((policy) => String(policy.id)), admin: false, app: false, ip: client.ip, userAgent: client.userAgent };
}

/** Policies attached through access rows matching `where`, minus those whose ip_access excludes the client. */
async function policiesFor(ex: Executor, where: FilterNode, client: Client) {
  const rows = await selectRows(ex, systemTable("directus_access"), { columns: ["policy"], where });
  const ids = [...new Set(rows.map((row) => String(row.policy)))];
  if (ids.length === 0) return [];
  const policies = await selectRows(ex, systemTable("directus_policies"), {
    columns: ["id", "admin_access", "app_access", "ip_access"], where: uuidField("id", "_in", ids),
  });
  return policies.filter((policy) => ipAllowed(policy.ip_access as string | null, client.ip));
}

/** ip_access is a comma-separated list of addresses and CIDR ranges; empty means anywhere. */
export function ipAllowed(ipAccess: string | null, ip: string | undefined): boolean {
  const ranges = (ipAccess ?? "").split(",").map((range) => range.trim()).filter(Boolean);
  if (ranges.length === 0) return true;
  if (!ip) return false;
  const address = ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  const list = new BlockList();
  for (const range of ranges) {
    const [base, bits] = range.split("/");
    const kind = isIP(base);
    if (!kind) continue;
    const rangeFamily = kind === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(base, rangeFamily);
    else if (Number.isInteger(Number(bits))) list.addSubnet(base, Number(bits), rangeFamily);
  }
  return list.check(address, family);
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

export async function loadPermissionRules(ex: Executor, policies: string[]): Promise<PermissionRule[]> {
  const rows = await selectRows(ex, systemTable("directus_permissions"), {
    columns: ["collection", "action", "permissions", "validation", "presets", "fields", "policy"],
    where: uuidField("policy", "_in", policies),
  });
  return rows.map((row) => ({
    collection: String(row.collection),
    action: row.action as PermissionRule["action"],
    permissions: (row.permissions as Record<string, unknown> | null) ?? null,
    validation: (row.validation as Record<string, unknown> | null) ?? null,
    presets: (row.presets as Record<string, unknown> | null) ?? null,
    fields: typeof row.fields === "string" && row.fields !== "" ? row.fields.split(",") : [],
    policy: row.policy === null ? null : String(row.policy),
  }));
}
