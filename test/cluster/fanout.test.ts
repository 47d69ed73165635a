// Scale-out fan-out: subscribe on instance A with raw ws, @directus/sdk and graphql-ws, write on B: exactly once, permission-shaped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limitedUser, type LimitedUser } from "../api/access-fixtures.js";
import { autoPk, createCollection, ok } from "../api/fixtures.js";
import type { Http } from "../helpers/http.js";
import {
  activate, clusterAvailable, gqlSubscriber, mutated, rawSubscriber, sdkSubscriber, uniqueNamespace, until,
  type Cluster, type GqlSubscriber, type Instance, type SdkSubscriber, startCluster, ADMIN,
  tearDown,
} from "./cluster-helpers.js";

const available = await clusterAvailable("cluster/fanout");
const namespace = uniqueNamespace("fanout");

describe.skipIf(!available)("scale-out fan-out (2 instances, PostgreSQL + Redis)", () => {
  let cluster: Cluster;
  let a: Instance;
  let b: Instance;
  let limited: LimitedUser;
  const closers: Array<{ close(): Promise<void> } | undefined> = [];
  const gqls: GqlSubscriber[] = [];
  const sdks: SdkSubscriber[] = [];

  const insert = async (http: Http, body: Record<string, unknown>) => ok<any>(await http.post("/items/notes", body));
  /** Every create event of a raw/SDK subscriber for row `id`. */
  const creates = (events: any[], id: number) => events.filter((frame) => frame.event === "create" && frame.data.some((row: any) => row.id === id));

  beforeAll(async () => {
    cluster = await startCluster(2, { namespace });
    [a, b] = cluster.instances;
    await createCollection(a.admin, "notes", [
      autoPk,
      { field: "title", type: "string", schema: {} },
      { field: "secret", type: "string", schema: {} },
      { field: "public", type: "boolean", schema: { default_value: false } },
    ]);
    // Created through A, used on B: B's caches must pick the new role, policy and permission up.
    limited = await limitedUser(a.url, a.admin, [
      { collection: "notes", action: "read", fields: ["id", "title"], permissions: { public: { _eq: true } } },
    ]);
  }, 60_000);

  afterAll(() => tearDown({ closers, gqls, sdks, cluster, namespace }));

  it("both instances report healthy, with Redis among the admin checks", async () => {
    for (const instance of [a, b]) {
      const reply = await instance.admin.get("/server/health");
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      expect(reply.body.status).toBe("ok");
      expect(reply.body.checks["redis:responseTime"][0].status).toBe("ok");
    }
  });

  it("raw ws on A, write on B: the admin gets the full row once, the limited user only its fields and rows", async () => {
    const adminWs = await rawSubscriber(a.url, ADMIN.token, "notes", { fields: ["*"] }, "admin");
    const limitedWs = await rawSubscriber(a.url, limited.token, "notes", { fields: ["*"] }, "limited");
    closers.push(adminWs, limitedWs);
    const hidden = await insert(b.admin, { title: "private", secret: "s1", public: false });
    const shown = await insert(b.admin, { title: "public", secret: "s2", public: true });
    const sentinel = await insert(b.admin, { title: "sentinel", public: true });
    await until(() => creates(adminWs.events(), sentinel.id).length && creates(limitedWs.events(), sentinel.id).length, "the sentinel on A");

    expect(creates(adminWs.events(), hidden.id)).toEqual([{ type: "subscription", event: "create", data: [{ id: hidden.id, title: "private", secret: "s1", public: false }], uid: "admin" }]);
    expect(creates(adminWs.events(), shown.id)).toHaveLength(1);
    expect(creates(limitedWs.events(), hidden.id)).toEqual([]);
    expect(creates(limitedWs.events(), shown.id)).toEqual([{ type: "subscription", event: "create", data: [{ id: shown.id, title: "public" }], uid: "limited" }]);
    expect(JSON.stringify(limitedWs.frames)).not.toContain("s2");

    // Update and delete on B arrive on A too, once each.
    ok(await b.admin.patch(`/items/notes/${shown.id}`, { title: "edited", secret: "s3" }));
    expect((await b.admin.delete(`/items/notes/${shown.id}`)).status).toBe(204);
    const deleted = (frame: any) => frame.event === "delete" && frame.data.includes(String(shown.id));
    await until(() => adminWs.events().some(deleted) && limitedWs.events().some(deleted), "the delete on A");
    const updates = (events: any[]) => events.filter((frame) => frame.event === "update");
    expect(updates(adminWs.events())).toEqual([{ type: "subscription", event: "update", data: [{ id: shown.id, title: "edited", secret: "s3", public: true }], uid: "admin" }]);
    expect(updates(limitedWs.events())).toEqual([{ type: "subscription", event: "update", data: [{ id: shown.id, title: "edited" }], uid: "limited" }]);
    expect(adminWs.events().filter(deleted)).toHaveLength(1);
    expect(limitedWs.events().filter(deleted)).toHaveLength(1);
  });

  it("@directus/sdk realtime on A, write on B: each event once", async () => {
    const adminSdk = await sdkSubscriber(a.url, ADMIN.token, "notes", ["id", "title"]);
    const limitedSdk = await sdkSubscriber(a.url, limited.token, "notes", ["*"]);
    sdks.push(adminSdk, limitedSdk);
    const rows = [];
    for (let i = 0; i < 5; i++) rows.push(await insert(b.admin, { title: `sdk ${i}`, secret: "hush", public: i % 2 === 0 }));
    const sentinel = await insert(b.admin, { title: "sdk sentinel", public: true });
    await until(() => creates(adminSdk.events(), sentinel.id).length && creates(limitedSdk.events(), sentinel.id).length, "the sentinel via the SDK");
    for (const [i, row] of rows.entries()) {
      expect(creates(adminSdk.events(), row.id).map((frame) => frame.data)).toEqual([[{ id: row.id, title: `sdk ${i}` }]]);
      // `*` for the limited user means its readable fields only, and only its rows.
      expect(creates(limitedSdk.events(), row.id).map((frame) => frame.data)).toEqual(i % 2 === 0 ? [[{ id: row.id, title: `sdk ${i}` }]] : []);
    }
    expect(JSON.stringify(limitedSdk.frames)).not.toContain("hush");
  });

  it("graphql-ws on A, write on B: one next per change, shaped by the subscriber's permissions", async () => {
    const adminGql = await gqlSubscriber(a.url, ADMIN.token, "subscription { notes_mutated { key event data { id title secret } } }");
    const limitedGql = await gqlSubscriber(a.url, limited.token, "subscription { notes_mutated { key event data { id title } } }");
    gqls.push(adminGql, limitedGql);
    await activate([adminGql, limitedGql], () => insert(b.admin, { title: "warm-up", public: true }));
    const row = await insert(b.admin, { title: "graphql", secret: "g", public: true });
    const hidden = await insert(b.admin, { title: "hidden", secret: "h", public: false });
    const sentinel = await insert(b.admin, { title: "gql sentinel", public: true });
    const m = mutated("notes");
    const about = (sub: GqlSubscriber, id: number) => sub.received.filter((payload) => m(payload)?.key === String(id));
    await until(() => about(adminGql, sentinel.id).length && about(limitedGql, sentinel.id).length, "the sentinel over graphql-ws");
    expect(about(adminGql, row.id)).toEqual([{ data: { notes_mutated: { key: String(row.id), event: "create", data: { id: String(row.id), title: "graphql", secret: "g" } } } }]);
    expect(about(adminGql, hidden.id)).toHaveLength(1);
    expect(about(limitedGql, row.id)).toEqual([{ data: { notes_mutated: { key: String(row.id), event: "create", data: { id: String(row.id), title: "graphql" } } } }]);
    expect(about(limitedGql, hidden.id)).toEqual([]);
    expect([...adminGql.errors, ...limitedGql.errors]).toEqual([]);
  });

  it("a burst written on both instances reaches every subscriber on both instances exactly once", async () => {
    const subscribers = await Promise.all([a, b, a, b].map((instance, i) => rawSubscriber(instance.url, ADMIN.token, "notes", { fields: ["id"] }, `burst${i}`)));
    closers.push(...subscribers);
    const written = await Promise.all(Array.from({ length: 40 }, (_, i) => insert(i % 2 ? a.admin : b.admin, { title: `burst ${i}` })));
    const ids = written.map((row) => row.id as number).sort((x, y) => x - y);
    const seen = (sub: (typeof subscribers)[number]) => sub.events().flatMap((frame) => frame.data.map((row: any) => row.id)).filter((id: number) => ids.includes(id));
    await until(() => subscribers.every((sub) => seen(sub).length >= ids.length), () => `all 40 creates; got ${subscribers.map((sub) => seen(sub).length)}`);
    const sentinel = await insert(a.admin, { title: "burst sentinel" });
    await until(() => subscribers.every((sub) => creates(sub.events(), sentinel.id).length), "the burst sentinel");
    for (const sub of subscribers) expect([...seen(sub)].sort((x, y) => x - y)).toEqual(ids);
  });
});
