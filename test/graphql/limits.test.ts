// Hostile GraphQL documents: too deep, too many tokens, unknown fields, bad syntax — refused with clear codes, over HTTP and WS.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { autoPk, createCollection, createField, createRelation, ok } from "../api/fixtures.js";
import { gql, gqlError, gqlOk, gqlWs, nested, subscribe, wsExecute, type WsClientHandle } from "./helpers.js";


describe("GraphQL limits (sqlite)", () => {
  let server: TestServer;
  let socket: WsClientHandle;
  const q = (query: string) => gql(server.url, query, { token: server.adminToken });
  /** `{ nodes { id parent { id parent { … } } } }` with `depth` nested selection sets. */
  const deep = (depth: number) => `{ nodes { ${nested("parent", depth)} } }`;

  beforeAll(async () => {
    server = await startServer({ env: { GRAPHQL_QUERY_TOKEN_LIMIT: "1000" } });
    const admin = createHttp(server.url, server.adminToken);
    await createCollection(admin, "nodes", [autoPk, { field: "name", type: "string", schema: {} }]);
    await createField(admin, "nodes", { field: "parent", type: "integer", meta: { special: ["m2o"] }, schema: {} });
    await createRelation(admin, { collection: "nodes", field: "parent", related_collection: "nodes", schema: { on_delete: "SET NULL" } });
    ok(await admin.post("/items/nodes", { name: "root" }));
    ok(await admin.post("/items/nodes", { name: "child", parent: 1 }));
    socket = gqlWs(server.url, { token: server.adminToken });
    await socket.connected;
  }, 60_000);

  afterAll(async () => {
    await socket?.dispose();
    await server?.close();
  });

  it("nesting up to GRAPHQL_MAX_DEPTH (12) is served", async () => {
    const data = gqlOk(await q(deep(11)));
    expect(data.nodes.find((node: any) => node.id === "2").parent.id).toBe("1");
  });

  it("nesting beyond the depth limit is GRAPHQL_VALIDATION, with the limit in the message", async () => {
    const reply = await q(deep(14));
    const error = gqlError(reply, "GRAPHQL_VALIDATION");
    expect(error.message).toMatch(/12/);
    expect(reply.body.data).toBeUndefined();
  });

  it("fragments do not hide depth", async () => {
    const query = `fragment F on nodes { parent { parent { parent { parent { parent { parent { parent { id } } } } } } } }
      { nodes { parent { parent { parent { parent { parent { parent { ...F } } } } } } } }`;
    gqlError(await q(query), "GRAPHQL_VALIDATION");
  });

  it("a document beyond GRAPHQL_QUERY_TOKEN_LIMIT is GRAPHQL_PARSE and never executed", async () => {
    const huge = `{ ${Array.from({ length: 1200 }, (_, i) => `a${i}: server_ping`).join(" ")} }`;
    const reply = await q(huge);
    const error = gqlError(reply, "GRAPHQL_PARSE");
    expect(error.message).toMatch(/token/i);
    expect(reply.body.data).toBeUndefined();
    // Just under the limit is fine.
    const small = `{ ${Array.from({ length: 300 }, (_, i) => `a${i}: server_ping`).join(" ")} }`;
    expect(Object.keys(gqlOk(await q(small)))).toHaveLength(300);
  });

  it("unknown fields, collections and arguments are GRAPHQL_VALIDATION naming the culprit", async () => {
    expect(gqlError(await q(`{ nodes { id bogus_field } }`), "GRAPHQL_VALIDATION").message).toContain("bogus_field");
    expect(gqlError(await q(`{ no_such_collection { id } }`), "GRAPHQL_VALIDATION").message).toContain("no_such_collection");
    expect(gqlError(await q(`{ nodes(bogus_arg: 1) { id } }`), "GRAPHQL_VALIDATION").message).toContain("bogus_arg");
    gqlError(await q(`{ nodes }`), "GRAPHQL_VALIDATION");
  });

  it("syntax errors are GRAPHQL_PARSE; a request without a query is a 400", async () => {
    gqlError(await q(`{ nodes { id `), "GRAPHQL_PARSE");
    const empty = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${server.adminToken}` },
      body: JSON.stringify({}),
    });
    expect(empty.status).toBe(400);
  });

  it("a subscription operation over HTTP is refused, not left hanging", async () => {
    const reply = await q(`subscription { nodes_mutated { key } }`);
    expect(reply.body.errors?.length ?? 0, JSON.stringify(reply.body)).toBeGreaterThan(0);
    expect(reply.body.data?.nodes_mutated ?? null).toBeNull();
  });

  it("over the socket: too deep, too big and unknown fields come back as error messages with codes; the socket stays usable", async () => {
    const tooDeep = subscribe(socket.client, `subscription { nodes_mutated { data { ${nested("parent", 14)} } } }`);
    const [depthError] = (await tooDeep.error()) as any[];
    expect(depthError.extensions.code).toBe("GRAPHQL_VALIDATION");
    const huge = subscribe(socket.client, `subscription { ${Array.from({ length: 1200 }, (_, i) => `a${i}: nodes_mutated { key }`).join(" ")} }`);
    expect(((await huge.error()) as any[])[0].extensions.code).toBe("GRAPHQL_PARSE");
    const unknown = await wsExecute(socket.client, `{ nodes { nope } }`);
    expect(unknown.errors[0].extensions.code).toBe("GRAPHQL_VALIDATION");
    const twoRoots = subscribe(socket.client, `subscription { a: nodes_mutated { key } b: nodes_mutated { key } }`);
    expect(((await twoRoots.error()) as any[])[0].extensions.code).toBe("GRAPHQL_VALIDATION");
    expect(await wsExecute(socket.client, `{ server_ping }`)).toEqual({ data: { server_ping: "pong" } });
  });

  it("introspection is refused to anonymous callers; an invalid handshake token is not downgraded to anonymous", async () => {
    gqlError(await gql(server.url, `{ __schema { types { name } } }`), "GRAPHQL_VALIDATION");
    const anonymous = gqlWs(server.url, { upgradeToken: undefined, params: { access_token: "x" } });
    // An invalid handshake token is not downgraded to anonymous: the socket is closed instead.
    expect((await anonymous.closed).code).toBe(4403);
    await anonymous.dispose();
  });
});
