// /items/:collection[/:id] and the system collections' own routes (/users, /roles, …): the REST face of core/items.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Core } from "../core/core.js";
import { batchEntries, nullIfForbidden } from "../core/items.js";
import { isSystemCollection } from "../core/system-collections.js";
import { collectionForbidden, invalidPayload } from "../errors.js";
import { parseQuery } from "../query/params.js";
import { queryOf } from "./context.js";

type Params = { collection: string; id?: string };

/** System collections have their own endpoints (/users, /roles, …), as in Directus. */
function userCollectionParam(request: FastifyRequest): string {
  const { collection } = request.params as Params;
  if (isSystemCollection(collection)) throw collectionForbidden(collection);
  return collection;
}

export function registerItemRoutes(app: FastifyInstance, core: Core) {
  registerCollectionRoutesAt(app, core, "/items/:collection", userCollectionParam);
}

/** CRUD routes at `base` (e.g. "/users") for the collection that `collectionOf` names. */
export function registerCollectionRoutesAt(
  app: FastifyInstance, core: Core, base: string, collectionParam: (request: FastifyRequest) => string,
  extraRows?: (request: FastifyRequest) => Record<string, unknown>[],
) {
  const { items } = core;

  app.get(base, async (request) => {
    const query = queryOf(request);
    if (query.aggregate || query.groupBy) return { data: await items.aggregate(request.accountability, collectionParam(request), query) };
    const result = await items.readMany(request.accountability, collectionParam(request), query);
    const data = extraRows ? [...result.data, ...extraRows(request)] : result.data;
    return result.meta ? { data, meta: result.meta } : { data };
  });

  app.get(`${base}/:id`, async (request) => {
    const { id } = request.params as Params;
    return { data: await items.readOne(request.accountability, collectionParam(request), id, queryOf(request)) };
  });

  app.post(base, async (request) => {
    const collection = collectionParam(request);
    const body = request.body;
    const many = Array.isArray(body);
    if (!many && (!body || typeof body !== "object")) throw invalidPayload("The body must be an item or a list of items.");
    const keys = await items.create(request.accountability, collection, many ? body : [body]);
    return respondWithKeys(request, collection, keys, many);
  });

  app.patch(base, async (request) => {
    const collection = collectionParam(request);
    const body = request.body as unknown;
    let keys: unknown[];
    if (Array.isArray(body)) {
      const schema = await core.schemas.get();
      const primaryKey = schema.collections.get(collection)?.primaryKey ?? "id";
      keys = await items.updateBatch(request.accountability, collection, batchEntries(body, primaryKey));
    } else if (body && typeof body === "object" && "data" in body) {
      const { data } = body as { data: unknown };
      keys = await items.update(request.accountability, collection, await keysOf(request, collection, body as Record<string, unknown>), data);
    } else {
      throw invalidPayload('Send a list of items with keys, or {"keys": [...], "data": {...}}, or {"query": {...}, "data": {...}}.');
    }
    return respondWithKeys(request, collection, keys, true);
  });

  app.patch(`${base}/:id`, async (request) => {
    const collection = collectionParam(request);
    const { id } = request.params as Params;
    const [key] = await items.update(request.accountability, collection, [id], request.body);
    return respondWithKeys(request, collection, [key], false);
  });

  app.delete(base, async (request, reply) => {
    const collection = collectionParam(request);
    const body = request.body as unknown;
    const keys = Array.isArray(body) ? body : await keysOf(request, collection, (body ?? {}) as Record<string, unknown>);
    await items.remove(request.accountability, collection, keys);
    return reply.status(204).send();
  });

  app.delete(`${base}/:id`, async (request, reply) => {
    const { id } = request.params as Params;
    await items.remove(request.accountability, collectionParam(request), [id]);
    return reply.status(204).send();
  });

  /** `{keys: [...]}` or `{query: {...}}` from a PATCH or DELETE body. */
  async function keysOf(request: FastifyRequest, collection: string, body: Record<string, unknown>): Promise<unknown[]> {
    if (Array.isArray(body.keys)) return body.keys;
    if (body.query && typeof body.query === "object") {
      return items.keysByQuery(request.accountability, collection, parseQuery(body.query as Record<string, unknown>));
    }
    throw invalidPayload('Either "keys" or "query" is required.');
  }

  async function respondWithKeys(request: FastifyRequest, collection: string, keys: unknown[], many: boolean) {
    const query = queryOf(request);
    if (!many) return { data: await nullIfForbidden(items.readOne(request.accountability, collection, keys[0], query)) };
    return { data: await items.readByKeys(request.accountability, collection, keys, query) };
  }
}
