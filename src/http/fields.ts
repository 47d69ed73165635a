// /fields: the fields of every collection, and adding, changing and removing them.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Core } from "../core/core.js";
import { fieldForbidden } from "../core/filter.js";
import { fieldOutput } from "../core/schema-output.js";
import { internalCollections } from "../core/system-collections.js";
import { collectionForbidden } from "../errors.js";
import { requireAdmin, requirePermission, schemaVisibility } from "./context.js";

type Params = { collection: string; field: string };

export function registerFieldRoutes(app: FastifyInstance, core: Core) {
  const collectionOf = async (request: FastifyRequest, name: string) => {
    const collection = (await core.schemas.get()).collections.get(name);
    const sees = await schemaVisibility(core, request);
    if (!collection || internalCollections.has(name) || !sees.collection(name)) throw collectionForbidden(name);
    return { collection, sees };
  };

  app.get("/fields", async (request) => {
    await requirePermission(core, request, "directus_fields", "read");
    const schema = await core.schemas.get();
    const sees = await schemaVisibility(core, request);
    const fields = [...schema.collections.values()]
      .filter((collection) => !internalCollections.has(collection.collection) && sees.collection(collection.collection))
      .flatMap((collection) => [...collection.fields.values()].filter((field) => sees.field(collection.collection, field.field)));
    return { data: fields.map(fieldOutput) };
  });

  app.get("/fields/:collection", async (request) => {
    await requirePermission(core, request, "directus_fields", "read");
    const { collection, sees } = await collectionOf(request, (request.params as Params).collection);
    return { data: [...collection.fields.values()].filter((field) => sees.field(collection.collection, field.field)).map(fieldOutput) };
  });

  app.get("/fields/:collection/:field", async (request) => {
    await requirePermission(core, request, "directus_fields", "read");
    const { field } = request.params as Params;
    const { collection, sees } = await collectionOf(request, (request.params as Params).collection);
    const found = collection.fields.get(field);
    if (!found || !sees.field(collection.collection, field)) throw fieldForbidden(collection.collection, field);
    return { data: fieldOutput(found) };
  });

  app.post("/fields/:collection", async (request) => {
    requireAdmin(request);
    return { data: fieldOutput(await core.fields.create((request.params as Params).collection, request.body)) };
  });

  app.patch("/fields/:collection/:field", async (request) => {
    requireAdmin(request);
    const { collection, field } = request.params as Params;
    return { data: fieldOutput(await core.fields.update(collection, field, request.body)) };
  });

  app.delete("/fields/:collection/:field", async (request, reply) => {
    requireAdmin(request);
    const { collection, field } = request.params as Params;
    await core.fields.remove(collection, field);
    return reply.status(204).send();
  });
}
