// /relations shows an app user only the relations whose ends they may read, as /collections and /fields do.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { limitedUser, type LimitedUser } from "./access-fixtures.js";
import { autoPk, createCollection, createField, createRelation, expectError, ok } from "./fixtures.js";

describe("relations visibility", () => {
  let server: TestServer;
  let admin: Http;
  let reader: LimitedUser;

  beforeAll(async () => {
    server = await startServer();
    admin = createHttp(server.url, server.adminToken);
    await createCollection(admin, "staff", [autoPk, { field: "name", type: "string", schema: {} }]);
    await createCollection(admin, "payroll", [autoPk, { field: "salary", type: "integer", schema: {} }]);
    await createField(admin, "payroll", { field: "employee", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createRelation(admin, { collection: "payroll", field: "employee", related_collection: "staff" });
    await createCollection(admin, "notes", [autoPk, { field: "text", type: "string", schema: {} }]);
    await createField(admin, "notes", { field: "author", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createField(admin, "notes", { field: "reviewer", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createRelation(admin, { collection: "notes", field: "author", related_collection: "staff" });
    await createRelation(admin, { collection: "notes", field: "reviewer", related_collection: "staff" });
    // Reads staff and notes (without the reviewer field), not payroll.
    reader = await limitedUser(server.url, admin, [
      { collection: "staff", action: "read", fields: ["*"] },
      { collection: "notes", action: "read", fields: ["id", "text", "author"] },
    ], { app_access: true });
  });
  afterAll(() => server?.close());

  it("lists only relations whose field and related collection the caller may read", async () => {
    const listed = ok<Array<{ collection: string; field: string }>>(await reader.http.get("/relations")).filter((relation) => !relation.collection.startsWith("directus_"));
    expect(listed.map((relation) => `${relation.collection}.${relation.field}`)).toEqual(["notes.author"]);
    expect(ok<unknown[]>(await reader.http.get("/relations/payroll"))).toEqual([]);
    expectError(await reader.http.get("/relations/payroll/employee"), 403, "FORBIDDEN");
    expectError(await reader.http.get("/relations/notes/reviewer"), 403, "FORBIDDEN");
    ok(await reader.http.get("/relations/notes/author"));
  });

  it("still lists everything to an admin", async () => {
    const listed = ok<Array<{ collection: string; field: string }>>(await admin.get("/relations")).map((relation) => `${relation.collection}.${relation.field}`);
    expect(listed).toEqual(expect.arrayContaining(["payroll.employee", "notes.author", "notes.reviewer"]));
  });
});
