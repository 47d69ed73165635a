// /auth/login, /auth/refresh, /auth/logout.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Core } from "../core/core.js";

const bodyOf = (request: FastifyRequest) => (request.body && typeof request.body === "object" ? (request.body as Record<string, unknown>) : {});
const clientOf = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers["user-agent"] });

export function registerAuthRoutes(app: FastifyInstance, core: Core) {
  app.post("/auth/login", async (request) => {
    const body = bodyOf(request);
    return { data: await core.auth.login(body.email, body.password, clientOf(request)) };
  });

  app.post("/auth/refresh", async (request) => {
    return { data: await core.auth.refresh(bodyOf(request).refresh_token, clientOf(request)) };
  });

  app.post("/auth/logout", async (request, reply) => {
    await core.auth.logout(bodyOf(request).refresh_token);
    return reply.status(204).send();
  });
}
