// Turns a sanitized Query into a read plan: which columns, which relations, what order, how many.
import { invalidQuery } from "../errors.js";
import type { SortSpec } from "../db/rows.js";
import type { FilterNode } from "../query/filter.js";
import { parseQuery, type Query } from "../query/params.js";
import { compileFilter, compileSearch, fieldForbidden, isConcealed, type FieldAccess } from "./filter.js";
import { linkOf, type Collection, type Link, type Schema } from "./schema.js";

export interface Limits {
  queryLimitDefault: number;
  queryLimitMax: number;
  maxRelationalDepth: number;
}

export interface FieldTree {
  collection: Collection;
  /** Output keys in order: own columns and relational fields. */
  output: string[];
  columns: Set<string>;
  children: Map<string, ChildPlan>;
}

export interface ChildPlan {
  link: Link;
  /** An o2m field asked for without sub-fields lists the related keys only. */
  keysOnly: boolean;
  tree: FieldTree;
  filter?: FilterNode;
  sort: SortSpec[];
  limit: number;
  offset: number;
}

export interface ReadPlan {
  collection: Collection;
  tree: FieldTree;
  filter?: FilterNode;
  search?: FilterNode;
  sort: SortSpec[];
  limit: number;
  offset: number;
  meta: Query["meta"];
}

export function planRead(schema: Schema, collection: Collection, query: Query, access: FieldAccess, limits: Limits): ReadPlan {
  const limit = resolveLimit(query.limit, limits);
  const offset = query.offset ?? (query.page && Number.isFinite(limit) ? (query.page - 1) * limit : 0);
  return {
    collection,
    tree: planFields(schema, collection, query.fields ?? ["*"], query.deep ?? {}, access, limits, 0),
    ...planConditions(schema, collection, query, access),
    sort: planSort(schema, collection, query.sort ?? [], access),
    limit,
    offset,
    meta: query.meta,
  };
}

/** The query's own row conditions (filter and search), on fields the caller may query. */
export function planConditions(schema: Schema, collection: Collection, query: Query, access: FieldAccess): Pick<ReadPlan, "filter" | "search"> {
  return {
    filter: query.filter ? compileFilter(schema, collection, query.filter, access) : undefined,
    search: query.search ? compileSearch(collection, query.search, access) : undefined,
  };
}

export function resolveLimit(limit: number | undefined, limits: Limits): number {
  const wanted = limit === undefined ? limits.queryLimitDefault : limit === -1 ? Infinity : limit;
  return Math.min(wanted, limits.queryLimitMax);
}

export function planSort(schema: Schema, collection: Collection, sort: string[], access: FieldAccess): SortSpec[] {
  const specs = sort.map((entry) => {
    const descending = entry.startsWith("-");
    const segments = (descending ? entry.slice(1) : entry).split(".");
    const path: SortSpec["path"] = [];
    let current = collection;
    for (const segment of segments.slice(0, -1)) {
      if (!current.fields.has(segment) || !access.canQuery(current.collection, segment)) throw fieldForbidden(current.collection, segment);
      const link = linkOf(schema, current.collection, segment);
      if (link?.kind !== "m2o") throw invalidQuery(`Can't sort by "${entry}": only many-to-one relations can be sorted through.`);
      // Related rows the caller may not read sort as NULL, as filtering through the relation hides them.
      path.push({ field: segment, related: link.related, relatedKey: link.relatedKey, where: access.rowFilter(link.related) });
      current = schema.collections.get(link.related)!;
    }
    const field = segments[segments.length - 1];
    const target = current.fields.get(field);
    if (!target || !access.canQuery(current.collection, field) || isConcealed(target)) throw fieldForbidden(current.collection, field);
    if (target.type === "alias") throw invalidQuery(`Can't sort by the alias field "${field}".`);
    return { path, field, descending };
  });
  // A stable order for paging: the primary key breaks ties.
  if (!specs.some((spec) => spec.path.length === 0 && spec.field === collection.primaryKey)) {
    specs.push({ path: [], field: collection.primaryKey, descending: false });
  }
  return specs;
}

function planFields(
  schema: Schema, collection: Collection, fields: string[], deep: Record<string, unknown>,
  access: FieldAccess, limits: Limits, depth: number,
): FieldTree {
  if (depth > limits.maxRelationalDepth) throw invalidQuery(`Fields are nested deeper than ${limits.maxRelationalDepth} relations.`);
  const tree: FieldTree = { collection, output: [], columns: new Set(), children: new Map() };
  const nested = new Map<string, string[]>();
  const wildcardOnly = new Set<string>();
  const addOwn = (name: string, fromWildcard: boolean) => {
    const field = collection.fields.get(name);
    if (!field || !access.canRead(collection.collection, name)) {
      if (fromWildcard) return;
      throw fieldForbidden(collection.collection, name);
    }
    if (!tree.output.includes(name)) tree.output.push(name);
    if (field.type !== "alias") tree.columns.add(name);
    else if (!nested.has(name)) {
      nested.set(name, []);
      if (fromWildcard) wildcardOnly.add(name);
    }
  };
  for (const path of fields) {
    const dot = path.indexOf(".");
    const head = dot === -1 ? path : path.slice(0, dot);
    if (head === "*") {
      for (const name of collection.fields.keys()) addOwn(name, true);
      // "*.*" (and deeper) also expands every relation the caller can see into.
      if (dot !== -1) {
        for (const name of tree.output) {
          const link = linkOf(schema, collection.collection, name);
          const related = link && schema.collections.get(link.related);
          if (related && access.canRead(related.collection, related.primaryKey)) {
            nested.set(name, [...(nested.get(name) ?? []), path.slice(dot + 1)]);
            wildcardOnly.delete(name);
          }
        }
      }
      continue;
    }
    addOwn(head, false);
    wildcardOnly.delete(head);
    if (dot !== -1) nested.set(head, [...(nested.get(head) ?? []), path.slice(dot + 1)]);
  }
  for (const [name, subFields] of nested) {
    const link = linkOf(schema, collection.collection, name);
    if (!link) {
      if (subFields.length > 0) throw invalidQuery(`Field "${name}" is not a relation.`);
      tree.output.splice(tree.output.indexOf(name), 1); // an alias without a relation has nothing to show
      continue;
    }
    const related = schema.collections.get(link.related)!;
    const keysOnly = subFields.length === 0;
    if (keysOnly && link.kind === "m2o") continue; // the key column itself is the value
    if (keysOnly && wildcardOnly.has(name) && !access.canRead(related.collection, related.primaryKey)) {
      tree.output.splice(tree.output.indexOf(name), 1); // "*" shows only the relations the caller can see into
      continue;
    }
    const options = (deep[name] ?? {}) as Record<string, unknown>;
    const query = parseQuery(Object.fromEntries(Object.entries(options).filter(([key]) => key.startsWith("_")).map(([key, value]) => [key.slice(1), value])));
    const childDeep = Object.fromEntries(Object.entries(options).filter(([key]) => !key.startsWith("_")));
    tree.children.set(name, {
      link,
      keysOnly,
      tree: planFields(schema, related, keysOnly ? [related.primaryKey] : subFields, childDeep, access, limits, depth + 1),
      filter: query.filter ? compileFilter(schema, related, query.filter, access) : undefined,
      sort: planSort(schema, related, query.sort ?? [], access),
      limit: query.limit === undefined || query.limit === -1 ? limits.queryLimitMax : Math.min(query.limit, limits.queryLimitMax),
      offset: query.offset ?? 0,
    });
  }
  return tree;
}

