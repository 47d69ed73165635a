// /collections: list, read, create, update and drop collections.
import type { FastifyInstance } from "fastify";
import type { Core } from "../core/core.js";
import { collectionOutput } from "../core/schema-output.js";
import { internalCollections } from "../core/system-collections.js";
import { collectionForbidden } from "../errors.js";
import { requireAdmin, requirePermission, schemaVisibility } from "./context.js";

type Params = { collection: string };

export function registerCollectionRoutes(app: FastifyInstance, core: Core) {
  app.get("/collections", async (request) => {
    await requirePermission(core, request, "directus_collections", "read");
    const schema = await core.schemas.get();
    const sees = await schemaVisibility(core, request);
    const visible = [...schema.collections.values()].filter((collection) => !internalCollections.has(collection.collection) && sees.collection(collection.collection));
    return { data: visible.map(collectionOutput) };
  });

  app.get("/collections/:collection", async (request) => {
    await requirePermission(core, request, "directus_collections", "read");
    const { collection } = request.params as Params;
    const found = (await core.schemas.get()).collections.get(collection);
    if (!found || internalCollections.has(collection) || !(await schemaVisibility(core, request)).collection(collection)) throw collectionForbidden(collection);
    return { data: collectionOutput(found) };
  });

  app.post("/collections", async (request) => {
    requireAdmin(request);
    return { data: collectionOutput(await core.collections.create(request.body)) };
  });

  app.patch("/collections/:collection", async (request) => {
    requireAdmin(request);
    const { collection } = request.params as Params;
    return { data: collectionOutput(await core.collections.update(collection, request.body)) };
  });

  app.delete("/collections/:collection", async (request, reply) => {
    requireAdmin(request);
    const { collection } = request.params as Params;
    await core.collections.remove(collection);
    return reply.status(204).send();
  });
}
