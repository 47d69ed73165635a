// Configuration: defaults and one-line ConfigErrors naming the variable; start-up stops on bad config.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("loadConfig defaults", () => {
  const config = loadConfig({}, () => "generated-secret");

  it("listens on port 8055 by default", () => {
    expect(config.port).toBe(8055);
    expect(["127.0.0.1", "0.0.0.0"]).toContain(config.host);
  });

  it("uses SQLite by default", () => {
    expect(config.db.client).toBe("sqlite");
  });

  it("defaults token lifetimes to 15m / 7d in milliseconds", () => {
    expect(config.accessTokenTtl).toBe(900_000);
    expect(config.refreshTokenTtl).toBe(7 * 24 * 3600_000);
  });

  it("defaults QUERY_LIMIT_DEFAULT to 100, QUERY_LIMIT_MAX to unlimited, MAX_PAYLOAD_SIZE to 1mb", () => {
    expect(config.queryLimitDefault).toBe(100);
    expect(config.queryLimitMax).toBe(Infinity);
    expect(config.maxPayloadSize).toBe(1024 * 1024);
  });

  it("generates a secret when SECRET is unset, and uses SECRET when set", () => {
    expect(config.secret).toBe("generated-secret");
    expect(config.secretGenerated).toBe(true);
    const withSecret = loadConfig({ SECRET: "s3cret" });
    expect(withSecret.secret).toBe("s3cret");
    expect(withSecret.secretGenerated).toBe(false);
  });

  it("reads ADMIN_EMAIL / ADMIN_PASSWORD / ADMIN_TOKEN", () => {
    expect(loadConfig({ ADMIN_EMAIL: "a@b.c", ADMIN_PASSWORD: "pw", ADMIN_TOKEN: "tok" }).admin).toEqual({ email: "a@b.c", password: "pw", token: "tok" });
  });

  it("parses durations, sizes and limits", () => {
    const custom = loadConfig({ ACCESS_TOKEN_TTL: "1s", REFRESH_TOKEN_TTL: "2h", MAX_PAYLOAD_SIZE: "10kb", QUERY_LIMIT_DEFAULT: "5", QUERY_LIMIT_MAX: "50", PORT: "0" });
    expect(custom.accessTokenTtl).toBe(1000);
    expect(custom.refreshTokenTtl).toBe(7_200_000);
    expect(custom.maxPayloadSize).toBe(10 * 1024);
    expect(custom.queryLimitDefault).toBe(5);
    expect(custom.queryLimitMax).toBe(50);
    expect(custom.port).toBe(0);
    expect(loadConfig({ QUERY_LIMIT_MAX: "-1" }).queryLimitMax).toBe(Infinity);
  });

  it("accepts PostgreSQL with a connection string", () => {
    const pg = loadConfig({ DB_CLIENT: "pg", DB_CONNECTION_STRING: "postgres://u@h/d" });
    expect(pg.db.client).toBe("pg");
    expect(pg.db.connectionString).toBe("postgres://u@h/d");
  });

  it("returns a frozen object", () => {
    expect(Object.isFrozen(config)).toBe(true);
  });
});

describe("invalid configuration", () => {
  const invalid: Array<[string, string]> = [
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["PORT", "-1"],
    ["ACCESS_TOKEN_TTL", "forever"],
    ["ACCESS_TOKEN_TTL", "-5m"],
    ["REFRESH_TOKEN_TTL", "soon"],
    ["MAX_PAYLOAD_SIZE", "huge"],
    ["QUERY_LIMIT_DEFAULT", "0"],
    ["QUERY_LIMIT_DEFAULT", "ten"],
    ["QUERY_LIMIT_MAX", "abc"],
    ["QUERY_LIMIT_MAX", "0"],
    ["DB_CLIENT", "mysql"],
    ["LOG_LEVEL", "loud"],
    ["CORS_ENABLED", "maybe"],
    ["RATE_LIMITER_ENABLED", "sometimes"],
    ["DB_POOL__MAX", "0"],
  ];

  it.each(invalid)("%s=%s throws a one-line ConfigError naming the variable", (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(name);
    expect(message).not.toContain("\n");
  });

  it("requires a connection string for PostgreSQL", () => {
    expect(() => loadConfig({ DB_CLIENT: "pg" })).toThrow(ConfigError);
    expect(() => loadConfig({ DB_CLIENT: "pg" })).toThrow(/DB_CONNECTION_STRING/);
  });
});

describe("start-up with invalid configuration", () => {
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const cwd = mkdtempSync(path.join(tmpdir(), "tidings-main-"));
      const child = spawn(path.join(root, "node_modules/.bin/tsx"), [path.join(root, "src/main.ts")], {
        cwd,
        env: { PATH: process.env.PATH ?? "", DB_FILENAME: path.join(cwd, "db.sqlite"), ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk) => (output += chunk));
      child.stderr.on("data", (chunk) => (output += chunk));
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.on("error", reject);
      child.on("exit", (code) => {
        clearTimeout(timer);
        rmSync(cwd, { recursive: true, force: true });
        resolve({ code, output });
      });
    });

  it("exits non-zero with one line naming the variable", async () => {
    const { code, output } = await run({ PORT: "not-a-port" });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const lines = output.split("\n").filter((line) => line.trim() !== "");
    expect(lines, output).toHaveLength(1);
    expect(lines[0]).toContain("PORT");
    expect(output).not.toMatch(/^\s+at /m);
  }, 30_000);
});
