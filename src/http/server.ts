// The HTTP server: Fastify with Directus-style errors, JSON parsing, and every route file mounted.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import cors from "@fastify/cors";
import qs from "qs";
import type { Config } from "../config.js";
import type { Core } from "../core/core.js";
import { AppError } from "../errors.js";
import { registerAuthRoutes } from "./auth.js";
import { registerCollectionRoutes } from "./collections.js";
import { registerContext } from "./context.js";
import { errorBody, handleError } from "./errors.js";
import { registerFieldRoutes } from "./fields.js";
import { registerItemRoutes } from "./items.js";
import { registerRelationRoutes } from "./relations.js";
import { registerServerRoutes } from "./server-info.js";

export interface HttpOptions {
  config: Config;
  core: Core;
  logger: FastifyBaseLogger;
}

export async function createHttpServer({ config, core, logger }: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // Requests are not logged one by one; errors and warnings are.
    loggerInstance: logger.child({}, { level: logger.isLevelEnabled("warn") ? "warn" : logger.level }),
    bodyLimit: config.maxPayloadSize,
    trustProxy: true,
    routerOptions: {
      querystringParser: (text: string) => qs.parse(text, { depth: 10, arrayLimit: 1000, parameterLimit: 1000, allowPrototypes: false }),
    },
  });
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(null, undefined);
    try {
      // Keys named __proto__ are dropped so that no payload can reach an object's prototype.
      done(null, JSON.parse(text, (key, value) => (key === "__proto__" ? undefined : value)));
    } catch {
      done(new AppError("INVALID_PAYLOAD", "Invalid payload. The body is not valid JSON."), undefined);
    }
  });
  if (config.cors.enabled) await app.register(cors, { origin: config.cors.origin, credentials: true });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody("ROUTE_NOT_FOUND", `Route ${request.url.split("?")[0]} doesn't exist.`)),
  );
  registerContext(app, core);
  registerServerRoutes(app, core);
  registerAuthRoutes(app, core);
  registerItemRoutes(app, core);
  registerCollectionRoutes(app, core);
  registerFieldRoutes(app, core);
  registerRelationRoutes(app, core);
  return app;
}
