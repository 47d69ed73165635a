// Server endpoints (ping, health, info) and first-start bootstrap surviving a restart on the same database.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgDatabase, databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { autoPk, expectError, ok } from "./fixtures.js";

const dbs = await databases();

describe.each(dbs)("server endpoints (%s)", (db) => {
  let server: TestServer;
  let anonymous: Http;

  beforeAll(async () => {
    server = await startServer({ db });
    anonymous = createHttp(server.url);
  }, 60_000);
  afterAll(async () => server?.close());

  it("GET /server/ping → pong as text, without a token", async () => {
    const reply = await anonymous.get("/server/ping");
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("pong");
    expect(reply.headers.get("content-type") ?? "").toMatch(/^text\//);
  });

  it("GET /server/health → JSON {status: ok}, without a token", async () => {
    const reply = await anonymous.get("/server/health");
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type") ?? "").toMatch(/json/);
    expect(reply.body.status).toBe("ok");
  });

  it("GET /server/info → 200 with a data object", async () => {
    const reply = await createHttp(server.url, server.adminToken).get("/server/info");
    expect(reply.status).toBe(200);
    expect(reply.body.data).toBeTypeOf("object");
    expect(reply.body.data).not.toBeNull();
    expect(Array.isArray(reply.body.data)).toBe(false);
  });

  it("answers JSON errors for unknown server routes", async () => {
    expectError(await anonymous.get("/server/nope"), 404, "ROUTE_NOT_FOUND");
  });

  it("listens on the loopback address it was given", () => {
    expect(new URL(server.url).hostname).toBe("127.0.0.1");
  });
});

describe.each(dbs)("first start and restart (%s)", (db) => {
  let dir: string | undefined;
  let dropPg: (() => Promise<void>) | undefined;
  const env: Record<string, string> = {};

  beforeAll(async () => {
    if (db === "pg") {
      const database = await createPgDatabase();
      env.DB_CONNECTION_STRING = database.url;
      dropPg = database.drop;
    } else {
      dir = mkdtempSync(path.join(tmpdir(), "tidings-restart-"));
      env.DB_FILENAME = path.join(dir, "restart.db");
    }
  });
  afterAll(async () => {
    await dropPg?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("creates the admin on first start and keeps schema, data and the admin across a restart", async () => {
    const first = await startServer({ db, env });
    try {
      const http = createHttp(first.url, first.adminToken);
      ok(await http.post("/collections", { collection: "kept", meta: {}, schema: {}, fields: [autoPk, { field: "v", type: "string", schema: {} }] }));
      ok(await http.post("/items/kept", { v: "survives" }));
      ok(await createHttp(first.url).post("/auth/login", { email: first.adminEmail, password: first.adminPassword }));
    } finally {
      await first.close();
    }
    const second = await startServer({ db, env });
    try {
      const http = createHttp(second.url, second.adminToken);
      expect(ok<any[]>(await http.get("/items/kept"))).toEqual([{ id: 1, v: "survives" }]);
      expect(ok(await http.get("/fields/kept/v")).type).toBe("string");
      ok(await createHttp(second.url).post("/auth/login", { email: second.adminEmail, password: second.adminPassword }));
      expect(ok(await http.post("/items/kept", { v: "again" })).id).toBe(2);
    } finally {
      await second.close();
    }
  }, 60_000);
});
