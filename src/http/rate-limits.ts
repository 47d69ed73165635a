// RATE_LIMITER_*: requests per IP, and login attempts per IP and per account (429 REQUESTS_EXCEEDED).
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";
import { createRateLimiter, type RateLimiter } from "../lib/rate-limit.js";

const exceeded = (retryAfterMs: number) => new AppError("REQUESTS_EXCEEDED", `Too many requests, retry after ${Math.ceil(retryAfterMs)}ms.`);

function take(limiter: RateLimiter, key: string) {
  const result = limiter.consume(key);
  if (!result.allowed) throw exceeded(result.retryAfterMs);
}

export function registerRateLimits(app: FastifyInstance, config: Config["rateLimiter"]) {
  if (!config.enabled) return;
  const requests = createRateLimiter(config.points, config.duration * 1000);
  const logins = createRateLimiter(config.loginPoints, config.loginDuration * 1000);
  app.addHook("onRequest", async (request) => take(requests, request.ip));
  app.addHook("preHandler", async (request: FastifyRequest) => {
    if (request.method !== "POST" || request.routeOptions.url !== "/auth/login") return;
    take(logins, `ip:${request.ip}`);
    const email = (request.body as { email?: unknown } | undefined)?.email;
    if (typeof email === "string") take(logins, `account:${email.trim().toLowerCase()}`);
  });
}
