// `items` messages over the socket: the same reads and writes as REST, answered as Directus does (§5.3).
import type { Accountability } from "../core/accountability.js";
import type { Core } from "../core/core.js";
import { batchEntries, nullIfForbidden } from "../core/items.js";
import { isSystemCollection } from "../core/system-collections.js";
import { AppError, invalidPayload } from "../errors.js";
import { parseQuery } from "../query/params.js";
import type { ItemsMessage } from "./protocol.js";

export async function runItemsMessage(core: Core, accountability: Accountability, message: ItemsMessage): Promise<{ data: unknown; meta?: unknown }> {
  const { items } = core;
  const { collection, action, id, ids } = message;
  if (isSystemCollection(collection)) {
    throw new AppError("INVALID_COLLECTION", "Cannot trigger an action on a system collection.");
  }
  const query = parseQuery(message.query ?? {});
  switch (action) {
    case "create": {
      const data = message.data;
      if (Array.isArray(data)) return { data: await items.readByKeys(accountability, collection, await items.create(accountability, collection, data), query) };
      if (!data || typeof data !== "object") throw invalidPayload('"data" must be an item or a list of items.');
      const [key] = await items.create(accountability, collection, [data]);
      return { data: await nullIfForbidden(items.readOne(accountability, collection, key, query)) };
    }
    case "read": {
      if (id !== undefined) return { data: await items.readOne(accountability, collection, id, query) };
      if (ids !== undefined) return { data: await items.readByKeys(accountability, collection, ids, query) };
      const result = await items.readMany(accountability, collection, query);
      return { data: result.data, meta: result.meta };
    }
    case "update": {
      const data = message.data;
      if (Array.isArray(data)) {
        const schema = await core.schemas.get();
        const primaryKey = schema.collections.get(collection)?.primaryKey ?? "id";
        const keys = await items.updateBatch(accountability, collection, batchEntries(data, primaryKey));
        return { data: await items.readByKeys(accountability, collection, keys, query) };
      }
      if (id !== undefined) {
        const [key] = await items.update(accountability, collection, [id], data);
        return { data: await nullIfForbidden(items.readOne(accountability, collection, key, {})) };
      }
      const keys = ids ?? (message.query ? await items.keysByQuery(accountability, collection, query) : undefined);
      if (!keys) throw new AppError("INVALID_PAYLOAD", "Either 'ids', 'id' or 'query' is required for an UPDATE request.");
      await items.update(accountability, collection, keys, data);
      return { data: await items.readByKeys(accountability, collection, keys, query) };
    }
    case "delete": {
      if (id !== undefined) {
        await items.remove(accountability, collection, [id]);
        return { data: id };
      }
      const keys = ids ?? (message.query ? await items.keysByQuery(accountability, collection, query) : undefined);
      if (!keys) throw new AppError("INVALID_PAYLOAD", "Either 'ids', 'id' or 'query' is required for a DELETE request.");
      await items.remove(accountability, collection, keys);
      return { data: keys };
    }
  }
}
