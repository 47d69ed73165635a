// Authentication: login, refresh rotation, logout, static tokens, token transport, expiry, password storage.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { SignJWT, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { expectError, ok, waitFor } from "./fixtures.js";

// better-sqlite3 ships no types here; only this file opens the database directly.
const Database = createRequire(import.meta.url)("better-sqlite3");
const dbs = await databases();
const SECRET = "test-secret-test-secret-test-secret";

describe.each(dbs)("auth (%s)", (db) => {
  let server: TestServer;
  let http: Http;
  let anonymous: Http;
  const login = async () => ok(await anonymous.post("/auth/login", { email: server.adminEmail, password: server.adminPassword }));

  beforeAll(async () => {
    server = await startServer({ db });
    http = createHttp(server.url, server.adminToken);
    anonymous = createHttp(server.url);
  }, 60_000);
  afterAll(async () => server?.close());

  it("logs in with ADMIN_EMAIL / ADMIN_PASSWORD and answers {access_token, refresh_token, expires}", async () => {
    const reply = await anonymous.post("/auth/login", { email: server.adminEmail, password: server.adminPassword });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body.data).sort()).toEqual(["access_token", "expires", "refresh_token"]);
    const { access_token, refresh_token, expires } = reply.body.data;
    expect(expires).toBe(900000);
    expect(typeof refresh_token).toBe("string");
    expect(refresh_token.length).toBeGreaterThan(16);
    const { payload, protectedHeader } = await jwtVerify(access_token, new TextEncoder().encode(SECRET));
    expect(protectedHeader.alg).toBe("HS256");
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(JSON.stringify(reply.body)).not.toContain(server.adminPassword);
  });

  it("accepts the access token as a Bearer header and as ?access_token=", async () => {
    const { access_token } = await login();
    expect((await anonymous.get("/collections", { token: access_token })).status).toBe(200);
    expect((await anonymous.get(`/collections?access_token=${access_token}`)).status).toBe(200);
  });

  it("accepts the static ADMIN_TOKEN anywhere an access token works", async () => {
    expect((await anonymous.get("/collections", { token: server.adminToken })).status).toBe(200);
    expect((await anonymous.get(`/collections?access_token=${server.adminToken}`)).status).toBe(200);
    expect((await http.get("/server/info")).status).toBe(200);
  });

  it("rejects wrong credentials with 401 INVALID_CREDENTIALS", async () => {
    for (const body of [
      { email: server.adminEmail, password: "wrong" },
      { email: "nobody@example.com", password: server.adminPassword },
      { email: server.adminEmail.toUpperCase(), password: "wrong" },
    ]) {
      const error = expectError(await anonymous.post("/auth/login", body), 401, "INVALID_CREDENTIALS");
      expect(error.message).toBe("Invalid user credentials.");
    }
  });

  it("rejects a login without email or password with 400 or 401", async () => {
    expectError(await anonymous.post("/auth/login", { email: server.adminEmail }), [400, 401], ["INVALID_PAYLOAD", "INVALID_CREDENTIALS"]);
    expectError(await anonymous.post("/auth/login", {}), [400, 401], ["INVALID_PAYLOAD", "INVALID_CREDENTIALS"]);
  });

  it("rejects unknown, malformed and foreign-signed tokens with 401 INVALID_CREDENTIALS", async () => {
    const foreign = await new SignJWT({ id: "00000000-0000-0000-0000-000000000000", admin_access: true, app_access: true })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt()
      .setIssuer("directus")
      .setExpirationTime("15m")
      .sign(new TextEncoder().encode("another-secret-another-secret-another"));
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${Buffer.from('{"id":"x","admin_access":true}').toString("base64url")}.`;
    for (const token of ["unknown-static-token", "abc.def.ghi", foreign, unsigned]) {
      expectError(await anonymous.get("/collections", { token }), 401, "INVALID_CREDENTIALS");
      expectError(await anonymous.get(`/items/anything?access_token=${encodeURIComponent(token)}`), 401, "INVALID_CREDENTIALS");
    }
  });

  it("refresh rotates: a new pair works, the old refresh token no longer does", async () => {
    const first = await login();
    const second = ok(await anonymous.post("/auth/refresh", { refresh_token: first.refresh_token }));
    expect(Object.keys(second).sort()).toEqual(["access_token", "expires", "refresh_token"]);
    expect(second.expires).toBe(900000);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await anonymous.get("/collections", { token: second.access_token })).status).toBe(200);
    expectError(await anonymous.post("/auth/refresh", { refresh_token: first.refresh_token }), 401, "INVALID_CREDENTIALS");
    const third = ok(await anonymous.post("/auth/refresh", { refresh_token: second.refresh_token, mode: "json" }));
    expect(third.refresh_token).not.toBe(second.refresh_token);
  });

  it("refresh rejects unknown tokens and access tokens", async () => {
    const { access_token } = await login();
    expectError(await anonymous.post("/auth/refresh", { refresh_token: "not-a-refresh-token" }), 401, "INVALID_CREDENTIALS");
    expectError(await anonymous.post("/auth/refresh", { refresh_token: access_token }), 401, "INVALID_CREDENTIALS");
    expectError(await anonymous.post("/auth/refresh", {}), [400, 401], ["INVALID_PAYLOAD", "INVALID_CREDENTIALS"]);
  });

  it("logout revokes the refresh token → 204", async () => {
    const session = await login();
    const other = await login();
    const reply = await anonymous.post("/auth/logout", { refresh_token: session.refresh_token });
    expect(reply.status).toBe(204);
    expectError(await anonymous.post("/auth/refresh", { refresh_token: session.refresh_token }), 401, "INVALID_CREDENTIALS");
    expect(ok(await anonymous.post("/auth/refresh", { refresh_token: other.refresh_token })).access_token).toBeTruthy();
  });

  it("logout with an unknown refresh token fails", async () => {
    expectError(await anonymous.post("/auth/logout", { refresh_token: "never-issued" }), [400, 401, 403]);
  });
});

describe.each(dbs)("token lifetimes (%s)", (db) => {
  let server: TestServer;
  let anonymous: Http;

  beforeAll(async () => {
    server = await startServer({ db, env: { ACCESS_TOKEN_TTL: "1s", REFRESH_TOKEN_TTL: "1h" } });
    anonymous = createHttp(server.url);
  }, 60_000);
  afterAll(async () => server?.close());

  it("answers expires from ACCESS_TOKEN_TTL", async () => {
    const data = ok(await anonymous.post("/auth/login", { email: server.adminEmail, password: server.adminPassword }));
    expect(data.expires).toBe(1000);
  });

  it("rejects an expired JWT with 401 TOKEN_EXPIRED, and refresh still works", async () => {
    const data = ok(await anonymous.post("/auth/login", { email: server.adminEmail, password: server.adminPassword }));
    let last = await anonymous.get("/collections", { token: data.access_token });
    await waitFor(async () => {
      last = await anonymous.get("/collections", { token: data.access_token });
      return last.status !== 200;
    }, 5000);
    expectError(last, 401, "TOKEN_EXPIRED");
    expectError(await anonymous.get(`/collections?access_token=${data.access_token}`), 401, "TOKEN_EXPIRED");
    const renewed = ok(await anonymous.post("/auth/refresh", { refresh_token: data.refresh_token }));
    expect((await anonymous.get("/collections", { token: renewed.access_token })).status).toBe(200);
  });
});

describe("password storage (sqlite)", () => {
  let server: TestServer;
  let dir: string;
  let filename: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tidings-auth-"));
    filename = path.join(dir, "auth.db");
    server = await startServer({ db: "sqlite", env: { DB_FILENAME: filename } });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores passwords hashed, never in clear", async () => {
    const sqlite = new Database(filename, { readonly: true });
    try {
      const tables = sqlite.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>;
      let passwordColumns = 0;
      for (const { name } of tables) {
        const columns = sqlite.prepare(`select name from pragma_table_info(?)`).all(name) as Array<{ name: string }>;
        for (const column of columns.filter((c) => c.name === "password")) {
          passwordColumns++;
          const values = sqlite.prepare(`select "${column.name}" as value from "${name}"`).all() as Array<{ value: unknown }>;
          expect(values.length).toBeGreaterThan(0);
          for (const { value } of values) {
            expect(typeof value).toBe("string");
            expect(value).not.toContain(server.adminPassword);
            expect((value as string).length).toBeGreaterThan(30);
          }
        }
      }
      expect(passwordColumns).toBe(1);
    } finally {
      sqlite.close();
    }
  });
});
