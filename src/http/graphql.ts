// POST/GET /graphql: spec-compliant GraphQL over HTTP (graphql-http) on the caller's own schema.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createHandler, type Request as GraphQLRequest } from "graphql-http";
import { GraphQLError } from "graphql";
import { formatError, type GraphQLService } from "../graphql/service.js";
import { errorBody } from "./errors.js";

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
    // graphql-http refuses some requests itself (a mutation over GET: 405) without an error code.
    if (init.status >= 400 && typeof body === "string" && !body.includes('"code"')) {
      let message = "Invalid request.";
      try {
        message = (JSON.parse(body) as { errors?: Array<{ message?: string }> }).errors?.[0]?.message ?? message;
      } catch {
        message = body.slice(0, 200) || message; // not JSON: its text is the reason
      }
      return reply.type("application/json; charset=utf-8").send(errorBody("INVALID_PAYLOAD", `Invalid payload. ${message}`));
    }
    return reply.send(body ?? "");
  };
  app.post("/graphql", serve);
  app.get("/graphql", serve);
}
