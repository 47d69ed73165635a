// Differential contract: every filter gives the same rows through SQL (db/where.ts) and the in-memory matcher
// (query/filter.ts matchFilter), on SQLite and PostgreSQL — nulls, case rules, numbers vs strings and dates included.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFilter } from "../../src/core/filter.js";
import type { Collection, Schema } from "../../src/core/schema.js";
import { selectRows } from "../../src/db/rows.js";
import { isAppError } from "../../src/errors.js";
import { comparisonOperators, matchFilter, type FilterNode, type Operator } from "../../src/query/filter.js";
import { applyVariables } from "../../src/query/variables.js";
import { databases } from "../helpers/databases.js";
import { createHttp } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";

const dbs = await databases();
const NOW = new Date("2024-06-15T12:00:00.000Z");
const variables = { user: null, role: null, roles: [], policies: [], now: NOW };

const U1 = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
const U2 = "f47ac10b-58cc-4372-a567-0e02b2c3d479";
const U3 = "00000000-0000-4000-8000-000000000000";

const types = {
  title: "string", body: "text", n: "integer", f: "float", d: "decimal", flag: "boolean",
  ts: "timestamp", dt: "dateTime", day: "date", t: "time", u: "uuid", tags: "csv",
} as const;
type Field = keyof typeof types;

// Row i takes column[i] (undefined or null → NULL). Row 0 is null everywhere; every column has more nulls.
const columns: Record<Field, unknown[]> = {
  title: [null, "apple", "Apple", "APPLE", "", " apple ", "Äpfel", "äpfel", "straße", "STRASSE", "日本", "100%", "a_b",
    "a%b", "\\", "5", "10", "ΟΔΟΣ", "İstanbul", "😀", "ｱ", "zebra", "Zebra", "apple", "apples", "pineapple", "trailing ",
    null, "%_%", "a\\b", "ß", "ẞ", "-1", "0.1", "TRUE", "2024-01-01", "日本語", "Ä", "a", "z"],
  body: [null, "apple pie", "Apple Pie", "APPLE PIE", "", "  leading", "äpfel und birnen", "ÄPFEL", "STRASSE", "straße",
    "日本語テキスト", "50% off_sale", "C:\\temp", "%", "_", "10", "9", "οδός", "istanbul", "emoji 😀 here", "ｱｲｳ", null,
    "x ", " y", "multi\nline", "tab\there", "Ω", "ω", "ſ", "K", "K"],
  n: [null, 1, 0, -1, 5, 2147483647, -2147483647, 10, 5, null, 100, -100, 2, 3, 42, 0, 7, null, 1, 9],
  f: [null, 0.1, 0, -0.5, 5, 1e300, -1e-10, 0.30000000000000004, 0.3, 1.5, 2.5, null, -0, 10, 5.000001, 0.1, 1e-300],
  d: [null, "1.5", 0, "-1.25", 5, "99999.99999", "0.1", 0.3, "12345.6789", null, "-0.00001", 10, 1.5, 2],
  flag: [null, true, false, true, false, null, "true", "false", 1, 0],
  ts: [null, "2024-01-01T00:00:00.000Z", "2023-12-31T23:59:59.999Z", "2024-06-15T12:00:00.000Z", "2024-06-14T12:00:00Z",
    "2023-06-15T12:00:00.000Z", "2023-06-15T11:59:59.999Z", "2025-01-01T00:00:00Z", "1999-12-31T23:59:59Z",
    "2000-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00", null, "2024-06-15T12:00:00.001Z", "2024-07-15T12:00:00Z"],
  dt: [null, "2024-01-01T00:00:00", "2023-12-31T23:59:59", "2024-06-15T12:00:00", "2024-06-14T12:00:00",
    "2023-06-15 12:00:00", "1999-12-31T23:59:59", "2000-01-01T00:00:00", null, "2024-01-01T00:00:01"],
  day: [null, "2024-01-01", "2023-12-31", "2024-06-15", "2024-02-29", "1999-12-31", "2000-01-01", null, "2024-06-14", "2025-01-01"],
  t: [null, "00:00:00", "23:59:59", "12:00:00", "00:00:01", "12:00", "23:59", null, "09:30:00", "10:00:00"],
  u: [null, U1, U2, U3, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12", null, U1],
  tags: [null, ["a", "b"], ["a"], [], "", ["b", "c"], ["A"], ["x y"], "a,b", null, ["日本", "Äpfel"], ["%", "_"]],
};
const ROWS = 40;
const rows = Array.from({ length: ROWS }, (_, i) =>
  Object.fromEntries(Object.entries(columns).map(([field, values]) => [field, values[i] ?? null])));

// Operands per field: row values, case variants, numbers as strings, edge values, invalid ones, variables.
const text = ["apple", "Apple", "APPLE", "app", "PIE", "pie", "", " ", "apple ", "ä", "Ä", "äpfel", "ÄPFEL", "straße", "STRASSE",
  "ß", "ss", "日本", "%", "_", "\\", "a_b", "a%", "%_%", "σ", "ς", "Σ", "İ", "i", "is", "5", 5, "10", "😀", "ｱ", "zebra", "k", "ω", "s"];
const samples: Record<Field, unknown[]> = {
  title: text,
  body: text,
  n: [0, -1, 1, 5, "5", "-1", " 5 ", 10, "10", 2147483647, -2147483647, 0.1, "abc", 1e10, true],
  f: [0, -0, 0.1, "0.1", 0.3, 0.30000000000000004, 1.5, "1.5", 5, 1e300, -1e-10, "1e-300", "x"],
  d: [0, 0.1, "0.1", 0.3, "1.5", 1.5, "1.50000", 5, "99999.99999", -1.25, "12345.6789", "-0.00001", ""],
  flag: [true, false, "true", "false", 1, 0, "1", "0", "yes"],
  ts: ["2024-01-01T00:00:00.000Z", "2024-01-01", "2023-12-31T23:59:59.999Z", "2024-01-01T01:00:00+01:00", "$NOW",
    "$NOW(-1 day)", "$NOW(-1 year)", "$NOW(+1 month)", "2000-01-01", "not a date", 1704067200000],
  dt: ["2024-01-01T00:00:00", "2024-01-01", "2023-12-31 23:59:59", "2024-01-01T00:00:00.000Z", "$NOW", "$NOW(-1 year)", "1999-12-31T23:59:59", "x"],
  day: ["2024-01-01", "2023-12-31", "2024-02-29", "2024-02-30", "$NOW", "$NOW(-1 day)", "2024-06-15T23:59:59Z", "2000-01-01"],
  t: ["00:00:00", "23:59:59", "12:00", "12:00:00.5", "00:00", "09:30:00", "24:00:00", "$NOW"],
  u: [U1, U2, U3, U1.toUpperCase(), "a0eebc99", "", "not-a-uuid", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12"],
  tags: ["a", "a,b", ["a", "b"], "b", "A", "", ",", "日本", "äpfel", "%", "_", "x y"],
};

const scalarOps = comparisonOperators.filter((op) => !/^_n?(in|between|null|empty)$/.test(op));
const flagOps: Operator[] = ["_null", "_nnull", "_empty", "_nempty"];

function fieldFilters(field: Field): Array<Record<string, unknown>> {
  const values = samples[field];
  const out: Array<Record<string, unknown>> = [];
  const add = (op: string, operand: unknown) => out.push({ [field]: { [op]: operand } });
  for (const op of scalarOps) for (const value of [...values, null]) add(op, value);
  for (const op of ["_in", "_nin"]) {
    for (const list of [values.slice(0, 2), [values[2], null, values[3]], [], [null], values.slice(3, 8)]) add(op, list);
    add(op, values.slice(0, 2).join(","));
  }
  for (const op of ["_between", "_nbetween"]) {
    for (let i = 0; i + 1 < values.length; i++) add(op, [values[i], values[i + 1]]);
    add(op, [values[0]]);
  }
  for (const op of flagOps) for (const flag of [true, false, "true", 0]) add(op, flag);
  return out;
}

type Raw = Record<string, unknown>;
const simple: Raw[] = (Object.keys(types) as Field[]).flatMap(fieldFilters);

const invalid: Raw[] = [
  { n: { _contains: "1" } }, { f: { _istarts_with: "0" } }, { flag: { _lt: true } }, { flag: { _between: [false, true] } },
  { ts: { _starts_with: "2024" } }, { day: { _icontains: "01" } }, { n: { _eq: "abc" } }, { n: { _in: [1, "x"] } },
  { day: { _eq: "2024-02-30" } }, { t: { _gt: "25:00" } }, { u: { _eq: "nope" } }, { title: { _between: ["a"] } },
  { title: { _in: 5 } }, { title: { _null: "maybe" } }, { title: { _regex: "a" } }, { title: "apple" }, { _not: {} },
];

describe.each(dbs)("filter differential: SQL vs matchFilter (%s)", (db) => {
  let server: TestServer;
  let schema: Schema;
  let collection: Collection;
  let all: Record<string, unknown>[];

  beforeAll(async () => {
    server = await startServer({ db });
    const http = createHttp(server.url, server.adminToken);
    const fields = [
      { field: "id", type: "integer", schema: { is_primary_key: true, has_auto_increment: true } },
      ...Object.entries(types).map(([field, type]) => ({ field, type })),
    ];
    const created = await http.post("/collections", { collection: "diff", meta: {}, schema: {}, fields });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const inserted = await http.post("/items/diff", rows);
    expect(inserted.status, JSON.stringify(inserted.body)).toBe(200);
    schema = await server.app.core.schemas.get();
    collection = schema.collections.get("diff")!;
    all = await selectRows(server.app.core.db.knex, collection.table, { columns: Object.keys(collection.table.types) });
  }, 60_000);
  afterAll(async () => server?.close());

  const compile = (raw: unknown): FilterNode => compileFilter(schema, collection, applyVariables(raw, variables));
  const sqlIds = async (node: FilterNode) =>
    (await selectRows(server.app.core.db.knex, collection.table, { columns: ["id"], where: node }))
      .map((row) => row.id as number).sort((a, b) => a - b);
  const matcherIds = (node: FilterNode) =>
    all.filter((row) => matchFilter(node, row)).map((row) => row.id as number).sort((a, b) => a - b);

  it("stored the seed rows, nulls and all", () => {
    expect(all).toHaveLength(ROWS);
    expect(all[0]).toEqual({ id: all[0].id, ...Object.fromEntries(Object.keys(types).map((field) => [field, null])) });
    for (const field of Object.keys(types)) expect(all.filter((row) => row[field] === null).length).toBeGreaterThan(1);
  });

  it("rejects operators and operands a field type does not take with INVALID_QUERY", () => {
    for (const raw of invalid) {
      let error: unknown;
      try {
        compile(raw);
      } catch (caught) {
        error = caught;
      }
      expect(isAppError(error) && error.code, JSON.stringify(raw)).toBe("INVALID_QUERY");
    }
  });

  it("returns the same rows through SQL and the in-memory matcher for every filter", async () => {
    const mismatches: string[] = [];
    const compiled: Array<{ raw: Raw; node: FilterNode }> = [];
    let rejected = 0;
    for (const raw of simple) {
      try {
        compiled.push({ raw, node: compile(raw) });
      } catch (error) {
        if (isAppError(error) && error.code === "INVALID_QUERY") rejected++;
        else mismatches.push(`${JSON.stringify(raw)}: compile threw ${String(error)}`);
      }
    }
    // Nested _and/_or over a deterministic spread of the compiled single-field filters.
    const pick = (i: number) => compiled[(i * 7919) % compiled.length].raw;
    const nested: Raw[] = [{ _and: [] }, { _or: [] }, { n: { _gte: 0, _lt: 10 } }, { title: { _icontains: "apple", _nends_with: "s" } },
      { title: { _null: false }, n: { _null: true } }, { _or: [{ title: { _eq: null } }, { body: { _empty: true } }] },
      { _and: [{ ts: { _gte: "$NOW(-1 year)" } }, { ts: { _lte: "$NOW" } }] }];
    for (let i = 0; i < 60; i++) {
      const [a, b, c] = [pick(3 * i), pick(3 * i + 1), pick(3 * i + 2)];
      nested.push({ _and: [a, b] }, { _or: [a, b] }, { _or: [{ _and: [a, b] }, c] }, { _and: [{ _or: [a, c] }, { _or: [b, { _and: [c] }] }] });
    }
    for (const raw of nested) compiled.push({ raw, node: compile(raw) });

    let selective = 0;
    for (const { raw, node } of compiled) {
      const expected = matcherIds(node);
      let actual: number[];
      try {
        actual = await sqlIds(node);
      } catch (error) {
        mismatches.push(`${JSON.stringify(raw)}: SQL failed: ${(error as Error).message.split("\n")[0]} | matcher=${JSON.stringify(expected)}`);
        continue;
      }
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        mismatches.push(`${JSON.stringify(raw)}: sql=${JSON.stringify(actual)} matcher=${JSON.stringify(expected)}`);
      }
      if (expected.length > 0 && expected.length < ROWS) selective++;
    }

    expect(mismatches, `${mismatches.length} mismatching filters on ${db}:\n${mismatches.join("\n")}`).toEqual([]);
    expect(compiled.length).toBeGreaterThanOrEqual(2000);
    expect(rejected).toBeGreaterThanOrEqual(100);
    expect(selective).toBeGreaterThanOrEqual(1500);
  }, 120_000);
});
