// Maps any error to Directus's HTTP error envelope; unknown errors become INTERNAL and are logged once.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AppError, errorTable, isAppError, type ErrorCode } from "../errors.js";

function toAppError(error: unknown): AppError | undefined {
  if (isAppError(error)) return error;
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError?.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE": return new AppError("CONTENT_TOO_LARGE");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE": return new AppError("UNSUPPORTED_MEDIA_TYPE");
    case "FST_ERR_CTP_INVALID_JSON_BODY": case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new AppError("INVALID_PAYLOAD", "Invalid payload. The body is not valid JSON.");
  }
  if ((error as { statusCode?: number })?.statusCode === 400 && (error as Error)?.message) {
    return new AppError("INVALID_PAYLOAD", `Invalid payload. ${(error as Error).message}`);
  }
  return undefined;
}

export function errorBody(code: ErrorCode, message: string) {
  return { errors: [{ message, extensions: { code } }] };
}

/** The 404 for a path no route serves, in Directus's words. */
export function sendRouteNotFound(request: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send(errorBody("ROUTE_NOT_FOUND", `Route ${request.url.split("?")[0]} doesn't exist.`));
}

export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const known = toAppError(error);
  if (known) return reply.status(known.status).send(errorBody(known.code, known.message));
  request.log.error({ err: error, url: request.url, method: request.method }, "unexpected error");
  return reply.status(500).send(errorBody("INTERNAL", errorTable.INTERNAL.message));
}
