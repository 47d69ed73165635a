// Builds the GraphQL schema a caller may see: only readable collections and fields, only allowed mutations.
import {
  GraphQLID, GraphQLInputObjectType, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString,
  type GraphQLFieldConfigMap, type GraphQLInputFieldConfigMap, type GraphQLOutputType, type GraphQLResolveInfo,
  GraphQLFloat,
} from "graphql";
import type { Accountability } from "../core/accountability.js";
import { batchEntries, nullIfForbidden, type Items } from "../core/items.js";
import type { LiveTarget } from "../core/live.js";
import type { AccessView, Action } from "../core/permissions.js";
import { linkOf, type Collection, type Schema } from "../core/schema.js";
import { internalCollections } from "../core/system-collections.js";
import { AppError } from "../errors.js";
import type { Query } from "../query/params.js";
import { isNumberType } from "../query/values.js";
import { EventEnum, GraphQLJSON, operatorsFor, scalarFor } from "./scalars.js";
import { selectionToQuery, fieldsOf } from "./selection.js";

export interface MutationEvent {
  key: string;
  event: "create" | "update" | "delete";
  data: Record<string, unknown> | null;
}

/** What resolvers get: who asks, the item API, and (on sockets) a way to follow changes. */
export interface GraphQLContext {
  accountability: Accountability;
  items: Items;
  subscribe?: (target: LiveTarget, event: MutationEvent["event"] | undefined) => Promise<AsyncIterableIterator<MutationEvent>>;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const validName = (name: string) => NAME.test(name) && !name.startsWith("__");

export function buildSchema(schema: Schema, view: AccessView): GraphQLSchema {
  const can = (collection: Collection, action: Action) => {
    try {
      return view.access(collection, action);
    } catch {
      return undefined;
    }
  };
  // System collections (users, roles, …) appear only as the targets of relations, never as roots.
  const typed = [...schema.collections.values()].filter(
    (collection) => !collection.folder && !internalCollections.has(collection.collection) && validName(collection.collection) && can(collection, "read"),
  );
  const readable = new Set(typed.map((collection) => collection.collection));
  const collections = typed.filter((collection) => !collection.system);
  const objects = new Map<string, GraphQLObjectType>();
  const filters = new Map<string, GraphQLInputObjectType>();

  const readableFields = (collection: Collection) => {
    const access = can(collection, "read")!;
    return [...collection.fields.values()].filter((field) => validName(field.field) && access.canRead(collection.collection, field.field));
  };

  const listArgs = (collection: Collection) => ({
    filter: { type: filterOf(collection) },
    sort: { type: new GraphQLList(GraphQLString) },
    limit: { type: GraphQLInt },
    offset: { type: GraphQLInt },
    page: { type: GraphQLInt },
    search: { type: GraphQLString },
  });

  function objectOf(collection: Collection): GraphQLObjectType {
    let type = objects.get(collection.collection);
    if (type) return type;
    type = new GraphQLObjectType({
      name: collection.collection,
      fields: () => {
        const fields: GraphQLFieldConfigMap<unknown, GraphQLContext> = {};
        for (const field of readableFields(collection)) {
          const link = linkOf(schema, collection.collection, field.field);
          const related = link && readable.has(link.related) ? schema.collections.get(link.related)! : undefined;
          if (link?.kind === "m2o" && related) fields[field.field] = { type: objectOf(related) };
          else if (link?.kind === "o2m" && related) fields[field.field] = { type: new GraphQLList(objectOf(related)), args: listArgs(related) };
          else if (field.type === "alias") continue;
          else fields[field.field] = { type: field.field === collection.primaryKey ? new GraphQLNonNull(GraphQLID) : scalarFor(field.type) };
        }
        return fields;
      },
    });
    objects.set(collection.collection, type);
    return type;
  }

  function filterOf(collection: Collection): GraphQLInputObjectType {
    let type = filters.get(collection.collection);
    if (type) return type;
    const self: GraphQLInputObjectType = new GraphQLInputObjectType({
      name: `${collection.collection}_filter`,
      fields: () => {
        const fields: GraphQLInputFieldConfigMap = { _and: { type: new GraphQLList(self) }, _or: { type: new GraphQLList(self) } };
        for (const field of readableFields(collection)) {
          const link = linkOf(schema, collection.collection, field.field);
          const related = link && readable.has(link.related) ? schema.collections.get(link.related)! : undefined;
          if (link?.kind === "o2m" && related) fields[field.field] = { type: quantifierOf(related) };
          else if (link?.kind === "m2o" && related) fields[field.field] = { type: filterOf(related) };
          else if (field.type !== "alias") fields[field.field] = { type: operatorsFor(field.type) };
        }
        return fields;
      },
    });
    filters.set(collection.collection, self);
    type = self;
    return type;
  }

  const quantifiers = new Map<string, GraphQLInputObjectType>();
  function quantifierOf(collection: Collection): GraphQLInputObjectType {
    let type = quantifiers.get(collection.collection);
    if (!type) {
      const base = filterOf(collection);
      type = new GraphQLInputObjectType({
        name: `${collection.collection}_quantifier_filter`,
        fields: () => ({ ...base.getFields(), _some: { type: base }, _none: { type: base } }) as unknown as GraphQLInputFieldConfigMap,
      });
      quantifiers.set(collection.collection, type);
    }
    return type;
  }

  function inputOf(collection: Collection, action: "create" | "update"): GraphQLInputObjectType | undefined {
    const access = can(collection, action);
    if (!access) return undefined;
    const fields: GraphQLInputFieldConfigMap = {};
    for (const field of collection.fields.values()) {
      const key = action === "update" && field.field === collection.primaryKey; // names the item in update_*_batch
      if (!validName(field.field) || (access.fields !== "*" && !access.fields.has(field.field) && !key)) continue;
      const link = linkOf(schema, collection.collection, field.field);
      fields[field.field] = { type: link ? GraphQLJSON : field.field === collection.primaryKey ? GraphQLID : scalarFor(field.type) };
    }
    if (Object.keys(fields).length === 0) return undefined;
    return new GraphQLInputObjectType({ name: `${action}_${collection.collection}_input`, fields });
  }

  const queryFields: GraphQLFieldConfigMap<unknown, GraphQLContext> = {
    server_ping: { type: GraphQLString, resolve: () => "pong" },
  };
  const mutationFields: GraphQLFieldConfigMap<unknown, GraphQLContext> = {};
  const subscriptionFields: GraphQLFieldConfigMap<unknown, GraphQLContext> = {};
  const deleteOne = new GraphQLObjectType({ name: "delete_one", fields: { id: { type: new GraphQLNonNull(GraphQLID) } } });
  const deleteMany = new GraphQLObjectType({ name: "delete_many", fields: { ids: { type: new GraphQLList(GraphQLID) } } });

  for (const collection of collections) {
    const name = collection.collection;
    const object = objectOf(collection);
    const toQuery = (info: GraphQLResolveInfo, args: Record<string, unknown> = {}) => readQuery(schema, collection, info, args);
    queryFields[name] = {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(object))),
      args: listArgs(collection),
      resolve: async (_root, args, ctx, info) => (await ctx.items.readMany(ctx.accountability, name, toQuery(info, args))).data,
    };
    queryFields[`${name}_by_id`] = {
      type: object,
      args: { id: { type: new GraphQLNonNull(GraphQLID) } },
      resolve: (_root, args, ctx, info) => nullIfForbidden(ctx.items.readOne(ctx.accountability, name, args.id, toQuery(info))),
    };
    queryFields[`${name}_aggregated`] = aggregatedField(collection, readableFields(collection), listArgs(collection));

    const createInput = inputOf(collection, "create");
    if (createInput) {
      mutationFields[`create_${name}_items`] = {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(object))),
        args: { data: { type: new GraphQLList(new GraphQLNonNull(createInput)) } },
        resolve: async (_root, args, ctx, info) => {
          const keys = await ctx.items.create(ctx.accountability, name, (args.data as unknown[]) ?? []);
          return ctx.items.readByKeys(ctx.accountability, name, keys, toQuery(info));
        },
      };
      mutationFields[`create_${name}_item`] = {
        type: object,
        args: { data: { type: new GraphQLNonNull(createInput) } },
        resolve: async (_root, args, ctx, info) => {
          const [key] = await ctx.items.create(ctx.accountability, name, [args.data]);
          return nullIfForbidden(ctx.items.readOne(ctx.accountability, name, key, toQuery(info)));
        },
      };
    }
    const updateInput = inputOf(collection, "update");
    if (updateInput) {
      mutationFields[`update_${name}_items`] = {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(object))),
        args: { ids: { type: new GraphQLNonNull(new GraphQLList(GraphQLID)) }, data: { type: new GraphQLNonNull(updateInput) } },
        resolve: async (_root, args, ctx, info) => {
          const keys = await ctx.items.update(ctx.accountability, name, args.ids as unknown[], args.data);
          return ctx.items.readByKeys(ctx.accountability, name, keys, toQuery(info));
        },
      };
      mutationFields[`update_${name}_batch`] = {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(object))),
        args: { data: { type: new GraphQLList(new GraphQLNonNull(updateInput)) } },
        resolve: async (_root, args, ctx, info) => {
          const entries = batchEntries((args.data as unknown[] | null) ?? [], collection.primaryKey);
          const keys = await ctx.items.updateBatch(ctx.accountability, name, entries);
          return ctx.items.readByKeys(ctx.accountability, name, keys, toQuery(info));
        },
      };
      mutationFields[`update_${name}_item`] = {
        type: object,
        args: { id: { type: new GraphQLNonNull(GraphQLID) }, data: { type: new GraphQLNonNull(updateInput) } },
        resolve: async (_root, args, ctx, info) => {
          const [key] = await ctx.items.update(ctx.accountability, name, [args.id], args.data);
          return nullIfForbidden(ctx.items.readOne(ctx.accountability, name, key, toQuery(info)));
        },
      };
    }
    if (can(collection, "delete")) {
      mutationFields[`delete_${name}_items`] = {
        type: deleteMany,
        args: { ids: { type: new GraphQLNonNull(new GraphQLList(GraphQLID)) } },
        resolve: async (_root, args, ctx) => ({ ids: await ctx.items.remove(ctx.accountability, name, args.ids as unknown[]) }),
      };
      mutationFields[`delete_${name}_item`] = {
        type: deleteOne,
        args: { id: { type: new GraphQLNonNull(GraphQLID) } },
        resolve: async (_root, args, ctx) => {
          const [id] = await ctx.items.remove(ctx.accountability, name, [args.id]);
          return { id };
        },
      };
    }
    const mutated = new GraphQLObjectType({
      name: `${name}_mutated`,
      fields: { key: { type: new GraphQLNonNull(GraphQLID) }, event: { type: EventEnum }, data: { type: object } },
    });
    subscriptionFields[`${name}_mutated`] = {
      type: mutated,
      args: { event: { type: EventEnum } },
      subscribe: (_root, args, ctx, info) => {
        if (!ctx.subscribe) throw new AppError("INVALID_QUERY", "Invalid query. Subscriptions need a WebSocket connection.");
        const dataField = fieldsOf(info.fieldNodes[0].selectionSet, info.fragments).find((field) => field.name.value === "data");
        // The key comes from the primary key, so it is always read, whatever `data` selects.
        const selected = dataField?.selectionSet ? readQuery(schema, collection, info, {}, dataField.selectionSet) : { fields: [] };
        const query = { ...selected, fields: [...new Set([collection.primaryKey, ...(selected.fields ?? [])])] };
        return ctx.subscribe({ collection: name, query }, args.event as MutationEvent["event"] | undefined);
      },
      resolve: (event: unknown) => event,
    };
  }

  function aggregatedField(collection: Collection, fields: ReturnType<typeof readableFields>, args: ReturnType<typeof listArgs>) {
    const columns = fields.filter((field) => field.type !== "alias");
    const numeric = columns.filter((field) => isNumberType(field.type));
    const group = (suffix: string, list: typeof columns, type: GraphQLOutputType) =>
      list.length ? new GraphQLObjectType({ name: `${collection.collection}_aggregated_${suffix}`, fields: Object.fromEntries(list.map((field) => [field.field, { type }])) }) : undefined;
    const counts = group("count", columns, GraphQLInt);
    const sums = group("fields", numeric, GraphQLFloat);
    const minMax = group("minmax", columns, GraphQLJSON);
    const typeFields: GraphQLFieldConfigMap<unknown, GraphQLContext> = { group: { type: GraphQLJSON }, countAll: { type: GraphQLInt } };
    if (counts) Object.assign(typeFields, { count: { type: counts }, countDistinct: { type: counts } });
    if (sums) Object.assign(typeFields, { sum: { type: sums }, sumDistinct: { type: sums }, avg: { type: sums }, avgDistinct: { type: sums } });
    if (minMax) Object.assign(typeFields, { min: { type: minMax }, max: { type: minMax } });
    const type = new GraphQLObjectType({ name: `${collection.collection}_aggregated`, fields: typeFields });
    return {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type))),
      args: { ...args, groupBy: { type: new GraphQLList(GraphQLString) } },
      resolve: async (_root: unknown, values: Record<string, unknown>, ctx: GraphQLContext, info: GraphQLResolveInfo) => {
        const aggregate: Record<string, string[]> = {};
        for (const field of fieldsOf(info.fieldNodes[0].selectionSet, info.fragments)) {
          const fn = field.name.value;
          if (fn === "countAll") aggregate.countAll = ["*"];
          else if (fn !== "group" && !fn.startsWith("__")) aggregate[fn] = fieldsOf(field.selectionSet, info.fragments).map((sub) => sub.name.value).filter((sub) => !sub.startsWith("__"));
        }
        const groupBy = (values.groupBy as string[] | undefined) ?? [];
        const query = { ...argsToQuery(values), aggregate, groupBy };
        const rows = await ctx.items.aggregate(ctx.accountability, collection.collection, query);
        return rows.map((row) => ({ ...row, group: Object.fromEntries(groupBy.map((key) => [key, row[key]])) }));
      },
    };
  }

  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: "Query", fields: queryFields }),
    mutation: Object.keys(mutationFields).length ? new GraphQLObjectType({ name: "Mutation", fields: mutationFields }) : undefined,
    subscription: Object.keys(subscriptionFields).length ? new GraphQLObjectType({ name: "Subscription", fields: subscriptionFields }) : undefined,
    types: [EventEnum],
  });
}

function argsToQuery(args: Record<string, unknown>): Query {
  const query: Query = {};
  if (args.filter) query.filter = args.filter as Record<string, unknown>;
  if (args.sort) query.sort = args.sort as string[];
  if (typeof args.limit === "number") query.limit = args.limit;
  if (typeof args.offset === "number") query.offset = args.offset;
  if (typeof args.page === "number") query.page = args.page;
  if (typeof args.search === "string") query.search = args.search;
  return query;
}

function readQuery(schema: Schema, collection: Collection, info: GraphQLResolveInfo, args: Record<string, unknown>, selectionSet = info.fieldNodes[0].selectionSet): Query {
  const isRelation = (path: string[]) => {
    let current: Collection | undefined = collection;
    for (const segment of path) {
      const link = current && linkOf(schema, current.collection, segment);
      if (!link) return false;
      current = schema.collections.get(link.related);
    }
    return true;
  };
  const selection = selectionToQuery(selectionSet, info.fragments, info.variableValues as Record<string, unknown>, isRelation);
  return { ...argsToQuery(args), fields: selection.fields, deep: Object.keys(selection.deep).length ? selection.deep : undefined };
}

