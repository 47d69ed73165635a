// Schema at run time: /fields create, read, update, delete; every field type round-trips through items.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { autoPk, createCollection, createField, expectError, ok, qs, UUID_RE } from "./fixtures.js";

const dbs = await databases();

const typedFields = [
  { field: "f_string", type: "string" },
  { field: "f_text", type: "text" },
  { field: "f_integer", type: "integer" },
  { field: "f_big", type: "bigInteger" },
  { field: "f_float", type: "float" },
  { field: "f_decimal", type: "decimal", schema: { numeric_precision: 10, numeric_scale: 2 } },
  { field: "f_boolean", type: "boolean", meta: { special: ["cast-boolean"] } },
  { field: "f_uuid", type: "uuid" },
  { field: "f_json", type: "json", meta: { special: ["cast-json"] } },
  { field: "f_csv", type: "csv", meta: { special: ["cast-csv"] } },
  { field: "f_datetime", type: "dateTime" },
  { field: "f_date", type: "date" },
  { field: "f_time", type: "time" },
  { field: "f_timestamp", type: "timestamp" },
];

describe.each(dbs)("fields (%s)", (db) => {
  let server: TestServer;
  let http: Http;

  beforeAll(async () => {
    server = await startServer({ db });
    http = createHttp(server.url, server.adminToken);
    await createCollection(http, "typed");
    await createCollection(http, "things", [autoPk, { field: "name", type: "string", schema: {} }]);
  }, 60_000);
  afterAll(async () => server?.close());

  it("creates a field of every type and answers {collection, field, type, meta, schema}", async () => {
    for (const def of typedFields) {
      const data = await createField(http, "typed", { meta: {}, schema: {}, ...def });
      expect(data).toMatchObject({ collection: "typed", field: def.field, type: def.type });
      expect(data.meta).toBeTypeOf("object");
      expect(data.schema).toBeTypeOf("object");
      expect(data.schema).not.toBeNull();
    }
    const listed = ok<any[]>(await http.get("/fields/typed"));
    const types = Object.fromEntries(listed.map((f) => [f.field, f.type]));
    for (const def of typedFields) expect(types[def.field]).toBe(def.type);
    for (const field of listed) expect(field.collection).toBe("typed");
  });

  it("round-trips every type", async () => {
    const uuid = "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
    const input = {
      f_string: "héllo",
      f_text: "long ".repeat(200),
      f_integer: -42,
      f_big: 9007199254740991,
      f_float: 1.5,
      f_decimal: 12.34,
      f_boolean: true,
      f_uuid: uuid,
      f_json: { a: [1, 2, { b: null }], s: "x" },
      f_csv: ["red", "green"],
      f_datetime: "2024-01-01T10:00:00",
      f_date: "2024-01-01",
      f_time: "10:00:00",
      f_timestamp: "2024-01-01T10:00:00.000Z",
    };
    const created = ok(await http.post("/items/typed", input));
    for (const row of [created, ok(await http.get(`/items/typed/${created.id}`))]) {
      const { f_decimal, ...rest } = row;
      expect(Number(f_decimal)).toBe(12.34);
      expect(rest).toEqual({ id: created.id, ...input, f_decimal: undefined });
      expect(typeof row.f_big).toBe("number");
      expect(typeof row.f_boolean).toBe("boolean");
    }
    const falsy = ok(await http.post("/items/typed", { f_boolean: false, f_json: [], f_csv: [] }));
    expect(falsy.f_boolean).toBe(false);
    expect(falsy.f_json).toEqual([]);
    expect(falsy.f_csv).toEqual([]);
    const nulls = ok(await http.post("/items/typed", {}));
    for (const def of typedFields) expect(nulls[def.field]).toBeNull();
  });

  it("normalises timestamps with an offset to UTC", async () => {
    const row = ok(await http.post("/items/typed", { f_timestamp: "2024-06-01T12:00:00+02:00" }));
    expect(row.f_timestamp).toBe("2024-06-01T10:00:00.000Z");
  });

  it("accepts csv as a comma-separated string and answers an array", async () => {
    expect(ok(await http.post("/items/typed", { f_csv: "a,b,c" })).f_csv).toEqual(["a", "b", "c"]);
  });

  it("filters by typed values", async () => {
    const found = async (filter: unknown) => ok<any[]>(await http.get(`/items/typed${qs({ filter, fields: "f_string" })}`)).length;
    expect(await found({ f_boolean: { _eq: true } })).toBe(1);
    expect(await found({ f_date: { _eq: "2024-01-01" } })).toBe(1);
    expect(await found({ f_timestamp: { _between: ["2024-01-01T09:00:00.000Z", "2024-01-01T11:00:00.000Z"] } })).toBe(1);
    expect(await found({ f_big: { _eq: 9007199254740991 } })).toBe(1);
    expect(await found({ f_uuid: { _eq: "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b" } })).toBe(1);
  });

  it("reads one field", async () => {
    const data = ok(await http.get("/fields/typed/f_integer"));
    expect(data).toMatchObject({ collection: "typed", field: "f_integer", type: "integer" });
    expect(data.schema).toMatchObject({ is_nullable: true, is_primary_key: false });
  });

  it("applies default_value", async () => {
    await createField(http, "things", { field: "status", type: "string", meta: {}, schema: { default_value: "draft" } });
    expect(ok(await http.get("/fields/things/status")).schema.default_value).toBe("draft");
    expect(ok(await http.post("/items/things", { name: "d" })).status).toBe("draft");
    expect(ok(await http.post("/items/things", { name: "e", status: "live" })).status).toBe("live");
  });

  it("enforces is_nullable: false", async () => {
    await createField(http, "things", { field: "required", type: "string", meta: {}, schema: { is_nullable: false, default_value: "r" } });
    expect(ok(await http.get("/fields/things/required")).schema.is_nullable).toBe(false);
    expectError(await http.post("/items/things", { name: "n", required: null }), 400, "NOT_NULL_VIOLATION");
  });

  it("enforces is_unique", async () => {
    await createField(http, "things", { field: "slug", type: "string", meta: {}, schema: { is_unique: true } });
    expect(ok(await http.get("/fields/things/slug")).schema.is_unique).toBe(true);
    ok(await http.post("/items/things", { slug: "s1" }));
    expectError(await http.post("/items/things", { slug: "s1" }), 400, "RECORD_NOT_UNIQUE");
  });

  it("enforces max_length", async () => {
    await createField(http, "things", { field: "short", type: "string", meta: {}, schema: { max_length: 5 } });
    expect(ok(await http.get("/fields/things/short")).schema.max_length).toBe(5);
    ok(await http.post("/items/things", { short: "12345" }));
    expectError(await http.post("/items/things", { short: "123456" }), 400, "VALUE_TOO_LONG");
  });

  it("special uuid generates values for a non-key field", async () => {
    await createField(http, "things", { field: "ref", type: "uuid", meta: { special: ["uuid"] }, schema: {} });
    expect(ok(await http.post("/items/things", { name: "with ref" })).ref).toMatch(UUID_RE);
  });

  it("special date-created / date-updated work on dateTime fields", async () => {
    await createField(http, "things", { field: "created_on", type: "dateTime", meta: { special: ["date-created"] }, schema: {} });
    await createField(http, "things", { field: "updated_on", type: "dateTime", meta: { special: ["date-updated"] }, schema: {} });
    const item = ok(await http.post("/items/things", { name: "dt" }));
    expect(item.created_on).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(item.updated_on).toBeNull();
    const updated = ok(await http.patch(`/items/things/${item.id}`, { name: "dt2" }));
    expect(updated.updated_on).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(updated.created_on).toBe(item.created_on);
  });

  it("creates an alias field with no column", async () => {
    const data = await createField(http, "things", { field: "virtual_list", type: "alias", meta: { special: ["o2m"] } });
    expect(data).toMatchObject({ collection: "things", field: "virtual_list", type: "alias" });
    expect(data.meta.special).toEqual(["o2m"]);
    expect(data.schema).toBeNull();
  });

  it("updates a field's meta and schema", async () => {
    const data = ok(await http.patch("/fields/things/status", { meta: { note: "workflow" }, schema: { default_value: "review" } }));
    expect(data.meta.note).toBe("workflow");
    expect(data.schema.default_value).toBe("review");
    expect(ok(await http.get("/fields/things/status")).meta.note).toBe("workflow");
    expect(ok(await http.post("/items/things", { name: "after" })).status).toBe("review");
  });

  it("deletes a field and its column → 204", async () => {
    await createField(http, "things", { field: "temp", type: "integer", meta: {}, schema: {} });
    ok(await http.post("/items/things", { temp: 1 }));
    const reply = await http.delete("/fields/things/temp");
    expect(reply.status).toBe(204);
    expect(ok<any[]>(await http.get("/fields/things")).map((f) => f.field)).not.toContain("temp");
    expectError(await http.get("/fields/things/temp"), [403, 404]);
    const rows = ok<any[]>(await http.get("/items/things"));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).not.toHaveProperty("temp");
    expectError(await http.post("/items/things", { temp: 1 }), 400, "INVALID_PAYLOAD");
  });

  it("lists fields of all collections at GET /fields", async () => {
    const all = ok<any[]>(await http.get("/fields"));
    expect(all.some((f) => f.collection === "typed" && f.field === "f_json")).toBe(true);
    expect(all.some((f) => f.collection === "things" && f.field === "name")).toBe(true);
  });

  it("refuses a duplicate field, an unknown type and an unknown collection", async () => {
    expectError(await http.post("/fields/things", { field: "name", type: "string" }), 400, "INVALID_PAYLOAD");
    expectError(await http.post("/fields/things", { field: "weird", type: "potato" }), 400, "INVALID_PAYLOAD");
    expectError(await http.post("/fields/nope", { field: "x", type: "string" }), 403, "FORBIDDEN");
    expectError(await http.get("/fields/nope"), 403, "FORBIDDEN");
  });

  it("is admin only", async () => {
    const anonymous = createHttp(server.url);
    expectError(await anonymous.get("/fields/things"), [401, 403]);
    expectError(await anonymous.post("/fields/things", { field: "hack", type: "string" }), [401, 403]);
    expectError(await anonymous.delete("/fields/things/name"), [401, 403]);
    expect(ok(await http.get("/fields/things/name")).field).toBe("name");
  });
});
