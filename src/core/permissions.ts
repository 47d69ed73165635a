// The permission engine: policies' rules compiled per accountability into row filters and field sets.
import { AppError, collectionForbidden } from "../errors.js";
import { matchAll, matchNone, or, type FilterNode } from "../query/filter.js";
import type { Accountability } from "./accountability.js";
import { compileFilter, fullAccess, type FieldAccess } from "./filter.js";
import type { Collection, Schema } from "./schema.js";
import { systemRules } from "./system-permissions.js";
import { applyVariables, type VariableValues } from "../query/variables.js";
import { variableValues, type PathReader } from "./variables.js";

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

export interface AccessView {
  /** Throws FORBIDDEN (without revealing existence) when the action is not allowed at all. */
  access(collection: Collection, action: Action): ActionAccess & ReadAccess;
  /**
   * Equal for two callers exactly when every rule that can shape a read of `collection` (its own and
   * those of collections reachable through relations) is the same once variables are bound: such
   * callers see the same data, so live fan-out renders once for all of them.
   */
  fingerprint(collection: Collection): string;
}

export interface Permissions {
  /**
   * Everything one accountability may do under one schema. Resolved before any transaction
   * (it may read rules and $CURRENT_USER values), then answered synchronously.
   */
  view(schema: Schema, accountability: Accountability): Promise<AccessView>;
}

export interface PermissionsDeps {
  loadRules(policies: string[]): Promise<PermissionRule[]>;
  /** Changes whenever permissions, policies, roles or users change anywhere. */
  accessVersion(): Promise<number>;
  readPath: PathReader;
  now?: () => Date;
}

const adminAccess: ActionAccess & ReadAccess = { ...fullAccess, fields: "*", presets: {}, fieldConditions: () => undefined };
const adminView: AccessView = { access: () => adminAccess, fingerprint: () => "admin" };

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
  // One view per accountability; dropped when the schema or any access row changes.
  const views = new Map<string, { stamp: string; expires: number; view: Promise<AccessView> }>();
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

  async function buildView(schema: Schema, rules: PermissionRule[], accountability: Accountability): Promise<AccessView> {
    const values = await variableValues(accountability, rules.map(boundParts), deps.readPath, now());
    const compiled = new Map<string, Compiled | null>();
    const compiledFor = (collection: Collection, action: Action): Compiled | null => {
      const id = `${collection.collection}:${action}`;
      if (!compiled.has(id)) {
        const matching = rules.filter((rule) => rule.collection === collection.collection && rule.action === action);
        compiled.set(id, matching.length ? compileRules(schema, collection, matching, values) : null);
      }
      return compiled.get(id)!;
    };
    const readOf = (name: string) => {
      const collection = schema.collections.get(name);
      return collection ? compiledFor(collection, "read") : null;
    };
    const fingerprints = new Map<string, string>();
    return {
      fingerprint(collection) {
        let print = fingerprints.get(collection.collection);
        if (print === undefined) {
          const reachable = new Set(relatedCollections(schema, collection));
          const relevant = rules
            .filter((rule) => reachable.has(rule.collection))
            .map((rule) => JSON.stringify(applyVariables([rule.collection, rule.action, rule.permissions, rule.validation, rule.presets, rule.fields], values)))
            .sort();
          print = relevant.join("\n");
          fingerprints.set(collection.collection, print);
        }
        return print;
      },
      access(collection, action) {
        const own = compiledFor(collection, action);
        if (!own) {
          if (action === "read" || action === "create") throw collectionForbidden(collection.collection);
          throw new AppError("FORBIDDEN");
        }
        return {
          fields: own.fields,
          filter: own.filter,
          presets: own.presets,
          validation: own.validation,
          // Reads through relations obey each related collection's own read rules.
          rowFilter: (name) => readOf(name)?.filter ?? matchNone,
          canRead: (name, field) => {
            const rules = readOf(name);
            return Boolean(rules) && (rules!.fields === "*" || rules!.fields.has(field));
          },
          canQuery: (name, field) => {
            const rules = readOf(name);
            return Boolean(rules) && (rules!.fields === "*" || rules!.fields.has(field)) && !rules!.conditions?.has(field);
          },
          fieldConditions: (name) => readOf(name)?.conditions,
        };
      },
    };
  }

  return {
    async view(schema, accountability) {
      if (accountability.admin) return adminView;
      const version = await deps.accessVersion();
      const key = `${accountability.user}|${accountability.role}|${accountability.policies.join(",")}|${accountability.app}`;
      const stamp = `${schema.version}:${version}`;
      const entry = views.get(key);
      if (entry && entry.stamp === stamp && entry.expires > Date.now()) return entry.view;
      const rules = await rulesFor(accountability);
      // A view binds $NOW once (in filters, validation and presets alike): let it age out quickly.
      const usesNow = rules.some((rule) => JSON.stringify(boundParts(rule)).includes("$NOW"));
      const view = buildView(schema, rules, accountability);
      if (views.size > CACHE_LIMIT) views.clear();
      views.set(key, { stamp, expires: usesNow ? Date.now() + NOW_TTL_MS : Infinity, view });
      view.catch(() => views.delete(key));
      return view;
    },
  };
}

/** The parts of a rule whose dynamic variables a view binds. */
const boundParts = (rule: PermissionRule) => [rule.permissions, rule.validation, rule.presets];

function compileRules(schema: Schema, collection: Collection, rules: PermissionRule[], values: VariableValues): Compiled {
  const filters: FilterNode[] = [];
  const validations: FilterNode[] = [];
  let fields: Set<string> | "*" = new Set();
  const presets: Record<string, unknown> = {};
  const grants: Array<{ filter: FilterNode; fields: Set<string> | "*" }> = [];
  for (const rule of rules) {
    const filter = compileRuleFilter(schema, collection, rule.permissions, values);
    const ruleFields: Set<string> | "*" = rule.fields.includes("*") ? "*" : new Set(rule.fields);
    filters.push(filter);
    grants.push({ filter, fields: ruleFields });
    if (ruleFields === "*" || fields === "*") fields = "*";
    else for (const field of ruleFields) fields.add(field);
    validations.push(rule.validation && Object.keys(rule.validation).length ? compileRuleFilter(schema, collection, rule.validation, values) : matchAll);
    Object.assign(presets, applyVariables(rule.presets ?? {}, values));
  }
  const filter = or(filters);
  return { filter, fields, presets, validation: or(validations), conditions: fieldConditions(collection, grants, filter) };
}

function compileRuleFilter(schema: Schema, collection: Collection, raw: Record<string, unknown> | null, values: VariableValues): FilterNode {
  if (!raw || Object.keys(raw).length === 0) return matchAll;
  try {
    return compileFilter(schema, collection, applyVariables(raw, values), fullAccess);
  } catch {
    return matchNone; // A rule that no longer fits the schema grants nothing.
  }
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

