// Schema and permission changes made on one instance are enforced by the others on their very next event or request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addPermission, limitedUser, type LimitedUser } from "../api/access-fixtures.js";
import { autoPk, createCollection, createField, ok } from "../api/fixtures.js";
import { createHttp } from "../helpers/http.js";
import {
  ADMIN, clusterAvailable, closeClients, dropNamespace, logged, rawSubscriber, startCluster, uniqueNamespace, until, type Cluster, type Instance,
} from "./cluster-helpers.js";

const available = await clusterAvailable("cluster/invalidation");
const namespace = uniqueNamespace("invalidation");

describe.skipIf(!available)("cache invalidation across instances (3 instances)", () => {
  let cluster: Cluster;
  let a: Instance;
  let b: Instance;
  let c: Instance;
  let limited: LimitedUser;
  let readPermission: any;
  const closers: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    cluster = await startCluster(3, { namespace });
    [a, b, c] = cluster.instances;
    await createCollection(a.admin, "docs", [autoPk, { field: "title", type: "string", schema: {} }, { field: "secret", type: "string", schema: {} }]);
    limited = await limitedUser(a.url, a.admin, [{ collection: "docs", action: "read", fields: ["id", "title", "secret"] }]);
    readPermission = ok<any[]>(await a.admin.get(`/permissions?filter=${encodeURIComponent(JSON.stringify({ policy: { _eq: limited.policy.id } }))}`))[0];
  }, 60_000);

  afterAll(async () => {
    await closeClients(closers);
    await cluster?.close();
    await dropNamespace(namespace).catch(() => {});
  });

  const createsOf = (events: any[], id: number) => events.filter((frame) => frame.event === "create" && frame.data.some((row: any) => row.id === id));

  it("a field permission removed on A: the next event B delivers lacks the field, and B's REST hides it at once", async () => {
    const onB = await rawSubscriber(b.url, limited.token, "docs", { fields: ["*"] }, "docs");
    closers.push(onB);
    const before = ok<any>(await c.admin.post("/items/docs", { title: "before", secret: "visible-secret" }));
    await until(() => createsOf(onB.events(), before.id).length, "the first event on B");
    expect(createsOf(onB.events(), before.id)[0].data).toEqual([{ id: before.id, title: "before", secret: "visible-secret" }]);

    ok(await a.admin.patch(`/permissions/${readPermission.id}`, { fields: ["id", "title"] }));
    // No waiting: the very next write (on A, then on C) must already be shaped by the new rule on B.
    const afterA = ok<any>(await a.admin.post("/items/docs", { title: "after A", secret: "hidden-1" }));
    const afterC = ok<any>(await c.admin.post("/items/docs", { title: "after C", secret: "hidden-2" }));
    const rest = await createHttp(b.url, limited.token).get(`/items/docs/${afterA.id}`);
    await until(() => createsOf(onB.events(), afterC.id).length, "the events after the change on B");
    expect(createsOf(onB.events(), afterA.id)[0].data).toEqual([{ id: afterA.id, title: "after A" }]);
    expect(createsOf(onB.events(), afterC.id)[0].data).toEqual([{ id: afterC.id, title: "after C" }]);
    expect(JSON.stringify(onB.frames)).not.toMatch(/hidden-/);
    expect(rest.status).toBe(200);
    expect(rest.body.data).not.toHaveProperty("secret");
  });

  it("a permission granted on A is usable on B at once (REST and subscribe)", async () => {
    await createCollection(a.admin, "granted", [autoPk, { field: "name", type: "string", schema: {} }]);
    const row = ok<any>(await a.admin.post("/items/granted", { name: "one" }));
    const onB = (path: string) => fetch(`${b.url}${path}`, { headers: { authorization: `Bearer ${limited.token}` } });
    expect((await onB("/items/granted")).status).toBe(403);
    await addPermission(a.admin, limited.policy.id, { collection: "granted", action: "read", fields: ["id", "name"] });
    const reply = await onB(`/items/granted/${row.id}`);
    expect(reply.status, await reply.clone().text()).toBe(200);
    expect((await reply.json()).data).toEqual({ id: row.id, name: "one" });
    const sub = await rawSubscriber(b.url, limited.token, "granted", { fields: ["*"] }, "granted");
    closers.push(sub);
    const next = ok<any>(await c.admin.post("/items/granted", { name: "two" }));
    await until(() => createsOf(sub.events(), next.id).length, "the granted collection's event on B");
  });

  it("collections created on A are served by B immediately (REST, subscribe, events), every time", async () => {
    for (let i = 0; i < 5; i++) {
      const name = `made_on_a_${i}`;
      await createCollection(a.admin, name, [autoPk, { field: "label", type: "string", schema: {} }]);
      const write = await b.admin.post(`/items/${name}`, { label: `from B ${i}` });
      expect(write.status, `write on B right after creating ${name} on A: ${JSON.stringify(write.body)}`).toBe(200);
      const read = await c.admin.get(`/items/${name}`);
      expect(read.status, `read on C right after creating ${name} on A: ${JSON.stringify(read.body)}`).toBe(200);
    }
    const sub = await rawSubscriber(b.url, ADMIN.token, "made_on_a_4", { fields: ["*"] }, "made");
    closers.push(sub);
    const row = ok<any>(await a.admin.post("/items/made_on_a_4", { label: "event" }));
    await until(() => createsOf(sub.events(), row.id).length, "the new collection's event on B");
    expect(createsOf(sub.events(), row.id)[0].data).toEqual([{ id: row.id, label: "event" }]);
  });

  it("a field added on A appears in the next event B delivers for `*`, and B accepts writes to it at once", async () => {
    const sub = await rawSubscriber(b.url, ADMIN.token, "docs", { fields: ["*"] }, "all");
    closers.push(sub);
    await createField(a.admin, "docs", { field: "extra", type: "string", schema: {} });
    const row = ok<any>(await b.admin.post("/items/docs", { title: "with extra", extra: "x" }));
    expect(row.extra).toBe("x");
    await until(() => createsOf(sub.events(), row.id).length, "the event with the new field");
    expect(createsOf(sub.events(), row.id)[0].data).toEqual([{ id: row.id, title: "with extra", secret: null, extra: "x" }]);
    // A field removed on A is gone from B's next event.
    expect((await a.admin.delete("/fields/docs/extra")).status).toBe(204);
    const later = ok<any>(await c.admin.post("/items/docs", { title: "without extra" }));
    await until(() => createsOf(sub.events(), later.id).length, "the event after the field was removed");
    expect(createsOf(sub.events(), later.id)[0].data).toEqual([{ id: later.id, title: "without extra", secret: null }]);
    for (const instance of cluster.instances) expect(logged(instance, '"level":50'), `${instance.name} errors`).toEqual([]);
  });
});
