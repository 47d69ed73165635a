// /relations: declare, list, change and remove relations between collections.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Core } from "../core/core.js";
import { relationOutput } from "../core/schema-output.js";
import { forbidden } from "../errors.js";
import { requireAdmin, requirePermission, schemaVisibility } from "./context.js";

type Params = { collection: string; field: string };

export function registerRelationRoutes(app: FastifyInstance, core: Core) {
  /** The relations the caller may know of: both ends readable, as /collections and /fields show them. */
  const listed = async (request: FastifyRequest) => {
    const sees = await schemaVisibility(core, request);
    return (await core.schemas.get()).relations.filter(
      (relation) =>
        (relation.id !== null || relation.collection.startsWith("directus_")) &&
        sees.field(relation.collection, relation.field) &&
        (relation.relatedCollection === null || sees.collection(relation.relatedCollection)),
    );
  };

  app.get("/relations", async (request) => {
    await requirePermission(core, request, "directus_relations", "read");
    return { data: (await listed(request)).map(relationOutput) };
  });

  app.get("/relations/:collection", async (request) => {
    await requirePermission(core, request, "directus_relations", "read");
    const { collection } = request.params as Params;
    return { data: (await listed(request)).filter((relation) => relation.collection === collection).map(relationOutput) };
  });

  app.get("/relations/:collection/:field", async (request) => {
    await requirePermission(core, request, "directus_relations", "read");
    const { collection, field } = request.params as Params;
    const relation = (await listed(request)).find((candidate) => candidate.collection === collection && candidate.field === field);
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
