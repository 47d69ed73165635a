// /users, /roles, /policies, /access, /permissions (system collections through core/items), and the /me views.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Core } from "../core/core.js";
import type { Action } from "../core/permissions.js";
import { systemRulesForListing } from "../core/system-permissions.js";
import { AppError } from "../errors.js";
import { queryOf } from "./context.js";
import { registerCollectionRoutesAt } from "./items.js";

const systemRoutes: Array<[string, string]> = [
  ["/users", "directus_users"],
  ["/roles", "directus_roles"],
  ["/policies", "directus_policies"],
  ["/access", "directus_access"],
  ["/permissions", "directus_permissions"],
];

const signedInUser = (request: FastifyRequest): string => {
  const user = request.accountability.user;
  if (!user) throw new AppError("FORBIDDEN");
  return user;
};

export function registerAccessRoutes(app: FastifyInstance, core: Core) {
  app.get("/users/me", async (request) => ({
    data: await core.items.readOne(request.accountability, "directus_users", signedInUser(request), queryOf(request)),
  }));

  app.patch("/users/me", async (request) => {
    const user = signedInUser(request);
    await core.items.update(request.accountability, "directus_users", [user], request.body);
    return { data: await core.items.readOne(request.accountability, "directus_users", user, queryOf(request)) };
  });

  app.get("/permissions/me", async (request) => ({ data: await permissionsOverview(core, request) }));

  for (const [base, collection] of systemRoutes) {
    // GET /permissions also lists the built-in rules the caller has (system: true, policy: null).
    const extra = collection === "directus_permissions" ? (request: FastifyRequest) => builtInRules(request) : undefined;
    registerCollectionRoutesAt(app, core, base, () => collection, extra);
  }
}

/** Per collection and action: how much the caller may do (full, partial or none), which fields, presets. */
async function permissionsOverview(core: Core, request: FastifyRequest) {
  const schema = await core.schemas.get();
  const actions: Action[] = ["create", "read", "update", "delete"];
  const overview: Record<string, Record<string, unknown>> = {};
  const view = await core.permissions.view(schema, request.accountability);
  for (const collection of schema.collections.values()) {
    if (collection.folder || collection.collection.startsWith("tidings_") || collection.collection === "directus_sessions") continue;
    const entry: Record<string, unknown> = {};
    for (const action of actions) {
      let access;
      try {
        access = view.access(collection, action);
      } catch (error) {
        if (!(error instanceof AppError && error.code === "FORBIDDEN")) throw error;
      }
      if (!access) {
        entry[action] = { access: "none" };
        continue;
      }
      const full = access.fields === "*" && (!access.filter || (access.filter.kind === "const" && access.filter.value));
      entry[action] = {
        access: full ? "full" : "partial",
        fields: access.fields === "*" ? ["*"] : [...access.fields],
        presets: access.presets,
      };
    }
    if (actions.some((action) => (entry[action] as { access: string }).access !== "none")) overview[collection.collection] = entry;
  }
  return overview;
}

function builtInRules(request: FastifyRequest): Record<string, unknown>[] {
  const query = request.query as Record<string, unknown>;
  if (query.filter || query.search || query.offset || query.page) return [];
  return systemRulesForListing(request.accountability).map((rule) => ({
    id: null, collection: rule.collection, action: rule.action, permissions: rule.permissions, validation: null, presets: null,
    fields: rule.fields, policy: null, system: true,
  }));
}
