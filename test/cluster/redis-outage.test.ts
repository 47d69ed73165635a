// Redis outages under a stream of writes, on a private redis-server: crash + restart, cut connections, freeze; buffer overflow → 4010.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autoPk, createCollection, ok } from "../api/fixtures.js";
import {
  ADMIN, activate, clusterAvailable, closeClients, gqlSubscriber, hold, logged, mutated, rawSubscriber, redisCall, redisClientPorts, repeats,
  sdkSubscriber, startCluster, startPrivateRedis, uniqueNamespace, until,
  type Cluster, type GqlSubscriber, type Instance, type PrivateRedis, type SdkSubscriber,
} from "./cluster-helpers.js";

const available = await clusterAvailable("cluster/redis-outage", { privateRedis: true });

describe.skipIf(!available)("Redis outages (2 instances, private redis-server)", () => {
  let redis: PrivateRedis;
  let cluster: Cluster;
  let a: Instance;
  let b: Instance;
  let raws: Array<Awaited<ReturnType<typeof rawSubscriber>>>;
  let sdk: SdkSubscriber;
  let gql: GqlSubscriber;
  const extra: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    redis = await startPrivateRedis();
    cluster = await startCluster(2, { redisUrl: redis.url, namespace: uniqueNamespace("outage") });
    [a, b] = cluster.instances;
    await createCollection(a.admin, "ticks", [autoPk, { field: "phase", type: "string", schema: {} }]);
    raws = await Promise.all([a, b].map((instance, i) => rawSubscriber(instance.url, ADMIN.token, "ticks", { fields: ["id"] }, `raw${i}`)));
    sdk = await sdkSubscriber(a.url, ADMIN.token, "ticks", ["id"]);
    gql = await gqlSubscriber(b.url, ADMIN.token, "subscription { ticks_mutated { key event } }");
    await activate([gql], () => a.admin.post("/items/ticks", { phase: "warm-up" }));
  }, 60_000);

  afterAll(async () => {
    await closeClients([...(raws ?? []), ...extra]);
    sdk?.disconnect();
    await gql?.dispose().catch(() => {});
    await cluster?.close();
    await redis?.stop();
  });

  /** The created ids each subscriber saw, in arrival order. */
  const views = () => [
    ...raws.map((raw, i) => ({ name: `raw ws on ${"AB"[i]}`, ids: raw.events().filter((f) => f.event === "create").flatMap((f) => f.data.map((row: any) => row.id)) })),
    { name: "sdk on A", ids: sdk.events().filter((f) => f.event === "create").flatMap((f) => f.data.map((row: any) => row.id)) },
    { name: "graphql-ws on B", ids: gql.received.map(mutated("ticks")).filter((m: any) => m?.event === "create").map((m: any) => Number(m.key)) },
  ];

  /**
   * Writes creates alternately on A and B, one after another, while `disrupt` runs; stops `after` writes past the
   * disruption. Then checks that every subscriber got every acknowledged create exactly once, all in the same order.
   */
  async function underWrites(phase: string, disrupt: (written: () => number) => Promise<void>, after = 20) {
    const ids: number[] = [];
    let stop = false;
    const failures: string[] = [];
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const reply = await (i % 2 ? b : a).admin.post("/items/ticks", { phase });
        if (reply.status === 200) ids.push(reply.body.data.id);
        else failures.push(`${reply.status} ${JSON.stringify(reply.body)}`);
      }
    })();
    await until(() => ids.length >= 15, "writes before the disruption");
    await disrupt(() => ids.length);
    const target = ids.length + after;
    await until(() => ids.length >= target, "writes after the disruption");
    stop = true;
    await writer;
    // Writes go to PostgreSQL, not Redis: none may fail because of the outage.
    expect(failures).toEqual([]);
    const wanted = new Set(ids);
    const mine = (list: number[]) => list.filter((id) => wanted.has(id));
    await until(
      () => views().every((view) => new Set(mine(view.ids)).size === ids.length),
      () => `all ${ids.length} events on every subscriber; got ${JSON.stringify(views().map((v) => [v.name, new Set(mine(v.ids)).size]))}; missing on raw A: ${JSON.stringify(ids.filter((id) => !raws[0].events().some((f) => f.data.some((r: any) => r.id === id))))}; logs: ${[...a.logs, ...b.logs].join("\n").slice(0, 3000)}`,
      20_000,
    );
    const sentinel = ok<any>(await a.admin.post("/items/ticks", { phase: `${phase} sentinel` })).id;
    await until(() => views().every((view) => view.ids.includes(sentinel)), "the sentinel");
    const reference = mine(views()[0].ids);
    for (const view of views()) {
      expect(repeats(mine(view.ids)), `${view.name}: repeated events`).toEqual([]);
      expect(mine(view.ids), `${view.name}: order`).toEqual(reference);
    }
    // Events are numbered in commit order and these writes were sequential.
    expect(reference).toEqual(ids);
    for (const instance of [a, b]) expect(logged(instance, "never arrived"), `${instance.name} skipped events`).toEqual([]);
    return ids;
  }

  const health = async (instance: Instance) => (await instance.admin.get("/server/health")).body;

  it("Redis crashes (SIGKILL) and restarts mid-stream: health warns meanwhile, then every subscriber has every event once", async () => {
    await underWrites("crash", async () => {
      await redis.crash();
      for (const instance of [a, b]) {
        const body = await until(async () => {
          const reply = await instance.admin.get("/server/health");
          return reply.status === 503 && reply.body.status === "warn" ? reply.body : undefined;
        }, `${instance.name} to report warn`);
        expect(body.checks["redis:responseTime"][0]).toMatchObject({ status: "warn", output: "Redis is unreachable" });
      }
      await hold(1500);
      await redis.start();
    });
    for (const instance of [a, b]) {
      await until(async () => (await health(instance)).status === "ok", `${instance.name} healthy again`);
      expect(logged(instance, "Redis connection lost")).not.toEqual([]);
      expect(logged(instance, "Redis restarted: replaying recent changes")).not.toEqual([]);
    }
  });

  it("one instance's Redis connections are cut (CLIENT KILL) three times mid-stream: every event arrives once", async () => {
    await underWrites("cut", async (written) => {
      for (let round = 0; round < 3; round++) {
        const ports = await until(() => {
          const found = redisClientPorts(b, redis.port);
          return found.length >= 3 ? found : undefined; // publisher + two stream readers
        }, "B's Redis connections (ss -tnp)");
        for (const port of ports!) await redisCall(redis.port, "CLIENT", "KILL", "ADDR", `127.0.0.1:${port}`).catch(() => {});
        const now = written();
        await until(() => written() >= now + 5, "writes between cuts");
      }
    });
  });

  it("Redis freezes (SIGSTOP) for 2 s mid-stream, then resumes: every event arrives once", async () => {
    await underWrites("freeze", async () => {
      redis.signal("SIGSTOP");
      await hold(2000);
      redis.signal("SIGCONT");
    });
  });

  it("past BUS_BUFFER_LIMIT while Redis is down, that instance's clients are closed with 4010 and the error is logged", async () => {
    const c = await cluster.start("C", { BUS_BUFFER_LIMIT: "2" });
    const onC = await rawSubscriber(c.url, ADMIN.token, "ticks", { fields: ["id"] }, "onC");
    const onA = await rawSubscriber(a.url, ADMIN.token, "ticks", { fields: ["id"] }, "onA");
    extra.push(onC, onA);
    await redis.crash();
    await until(async () => (await health(c)).status === "warn", "C to notice Redis is gone");
    for (let i = 0; i < 4; i++) ok(await c.admin.post("/items/ticks", { phase: "overflow" }));
    await until(() => !onC.isOpen(), "C's client to be closed", 5000);
    const closed = await onC.closed;
    expect(closed.code).toBe(4010);
    expect(logged(c, "change buffer is full")).not.toEqual([]);
    // Instances that did not overflow keep their clients.
    expect(onA.isOpen()).toBe(true);
    await redis.start();
    await until(async () => (await health(c)).status === "ok", "C healthy again");
    // The two buffered changes are flushed once Redis is back: A's subscriber gets them.
    await until(() => onA.events().filter((f) => f.event === "create").length >= 2, "C's buffered changes on A");
  });
});
