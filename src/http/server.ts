// The HTTP server: Fastify with Directus-style errors, JSON parsing, and every route file mounted.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from "fastify";
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import qs from "qs";
import type { Config } from "../config.js";
import type { Core } from "../core/core.js";
import type { GraphQLService } from "../graphql/service.js";
import { AppError, isAppError } from "../errors.js";
import { registerAccessRoutes } from "./access.js";
import { registerStudio } from "./admin.js";
import { registerAuthRoutes } from "./auth.js";
import { registerCollectionRoutes } from "./collections.js";
import { registerContext } from "./context.js";
import { errorBody, handleError, sendRouteNotFound } from "./errors.js";
import { registerFieldRoutes } from "./fields.js";
import { registerGraphQLRoutes } from "./graphql.js";
import { registerItemRoutes } from "./items.js";
import { registerRateLimits } from "./rate-limits.js";
import { registerRelationRoutes } from "./relations.js";
import { registerServerRoutes } from "./server-info.js";

export interface HttpOptions {
  config: Config;
  core: Core;
  graphql: GraphQLService;
  logger: FastifyBaseLogger;
  /** Redis status when running on the Redis bus. */
  busStatus?: () => "ok" | "down";
  /** Live counters for GET /server/metrics (admins). */
  metrics?: () => Record<string, unknown>;
}

/** A payload key named __proto__ could reach an object's prototype further on: refuse it outright. */
function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (key === "__proto__") throw new AppError("INVALID_PAYLOAD", 'Invalid payload. The key "__proto__" is not allowed.');
  return value;
}

const PROTOTYPE_QUERY_KEY = /(^|[?&[])__proto__(\]|=|&|$)/;

/** qs silently drops "__proto__" keys (filter[__proto__]=…); say so instead of answering as if unfiltered. */
function refusePrototypeQueryKeys(url: string) {
  const search = url.includes("?") ? url.slice(url.indexOf("?")) : "";
  let decoded = search;
  try {
    decoded = decodeURIComponent(search);
  } catch {
    throw new AppError("INVALID_QUERY", "Invalid query. The query string is not valid URL encoding.");
  }
  if (PROTOTYPE_QUERY_KEY.test(decoded)) throw new AppError("INVALID_QUERY", 'Invalid query. The key "__proto__" is not allowed.');
}

export async function createHttpServer({ config, core, graphql, logger, busStatus, metrics }: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // Malformed URLs and oversized parameters answer in Directus's error shape too.
    frameworkErrors: (error, _request, reply) => {
      (reply as FastifyReply).status(400).send(errorBody("INVALID_QUERY", `Invalid query. ${error.message}`));
    },
    clientErrorHandler: (error, socket) => {
      const code = (error as NodeJS.ErrnoException).code;
      const status = code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
      const body = JSON.stringify(errorBody(status === 431 ? "INVALID_QUERY" : "INVALID_PAYLOAD", status === 431 ? "Invalid query. The request headers or URL are too large." : "Invalid payload. The request could not be parsed."));
      if (socket.writable) {
        socket.end(`HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      } else socket.destroy();
    },
    // Requests are not logged one by one; errors and warnings are.
    loggerInstance: logger.child({}, { level: logger.level === "info" || logger.level === "debug" || logger.level === "trace" ? "warn" : logger.level }),
    bodyLimit: config.maxPayloadSize,
    trustProxy: config.trustProxy,
    routerOptions: {
            querystringParser: (text: string) => qs.parse(text, { depth: 10, arrayLimit: 1000, parameterLimit: 1000 }),
    },
  });
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text, refusePrototypeKeys));
    } catch (error) {
      done(isAppError(error) ? error : new AppError("INVALID_PAYLOAD", "Invalid payload. The body is not valid JSON."), undefined);
    }
  });
  // Security headers on every response; the API serves JSON, so a strict content policy costs nothing.
  await app.register(helmet, { global: true, crossOriginResourcePolicy: { policy: config.cors.enabled ? "cross-origin" : "same-origin" } });
  if (config.cors.enabled) {
    await app.register(cors, { origin: config.cors.origin, credentials: true, methods: ["GET", "POST", "PATCH", "DELETE", "SEARCH"] });
  }
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(sendRouteNotFound);
  app.addHook("onRequest", async (request) => refusePrototypeQueryKeys(request.url));
  registerRateLimits(app, config.rateLimiter);
  registerContext(app, core);
  registerServerRoutes(app, core, busStatus, metrics);
  registerAuthRoutes(app, core);
  registerItemRoutes(app, core);
  registerAccessRoutes(app, core);
  registerCollectionRoutes(app, core);
  registerFieldRoutes(app, core);
  registerRelationRoutes(app, core);
  registerGraphQLRoutes(app, graphql);
  await registerStudio(app);
  return app;
}
