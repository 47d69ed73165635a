// GraphQL mutations over HTTP and over the graphql-ws socket: every generated create/update/delete field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { autoPk, createCollection, createField, createRelation, ok } from "../api/fixtures.js";
import { gql, gqlError, gqlOk, gqlWs, wsExecute, type WsClientHandle } from "./helpers.js";


describe("GraphQL mutations (sqlite)", () => {
  let server: TestServer;
  let admin: Http;
  const q = (query: string, variables?: Record<string, unknown>) => gql(server.url, query, { token: server.adminToken, variables });
  const rows = async () => ok<any[]>(await admin.get("/items/things?sort=id&fields=id,name,qty,owner"));

  beforeAll(async () => {
    server = await startServer();
    admin = createHttp(server.url, server.adminToken);
    await createCollection(admin, "owners", [autoPk, { field: "name", type: "string", schema: {} }]);
    await createCollection(admin, "things", [
      autoPk,
      { field: "name", type: "string", schema: { is_unique: true } },
      { field: "qty", type: "integer", schema: {} },
      { field: "done", type: "boolean", schema: { default_value: false } },
      { field: "tags", type: "json", schema: {} },
    ]);
    await createField(admin, "things", { field: "owner", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createField(admin, "owners", { field: "things", type: "alias", meta: { special: ["o2m"] } });
    await createRelation(admin, { collection: "things", field: "owner", related_collection: "owners", meta: { one_field: "things" }, schema: { on_delete: "SET NULL" } });
    ok(await admin.post("/items/owners", { name: "Olga" }));
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it("create_C_item returns the created row with the selected fields (incl. m2o object)", async () => {
    const data = gqlOk(await q(`mutation { create_things_item(data: { name: "a", qty: 1, owner: 1, tags: ["x", 1] }) { id name qty done tags owner { name } } }`));
    expect(data.create_things_item).toMatchObject({ name: "a", qty: 1, done: false, tags: ["x", 1], owner: { name: "Olga" } });
    expect(data.create_things_item.id).toMatch(/^\d+$/);
    expect((await rows()).find((row) => row.name === "a")).toMatchObject({ qty: 1, owner: 1 });
  });

  it("create_C_items creates several rows in order, with data from variables", async () => {
    const reply = await q(`mutation M($d: [create_things_input!]) { create_things_items(data: $d) { name qty } }`, {
      d: [{ name: "b", qty: 2 }, { name: "c", qty: 3 }],
    });
    expect(gqlOk(reply).create_things_items).toEqual([{ name: "b", qty: 2 }, { name: "c", qty: 3 }]);
    expect((await rows()).map((row) => row.name)).toEqual(["a", "b", "c"]);
  });

  it("a nested m2o object in create data creates the related row", async () => {
    const data = gqlOk(await q(`mutation { create_things_item(data: { name: "nested", owner: { name: "Nina" } }) { owner { id name } } }`));
    expect(data.create_things_item.owner.name).toBe("Nina");
    const owners = ok<any[]>(await admin.get("/items/owners?sort=id"));
    expect(owners.map((owner) => owner.name)).toEqual(["Olga", "Nina"]);
  });

  it("update_C_item changes one row and returns it", async () => {
    const [a] = await rows();
    const data = gqlOk(await q(`mutation { update_things_item(id: ${a.id}, data: { qty: 10, done: true }) { id qty done } }`));
    expect(data.update_things_item).toEqual({ id: String(a.id), qty: 10, done: true });
    expect((await rows())[0].qty).toBe(10);
  });

  it("update_C_items applies one payload to several ids", async () => {
    const all = await rows();
    const keys = all.filter((row) => ["b", "c"].includes(row.name)).map((row) => row.id);
    const data = gqlOk(await q(`mutation($ids: [ID]!) { update_things_items(ids: $ids, data: { qty: 7 }) { name qty } }`, { ids: keys }));
    expect([...data.update_things_items].sort((x: any, y: any) => x.name.localeCompare(y.name))).toEqual([{ name: "b", qty: 7 }, { name: "c", qty: 7 }]);
  });

  it("update_C_batch applies a different payload per row", async () => {
    const all = await rows();
    const b = all.find((row) => row.name === "b");
    const c = all.find((row) => row.name === "c");
    const data = gqlOk(
      await q(`mutation { update_things_batch(data: [{ id: ${b.id}, qty: 20 }, { id: ${c.id}, name: "c2" }]) { id name qty } }`),
    );
    expect([...data.update_things_batch].sort((x: any, y: any) => Number(x.id) - Number(y.id))).toEqual([
      { id: String(b.id), name: "b", qty: 20 },
      { id: String(c.id), name: "c2", qty: 7 },
    ]);
  });

  it("update_C_batch without a primary key is INVALID_PAYLOAD and changes nothing", async () => {
    const before = await rows();
    gqlError(await q(`mutation { update_things_batch(data: [{ qty: 99 }]) { id } }`), "INVALID_PAYLOAD");
    expect(await rows()).toEqual(before);
  });

  it("delete_C_item returns { id }; delete_C_items returns { ids }", async () => {
    const created = gqlOk(await q(`mutation { create_things_items(data: [{ name: "d1" }, { name: "d2" }, { name: "d3" }]) { id } }`)).create_things_items;
    const [d1, d2, d3] = created.map((row: any) => row.id);
    const one = gqlOk(await q(`mutation { delete_things_item(id: ${d1}) { id } }`));
    expect(String(one.delete_things_item.id)).toBe(String(d1));
    const many = gqlOk(await q(`mutation { delete_things_items(ids: [${d2}, ${d3}]) { ids } }`));
    expect(many.delete_things_items.ids.map(String).sort()).toEqual([String(d2), String(d3)].sort());
    expect((await rows()).map((row) => row.name)).not.toEqual(expect.arrayContaining(["d1"]));
    expect((await rows()).filter((row) => String(row.name).startsWith("d"))).toEqual([]);
  });

  it("database errors keep REST codes: unique violation is RECORD_NOT_UNIQUE", async () => {
    const reply = await q(`mutation { create_things_item(data: { name: "a" }) { id } }`);
    gqlError(reply, "RECORD_NOT_UNIQUE");
    expect(reply.body.errors[0].path).toEqual(["create_things_item"]);
  });

  it("an unknown input field or a wrong input type is a validation error", async () => {
    gqlError(await q(`mutation { create_things_item(data: { nope: 1 }) { id } }`), "GRAPHQL_VALIDATION");
    gqlError(await q(`mutation { create_things_item(data: { qty: "many" }) { id } }`), "GRAPHQL_VALIDATION");
    gqlError(await q(`mutation { drop_things { id } }`), "GRAPHQL_VALIDATION");
  });

  it("several mutations in one document run in order", async () => {
    const data = gqlOk(
      await q(`mutation {
        first: create_things_item(data: { name: "seq", qty: 1 }) { id qty }
        second: update_things_batch(data: []) { id }
      }`),
    );
    expect(data.first.qty).toBe(1);
    expect(data.second).toEqual([]);
    const data2 = gqlOk(await q(`mutation { a: update_things_item(id: ${data.first.id}, data: { qty: 2 }) { qty } b: update_things_item(id: ${data.first.id}, data: { qty: 3 }) { qty } }`));
    expect(data2).toEqual({ a: { qty: 2 }, b: { qty: 3 } });
  });

  describe("over the graphql-ws socket", () => {
    let socket: WsClientHandle;

    beforeAll(async () => {
      socket = gqlWs(server.url, { token: server.adminToken });
      await socket.connected;
    });

    afterAll(async () => {
      await socket?.dispose();
    });

    it("runs queries and every mutation kind, one result then complete", async () => {
      const created = await wsExecute(socket.client, `mutation { create_things_item(data: { name: "ws1", qty: 1 }) { id name } }`);
      expect(created.errors).toBeUndefined();
      const id = created.data.create_things_item.id;
      const many = await wsExecute(socket.client, `mutation { create_things_items(data: [{ name: "ws2" }, { name: "ws3" }]) { id } }`);
      const ids = many.data.create_things_items.map((row: any) => row.id);
      expect((await wsExecute(socket.client, `mutation { update_things_item(id: ${id}, data: { qty: 5 }) { qty } }`)).data).toEqual({ update_things_item: { qty: 5 } });
      const updated = await wsExecute(socket.client, `mutation($ids: [ID]!) { update_things_items(ids: $ids, data: { qty: 6 }) { qty } }`, { ids });
      expect(updated.data.update_things_items).toEqual([{ qty: 6 }, { qty: 6 }]);
      const batch = await wsExecute(socket.client, `mutation { update_things_batch(data: [{ id: ${id}, qty: 8 }]) { qty } }`);
      expect(batch.data).toEqual({ update_things_batch: [{ qty: 8 }] });
      const read = await wsExecute(socket.client, `{ things(filter: { name: { _starts_with: "ws" } }, sort: ["name"]) { name qty } }`);
      expect(read.data.things).toEqual([{ name: "ws1", qty: 8 }, { name: "ws2", qty: 6 }, { name: "ws3", qty: 6 }]);
      expect((await wsExecute(socket.client, `mutation { delete_things_item(id: ${id}) { id } }`)).data.delete_things_item.id).toBe(String(id));
      const removed = await wsExecute(socket.client, `mutation($ids: [ID]!) { delete_things_items(ids: $ids) { ids } }`, { ids });
      expect(removed.data.delete_things_items.ids.map(String).sort()).toEqual(ids.map(String).sort());
      expect((await rows()).filter((row) => String(row.name).startsWith("ws"))).toEqual([]);
    });

    it("resolver errors over the socket carry extensions.code", async () => {
      const result = await wsExecute(socket.client, `mutation { create_things_item(data: { name: "a" }) { id } }`);
      expect(result.errors?.[0]?.extensions?.code).toBe("RECORD_NOT_UNIQUE");
    });
  });
});
