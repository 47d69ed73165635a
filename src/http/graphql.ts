// POST/GET /graphql: spec-compliant GraphQL over HTTP (graphql-http) on the caller's own schema.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createHandler, type Request as GraphQLRequest } from "graphql-http";
import { GraphQLError } from "graphql";
import { formatError, type GraphQLService } from "../graphql/service.js";

export function registerGraphQLRoutes(app: FastifyInstance, graphql: GraphQLService) {
  const handler = createHandler<FastifyRequest, undefined>({
    schema: (request) => graphql.schemaFor(request.raw.accountability),
    context: (request) => graphql.context(request.raw.accountability) as never,
    validationRules: (request) => graphql.rulesFor(request.raw.accountability),
    parse: (source) => graphql.parseDocument(typeof source === "string" ? source : source.body),
    // graphql-http reports malformed requests (no query, bad variables, unparsable body) as plain Errors.
    formatError: (error) =>
      (error instanceof GraphQLError
        ? formatError(error, (cause) => app.log.error({ err: cause }, "graphql resolver failed"))
        : { message: `Invalid payload. ${error.message}`, extensions: { code: "INVALID_PAYLOAD" } }) as never,
  });

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const [body, init] = await handler({
      method: request.method,
      url: request.url,
      headers: { get: (name: string) => (request.headers[name.toLowerCase()] as string | undefined) ?? null },
      body: (request.body ?? null) as Record<string, unknown> | null,
      raw: request,
      context: undefined,
    } as unknown as GraphQLRequest<FastifyRequest, undefined>);
    reply.status(init.status);
    for (const [name, value] of Object.entries(init.headers ?? {})) if (value) reply.header(name, value);
    return reply.send(body ?? "");
  };
  app.post("/graphql", serve);
  app.get("/graphql", serve);
}
