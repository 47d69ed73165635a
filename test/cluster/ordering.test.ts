// Scale-out ordering: concurrent writers on three instances; every subscriber everywhere sees every event once, in one commit order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autoPk, createCollection, ok } from "../api/fixtures.js";
import type { Http } from "../helpers/http.js";
import {
  ADMIN, activate, clusterAvailable, gqlSubscriber, logged, mutated, rawSubscriber, repeats, sdkSubscriber,
  startCluster, uniqueNamespace, until, type Cluster, type GqlSubscriber, type SdkSubscriber,
  tearDown,
} from "./cluster-helpers.js";

const available = await clusterAvailable("cluster/ordering");
const namespace = uniqueNamespace("ordering");

/** One event as a comparable token: `create:<id>` or `update:<id>=<value>` (every update writes a unique value). */
type Token = string;

describe.skipIf(!available)("scale-out ordering (3 instances × concurrent writers)", () => {
  let cluster: Cluster;
  const closers: Array<{ close(): Promise<void> }> = [];
  const gqls: GqlSubscriber[] = [];
  const sdks: SdkSubscriber[] = [];

  beforeAll(async () => {
    cluster = await startCluster(3, { namespace });
    await createCollection(cluster.instances[0].admin, "tally", [autoPk, { field: "value", type: "integer", schema: {} }, { field: "lane", type: "string", schema: {} }]);
    await createCollection(cluster.instances[0].admin, "fresh", [autoPk, { field: "lane", type: "string", schema: {} }]);
  }, 60_000);

  afterAll(() => tearDown({ closers, gqls, sdks, cluster, namespace }));

  /** A raw ws and an SDK subscriber on every instance, plus a graphql-ws one on B. */
  async function subscribeEverywhere(collection: string) {
    const raws = await Promise.all(cluster.instances.map((instance, i) => rawSubscriber(instance.url, ADMIN.token, collection, { fields: ["id", "value"].filter((f) => collection === "tally" || f === "id") }, `raw${i}`)));
    closers.push(...raws);
    const sdkList = await Promise.all(cluster.instances.map((instance) => sdkSubscriber(instance.url, ADMIN.token, collection, collection === "tally" ? ["id", "value"] : ["id"])));
    sdks.push(...sdkList);
    const fields = collection === "tally" ? "id value" : "id";
    const gql = await gqlSubscriber(cluster.instances[1].url, ADMIN.token, `subscription { ${collection}_mutated { key event data { ${fields} } } }`);
    gqls.push(gql);
    return { raws, sdkList, gql };
  }

  const frameTokens = (frames: any[]): Token[] =>
    frames.flatMap((frame) => frame.data.map((row: any) => (frame.event === "update" ? `update:${row.id}=${row.value}` : `${frame.event}:${row.id ?? row}`)));
  const gqlTokens = (sub: GqlSubscriber, collection: string): Token[] =>
    sub.received.map(mutated(collection)).filter(Boolean).map((m: any) => (m.event === "update" ? `update:${m.key}=${m.data.value}` : `${m.event}:${m.key}`));

  it("3 instances × 30 concurrent creates and updates of the same rows: everyone sees every event once, in the same (commit) order", async () => {
    const [a] = cluster.instances;
    // Three shared rows that every instance updates concurrently.
    const shared: number[] = [];
    for (let i = 0; i < 3; i++) shared.push(ok<any>(await a.admin.post("/items/tally", { value: 0, lane: "seed" })).id);
    const { raws, sdkList, gql } = await subscribeEverywhere("tally");
    let warm = 0;
    await activate([gql], () => a.admin.patch(`/items/tally/${shared[0]}`, { value: -++warm }));
    const marker = `update:${shared[0]}=${-warm}`;

    // Each instance runs 3 lanes of 10 sequential writes; all 9 lanes run at once. Every update writes a unique value.
    const expected: Token[] = [];
    const lanes: Token[][] = [];
    let unique = 0;
    const runLane = async (http: Http, name: string, offset: number) => {
      const lane: Token[] = [];
      lanes.push(lane);
      for (let k = 0; k < 10; k++) {
        let token: Token;
        if (k % 3 === 0) {
          token = `create:${ok<any>(await http.post("/items/tally", { value: 0, lane: name })).id}`;
        } else {
          const id = shared[(k + offset) % shared.length];
          const value = ++unique * 10 + (k % 10);
          ok(await http.patch(`/items/tally/${id}`, { value, lane: name }));
          token = `update:${id}=${value}`;
        }
        lane.push(token);
        expected.push(token);
      }
    };
    await Promise.all(cluster.instances.flatMap((instance) => [0, 1, 2].map((l) => runLane(instance.admin, `${instance.name}${l}`, l))));
    expect(expected).toHaveLength(90);

    /** A subscriber's tokens after the warm-up marker, restricted to this test's writes. */
    const wanted = new Set(expected);
    const after = (tokens: Token[]) => tokens.slice(tokens.indexOf(marker) + 1).filter((token) => wanted.has(token) || token.startsWith("update:"));
    const views = () => [
      ...raws.map((raw) => ({ name: `raw ws ${raw.events()[0]?.uid}`, tokens: after(frameTokens(raw.events())) })),
      ...sdkList.map((sdk, i) => ({ name: `sdk on ${cluster.instances[i].name}`, tokens: after(frameTokens(sdk.events())) })),
      { name: "graphql-ws on B", tokens: gqlTokens(gql, "tally").filter((token) => wanted.has(token) || (token.startsWith("update:") && !token.includes("=-"))) },
    ];
    await until(() => views().every((view) => view.tokens.filter((token) => wanted.has(token)).length >= 90), () => `90 events everywhere; got ${JSON.stringify(views().map((v) => [v.name, v.tokens.length]))}`, 15_000);
    // A sentinel written after everything: anything repeated would have arrived before it.
    const sentinel = ok<any>(await cluster.instances[2].admin.post("/items/tally", { value: 0, lane: "sentinel" })).id;
    await until(() => raws.every((raw) => frameTokens(raw.events()).includes(`create:${sentinel}`)), "the sentinel");

    const reference = views()[0].tokens;
    for (const view of views()) {
      expect(repeats(view.tokens), `${view.name}: repeated events`).toEqual([]);
      expect([...view.tokens].sort(), `${view.name}: the set of events`).toEqual([...expected].sort());
      expect(view.tokens, `${view.name}: same order as ${views()[0].name}`).toEqual(reference);
    }
    // Commit order: each lane's writes were sequential, so they appear in lane order.
    for (const lane of lanes) expect(reference.filter((token) => lane.includes(token))).toEqual(lane);
    // For every shared row the last update seen carries the committed value.
    for (const id of shared) {
      const final = ok<any>(await a.admin.get(`/items/tally/${id}`)).value;
      const last = reference.filter((token) => token.startsWith(`update:${id}=`)).at(-1);
      expect(last, `row ${id}`).toBe(`update:${id}=${final}`);
    }
    for (const instance of cluster.instances) expect(logged(instance, "never arrived"), `${instance.name} skipped events`).toEqual([]);
  });

  it("the very first writes to a new collection, concurrent on all instances, all succeed and arrive once everywhere, in one order", async () => {
    const { raws, sdkList } = await subscribeEverywhere("fresh");
    const results = await Promise.all(cluster.instances.flatMap((instance) => Array.from({ length: 5 }, () => instance.admin.post("/items/fresh", { lane: instance.name }))));
    const failed = results.filter((reply) => reply.status !== 200);
    const errors = cluster.instances.flatMap((instance) => logged(instance, '"level":50').map((line) => line.slice(0, 400)));
    // Soft: the delivery checks below still run for the writes that did succeed.
    expect.soft(failed.map((reply) => `${reply.status} ${JSON.stringify(reply.body)}`), `writes refused; server errors: ${errors.join("\n")}`).toEqual([]);
    const expected = results.filter((reply) => reply.status === 200).map((reply) => `create:${reply.body.data.id}`).sort();
    const views = () => [...raws.map((raw) => frameTokens(raw.events())), ...sdkList.map((sdk) => frameTokens(sdk.events()))];
    const sentinel = ok<any>(await cluster.instances[0].admin.post("/items/fresh", { lane: "sentinel" })).id;
    await until(() => views().every((tokens) => tokens.includes(`create:${sentinel}`)), () => `the sentinel everywhere; got ${JSON.stringify(views())}`);
    for (const tokens of views()) {
      const body = tokens.filter((token) => token !== `create:${sentinel}`);
      expect([...body].sort(), `events seen: ${JSON.stringify(tokens)}`).toEqual(expected);
      expect(tokens).toEqual(views()[0]);
    }
  });
});
