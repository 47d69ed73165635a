// Enforces the layer and dependency rules of DESIGN.md §4 / style-anchors.md §7.3 by reading src/'s import lines.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** Source text by path relative to src/, e.g. "core/items.ts". */
type SourceFiles = ReadonlyMap<string, string>;

interface Import {
  specifier: string;
  line: number;
  /** `import type` / `export type`: erased at run time. */
  typeOnly: boolean;
  /** What sits between the keyword and `from` (bindings), or "" for side-effect and dynamic imports. */
  clause: string;
}

/**
 * What each part of src/ may import, besides its own siblings. A part is a folder ("core") or a
 * top-level file ("config.ts"); "*" means anything in src/.
 */
const ALLOWED: Record<string, readonly string[]> = {
  "main.ts": ["app.ts", "config.ts", "log.ts", "errors.ts", "lib"],
  "app.ts": ["*"],
  "config.ts": ["lib", "errors.ts"],
  "log.ts": ["config.ts", "lib", "errors.ts"],
  "errors.ts": [],
  http: ["graphql", "core", "query", "lib", "errors.ts", "config.ts"],
  realtime: ["graphql", "core", "bus", "query", "lib", "errors.ts", "config.ts"],
  graphql: ["core", "query", "lib", "errors.ts"],
  core: ["db", "query", "lib", "errors.ts", "config.ts"],
  bus: ["lib", "errors.ts"],
  db: ["query", "lib", "errors.ts", "config.ts"],
  query: ["errors.ts"],
  lib: [],
};

/** The logger is passed in, never imported as state: these parts may still name its type. */
const LOGGER_TYPE_USERS = new Set(["http", "realtime", "graphql", "core", "bus", "db"]);

/** One importer per outside dependency. An owner ending in "/" is a folder, otherwise a file. */
const PACKAGE_OWNERS: ReadonlyArray<{ packages: RegExp; owners: readonly string[] }> = [
  { packages: /^(knex|better-sqlite3|pg)$/, owners: ["db/"] },
  { packages: /^ioredis$/, owners: ["bus/redis.ts"] },
  { packages: /^ws$/, owners: ["realtime/ws.ts"] },
  { packages: /^(fastify|@fastify\/.+)$/, owners: ["http/"] },
  { packages: /^graphql-ws$/, owners: ["realtime/graphql-ws.ts", "realtime/ws.ts"] },
];

/** Pure modules: no I/O, so no packages or node: builtins beyond the listed ones, and few src imports. */
const PURE: ReadonlyArray<{ scope: string; parts: readonly string[]; packages: readonly string[] }> = [
  { scope: "query/", parts: ["query", "errors.ts"], packages: [] },
  { scope: "realtime/protocol.ts", parts: ["query", "errors.ts"], packages: ["zod"] },
];

/** Every rule broken by `files`, one line each, as "src/<file>:<line>: <what is wrong>". */
function violations(files: SourceFiles): string[] {
  const found: string[] = [];
  const code = new Map([...files].map(([file, text]) => [file, stripComments(text)]));
  for (const [file, text] of code) {
    const problems: Array<{ line: number; message: string }> = [];
    const at = (line: number, message: string) => problems.push({ line, message });
    if (!(partOf(file) in ALLOWED)) at(1, `"${partOf(file)}" is not in the dependency table (DESIGN.md §4)`);
    if (path.posix.basename(file) === "index.ts") at(1, "barrel file: import the module that owns the symbol");
    for (const { index, text: match } of matchesOf(text, DEFAULT_EXPORT)) {
      at(lineAt(text, index), `default export (\`${match.trim()}\`): use named exports`);
    }
    if (file !== "config.ts") {
      for (const { index } of matchesOf(text, ENV_READ)) at(lineAt(text, index), "process.env is read only in src/config.ts");
    }
    for (const entry of importsOf(text)) {
      for (const message of checkImport(file, entry)) at(entry.line, message);
    }
    problems.sort((a, b) => a.line - b.line);
    found.push(...problems.map(({ line, message }) => `src/${file}:${line}: ${message}`));
  }
  return [...found, ...cycles(code)];
}

function checkImport(file: string, entry: Import): string[] {
  const { specifier } = entry;
  if (specifier.startsWith(".")) return checkSourceImport(file, entry);
  const problems: string[] = [];
  const pkg = packageName(specifier);
  for (const { packages, owners } of PACKAGE_OWNERS) {
    if (packages.test(pkg) && !owners.some((owner) => owns(owner, file))) {
      problems.push(`"${specifier}" may only be imported by ${owners.map((owner) => `src/${owner}`).join(" or ")}`);
    }
  }
  const pure = PURE.find(({ scope }) => owns(scope, file));
  if (pure && !pure.packages.includes(pkg)) problems.push(`${pure.scope} is pure: it may not import "${specifier}"`);
  if (file !== "config.ts" && /^(node:)?process$/.test(specifier) && /\benv\b/.test(entry.clause)) {
    problems.push("process.env is read only in src/config.ts");
  }
  return problems;
}

function checkSourceImport(file: string, entry: Import): string[] {
  const target = resolve(file, entry.specifier);
  if (target === undefined) return [`"${entry.specifier}" points outside src/`];
  const from = partOf(file);
  const to = partOf(target);
  const pure = PURE.find(({ scope }) => owns(scope, file));
  if (pure && !pure.parts.includes(to)) {
    return [`${pure.scope} is pure: it may import only ${pure.parts.join(", ")}, not src/${target}`];
  }
  const allowed = ALLOWED[from];
  if (from === to || allowed === undefined || allowed.includes("*") || allowed.includes(to)) return [];
  if (to === "log.ts" && entry.typeOnly && LOGGER_TYPE_USERS.has(from)) return [];
  const list = allowed.length > 0 ? allowed.join(", ") : "nothing in src/";
  return [`${from} may not import src/${target} (${from} may import: ${list})`];
}

/** Import cycles between src files (comments stripped), ignoring type-only imports. Each cycle once. */
function cycles(files: SourceFiles): string[] {
  const edges = new Map<string, Array<{ target: string; line: number }>>();
  for (const [file, text] of files) {
    const targets = importsOf(text)
      .filter((entry) => !entry.typeOnly && entry.specifier.startsWith("."))
      .map((entry) => ({ target: resolve(file, entry.specifier) ?? "", line: entry.line }))
      .filter(({ target }) => files.has(target));
    edges.set(file, targets);
  }
  const reported = new Set<string>();
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (file: string, trail: string[]): void => {
    state.set(file, "open");
    for (const { target, line } of edges.get(file) ?? []) {
      if (state.get(target) === "open") {
        const loop = [...trail.slice(trail.indexOf(target)), file];
        const key = [...loop].sort().join(" ");
        if (!reported.has(key)) {
          reported.add(key);
          found.push(`src/${file}:${line}: import cycle ${[...loop, target].join(" → ")}`);
        }
      } else if (!state.has(target)) {
        visit(target, [...trail, file]);
      }
    }
    state.set(file, "done");
  };
  for (const file of [...files.keys()].sort()) if (!state.has(file)) visit(file, []);
  return found;
}

const STATIC_IMPORT = /^[ \t]*(?:import|export)\s+(type\s+)?([\w$\s{},*]*?)\s*\bfrom\s*(["'])([^"'\n]+)\3/gm;
const SIDE_EFFECT_IMPORT = /^[ \t]*import\s*(["'])([^"'\n]+)\1/gm;
const DYNAMIC_IMPORT = /\bimport\s*\(\s*(["'])([^"'\n]+)\1\s*\)/g;
const DEFAULT_EXPORT = /^[ \t]*export\s+default\b|^[ \t]*export\s*\{[^}]*\bas\s+default\b[^}]*\}/gm;
const ENV_READ = /\bprocess\s*(?:\.\s*env\b|\[\s*["'`]env["'`]\s*\])|\{[^}]*\benv\b[^}]*\}\s*=\s*(?:globalThis\s*\.\s*)?process\b/g;

/** The module specifiers of `code` (comments already stripped), with the line each sits on. */
function importsOf(code: string): Import[] {
  const found: Import[] = [];
  const add = (match: RegExpMatchArray, specifier: string, typeOnly: boolean, clause: string) => {
    const index = (match.index ?? 0) + match[0].lastIndexOf(specifier);
    found.push({ specifier, line: lineAt(code, index), typeOnly, clause });
  };
  for (const match of code.matchAll(STATIC_IMPORT)) add(match, match[4], match[1] !== undefined, match[2]);
  for (const match of code.matchAll(SIDE_EFFECT_IMPORT)) add(match, match[2], false, "");
  for (const match of code.matchAll(DYNAMIC_IMPORT)) add(match, match[2], false, "");
  return found.sort((a, b) => a.line - b.line);
}

/** Blanks out comments (keeping line breaks) so that commented-out code and prose are not read as code. */
function stripComments(text: string): string {
  const tokens = /("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)|\/\/[^\n]*|\/\*[\s\S]*?\*\//g;
  return text.replace(tokens, (match, literal: string | undefined) => literal ?? match.replace(/[^\n]/g, " "));
}

function matchesOf(code: string, pattern: RegExp): Array<{ index: number; text: string }> {
  return [...code.matchAll(pattern)].map((match) => ({ index: match.index ?? 0, text: match[0] }));
}

function lineAt(text: string, index: number): number {
  return text.slice(0, index).split("\n").length;
}

/** The src-relative .ts path a relative specifier names, or undefined when it leaves src/. */
function resolve(file: string, specifier: string): string | undefined {
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  if (joined === ".." || joined.startsWith("../")) return undefined;
  return joined.replace(/\.[cm]?js$/, ".ts");
}

/** "core/items.ts" → "core"; "config.ts" → "config.ts". */
function partOf(file: string): string {
  return file.includes("/") ? file.slice(0, file.indexOf("/")) : file;
}

function owns(owner: string, file: string): boolean {
  return owner.endsWith("/") ? file.startsWith(owner) : file === owner;
}

/** "@fastify/cors/x" → "@fastify/cors"; "pg/lib/x" → "pg"; "node:fs" stays. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Every .ts file under `dir` except tests, keyed by its path relative to `dir`. */
function readSources(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  const entries = readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
  for (const entry of entries) {
    const relative = entry.split(path.sep).join("/");
    if (!relative.endsWith(".ts") || relative.endsWith(".test.ts")) continue;
    files.set(relative, readFileSync(path.join(dir, entry), "utf8"));
  }
  return files;
}

describe("architecture of src/", () => {
  it("follows the dependency rules of DESIGN.md §4", () => {
    const found = violations(readSources(fileURLToPath(new URL("../src", import.meta.url))));
    expect(found, `rule violations in src/:\n${found.join("\n")}`).toEqual([]);
  });
});

describe("the rule checker", () => {
  const clean = new Map([
    ["main.ts", 'import { createApp } from "./app.js";\nimport { loadConfig } from "./config.js";'],
    ["app.ts", 'import { createServer } from "./http/server.js";\nimport { createRedisBus } from "./bus/redis.js";'],
    ["config.ts", 'import { parseSize } from "./lib/units.js";\nconst port = process.env.PORT;'],
    [
      "http/server.ts",
      [
        'import Fastify from "fastify";',
        'import cors from "@fastify/cors";',
        "import {",
        "  readItems, // the one read path",
        '} from "../core/items.js";',
        'import type { Config } from "../config.js";',
        'export { route } from "./routes.js";',
        "export const name = { default: 1 };",
      ].join("\n"),
    ],
    ["core/items.ts", 'import { compileWhere } from "../db/where.js";\nimport type { Logger } from "../log.js";\n// import { x } from "../http/server.js"; process.env\nconst url = "http://example.com"; /* export default 1 */'],
    ["db/where.ts", 'import knex from "knex";\nimport type { Filter } from "../query/filter.js";'],
    ["bus/redis.ts", 'import { Redis } from "ioredis";'],
    ["query/filter.ts", 'import { AppError } from "../errors.js";\nimport { parsePath } from "./path.js";'],
    ["realtime/ws.ts", 'import { WebSocketServer } from "ws";\nimport { makeServer } from "graphql-ws";'],
    ["realtime/protocol.ts", 'import { z } from "zod";\nimport { parseQuery } from "../query/query.js";'],
    ["lib/units.ts", 'import ms from "ms";\nimport { other } from "./other.js";'],
  ]);

  it("accepts code that follows the rules", () => {
    expect(violations(clean)).toEqual([]);
  });

  it.each([
    ["an upward import", "core/items.ts", 'import { a } from "../http/auth.js";', "src/core/items.ts:1: core may not import src/http/auth.ts"],
    ["http importing realtime", "http/ws.ts", '\n\nimport { b } from "../realtime/hub.js";', "src/http/ws.ts:3: http may not import src/realtime/hub.ts"],
    ["graphql importing realtime", "graphql/schema.ts", 'const hub = await import("../realtime/hub.js");', "src/graphql/schema.ts:1: graphql may not import"],
    ["lib importing the app", "lib/hook.ts", 'export { AppError } from "../errors.js";', "src/lib/hook.ts:1: lib may not import src/errors.ts (lib may import: nothing in src/)"],
    ["a multi-line import", "bus/local.ts", 'import {\n  a,\n  b,\n} from "../core/items.js";', "src/bus/local.ts:4: bus may not import src/core/items.ts"],
    ["a value import of the logger", "core/auth.ts", 'import { createLogger } from "../log.js";', "src/core/auth.ts:1: core may not import src/log.ts"],
    ["an import leaving src", "core/auth.ts", 'import { x } from "../../test/helpers/http.js";', 'src/core/auth.ts:1: "../../test/helpers/http.js" points outside src/'],
    ["fastify outside http", "app.ts", 'import type { FastifyInstance } from "fastify";', 'src/app.ts:1: "fastify" may only be imported by src/http/'],
    ["a fastify plugin outside http", "core/auth.ts", 'import cookie from "@fastify/cookie";', 'src/core/auth.ts:1: "@fastify/cookie" may only be imported by src/http/'],
    ["knex outside db", "core/items.ts", 'import type { Knex } from "knex";', 'src/core/items.ts:1: "knex" may only be imported by src/db/'],
    ["pg outside db", "app.ts", 'import "pg";', 'src/app.ts:1: "pg" may only be imported by src/db/'],
    ["ioredis outside bus/redis.ts", "bus/local.ts", 'import { Redis } from "ioredis";', '"ioredis" may only be imported by src/bus/redis.ts'],
    ["ws outside realtime/ws.ts", "realtime/session.ts", 'import { WebSocket } from "ws";', '"ws" may only be imported by src/realtime/ws.ts'],
    ["graphql-ws elsewhere", "graphql/schema.ts", 'import { makeServer } from "graphql-ws";', '"graphql-ws" may only be imported by src/realtime/graphql-ws.ts or src/realtime/ws.ts'],
    ["process.env outside config.ts", "db/db.ts", "\nconst file = process.env.DB_FILENAME;", "src/db/db.ts:2: process.env is read only in src/config.ts"],
    ["destructured process.env", "main.ts", "const { env } = process;", "src/main.ts:1: process.env is read only in src/config.ts"],
    ["env imported from node:process", "main.ts", 'import { env } from "node:process";', "src/main.ts:1: process.env is read only in src/config.ts"],
    ["a default export", "core/items.ts", "export default function readItems() {}", "src/core/items.ts:1: default export"],
    ["a default re-export", "core/items.ts", "const a = 1;\nexport { a as default };", "src/core/items.ts:2: default export"],
    ["a barrel file", "core/index.ts", 'export { readItems } from "./items.js";', "src/core/index.ts:1: barrel file"],
    ["an impure query module", "query/filter.ts", 'import { readFileSync } from "node:fs";', 'src/query/filter.ts:1: query/ is pure: it may not import "node:fs"'],
    ["query importing lib", "query/filter.ts", 'import { x } from "../lib/units.js";', "src/query/filter.ts:1: query/ is pure: it may import only query, errors.ts, not src/lib/units.ts"],
    ["an impure protocol module", "realtime/protocol.ts", 'import { Hub } from "./hub.js";', "src/realtime/protocol.ts:1: realtime/protocol.ts is pure"],
    ["a file outside the table", "util.ts", "export const a = 1;", 'src/util.ts:1: "util.ts" is not in the dependency table'],
  ])("reports %s", (_name, file, text, expected) => {
    const files = new Map([...clean, [file, text]]);
    expect(violations(files)).toEqual([expect.stringContaining(expected)]);
  });

  it("reports an import cycle once, at the import that closes it", () => {
    const files = new Map([
      ["core/a.ts", 'import { b } from "./b.js";'],
      ["core/b.ts", 'import type { A } from "./a.js";\nimport { c } from "./c.js";'],
      ["core/c.ts", 'import { a } from "./a.js";'],
    ]);
    expect(violations(files)).toEqual(["src/core/c.ts:1: import cycle core/a.ts → core/b.ts → core/c.ts → core/a.ts"]);
  });
});
