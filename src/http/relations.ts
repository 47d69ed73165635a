// /relations: declare, list, change and remove relations between collections.
import type { FastifyInstance } from "fastify";
import type { Core } from "../core/core.js";
import { findRelation } from "../core/relations.js";
import { relationOutput } from "../core/schema-output.js";
import { forbidden } from "../errors.js";
import { requireAdmin, requirePermission } from "./context.js";

type Params = { collection: string; field: string };

export function registerRelationRoutes(app: FastifyInstance, core: Core) {
  const listed = async () => (await core.schemas.get()).relations.filter((relation) => relation.id !== null || relation.collection.startsWith("directus_"));

  app.get("/relations", async (request) => {
    await requirePermission(core, request, "directus_relations", "read");
    return { data: (await listed()).map(relationOutput) };
  });

  app.get("/relations/:collection", async (request) => {
    await requirePermission(core, request, "directus_relations", "read");
    const { collection } = request.params as Params;
    return { data: (await listed()).filter((relation) => relation.collection === collection).map(relationOutput) };
  });

  app.get("/relations/:collection/:field", async (request) => {
    await requirePermission(core, request, "directus_relations", "read");
    const { collection, field } = request.params as Params;
    const relation = findRelation(await core.schemas.get(), collection, field);
    if (!relation) throw forbidden();
    return { data: relationOutput(relation) };
  });

  app.post("/relations", async (request) => {
    requireAdmin(request);
    return { data: relationOutput(await core.relations.create(request.body)) };
  });

  app.patch("/relations/:collection/:field", async (request) => {
    requireAdmin(request);
    const { collection, field } = request.params as Params;
    return { data: relationOutput(await core.relations.update(collection, field, request.body)) };
  });

  app.delete("/relations/:collection/:field", async (request, reply) => {
    requireAdmin(request);
    const { collection, field } = request.params as Params;
    await core.relations.remove(collection, field);
    return reply.status(204).send();
  });
}
