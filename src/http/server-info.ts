// /server/ping, /server/health and /server/info.
import type { FastifyInstance } from "fastify";
import type { Core } from "../core/core.js";
import { forbidden } from "../errors.js";

export function registerServerRoutes(app: FastifyInstance, core: Core, busStatus?: () => "ok" | "down", metrics?: () => Record<string, unknown>) {
  /** Counters for operators, the studio's inspector and the benchmark: SQL statements, fan-out work, sockets. */
  app.get("/server/metrics", async (request) => {
    if (!request.accountability.admin) throw forbidden();
    const memory = process.memoryUsage();
    return { data: { sqlQueries: core.db.queryCount(), rss: memory.rss, heapUsed: memory.heapUsed, ...metrics?.() } };
  });

  app.get("/server/ping", async (_request, reply) => reply.type("text/plain; charset=utf-8").send("pong"));

  app.get("/server/health", async (request, reply) => {
    const started = performance.now();
    let database: "ok" | "error" = "ok";
    let output: string | undefined;
    try {
      await core.db.ping();
    } catch (error) {
      database = "error";
      output = (error as Error).message;
    }
    const redis = busStatus?.();
    // Without the database nothing works (error); without Redis this instance serves but misses other instances' changes (warn).
    const status = database !== "ok" ? "error" : redis === "down" ? "warn" : "ok";
    const body: Record<string, unknown> = { status };
    if (request.accountability.admin) {
      body.checks = {
        [`${core.db.client}:responseTime`]: [{
          status: database === "ok" ? "ok" : "error",
          componentType: "datastore",
          observedUnit: "ms",
          observedValue: Math.round((performance.now() - started) * 100) / 100,
          ...(output ? { output } : {}),
        }],
        ...(redis ? { "redis:responseTime": [{ status: redis === "ok" ? "ok" : "warn", componentType: "cache", output: redis === "ok" ? undefined : "Redis is unreachable" }] } : {}),
      };
    }
    return reply.status(status === "ok" ? 200 : 503).type("application/health+json; charset=utf-8").send(body);
  });

  app.get("/server/info", async (request) => {
    const data: Record<string, unknown> = {
      project: { project_name: "Tidings", project_descriptor: null, default_language: "en-US" },
    };
    if (request.accountability.admin) {
      data.tidings = { version: "0.1.0" };
      data.node = { version: process.version, uptime: Math.round(process.uptime()) };
      data.database = { client: core.db.client };
    }
    return { data };
  });
}
