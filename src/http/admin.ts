// Serves the studio (built into admin/dist by `npm run build`) at /admin, with a content policy fit for it.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { errorBody, sendRouteNotFound } from "./errors.js";

/** The same folder from src/http/ (tsx, tests) and from dist/http/ (npm start). */
export const studioRoot = fileURLToPath(new URL("../../admin/dist/", import.meta.url));

/** Scripts and styles from this server only; the WebSocket back to this host; nothing framed, nothing inline. */
function studioContentPolicy(request: FastifyRequest) {
  // The Host header is the client's to write: only a plain host[:port] may reach the header we send back.
  const host = /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(request.host) ? request.host : undefined;
  return [
    "default-src 'self'",
    host ? `connect-src 'self' ws://${host} wss://${host}` : "connect-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export async function registerStudio(app: FastifyInstance) {
  await app.register(
    async (studio) => {
      studio.addHook("onRequest", async (request, reply) => {
        reply.header("content-security-policy", studioContentPolicy(request));
      });
      if (!existsSync(studioRoot)) {
        studio.get("/*", (_request, reply) =>
          reply.status(503).send(errorBody("SERVICE_UNAVAILABLE", "The studio is not built. Run `npm run build` and restart the server.")),
        );
        return;
      }
      await studio.register(fastifyStatic, {
        root: studioRoot,
        wildcard: true,
        index: false,
        // File names under assets/ carry a content hash: cache them for good; index.html never.
        setHeaders: (response, filePath) => {
          response.header("cache-control", filePath.includes("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
        },
      });
      studio.get("/", (_request, reply) => reply.sendFile("index.html"));
      // Any other path is a page of the single-page app; missing assets stay 404.
      studio.setNotFoundHandler((request, reply) => {
        const isPage = (request.method === "GET" || request.method === "HEAD") && !request.url.startsWith("/admin/assets/");
        if (!isPage) return sendRouteNotFound(request, reply);
        return reply.header("cache-control", "no-cache").sendFile("index.html");
      });
    },
    { prefix: "/admin" },
  );
}
