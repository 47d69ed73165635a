// The permission engine: policies' rules compiled per accountability into row filters and field sets.
import { AppError, collectionForbidden } from "../errors.js";
import { and, matchAll, matchNone, or, type FilterNode } from "../query/filter.js";
import type { Accountability } from "./accountability.js";
import { compileFilter, fullAccess, type FieldAccess } from "./filter.js";
import type { Collection, Schema } from "./schema.js";
import { systemRules } from "./system-permissions.js";
import { bindVariables, type PathReader } from "./variables.js";

export type Action = "create" | "read" | "update" | "delete";

/** One row of directus_permissions (or a built-in system rule). */
export interface PermissionRule {
  collection: string;
  action: Action;
  permissions: Record<string, unknown> | null;
  validation: Record<string, unknown> | null;
  presets: Record<string, unknown> | null;
  /** Allowed fields; "*" in the list means all. */
  fields: string[];
  policy: string | null;
}

export interface ActionAccess extends FieldAccess {
  /** Fields the action may touch ("*" for all). */
  fields: Set<string> | "*";
  /** Row filter for this action on the collection itself (undefined: every row). */
  filter?: FilterNode;
  presets: Record<string, unknown>;
  /** Filter an incoming (merged) payload must satisfy. */
  validation?: FilterNode;
}

export interface ReadAccess extends FieldAccess {
  /** Fields readable only on some of the readable rows: field → rows on which it may be read. */
  fieldConditions(collection: string): Map<string, FilterNode> | undefined;
}

export interface Permissions {
  /** Throws FORBIDDEN (without revealing existence) when the action is not allowed at all. */
  access(schema: Schema, accountability: Accountability, collection: Collection, action: Action): Promise<ActionAccess & ReadAccess>;
  /** The raw rules that apply to an accountability (policies' rows plus built-in system rules). */
  rules(accountability: Accountability): Promise<PermissionRule[]>;
}

export interface PermissionsDeps {
  loadRules(policies: string[]): Promise<PermissionRule[]>;
  /** Changes whenever permissions, policies, roles or users change anywhere. */
  accessVersion(): Promise<number>;
  readPath: PathReader;
  now?: () => Date;
}

const adminAccess: ActionAccess & ReadAccess = { ...fullAccess, fields: "*", presets: {}, fieldConditions: () => undefined };

interface Compiled {
  filter: FilterNode;
  fields: Set<string> | "*";
  presets: Record<string, unknown>;
  validation?: FilterNode;
  conditions?: Map<string, FilterNode>;
}

const CACHE_LIMIT = 2000;
const NOW_TTL_MS = 1000;

export function createPermissions(deps: PermissionsDeps): Permissions {
  const now = deps.now ?? (() => new Date());
  // Compiled access per accountability; dropped when the schema or any access row changes.
  const views = new Map<string, { stamp: string; expires: number; compiled: Map<string, Compiled | null> }>();
  const ruleCache = new Map<string, { version: number; rules: PermissionRule[] }>();

  async function rulesFor(accountability: Accountability): Promise<PermissionRule[]> {
    const version = await deps.accessVersion();
    const key = [...accountability.policies].sort().join(",");
    let cached = ruleCache.get(key);
    if (!cached || cached.version !== version) {
      cached = { version, rules: accountability.policies.length ? await deps.loadRules(accountability.policies) : [] };
      if (ruleCache.size > CACHE_LIMIT) ruleCache.clear();
      ruleCache.set(key, cached);
    }
    return [...cached.rules, ...systemRules(accountability)];
  }

  async function view(schema: Schema, accountability: Accountability) {
    const version = await deps.accessVersion();
    const key = `${accountability.user}|${accountability.role}|${accountability.policies.join(",")}|${accountability.app}`;
    const stamp = `${schema.version}:${version}`;
    let entry = views.get(key);
    if (!entry || entry.stamp !== stamp || entry.expires < Date.now()) {
      entry = { stamp, expires: Infinity, compiled: new Map() };
      if (views.size > CACHE_LIMIT) views.clear();
      views.set(key, entry);
    }
    const rules = await rulesFor(accountability);
    const current = entry;
    return async (collection: Collection, action: Action): Promise<Compiled | null> => {
      const id = `${collection.collection}:${action}`;
      if (current.compiled.has(id)) return current.compiled.get(id)!;
      const matching = rules.filter((rule) => rule.collection === collection.collection && rule.action === action);
      if (matching.some((rule) => JSON.stringify(rule.permissions ?? {}).includes("$NOW"))) current.expires = Date.now() + NOW_TTL_MS;
      const compiled = matching.length ? await compileRules(schema, collection, matching, accountability) : null;
      current.compiled.set(id, compiled);
      return compiled;
    };
  }

  async function compileRules(schema: Schema, collection: Collection, rules: PermissionRule[], accountability: Accountability): Promise<Compiled> {
    const filters: FilterNode[] = [];
    const validations: FilterNode[] = [];
    let fields: Set<string> | "*" = new Set();
    const presets: Record<string, unknown> = {};
    const grants: Array<{ filter: FilterNode; fields: Set<string> | "*" }> = [];
    for (const rule of rules) {
      const filter = await compileRuleFilter(schema, collection, rule.permissions, accountability);
      const ruleFields: Set<string> | "*" = rule.fields.includes("*") ? "*" : new Set(rule.fields);
      filters.push(filter);
      grants.push({ filter, fields: ruleFields });
      if (ruleFields === "*" || fields === "*") fields = "*";
      else for (const field of ruleFields) fields.add(field);
      if (rule.validation && Object.keys(rule.validation).length) validations.push(await compileRuleFilter(schema, collection, rule.validation, accountability));
      else validations.push(matchAll);
      Object.assign(presets, rule.presets ?? {});
    }
    const filter = or(filters);
    return { filter, fields, presets, validation: or(validations), conditions: fieldConditions(collection, grants, filter) };
  }

  async function compileRuleFilter(schema: Schema, collection: Collection, raw: Record<string, unknown> | null, accountability: Accountability): Promise<FilterNode> {
    if (!raw || Object.keys(raw).length === 0) return matchAll;
    try {
      return compileFilter(schema, collection, await bindVariables(accountability, raw, deps.readPath, now()), fullAccess);
    } catch {
      return matchNone; // A rule that no longer fits the schema grants nothing.
    }
  }

  return {
    rules: rulesFor,
    async access(schema, accountability, collection, action) {
      if (accountability.admin) return adminAccess;
      const compile = await view(schema, accountability);
      const own = await compile(collection, action);
      if (!own) {
        if (action === "read" || action === "create") throw collectionForbidden(collection.collection);
        throw new AppError("FORBIDDEN");
      }
      // Reads through relations are checked against each related collection's own read rules.
      const readOf = new Map<string, Compiled | null>();
      const readRules = async (name: string) => {
        if (!readOf.has(name)) {
          const related = schema.collections.get(name);
          readOf.set(name, related ? await compile(related, "read") : null);
        }
        return readOf.get(name)!;
      };
      for (const related of relatedCollections(schema, collection)) await readRules(related);
      const read = (name: string) => readOf.get(name) ?? null;
      return {
        fields: own.fields,
        filter: own.filter,
        presets: own.presets,
        validation: own.validation,
        rowFilter: (name) => read(name)?.filter ?? matchNone,
        canRead: (name, field) => {
          const rules = read(name);
          return Boolean(rules) && (rules!.fields === "*" || rules!.fields.has(field));
        },
        fieldConditions: (name) => read(name)?.conditions,
      };
    },
  };
}

/** Collections reachable from this one through relations (plus itself), for precompiling read access. */
function relatedCollections(schema: Schema, collection: Collection): string[] {
  const seen = new Set([collection.collection]);
  const queue = [collection.collection];
  while (queue.length) {
    const name = queue.shift()!;
    for (const relation of schema.relations) {
      const next = relation.collection === name ? relation.relatedCollection : relation.relatedCollection === name ? relation.collection : null;
      if (next && !seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return [...seen];
}

/**
 * When several rules grant different fields on different rows, a field may only be shown on rows
 * of the rules that grant it (Directus 11 semantics); returns those per-field row filters.
 */
function fieldConditions(collection: Collection, grants: Array<{ filter: FilterNode; fields: Set<string> | "*" }>, union: FilterNode) {
  if (grants.length < 2) return undefined;
  const conditions = new Map<string, FilterNode>();
  for (const field of collection.fields.keys()) {
    const granting = grants.filter((grant) => grant.fields === "*" || grant.fields.has(field));
    if (granting.length === 0 || granting.length === grants.length) continue;
    const condition = or(granting.map((grant) => grant.filter));
    if (JSON.stringify(condition) !== JSON.stringify(union)) conditions.set(field, condition);
  }
  return conditions.size ? conditions : undefined;
}

export { and as combineFilters };
