// Per request: reads the token (Bearer header or ?access_token=) and resolves who is asking.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { forbidden } from "../errors.js";
import { parseQuery, type Query } from "../query/params.js";
import type { Accountability } from "../core/accountability.js";
import type { Core } from "../core/core.js";

declare module "fastify" {
  interface FastifyRequest {
    accountability: Accountability;
  }
}

export function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const [scheme, value] = header.split(" ");
    if (scheme?.toLowerCase() === "bearer" && value) return value.trim();
  }
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.access_token;
  return typeof fromQuery === "string" && fromQuery ? fromQuery : undefined;
}

export function registerContext(app: FastifyInstance, core: Core) {
  app.decorateRequest("accountability", null as unknown as Accountability);
  app.addHook("preHandler", async (request) => {
    const client = { ip: request.ip, userAgent: request.headers["user-agent"] };
    request.accountability = await core.auth.authenticate(tokenOf(request), client);
  });
}

export const queryOf = (request: FastifyRequest): Query => parseQuery(request.query as Record<string, unknown>);

/** Schema management stays with admins until system-collection permissions grant it. */
export function requireAdmin(request: FastifyRequest): void {
  if (!request.accountability.admin) throw forbidden();
}

/** Passes when the caller's permissions allow `action` on a system collection (admins always). */
export async function requirePermission(core: Core, request: FastifyRequest, collection: string, action: "read" | "create" | "update" | "delete") {
  if (request.accountability.admin) return;
  const schema = await core.schemas.get();
  const target = schema.collections.get(collection);
  if (!target) throw forbidden();
  (await core.permissions.view(schema, request.accountability)).access(target, action);
}

/** What the caller may see of the schema itself: collections and fields it can read (admins: all). */
export async function schemaVisibility(core: Core, request: FastifyRequest) {
  const schema = await core.schemas.get();
  if (request.accountability.admin) return { collection: () => true, field: () => true };
  const view = await core.permissions.view(schema, request.accountability);
  const readable = (name: string) => {
    const collection = schema.collections.get(name);
    if (!collection) return undefined;
    try {
      return view.access(collection, "read");
    } catch {
      return undefined;
    }
  };
  return {
    collection: (name: string) => readable(name) !== undefined,
    field: (name: string, field: string) => readable(name)?.canRead(name, field) ?? false,
  };
}
