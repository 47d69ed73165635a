// The studio's files at /admin: pages fall back to index.html, assets are cached for good, and the content
// policy lets the built app talk to this server (including its WebSocket) and nothing else.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { studioRoot } from "../../src/http/admin.js";
import { startServer, type TestServer } from "../helpers/server.js";

const built = existsSync(path.join(studioRoot, "index.html"));
if (!built && process.env.CI === "true") throw new Error("CI=true: the studio must be built before the tests (npm run build:admin).");

describe.skipIf(!built)("studio files at /admin", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  it("serves the app at /admin and /admin/ with a policy that allows only this server", async () => {
    for (const url of ["/admin", "/admin/"]) {
      const response = await fetch(server.url + url);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/html");
      expect(response.headers.get("cache-control")).toBe("no-cache");
      const policy = response.headers.get("content-security-policy") ?? "";
      const host = new URL(server.url).host;
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain(`connect-src 'self' ws://${host} wss://${host}`);
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).not.toContain("unsafe-inline");
      expect(await response.text()).toContain('<div id="root">');
    }
  });

  it("never copies a crafted Host header into the policy", async () => {
    const { request } = await import("node:http");
    const policy = await new Promise<string>((resolve, reject) => {
      const url = new URL(`${server.url}/admin/`);
      const req = request({ host: url.hostname, port: url.port, path: "/admin/", headers: { host: "evil.example; script-src *" } }, (response) => {
        response.resume();
        resolve(String(response.headers["content-security-policy"]));
      });
      req.on("error", reject);
      req.end();
    });
    expect(policy).not.toContain("evil");
    expect(policy).toContain("connect-src 'self';");
    expect(policy).toContain("script-src 'self'");
  });

  it("answers a page path (deep link) with the app, so reloads work", async () => {
    const response = await fetch(`${server.url}/admin/content/messages?page=2`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<div id="root">');
  });

  it("serves hashed assets with a long cache and a missing asset as 404", async () => {
    const script = readdirSync(path.join(studioRoot, "assets")).find((name) => name.endsWith(".js"));
    const response = await fetch(`${server.url}/admin/assets/${script}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(response.headers.get("content-type")).toContain("javascript");
    const missing = await fetch(`${server.url}/admin/assets/missing.js`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).errors[0].extensions.code).toBe("ROUTE_NOT_FOUND");
  });

  it("refuses writes and paths outside the folder", async () => {
    const post = await fetch(`${server.url}/admin/content`, { method: "POST" });
    expect(post.status).toBe(404);
    const escape = await fetch(`${server.url}/admin/..%2f..%2fpackage.json`);
    expect(await escape.text()).not.toContain('"dependencies"');
  });

  it("keeps the API's strict policy outside /admin", async () => {
    const response = await fetch(`${server.url}/server/ping`);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(response.headers.get("content-security-policy")).not.toContain("ws://");
  });
});
