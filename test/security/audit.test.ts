// Table-driven access-control audit: for every path (REST items, system endpoints, GraphQL queries,
// mutations and subscriptions, WebSocket items/subscribe, init data and events, relations, meta,
// aggregation, search, sort and filter on hidden fields), a limited user can neither read nor infer a
// hidden row or field, nor write outside its permissions. Each probe is checked by the same invariants:
// (1) no marker of anything hidden in the output, (2) counts cover visible rows only, (3) writes outside
// the permissions are refused and leave the admin's snapshot unchanged, (4) inference probes are refused
// or answer exactly as if the hidden rows and fields did not exist. Then the lifecycle cases: revocation
// mid-subscription, token expiry, suspension and static token rotation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { closeAll, connect, upgradeStatus, type Frame, type WsClient } from "../helpers/ws-client.js";
import { qs } from "../api/fixtures.js";
import { limitedUser, login, PASSWORD } from "../api/access-fixtures.js";
import { gql, gqlWs, subscribe as gqlSubscribe, untilActive, wsExecute, type Sub, type WsClientHandle } from "../graphql/helpers.js";
import {
  all, auditRules, buildAuditFixture, countIs, idsAre, isRefusal, markerLeak, refused, refusedOr, rest, short, snapshot, snapshotDiff, statusIs,
  textOf, type AuditFixture, type Check, type Outcome,
} from "./audit-fixtures.js";

const dbs = await databases();

type Kind = "read" | "count" | "infer" | "write" | "event" | "lifecycle";

interface Probe {
  path: string;
  name: string;
  kind: Kind;
  run: () => Promise<Outcome>;
  /** Invariants 2–4 for this probe (invariant 1, no markers, applies to every probe). */
  check?: Check;
  /** Reported as NOTE instead of failing (behaviour worth knowing that the requirement does not forbid). */
  advisory?: boolean;
}

interface Result {
  db: string;
  path: string;
  name: string;
  kind: Kind;
  held: boolean;
  advisory?: boolean;
  /** What came back, in short: status and error code, or how many rows/frames. */
  seen: string;
  problem?: string;
}

function seenOf(outcome: Outcome | undefined): string {
  if (!outcome) return "—";
  const body = outcome.body;
  const code = body?.errors?.[0]?.extensions?.code ?? body?.error?.code;
  if (code) return `${outcome.status} ${code}`;
  if (Array.isArray(body?.data)) return `${outcome.status} ${body.data.length} row(s)`;
  if (Array.isArray(body)) return `${outcome.status} ${body.length} frame(s)`;
  if (body?.data !== undefined) return `${outcome.status} ${body.data === null ? "null" : "data"}`;
  return String(outcome.status);
}

const results: Result[] = [];

afterAll(() => {
  const status = (r: Result) => (r.held ? "held" : r.advisory ? "NOTE" : "LEAK");
  const rows = results.map(
    (r) => `${status(r)} | ${r.db.padEnd(6)} | ${r.kind.padEnd(9)} | ${r.path.padEnd(22)} | ${r.seen.padEnd(30)} | ${r.name}${r.problem ? `\n      → ${r.problem.slice(0, 400)}` : ""}`,
  );
  const counted = results.filter((r) => !r.advisory);
  const held = counted.filter((r) => r.held).length;
  const perPath = [...new Set(counted.map((r) => r.path))].map((path) => {
    const group = counted.filter((r) => r.path === path);
    return `${path}: ${group.filter((r) => r.held).length}/${group.length}`;
  });
  console.log(
    `\naccess-control audit: ${held}/${counted.length} probes held, ${results.length - counted.length} advisory (${[...new Set(results.map((r) => r.db))].join(", ")})\n` +
      `${perPath.join(" · ")}\n` +
      `status | db     | kind      | path                   | seen                           | probe\n${rows.join("\n")}\n`,
  );
});

/** Sends `message` with a fresh uid and returns the first reply carrying it. */
let uidCounter = 0;
async function wsAsk(client: WsClient, message: Record<string, unknown>, timeoutMs = 3000): Promise<Outcome> {
  const uid = `q${++uidCounter}`;
  client.send({ ...message, uid });
  const frame = await client.next((f) => f.uid === uid && (f.type !== "subscription" || f.event === "init"), timeoutMs);
  if (message.type === "subscribe") client.send({ type: "unsubscribe", uid });
  return { status: "ws", body: frame };
}

describe.each(dbs)("access-control audit (%s)", (db) => {
  let server: TestServer;
  let expiry: TestServer;
  let fx: AuditFixture;
  let ws: WsClient;
  let gqlClient: WsClientHandle;
  const sockets: WsClient[] = [];
  const gqlSockets: WsClientHandle[] = [];

  const track = async (client: Promise<WsClient>) => {
    const created = await client;
    sockets.push(created);
    return created;
  };
  const trackGql = (handle: WsClientHandle) => {
    gqlSockets.push(handle);
    return handle;
  };

  async function runProbes(probes: Probe[]) {
    const failures: string[] = [];
    let baseline = probes.some((p) => p.kind === "write") ? await snapshot(fx.admin) : "";
    for (const probe of probes) {
      let problem: string | undefined;
      let outcome: Outcome | undefined;
      try {
        outcome = await probe.run();
        problem = markerLeak(outcome) ?? probe.check?.(outcome);
        if (probe.kind === "write") {
          if (!problem && !isRefusal(outcome)) problem = `write was not refused: ${short(outcome)}`;
          const after = await snapshot(fx.admin);
          if (after !== baseline) problem = `${problem ? `${problem}; ` : ""}admin snapshot changed: ${snapshotDiff(baseline, after)}`;
          baseline = after;
        }
      } catch (error) {
        problem = `probe failed to run: ${(error as Error).message.slice(0, 400)}`;
      }
      results.push({ db, path: probe.path, name: probe.name, kind: probe.kind, held: !problem, advisory: probe.advisory, seen: seenOf(outcome), problem });
      if (problem && !probe.advisory) failures.push(`[${probe.path}] ${probe.name}: ${problem}`);
    }
    return failures;
  }

  beforeAll(async () => {
    [server, expiry] = await Promise.all([startServer({ db }), startServer({ db, env: { ACCESS_TOKEN_TTL: "2s" } })]);
    fx = (await Promise.all([buildAuditFixture(server), buildAuditFixture(expiry)]))[0];
    ws = await track(connect(server.url, { token: fx.limited.token }));
    gqlClient = trackGql(gqlWs(server.url, { token: fx.limited.token }));
    await gqlClient.connected;
  }, 60_000);

  afterAll(async () => {
    await closeAll(sockets);
    await Promise.all(gqlSockets.map((handle) => handle.dispose().catch(() => {})));
    await Promise.all([server?.close(), expiry?.close()]);
  });

  it("every read, inference and write probe holds (REST, system endpoints, GraphQL, WebSocket)", async () => {
    const L = fx.limited;
    const V = fx.docs.visible;
    const [v1, v2, v3] = V;
    const [h1] = fx.docs.hidden;
    const NV = fx.notes.visible;
    const [n1, , n4] = NV;
    const [hn2] = fx.notes.hidden;
    const get = (path: string) => () => rest(L.http, "GET", path);
    const send = (method: string, path: string, body?: unknown, http = L.http) => () => rest(http, method, path, body);
    const q = (query: string, variables?: Record<string, unknown>) => async (): Promise<Outcome> => {
      const reply = await gql(fx.url, query, { token: L.token, variables });
      return { status: reply.status, body: reply.body };
    };
    const wsq = (message: Record<string, unknown>) => () => wsAsk(ws, message);
    const gqlField = (field: string) => (body: any) => body?.data?.[field];
    /** Two replies that must be identical (a hidden row answers exactly like a missing one). */
    const same = (a: () => Promise<Outcome>, b: () => Promise<Outcome>, idA: unknown, idB: unknown) => async (): Promise<Outcome> => {
      const [x, y] = [await a(), await b()];
      const norm = (o: Outcome) =>
        [String(idA), String(idB)].sort((a, b) => b.length - a.length).reduce((text, id) => text.replaceAll(id, "<id>"), JSON.stringify({ s: o.status, b: o.body }).replace(/"uid":"q\d+"/g, ""));
      return { status: norm(x) === norm(y) ? "same" : "different", body: x.body, extra: { missing: y.body } };
    };
    const identical: Check = (o) => (o.status === "same" ? undefined : `hidden and missing differ: ${textOf(o).slice(0, 300)}`);
    const groupsAre = (expected: Record<string, number>, pick: (b: any) => any[], key = "team", count = (g: any) => Number(g.count)): Check => (o) => {
      if (isRefusal(o)) return `expected groups, got refusal ${short(o)}`;
      const got: Record<string, number> = {};
      for (const group of pick(o.body) ?? []) got[String(group.group?.[key] ?? group[key])] = count(group);
      return JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(expected).sort()) ? undefined : `expected groups ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`;
    };
    const rowsHave = (pred: (row: any) => boolean, label: string, pick = (b: any) => b?.data): Check => (o) => {
      if (isRefusal(o)) return undefined;
      const rows = [pick(o.body)].flat();
      const bad = rows.find((row) => !pred(row));
      return bad === undefined ? undefined : `${label}: ${JSON.stringify(bad).slice(0, 200)}`;
    };
    const notesOf = (row: any) => (row?.notes ?? []).map((n: any) => String(n?.id ?? n));
    const onlyVisibleNotes = (pick = (b: any) => b?.data): Check => rowsHave((row) => notesOf(row).every((id: string) => NV.map(String).includes(id)), "a hidden note is listed", pick);
    const concealedOrAbsent = (field: string, pick = (b: any) => b?.data): Check =>
      rowsHave((row) => [undefined, null, "**********"].includes(row?.[field]) && [undefined, null, "**********"].includes(row?.owner?.[field]), `${field} readable`, pick);

    const probes: Probe[] = [
      // ---------------------------------------------------------------- REST items: reads
      { path: "REST items", name: "GET /items/docs lists own rows only", kind: "read", run: get("/items/docs"), check: idsAre(V) },
      { path: "REST items", name: "GET /items/docs?fields=* has no secret", kind: "read", run: get("/items/docs?fields=*"), check: all(idsAre(V), rowsHave((r) => !("secret" in r) && !("user_created" in r), "hidden field present")) },
      { path: "REST items", name: "GET /items/docs?fields=*.*", kind: "read", run: get("/items/docs?fields=*.*"), check: refusedOr(all(idsAre(V), onlyVisibleNotes(), concealedOrAbsent("token"), concealedOrAbsent("password"))) },
      { path: "REST items", name: "GET /items/docs?fields=*.*.*", kind: "read", run: get("/items/docs?fields=*.*.*"), check: refusedOr(all(idsAre(V), onlyVisibleNotes())) },
      { path: "REST items", name: "GET /items/docs/:visible", kind: "read", run: get(`/items/docs/${v1}`), check: idsAre([v1]) },
      { path: "REST items", name: "GET /items/docs/:hidden answers like a missing id", kind: "infer", run: same(get(`/items/docs/${h1}`), get("/items/docs/987654"), h1, 987654), check: identical },
      { path: "REST items", name: "GET /items/docs?fields=secret", kind: "infer", run: get("/items/docs?fields=secret"), check: refused },
      { path: "REST items", name: "GET /items/docs?fields[]=id&fields[]=secret", kind: "infer", run: get("/items/docs?fields[]=id&fields[]=secret"), check: refused },
      { path: "REST items", name: "GET /items/docs?alias={x:secret}&fields=x", kind: "infer", run: get(`/items/docs${qs({ alias: { x: "secret" }, fields: "id,x" })}`), check: refusedOr(idsAre(V)) },
      { path: "REST items", name: "GET /items/docs?filter[id][_eq]=:hidden", kind: "infer", run: get(`/items/docs?filter[id][_eq]=${h1}`), check: idsAre([]) },
      { path: "REST items", name: "GET /items/docs?filter[owner][_neq]=$CURRENT_USER", kind: "infer", run: get(`/items/docs${qs({ filter: { owner: { _neq: "$CURRENT_USER" } } })}`), check: idsAre([]) },
      { path: "REST items", name: "GET /items/notes lists public notes only", kind: "read", run: get("/items/notes"), check: all(idsAre(NV), rowsHave((r) => !("internal" in r), "internal present")) },
      { path: "REST items", name: "GET /items/notes/:hidden answers like a missing id", kind: "infer", run: same(get(`/items/notes/${hn2}`), get("/items/notes/987654"), hn2, 987654), check: identical },
      { path: "REST items", name: "GET /items/vault (no permission)", kind: "read", run: get("/items/vault"), check: refused },
      { path: "REST items", name: "GET /items/vault answers like an unknown collection", kind: "infer", run: same(get("/items/vault"), get("/items/no_such_vault"), "vault", "no_such_vault"), check: identical },
      { path: "REST items", name: "anonymous GET /items/docs", kind: "read", run: () => rest(fx.anon, "GET", "/items/docs"), check: refused },
      { path: "REST items", name: "anonymous GET /items/notes", kind: "read", run: () => rest(fx.anon, "GET", "/items/notes"), check: refused },
      // ---------------------------------------------------------------- relational fields
      { path: "relational", name: "GET docs fields=id,notes.* lists public notes only", kind: "read", run: get("/items/docs?fields=id,notes.*"), check: all(idsAre(V), onlyVisibleNotes()) },
      { path: "relational", name: "GET docs fields=id,notes (keys only) lists public notes only", kind: "read", run: get("/items/docs?fields=id,notes"), check: all(idsAre(V), onlyVisibleNotes()) },
      { path: "relational", name: "GET notes fields=*,doc.* (m2o to a hidden doc is null)", kind: "read", run: get("/items/notes?fields=*,doc.*"), check: all(idsAre(NV), rowsHave((r) => r.doc === null || V.includes(Number(r.doc.id)), "hidden doc expanded")) },
      { path: "relational", name: "GET notes fields=doc.title", kind: "read", run: get("/items/notes?fields=id,doc.title"), check: idsAre(NV) },
      { path: "relational", name: "GET docs fields=owner.* (own profile, no credentials)", kind: "read", run: get("/items/docs?fields=id,owner.*"), check: all(idsAre(V), concealedOrAbsent("token"), concealedOrAbsent("password")) },
      { path: "relational", name: "GET docs fields=owner.password", kind: "infer", run: get("/items/docs?fields=id,owner.password"), check: refusedOr(concealedOrAbsent("password")) },
      { path: "relational", name: "GET docs fields=owner.token", kind: "infer", run: get("/items/docs?fields=id,owner.token"), check: refusedOr(concealedOrAbsent("token")) },
      { path: "relational", name: "GET docs fields=user_created.password", kind: "infer", run: get("/items/docs?fields=id,user_created.password"), check: refused },
      { path: "relational", name: "GET docs fields=notes.internal", kind: "infer", run: get("/items/docs?fields=id,notes.internal"), check: refused },
      { path: "relational", name: "GET docs fields=notes.doc.secret", kind: "infer", run: get("/items/docs?fields=id,notes.doc.secret"), check: refused },
      { path: "relational", name: "filter notes _some text hidden-note marker", kind: "infer", run: get(`/items/docs${qs({ filter: { notes: { _some: { text: { _contains: "hn0te" } } } } })}`), check: refusedOr(idsAre([])) },
      { path: "relational", name: "filter notes _none text hidden-note marker", kind: "infer", run: get(`/items/docs${qs({ filter: { notes: { _none: { text: { _contains: "hn0te" } } } } })}`), check: refusedOr(idsAre(V)) },
      { path: "relational", name: "filter notes _some any note (only docs with public notes)", kind: "infer", run: get(`/items/docs${qs({ filter: { notes: { _some: { id: { _nnull: true } } } } })}`), check: refusedOr(idsAre([v1, v3])) },
      { path: "relational", name: "filter notes.internal (hidden field of related)", kind: "infer", run: get(`/items/docs${qs({ filter: { notes: { _some: { internal: { _contains: "s3kr1t" } } } } })}`), check: refused },
      { path: "relational", name: "filter notes by doc.title of a hidden doc", kind: "infer", run: get(`/items/notes${qs({ filter: { doc: { title: { _contains: "hr0w" } } } })}`), check: refusedOr(idsAre([])) },
      { path: "relational", name: "filter notes by doc.secret", kind: "infer", run: get(`/items/notes${qs({ filter: { doc: { secret: { _nnull: true } } } })}`), check: refused },
      { path: "relational", name: "filter notes by doc.owner (other user)", kind: "infer", run: get(`/items/notes${qs({ filter: { doc: { owner: { _eq: fx.other.id } } } })}`), check: refusedOr(idsAre([])) },
      { path: "relational", name: "filter docs by owner.password", kind: "infer", run: get(`/items/docs${qs({ filter: { owner: { password: { _nnull: true } } } })}`), check: refused },
      { path: "relational", name: "filter docs by owner.token", kind: "infer", run: get(`/items/docs${qs({ filter: { owner: { token: { _starts_with: "l" } } } })}`), check: refused },
      { path: "relational", name: "deep notes _filter text hidden-note marker", kind: "infer", run: get(`/items/docs${qs({ fields: "id,notes.id,notes.text", deep: { notes: { _filter: { text: { _contains: "hn0te" } } } } })}`), check: refusedOr(all(idsAre(V), rowsHave((r) => notesOf(r).length === 0, "deep filter found a hidden note"))) },
      { path: "relational", name: "deep notes _filter on notes.internal", kind: "infer", run: get(`/items/docs${qs({ fields: "id,notes.id", deep: { notes: { _filter: { internal: { _contains: "s3kr1t" } } } } })}`), check: refused },
      { path: "relational", name: "deep notes _sort by notes.internal", kind: "infer", run: get(`/items/docs${qs({ fields: "id,notes.id", deep: { notes: { _sort: ["internal"] } } })}`), check: refused },
      // ---------------------------------------------------------------- meta, aggregation
      { path: "meta", name: "meta=* counts visible docs", kind: "count", run: get("/items/docs?meta=*"), check: all(countIs(V.length, (b) => b.meta?.total_count, "total_count"), countIs(V.length, (b) => b.meta?.filter_count, "filter_count")) },
      { path: "meta", name: "meta=* with a filter matching hidden rows", kind: "count", run: get(`/items/docs?meta=*&${qs({ filter: { title: { _contains: "hr0w" } } }).slice(1)}`), check: all(countIs(V.length, (b) => b.meta?.total_count, "total_count"), countIs(0, (b) => b.meta?.filter_count, "filter_count")) },
      { path: "meta", name: "meta=* on notes", kind: "count", run: get("/items/notes?meta=*"), check: all(countIs(NV.length, (b) => b.meta?.total_count, "total_count"), countIs(NV.length, (b) => b.meta?.filter_count, "filter_count")) },
      { path: "meta", name: "meta=filter_count with search on a secret infix", kind: "count", run: get("/items/docs?meta=filter_count&search=s3kr1t"), check: countIs(0, (b) => b.meta?.filter_count, "filter_count") },
      { path: "aggregation", name: "aggregate[count]=*", kind: "count", run: get("/items/docs?aggregate[count]=*"), check: countIs(V.length, (b) => b.data?.[0]?.count, "count") },
      { path: "aggregation", name: "aggregate[countDistinct]=id", kind: "count", run: get("/items/docs?aggregate[countDistinct]=id"), check: countIs(V.length, (b) => b.data?.[0]?.countDistinct?.id ?? b.data?.[0]?.countDistinct, "countDistinct") },
      { path: "aggregation", name: "aggregate[max]=id", kind: "count", run: get("/items/docs?aggregate[max]=id"), check: countIs(v3, (b) => b.data?.[0]?.max?.id ?? b.data?.[0]?.max, "max") },
      { path: "aggregation", name: "aggregate[count]=* on notes", kind: "count", run: get("/items/notes?aggregate[count]=*"), check: countIs(NV.length, (b) => b.data?.[0]?.count, "count") },
      { path: "aggregation", name: "groupBy=team counts visible rows only", kind: "count", run: get("/items/docs?groupBy[]=team&aggregate[count]=*"), check: groupsAre({ "team-a": 2, "team-b": 1 }, (b) => b.data) },
      { path: "aggregation", name: "groupBy=secret", kind: "infer", run: get("/items/docs?groupBy[]=secret&aggregate[count]=*"), check: refused },
      { path: "aggregation", name: "aggregate[countDistinct]=secret", kind: "infer", run: get("/items/docs?aggregate[countDistinct]=secret"), check: refused },
      { path: "aggregation", name: "aggregate[max]=secret", kind: "infer", run: get("/items/docs?aggregate[max]=secret"), check: refused },
      { path: "aggregation", name: "aggregate[count]=* filtered on secret", kind: "infer", run: get(`/items/docs?aggregate[count]=*&${qs({ filter: { secret: { _contains: "s3kr1t" } } }).slice(1)}`), check: refused },
      { path: "aggregation", name: "aggregate[count]=* with search on a hidden title", kind: "count", run: get("/items/docs?aggregate[count]=*&search=hr0w"), check: countIs(0, (b) => b.data?.[0]?.count, "count") },
      // ---------------------------------------------------------------- search, sort, filter on hidden fields
      { path: "search", name: "search=s3kr1t (secret values)", kind: "infer", run: get("/items/docs?search=s3kr1t"), check: idsAre([]) },
      { path: "search", name: "search=hr0w (hidden titles)", kind: "infer", run: get("/items/docs?search=hr0w"), check: idsAre([]) },
      { path: "search", name: "search=ht34m (hidden teams)", kind: "infer", run: get("/items/docs?search=ht34m"), check: idsAre([]) },
      { path: "search", name: "search=visible-doc (control)", kind: "read", run: get("/items/docs?search=visible-doc"), check: idsAre(V) },
      { path: "search", name: "notes search=s3kr1t (internal values)", kind: "infer", run: get("/items/notes?search=s3kr1t"), check: idsAre([]) },
      { path: "search", name: "notes search=hn0te (hidden notes)", kind: "infer", run: get("/items/notes?search=hn0te"), check: idsAre([]) },
      { path: "search", name: "users search=admin", kind: "infer", run: get("/users?search=admin"), check: refusedOr(idsAre([])) },
      { path: "sort/filter hidden", name: "filter[secret][_contains]", kind: "infer", run: get(`/items/docs${qs({ filter: { secret: { _contains: "s3kr1t" } } })}`), check: refused },
      { path: "sort/filter hidden", name: "filter[secret][_null] (bracket syntax)", kind: "infer", run: get("/items/docs?filter[secret][_null]=true"), check: refused },
      { path: "sort/filter hidden", name: "filter _or [visible, secret]", kind: "infer", run: get(`/items/docs${qs({ filter: { _or: [{ title: { _nnull: true } }, { secret: { _starts_with: "S" } }] } })}`), check: refused },
      { path: "sort/filter hidden", name: "filter _and nested secret", kind: "infer", run: get(`/items/docs${qs({ filter: { _and: [{ _or: [{ secret: { _eq: "x" } }] }] } })}`), check: refused },
      { path: "sort/filter hidden", name: "filter[user_created] (unreadable field)", kind: "infer", run: get(`/items/docs${qs({ filter: { user_created: { _nnull: true } } })}`), check: refused },
      { path: "sort/filter hidden", name: "filter on a hidden team value", kind: "infer", run: get(`/items/docs${qs({ filter: { team: { _contains: "ht34m" } } })}`), check: idsAre([]) },
      { path: "sort/filter hidden", name: "sort=secret", kind: "infer", run: get("/items/docs?sort=secret"), check: refused },
      { path: "sort/filter hidden", name: "sort=-secret", kind: "infer", run: get("/items/docs?sort=-secret"), check: refused },
      { path: "sort/filter hidden", name: "sort=owner.password", kind: "infer", run: get("/items/docs?sort=owner.password"), check: refused },
      { path: "sort/filter hidden", name: "sort=owner.token", kind: "infer", run: get("/items/docs?sort=owner.token"), check: refused },
      { path: "sort/filter hidden", name: "sort=user_created.email", kind: "infer", run: get("/items/docs?sort=user_created.email"), check: refused },
      { path: "sort/filter hidden", name: "notes filter[internal]", kind: "infer", run: get(`/items/notes${qs({ filter: { internal: { _contains: "s3kr1t" } } })}`), check: refused },
      { path: "sort/filter hidden", name: "notes sort=internal", kind: "infer", run: get("/items/notes?sort=internal"), check: refused },
      // ---------------------------------------------------------------- REST items: writes
      { path: "REST items", name: "POST docs {title, secret}", kind: "write", run: send("POST", "/items/docs", { title: "w1", secret: "x" }), check: refused },
      { path: "REST items", name: "POST docs {title, owner: other}", kind: "write", run: send("POST", "/items/docs", { title: "w2", owner: fx.other.id }), check: refused },
      { path: "REST items", name: "POST docs {id (free), title} (id not in create fields)", kind: "write", run: send("POST", "/items/docs", { id: 4242, title: "w-id" }), check: refused },
      { path: "REST items", name: "POST docs {id: hidden id, title} (existence oracle)", kind: "write", run: send("POST", "/items/docs", { id: h1, title: "w-id2" }), check: refused },
      { path: "REST items", name: "POST docs {title, team}", kind: "write", run: send("POST", "/items/docs", { title: "w3", team: "t" }), check: refused },
      { path: "REST items", name: "POST docs with nested notes create", kind: "write", run: send("POST", "/items/docs", { title: "w4", notes: [{ text: "n", public: true }] }), check: refused },
      { path: "REST items", name: "POST docs batch with one bad item", kind: "write", run: send("POST", "/items/docs", [{ title: "ok" }, { title: "bad", secret: "x" }]), check: refused },
      { path: "REST items", name: "PATCH docs/:visible", kind: "write", run: send("PATCH", `/items/docs/${v1}`, { title: "changed" }), check: refused },
      { path: "REST items", name: "PATCH docs/:hidden", kind: "write", run: send("PATCH", `/items/docs/${h1}`, { title: "changed" }), check: refused },
      { path: "REST items", name: "PATCH docs batch by keys", kind: "write", run: send("PATCH", "/items/docs", { keys: [v1, h1], data: { title: "changed" } }), check: refused },
      { path: "REST items", name: "PATCH docs by query", kind: "write", run: send("PATCH", "/items/docs", { query: { filter: { id: { _gt: 0 } } }, data: { title: "changed" } }), check: refused },
      { path: "REST items", name: "DELETE docs/:visible", kind: "write", run: send("DELETE", `/items/docs/${v2}`), check: refused },
      { path: "REST items", name: "DELETE docs [visible, hidden]", kind: "write", run: send("DELETE", "/items/docs", [v2, h1]), check: refused },
      { path: "REST items", name: "DELETE docs by query", kind: "write", run: send("DELETE", "/items/docs", { query: { filter: { id: { _gt: 0 } } } }), check: refused },
      { path: "REST items", name: "POST notes", kind: "write", run: send("POST", "/items/notes", { text: "n", public: true, doc: v1 }), check: refused },
      { path: "REST items", name: "PATCH notes/:visible (re-parent)", kind: "write", run: send("PATCH", `/items/notes/${n1}`, { doc: h1 }), check: refused },
      { path: "REST items", name: "DELETE notes/:visible", kind: "write", run: send("DELETE", `/items/notes/${n4}`), check: refused },
      { path: "REST items", name: "POST vault", kind: "write", run: send("POST", "/items/vault", { code: "x" }), check: refused },
      { path: "REST items", name: "anonymous POST docs {title}", kind: "write", run: send("POST", "/items/docs", { title: "anon" }, fx.anon), check: refused },
      // ---------------------------------------------------------------- system endpoints: reads
      { path: "REST system", name: "GET /users lists self only", kind: "read", run: get("/users"), check: refusedOr(idsAre([L.user.id])) },
      { path: "REST system", name: "GET /users?meta=* counts self only", kind: "count", run: get("/users?meta=*"), check: refusedOr(all(countIs(1, (b) => b.meta?.filter_count, "filter_count"), countIs(1, (b) => b.meta?.total_count, "total_count"))) },
      { path: "REST system", name: "GET /users?aggregate[count]=*", kind: "count", run: get("/users?aggregate[count]=*"), check: refusedOr(countIs(1, (b) => b.data?.[0]?.count, "count")) },
      { path: "REST system", name: "GET /users/me?fields=*", kind: "read", run: get("/users/me?fields=*"), check: all(idsAre([L.user.id]), concealedOrAbsent("token"), concealedOrAbsent("password")) },
      { path: "REST system", name: "GET /users/me?fields=password,token", kind: "infer", run: get("/users/me?fields=id,password,token"), check: refusedOr(all(concealedOrAbsent("token"), concealedOrAbsent("password"))) },
      { path: "REST system", name: "GET /users/:admin answers like a missing id", kind: "infer", run: same(get(`/users/${fx.adminUserId}`), get("/users/00000000-0000-4000-8000-000000000000"), fx.adminUserId, "00000000-0000-4000-8000-000000000000"), check: identical },
      { path: "REST system", name: "GET /users/:other", kind: "read", run: get(`/users/${fx.other.id}`), check: refused },
      { path: "REST system", name: "GET /users?filter[token] (concealed)", kind: "infer", run: get(`/users${qs({ filter: { token: { _starts_with: "a" } } })}`), check: refused },
      { path: "REST system", name: "GET /users?filter[password] (concealed)", kind: "infer", run: get(`/users${qs({ filter: { password: { _nnull: true } } })}`), check: refused },
      { path: "REST system", name: "GET /users?sort=token", kind: "infer", run: get("/users?sort=token"), check: refused },
      { path: "REST system", name: "GET /users?filter[email] other user", kind: "infer", run: get(`/users${qs({ filter: { email: { _contains: "hus3r" } } })}`), check: refusedOr(idsAre([])) },
      { path: "REST system", name: "GET /users?filter[role][name] (unreadable role)", kind: "infer", run: get(`/users${qs({ filter: { role: { name: { _contains: "hr0le" } } } })}`), check: refusedOr(idsAre([])) },
      { path: "REST system", name: "GET /users?fields=role.*", kind: "read", run: get("/users?fields=id,role.*"), check: refusedOr(idsAre([L.user.id])) },
      { path: "REST system", name: "GET /roles", kind: "read", run: get("/roles"), check: refusedOr(idsAre([L.role.id])) },
      { path: "REST system", name: "GET /policies", kind: "read", run: get("/policies"), check: refusedOr(idsAre([L.policy.id])) },
      { path: "REST system", name: "GET /permissions", kind: "read", run: get("/permissions?fields=id,policy,collection,system"), check: refusedOr(rowsHave((r) => r.policy === null || r.policy === L.policy.id, "another policy's permission")) },
      { path: "REST system", name: "GET /permissions?filter[policy] admin", kind: "infer", run: get(`/permissions${qs({ filter: { policy: { _eq: fx.adminPolicyId } } })}`), check: refusedOr(idsAre([])) },
      { path: "REST system", name: "GET /permissions/me", kind: "read", run: get("/permissions/me"), check: (o) => (o.body?.data?.vault || o.body?.data?.docs?.read?.fields?.includes("secret") ? `overview shows more than granted: ${short(o)}` : undefined) },
      { path: "REST system", name: "GET /access", kind: "read", run: get("/access"), check: refusedOr(rowsHave((r) => r.policy === L.policy.id, "another policy's access row")) },
      { path: "REST system", name: "GET /collections", kind: "read", run: get("/collections"), check: refused },
      { path: "REST system", name: "GET /fields/docs", kind: "read", run: get("/fields/docs"), check: refused },
      { path: "REST system", name: "GET /relations", kind: "read", run: get("/relations"), check: refused },
      { path: "REST system", name: "anonymous GET /users", kind: "read", run: () => rest(fx.anon, "GET", "/users"), check: refused },
      // app_access: the studio's system reads
      { path: "REST system (app)", name: "GET /users lists self only", kind: "read", run: () => rest(fx.app.http, "GET", "/users"), check: refusedOr(idsAre([fx.app.user.id])) },
      { path: "REST system (app)", name: "GET /roles lists own role", kind: "read", run: () => rest(fx.app.http, "GET", "/roles"), check: idsAre([fx.app.role.id]) },
      { path: "REST system (app)", name: "GET /policies lists own policy", kind: "read", run: () => rest(fx.app.http, "GET", "/policies"), check: idsAre([fx.app.policy.id]) },
      { path: "REST system (app)", name: "GET /permissions: own policy only", kind: "read", run: () => rest(fx.app.http, "GET", "/permissions?fields=id,policy,collection"), check: rowsHave((r) => r.policy === null || r.policy === fx.app.policy.id, "another policy's permission") },
      { path: "REST system (app)", name: "GET /access: own policy only", kind: "read", run: () => rest(fx.app.http, "GET", "/access"), check: rowsHave((r) => r.policy === fx.app.policy.id, "another policy's access row") },
      { path: "REST system (app)", name: "GET /fields/docs does not list secret", kind: "infer", run: () => rest(fx.app.http, "GET", "/fields/docs"), check: refusedOr(rowsHave((f) => f.field !== "secret" && f.field !== "user_created", "hidden field listed")) },
      { path: "REST system (app)", name: "GET /fields does not list secret or vault", kind: "infer", run: () => rest(fx.app.http, "GET", "/fields"), check: refusedOr(rowsHave((f) => !(f.collection === "docs" && f.field === "secret") && f.collection !== "vault", "hidden field listed")) },
      { path: "REST system (app)", name: "GET /fields/docs/secret answers like a missing field", kind: "infer", run: same(() => rest(fx.app.http, "GET", "/fields/docs/secret"), () => rest(fx.app.http, "GET", "/fields/docs/no_such_field"), "secret", "no_such_field"), check: identical },
      { path: "REST system (app)", name: "GET /collections does not list vault", kind: "infer", run: () => rest(fx.app.http, "GET", "/collections"), check: refusedOr(rowsHave((c) => c.collection !== "vault", "forbidden collection listed")) },
      { path: "REST system (app)", name: "GET /relations", kind: "read", run: () => rest(fx.app.http, "GET", "/relations"), check: refusedOr(rowsHave((r) => !["vault"].includes(r.collection), "forbidden relation")) },
      // ---------------------------------------------------------------- system endpoints: writes
      { path: "REST system", name: "POST /users (new admin-role user)", kind: "write", run: send("POST", "/users", { email: "x@example.com", password: "p", role: fx.adminRoleId }), check: refused },
      { path: "REST system", name: "PATCH /users/me {role: admin}", kind: "write", run: send("PATCH", "/users/me", { role: fx.adminRoleId }), check: refused },
      { path: "REST system", name: "PATCH /users/me {first_name} (no update rule)", kind: "write", run: send("PATCH", "/users/me", { first_name: "x" }), check: refused },
      { path: "REST system", name: "PATCH /users/:self {token}", kind: "write", run: send("PATCH", `/users/${L.user.id}`, { token: "new-token" }), check: refused },
      { path: "REST system", name: "PATCH /users/:other {email}", kind: "write", run: send("PATCH", `/users/${fx.other.id}`, { email: "taken@example.com" }), check: refused },
      { path: "REST system", name: "DELETE /users/:other", kind: "write", run: send("DELETE", `/users/${fx.other.id}`), check: refused },
      { path: "REST system", name: "POST /roles", kind: "write", run: send("POST", "/roles", { name: "mine" }), check: refused },
      { path: "REST system", name: "PATCH /roles/:own {parent}", kind: "write", run: send("PATCH", `/roles/${L.role.id}`, { parent: fx.adminRoleId }), check: refused },
      { path: "REST system", name: "POST /policies {admin_access}", kind: "write", run: send("POST", "/policies", { name: "p", admin_access: true }), check: refused },
      { path: "REST system", name: "PATCH /policies/:own {admin_access}", kind: "write", run: send("PATCH", `/policies/${L.policy.id}`, { admin_access: true }), check: refused },
      { path: "REST system", name: "POST /permissions (read docs *)", kind: "write", run: send("POST", "/permissions", { policy: L.policy.id, collection: "docs", action: "read", fields: ["*"] }), check: refused },
      { path: "REST system", name: "POST /access {user: self, policy: admin}", kind: "write", run: send("POST", "/access", { user: L.user.id, policy: fx.adminPolicyId }), check: refused },
      { path: "REST system", name: "POST /collections", kind: "write", run: send("POST", "/collections", { collection: "mine", schema: {}, meta: {} }), check: refused },
      { path: "REST system", name: "DELETE /collections/vault", kind: "write", run: send("DELETE", "/collections/vault"), check: refused },
      { path: "REST system", name: "POST /fields/docs", kind: "write", run: send("POST", "/fields/docs", { field: "mine", type: "string", schema: {} }), check: refused },
      { path: "REST system", name: "DELETE /fields/docs/secret", kind: "write", run: send("DELETE", "/fields/docs/secret"), check: refused },
      { path: "REST system", name: "POST /relations", kind: "write", run: send("POST", "/relations", { collection: "docs", field: "team", related_collection: "vault" }), check: refused },
      { path: "REST system (app)", name: "PATCH /users/me {role: admin}", kind: "write", run: send("PATCH", "/users/me", { role: fx.adminRoleId }, fx.app.http), check: refused },
      { path: "REST system (app)", name: "PATCH /users/me {status, token}", kind: "write", run: send("PATCH", "/users/me", { status: "active", token: "stolen" }, fx.app.http), check: refused },
      { path: "REST system (app)", name: "PATCH /permissions/:own {fields: *}", kind: "write", run: async () => {
        const own = await rest(fx.app.http, "GET", `/permissions${qs({ filter: { policy: { _eq: fx.app.policy.id }, collection: { _eq: "docs" }, action: { _eq: "read" } } })}`);
        return rest(fx.app.http, "PATCH", `/permissions/${own.body?.data?.[0]?.id}`, { fields: ["*"], permissions: {} });
      }, check: refused },
      // ---------------------------------------------------------------- GraphQL queries (HTTP and graphql-ws)
      { path: "GraphQL query", name: "docs list", kind: "read", run: q(`{ docs { id title team owner { id } notes { id text } } }`), check: all(idsAre(V, gqlField("docs")), onlyVisibleNotes(gqlField("docs"))) },
      { path: "GraphQL query", name: "docs { secret }", kind: "infer", run: q(`{ docs { id secret } }`), check: refused },
      { path: "GraphQL query", name: "docs_by_id(hidden) answers like a missing id", kind: "infer", run: same(q(`{ docs_by_id(id: ${h1}) { id title } }`), q(`{ docs_by_id(id: 987654) { id title } }`), h1, 987654), check: identical },
      { path: "GraphQL query", name: "filter on secret", kind: "infer", run: q(`{ docs(filter: { secret: { _contains: "s3kr1t" } }) { id } }`), check: refused },
      { path: "GraphQL query", name: "sort by secret", kind: "infer", run: q(`{ docs(sort: ["secret"]) { id } }`), check: refused },
      { path: "GraphQL query", name: "search s3kr1t", kind: "infer", run: q(`{ docs(search: "s3kr1t") { id } }`), check: idsAre([], gqlField("docs")) },
      { path: "GraphQL query", name: "search hr0w", kind: "infer", run: q(`{ docs(search: "hr0w") { id } }`), check: idsAre([], gqlField("docs")) },
      { path: "GraphQL query", name: "filter notes _some hidden-note marker", kind: "infer", run: q(`{ docs(filter: { notes: { _some: { text: { _contains: "hn0te" } } } }) { id } }`), check: refusedOr(idsAre([], gqlField("docs"))) },
      { path: "GraphQL query", name: "nested notes(filter) hidden-note marker", kind: "infer", run: q(`{ docs { id notes(filter: { text: { _contains: "hn0te" } }) { id text } } }`), check: refusedOr(rowsHave((r) => notesOf(r).length === 0, "hidden note", gqlField("docs"))) },
      { path: "GraphQL query", name: "nested notes { internal }", kind: "infer", run: q(`{ docs { id notes { id internal } } }`), check: refused },
      { path: "GraphQL query", name: "notes { doc { title } } (hidden doc is null)", kind: "read", run: q(`{ notes { id text doc { id title } } }`), check: all(idsAre(NV, gqlField("notes")), rowsHave((r) => r.doc === null || V.map(String).includes(String(r.doc.id)), "hidden doc", gqlField("notes"))) },
      { path: "GraphQL query", name: "owner { password token }", kind: "infer", run: q(`{ docs { id owner { id password token } } }`), check: refusedOr(concealedOrAbsent("token", gqlField("docs"))) },
      { path: "GraphQL query", name: "user_created { id }", kind: "infer", run: q(`{ docs { id user_created { id } } }`), check: refused },
      { path: "GraphQL query", name: "vault (no permission)", kind: "read", run: q(`{ vault { id code } }`), check: refused },
      { path: "GraphQL query", name: "docs_aggregated countAll", kind: "count", run: q(`{ docs_aggregated { countAll count { id } } }`), check: all(countIs(V.length, (b) => b.data?.docs_aggregated?.[0]?.countAll, "countAll"), countIs(V.length, (b) => b.data?.docs_aggregated?.[0]?.count?.id, "count.id")) },
      { path: "GraphQL query", name: "docs_aggregated groupBy team", kind: "count", run: q(`{ docs_aggregated(groupBy: ["team"]) { group countAll } }`), check: groupsAre({ "team-a": 2, "team-b": 1 }, gqlField("docs_aggregated"), "team", (g) => Number(g.countAll)) },
      { path: "GraphQL query", name: "docs_aggregated groupBy secret", kind: "infer", run: q(`{ docs_aggregated(groupBy: ["secret"]) { group countAll } }`), check: refused },
      { path: "GraphQL query", name: "docs_aggregated countDistinct secret", kind: "infer", run: q(`{ docs_aggregated { countDistinct { secret } } }`), check: refused },
      { path: "GraphQL query", name: "notes_aggregated countAll", kind: "count", run: q(`{ notes_aggregated { countAll } }`), check: countIs(NV.length, (b) => b.data?.notes_aggregated?.[0]?.countAll, "countAll") },
      { path: "GraphQL query", name: "introspection: docs type, docs_filter, schema list nothing hidden", kind: "infer",
        run: q(`{ docs: __type(name: "docs") { fields { name } } f: __type(name: "docs_filter") { inputFields { name } } v: __type(name: "vault") { name } u: __type(name: "directus_users") { fields { name } } s: __schema { types { name } queryType { fields { name } } mutationType { fields { name } } } }`),
        check: (o) => {
          if (isRefusal(o)) return `introspection refused: ${short(o)}`;
          const d = o.body.data;
          const names = (list: any[] | undefined) => (list ?? []).map((x) => x.name);
          if (names(d.docs?.fields).some((n: string) => n === "secret" || n === "user_created")) return `docs type lists hidden fields: ${names(d.docs?.fields)}`;
          if (names(d.f?.inputFields).some((n: string) => n === "secret" || n === "user_created")) return `docs_filter accepts hidden fields: ${names(d.f?.inputFields)}`;
          if (d.v !== null) return "vault type exists";
          if (names(d.u?.fields).some((n: string) => n === "password" || n === "token")) return `directus_users type lists credentials: ${names(d.u?.fields)}`;
          const bad = [...names(d.s.types).filter((n: string) => /vault/.test(n)), ...names(d.s.queryType?.fields), ...names(d.s.mutationType?.fields)].find((n) =>
            /vault|update_docs|delete_docs|_notes_item|users|roles|policies|permissions/.test(n));
          return bad ? `schema exposes ${bad}` : undefined;
        } },
      { path: "GraphQL query", name: "introspection: create_docs_input has the create fields only (title)", kind: "infer",
        run: q(`{ c: __type(name: "create_docs_input") { inputFields { name } } }`),
        check: (o) => {
          const fields = (o.body?.data?.c?.inputFields ?? []).map((x: any) => x.name);
          return JSON.stringify(fields) === JSON.stringify(["title"]) ? undefined : `create_docs_input fields: ${fields}`;
        } },
      { path: "GraphQL query", name: "anonymous docs query", kind: "read", run: async () => { const r = await gql(fx.url, `{ docs { id } }`); return { status: r.status, body: r.body }; }, check: refused },
      { path: "GraphQL query (ws)", name: "docs list over graphql-ws", kind: "read", run: async () => ({ status: "gql-ws", body: await wsExecute(gqlClient.client, `{ docs { id title notes { id text } } }`) }), check: all(idsAre(V, gqlField("docs")), onlyVisibleNotes(gqlField("docs"))) },
      { path: "GraphQL query (ws)", name: "filter on secret over graphql-ws", kind: "infer", run: async () => ({ status: "gql-ws", body: await wsExecute(gqlClient.client, `{ docs(filter: { secret: { _nnull: true } }) { id } }`) }), check: refused },
      { path: "GraphQL query (ws)", name: "aggregated over graphql-ws", kind: "count", run: async () => ({ status: "gql-ws", body: await wsExecute(gqlClient.client, `{ docs_aggregated { countAll } }`) }), check: countIs(V.length, (b) => b.data?.docs_aggregated?.[0]?.countAll, "countAll") },
      // ---------------------------------------------------------------- GraphQL mutations
      { path: "GraphQL mutation", name: "create_docs_item {title, secret}", kind: "write", run: q(`mutation { create_docs_item(data: { title: "g1", secret: "x" }) { id } }`), check: refused },
      { path: "GraphQL mutation", name: "create_docs_item {id, title} (id not in create fields)", kind: "write", run: q(`mutation { create_docs_item(data: { id: 4343, title: "g-id" }) { id } }`), check: refused },
      { path: "GraphQL mutation", name: "create_docs_item {title, team}", kind: "write", run: q(`mutation { create_docs_item(data: { title: "g2", team: "x" }) { id } }`), check: refused },
      { path: "GraphQL mutation", name: "create_docs_item {title, notes}", kind: "write", run: q(`mutation { create_docs_item(data: { title: "g3", notes: [{ text: "x" }] }) { id } }`), check: refused },
      { path: "GraphQL mutation", name: "update_docs_item(visible)", kind: "write", run: q(`mutation { update_docs_item(id: ${v1}, data: { title: "x" }) { id } }`), check: refused },
      { path: "GraphQL mutation", name: "update_docs_items(hidden)", kind: "write", run: q(`mutation { update_docs_items(ids: [${h1}], data: { title: "x" }) { id } }`), check: refused },
      { path: "GraphQL mutation", name: "delete_docs_item(visible)", kind: "write", run: q(`mutation { delete_docs_item(id: ${v1}) { id } }`), check: refused },
      { path: "GraphQL mutation", name: "create_notes_item", kind: "write", run: q(`mutation { create_notes_item(data: { text: "x", public: true }) { id } }`), check: refused },
      { path: "GraphQL mutation", name: "create_vault_item", kind: "write", run: q(`mutation { create_vault_item(data: { code: "x" }) { id } }`), check: refused },
      { path: "GraphQL mutation", name: "update_users_me {role: admin}", kind: "write", run: q(`mutation { update_users_me(data: { role: "${fx.adminRoleId}" }) { id } }`), check: refused },
      { path: "GraphQL mutation (ws)", name: "update_docs_item over graphql-ws", kind: "write", run: async () => ({ status: "gql-ws", body: await wsExecute(gqlClient.client, `mutation { update_docs_item(id: ${v1}, data: { title: "x" }) { id } }`) }), check: refused },
      // ---------------------------------------------------------------- GraphQL subscriptions (refusals at subscribe time)
      { path: "GraphQL subscription", name: "docs_mutated { data { secret } }", kind: "infer", run: async () => {
        const sub = gqlSubscribe(gqlClient.client, `subscription { docs_mutated { key data { id secret } } }`);
        const error = await sub.error(3000).catch(() => undefined);
        sub.dispose();
        return { status: "gql-ws", body: { errors: error ? [].concat(error as never) : undefined, received: sub.received } };
      }, check: refused },
      { path: "GraphQL subscription", name: "vault_mutated", kind: "read", run: async () => {
        const sub = gqlSubscribe(gqlClient.client, `subscription { vault_mutated { key } }`);
        const error = await sub.error(3000).catch(() => undefined);
        sub.dispose();
        return { status: "gql-ws", body: { errors: error ? [].concat(error as never) : undefined, received: sub.received } };
      }, check: refused },
      // ---------------------------------------------------------------- WebSocket items
      { path: "WS items", name: "read docs", kind: "read", run: wsq({ type: "items", collection: "docs", action: "read", query: { fields: ["*"] } }), check: all(idsAre(V), rowsHave((r) => !("secret" in r), "secret present")) },
      { path: "WS items", name: "read docs fields *.*", kind: "read", run: wsq({ type: "items", collection: "docs", action: "read", query: { fields: ["*.*"] } }), check: refusedOr(all(idsAre(V), onlyVisibleNotes())) },
      { path: "WS items", name: "read docs id hidden answers like a missing id", kind: "infer", run: same(wsq({ type: "items", collection: "docs", action: "read", id: h1 }), wsq({ type: "items", collection: "docs", action: "read", id: 987654 }), h1, 987654), check: identical },
      { path: "WS items", name: "read docs ids [visible, hidden]", kind: "infer", run: wsq({ type: "items", collection: "docs", action: "read", ids: [v1, h1] }), check: refusedOr(idsAre([v1])) },
      { path: "WS items", name: "read docs meta", kind: "count", run: wsq({ type: "items", collection: "docs", action: "read", query: { meta: "*" } }), check: all(countIs(V.length, (b) => b.meta?.total_count, "total_count"), countIs(V.length, (b) => b.meta?.filter_count, "filter_count")) },
      { path: "WS items", name: "read docs filter secret", kind: "infer", run: wsq({ type: "items", collection: "docs", action: "read", query: { filter: { secret: { _nnull: true } } } }), check: refused },
      { path: "WS items", name: "read docs sort secret", kind: "infer", run: wsq({ type: "items", collection: "docs", action: "read", query: { sort: ["secret"] } }), check: refused },
      { path: "WS items", name: "read docs search s3kr1t", kind: "infer", run: wsq({ type: "items", collection: "docs", action: "read", query: { search: "s3kr1t" } }), check: idsAre([]) },
      { path: "WS items", name: "read docs aggregate count", kind: "count", run: wsq({ type: "items", collection: "docs", action: "read", query: { aggregate: { count: ["*"] } } }), check: refusedOr((o) => (Array.isArray(o.body?.data) && o.body.data[0]?.count === undefined ? idsAre(V)(o) : countIs(V.length, (b) => b.data?.[0]?.count, "count")(o))) },
      { path: "WS items", name: "read docs filter notes _some hidden note", kind: "infer", run: wsq({ type: "items", collection: "docs", action: "read", query: { filter: { notes: { _some: { text: { _contains: "hn0te" } } } } } }), check: refusedOr(idsAre([])) },
      { path: "WS items", name: "read notes", kind: "read", run: wsq({ type: "items", collection: "notes", action: "read" }), check: idsAre(NV) },
      { path: "WS items", name: "read vault", kind: "read", run: wsq({ type: "items", collection: "vault", action: "read" }), check: refused },
      { path: "WS items", name: "read directus_users", kind: "read", run: wsq({ type: "items", collection: "directus_users", action: "read" }), check: refused },
      { path: "WS items", name: "create docs {title, secret}", kind: "write", run: wsq({ type: "items", collection: "docs", action: "create", data: { title: "x", secret: "y" } }), check: refused },
      { path: "WS items", name: "create docs {id, title} (id not in create fields)", kind: "write", run: wsq({ type: "items", collection: "docs", action: "create", data: { id: 4444, title: "ws-id" } }), check: refused },
      { path: "WS items", name: "update docs id visible", kind: "write", run: wsq({ type: "items", collection: "docs", action: "update", id: v1, data: { title: "x" } }), check: refused },
      { path: "WS items", name: "update docs by query", kind: "write", run: wsq({ type: "items", collection: "docs", action: "update", query: { filter: { id: { _gt: 0 } } }, data: { title: "x" } }), check: refused },
      { path: "WS items", name: "delete docs ids", kind: "write", run: wsq({ type: "items", collection: "docs", action: "delete", ids: [v1, h1] }), check: refused },
      { path: "WS items", name: "delete docs by query", kind: "write", run: wsq({ type: "items", collection: "docs", action: "delete", query: {} }), check: refused },
      { path: "WS items", name: "create notes", kind: "write", run: wsq({ type: "items", collection: "notes", action: "create", data: { text: "x", public: true } }), check: refused },
      { path: "WS items", name: "update directus_users self role", kind: "write", run: wsq({ type: "items", collection: "directus_users", action: "update", id: L.user.id, data: { role: fx.adminRoleId } }), check: refused },
      // ---------------------------------------------------------------- WebSocket subscribe: init data and refusals
      { path: "WS subscribe init", name: "docs fields *.* init", kind: "read", run: wsq({ type: "subscribe", collection: "docs", query: { fields: ["*.*"] } }), check: all(idsAre(V), onlyVisibleNotes()) },
      { path: "WS subscribe init", name: "docs init with meta", kind: "count", run: wsq({ type: "subscribe", collection: "docs", query: { meta: "*" } }), check: all(countIs(V.length, (b) => b.meta?.total_count, "total_count"), countIs(V.length, (b) => b.meta?.filter_count, "filter_count")) },
      { path: "WS subscribe init", name: "docs item hidden answers like a missing item", kind: "infer", run: same(wsq({ type: "subscribe", collection: "docs", item: h1 }), wsq({ type: "subscribe", collection: "docs", item: 987654 }), h1, 987654), check: identical },
      { path: "WS subscribe init", name: "docs filter on secret", kind: "infer", run: wsq({ type: "subscribe", collection: "docs", query: { filter: { secret: { _nnull: true } } } }), check: refused },
      { path: "WS subscribe init", name: "docs event=update filter on secret", kind: "infer", run: wsq({ type: "subscribe", collection: "docs", event: "update", query: { filter: { secret: { _nnull: true } } } }), check: refused },
      { path: "WS subscribe init", name: "docs fields secret", kind: "infer", run: wsq({ type: "subscribe", collection: "docs", query: { fields: ["id", "secret"] } }), check: refused },
      { path: "WS subscribe init", name: "docs search hr0w", kind: "infer", run: wsq({ type: "subscribe", collection: "docs", query: { search: "hr0w" } }), check: idsAre([]) },
      { path: "WS subscribe init", name: "docs sort secret", kind: "infer", run: wsq({ type: "subscribe", collection: "docs", query: { sort: ["secret"] } }), check: refused },
      { path: "WS subscribe init", name: "docs deep notes _filter hidden note", kind: "infer", run: wsq({ type: "subscribe", collection: "docs", query: { fields: ["id", "notes.text"], deep: { notes: { _filter: { text: { _contains: "hn0te" } } } } } }), check: refusedOr(rowsHave((r) => notesOf(r).length === 0, "hidden note")) },
      { path: "WS subscribe init", name: "notes init", kind: "read", run: wsq({ type: "subscribe", collection: "notes", query: { fields: ["*", "doc.*"] } }), check: idsAre(NV) },
      { path: "WS subscribe init", name: "vault", kind: "read", run: wsq({ type: "subscribe", collection: "vault" }), check: refused },
      { path: "WS subscribe init", name: "directus_users init", kind: "read", run: wsq({ type: "subscribe", collection: "directus_users", query: { fields: ["*"] } }), check: refusedOr(all(idsAre([L.user.id]), concealedOrAbsent("token"), concealedOrAbsent("password"))) },
    ];

    const failures = await runProbes(probes);
    expect(failures, failures.join("\n")).toEqual([]);
  });

  it("events: the limited user's frames carry no hidden row, hidden field or hidden note (WS subscribe ± event, graphql-ws)", async () => {
    const { admin } = fx;
    const [v1, v2, v3] = fx.docs.visible;
    const [h1, h2] = fx.docs.hidden;
    const [n1] = fx.notes.visible;
    const [, , hn6] = fx.notes.hidden;
    const client = await track(connect(server.url, { token: fx.limited.token }));
    const subs: Array<[string, Record<string, unknown>]> = [
      ["all", { collection: "docs", query: { fields: ["*.*"] } }],
      ["meta", { collection: "docs", query: { fields: ["id", "title"], meta: "*" } }],
      ["create", { collection: "docs", event: "create" }],
      ["update", { collection: "docs", event: "update" }],
      ["delete", { collection: "docs", event: "delete" }],
      ["item", { collection: "docs", item: v3 }],
      ["notes", { collection: "notes", query: { fields: ["*", "doc.*"] } }],
      ["notes-delete", { collection: "notes", event: "delete" }],
    ];
    for (const [uid, message] of subs) {
      client.send({ type: "subscribe", uid, ...message });
      await client.next((f) => f.uid === uid && (f.event === "init" || f.status === "error"));
    }
    const gqlDocs = gqlSubscribe(gqlClient.client, `subscription { docs_mutated { key event data { id title team owner { id } notes { id text } } } }`);
    const gqlNotes = gqlSubscribe(gqlClient.client, `subscription { notes_mutated { key event data { id text doc { id title } } } }`);
    await untilActive(gqlDocs, () => admin.patch(`/items/docs/${v3}`, { title: "visible-doc-3" }));
    await untilActive(gqlNotes, () => admin.patch(`/items/notes/${n1}`, { text: "public-note-1" }));
    const startFrame = client.frames.length;

    // The admin touches hidden rows, hidden fields and hidden notes.
    const created = (await admin.post("/items/docs", { title: "HIDDEN-ROW-hr0w-ev", secret: "SECRET-s3kr1t-ev", team: "HIDDEN-TEAM-ht34m-ev", owner: fx.other.id })).body.data;
    await admin.patch(`/items/docs/${h1}`, { title: "HIDDEN-ROW-hr0w-1b", secret: "SECRET-s3kr1t-h1b" });
    await admin.patch("/items/docs", { keys: [h1, h2], data: { team: "HIDDEN-TEAM-ht34m-bulk" } });
    await admin.delete(`/items/docs/${created.id}`);
    await admin.patch(`/items/docs/${v1}`, { secret: "SECRET-s3kr1t-v1b" });
    await admin.patch(`/items/docs/${v2}`, { owner: fx.other.id, title: "HIDDEN-ROW-hr0w-moved-out" });
    const hiddenNote = (await admin.post("/items/notes", { text: "HIDDEN-NOTE-hn0te-ev", public: false, doc: v1, internal: "SECRET-s3kr1t-nev" })).body.data;
    await admin.patch(`/items/notes/${hiddenNote.id}`, { text: "HIDDEN-NOTE-hn0te-ev2" });
    await admin.patch(`/items/notes/${n1}`, { internal: "SECRET-s3kr1t-n1b" });
    await admin.delete(`/items/notes/${hn6}`);
    await admin.delete(`/items/notes/${hiddenNote.id}`);
    await admin.delete(`/items/docs/${h2}`);
    // Sentinels: visible writes that must arrive after everything above.
    await admin.patch(`/items/docs/${v3}`, { title: "visible-doc-3-sentinel" });
    const sentinelNote = (await admin.post("/items/notes", { text: "public-note-sentinel", public: true, doc: v3 })).body.data;

    const hiddenDocIds = new Set([h1, h2, created.id, v2].map(String));
    const hiddenNoteIds = new Set([hiddenNote.id, hn6, ...fx.notes.hidden].map(String));
    const sentinel = (f: Frame) => JSON.stringify(f.data ?? "").includes("visible-doc-3-sentinel");
    const probes: Probe[] = [];
    const framesAfterStart = () => client.frames.slice(startFrame);
    const keysOf = (f: Frame) => [f.data].flat().map((row: any) => String(row?.id ?? row));
    for (const uid of ["all", "meta", "update", "item"]) {
      probes.push({
        path: "WS events", name: `subscribe ${uid === "all" || uid === "meta" || uid === "item" ? `(no event, ${uid})` : `event=${uid}`}`, kind: "event",
        run: async () => {
          await client.next((f) => f.uid === uid && sentinel(f), 5000);
          return { status: "ws", body: framesAfterStart().filter((f) => f.uid === uid) };
        },
        check: (o) => {
          const bad = (o.body as Frame[]).find((f) => f.event !== "init" && keysOf(f).some((k) => hiddenDocIds.has(k)));
          if (bad) return `event for a hidden row (or one that left the view): ${JSON.stringify(bad).slice(0, 300)}`;
          if (uid === "meta") {
            const last = (o.body as Frame[]).find(sentinel);
            if (last?.meta?.total_count !== 2 || last?.meta?.filter_count !== 2) return `meta after the changes should count 2 visible rows: ${JSON.stringify(last?.meta)}`;
          }
          return undefined;
        },
      });
    }
    for (const uid of ["create", "delete"]) {
      probes.push({
        path: "WS events", name: `subscribe event=${uid} (hidden creates/deletes)`, kind: "event",
        // Runs after the probes above have seen the sentinel.
        run: async () => ({ status: "ws", body: framesAfterStart().filter((f) => f.uid === uid) }),
        check: (o) => ((o.body as Frame[]).length ? `frames for hidden rows: ${JSON.stringify(o.body).slice(0, 300)}` : undefined),
      });
    }
    probes.push({
      path: "WS events", name: "notes subscriptions (hidden notes, hidden field)", kind: "event",
      run: async () => {
        await client.next((f) => f.uid === "notes" && f.event === "create" && keysOf(f).includes(String(sentinelNote.id)), 5000);
        return { status: "ws", body: framesAfterStart().filter((f) => f.uid === "notes" || f.uid === "notes-delete") };
      },
      check: (o) => {
        const bad = (o.body as Frame[]).find((f) => keysOf(f).some((k) => hiddenNoteIds.has(k)));
        return bad ? `event for a hidden note: ${JSON.stringify(bad)}` : undefined;
      },
    });
    probes.push({
      path: "GraphQL subscription", name: "docs_mutated (hidden rows, hidden field)", kind: "event",
      run: async () => {
        await gqlDocs.next((p: any) => JSON.stringify(p).includes("visible-doc-3-sentinel"), 5000);
        return { status: "gql-ws", body: gqlDocs.received };
      },
      check: (o) => {
        const bad = (o.body as any[]).find((p) => hiddenDocIds.has(String(p?.data?.docs_mutated?.key)));
        return bad ? `event for a hidden row: ${JSON.stringify(bad)}` : undefined;
      },
    });
    probes.push({
      path: "GraphQL subscription", name: "notes_mutated (hidden notes)", kind: "event",
      run: async () => {
        await gqlNotes.next((p: any) => JSON.stringify(p).includes("public-note-sentinel"), 5000);
        return { status: "gql-ws", body: gqlNotes.received };
      },
      check: (o) => {
        const bad = (o.body as any[]).find((p) => hiddenNoteIds.has(String(p?.data?.notes_mutated?.key)));
        return bad ? `event for a hidden note: ${JSON.stringify(bad)}` : undefined;
      },
    });
    const failures = await runProbes(probes);
    gqlDocs.dispose();
    gqlNotes.dispose();
    expect(failures, failures.join("\n")).toEqual([]);
  });

  /** A fresh limited user (own role and policy, same rules) owning one doc; plus admin watchers. */
  async function lifecycleUser(target: TestServer, token: string) {
    const admin = createHttp(target.url, target.adminToken);
    const user = await limitedUser(target.url, admin, auditRules(), { user: { token } });
    const doc = (await admin.post("/items/docs", { title: "lc-visible", secret: "SECRET-s3kr1t-lc", owner: user.user.id })).body.data;
    const watcher = await track(connect(target.url, { token: target.adminToken }));
    watcher.send({ type: "subscribe", collection: "docs", uid: "w", query: { fields: ["id", "title"] } });
    await watcher.next({ uid: "w", event: "init" } as Frame);
    /** An admin write to the user's doc, and a later sentinel that the admin watcher must see. */
    const writeThenSentinel = async (title: string) => {
      await admin.patch(`/items/docs/${doc.id}`, { title });
      const mark = `sentinel-${Math.random().toString(36).slice(2)}`;
      await admin.patch(`/items/docs/${doc.id}`, { title: mark }).then(() => admin.patch(`/items/docs/${doc.id}`, { title: "lc-visible" }));
      await watcher.next((f) => f.uid === "w" && JSON.stringify(f.data).includes(mark), 5000);
      await new Promise((resolve) => setTimeout(resolve, 150)); // the same event's other subscribers (other sockets)
    };
    return { admin, user, doc, writeThenSentinel };
  }

  async function subscribeBoth(url: string, token: string, wsOptions: { token?: string; accessToken?: string }) {
    const client = await track(connect(url, wsOptions));
    client.send({ type: "subscribe", collection: "docs", uid: "s", query: { fields: ["id", "title"] } });
    const init = await client.next((f) => f.uid === "s");
    const handle = trackGql(gqlWs(url, { token }));
    await handle.connected;
    const sub: Sub = gqlSubscribe(handle.client, `subscription { docs_mutated { key event data { id title } } }`);
    return { client, init, handle, sub };
  }

  const cutoffCheck: Check = (o) => (JSON.stringify(o.body).includes("AFTER-CUTOFF") ? "delivered after the cut-off" : undefined);

  it("revocation mid-subscription: deleting the read permission stops WS and graphql-ws delivery", async () => {
    const lc = await lifecycleUser(server, "lc-revoke-token");
    const { client, init, sub } = await subscribeBoth(server.url, lc.user.token, { token: lc.user.token });
    expect(init.data.map((r: any) => r.id)).toEqual([lc.doc.id]);
    await untilActive(sub, () => lc.admin.patch(`/items/docs/${lc.doc.id}`, { title: "lc-visible" }));
    const permission = (await lc.admin.get(`/permissions${qs({ filter: { policy: { _eq: lc.user.policy.id }, collection: { _eq: "docs" }, action: { _eq: "read" } } })}`)).body.data[0];
    expect((await lc.admin.delete(`/permissions/${permission.id}`)).status).toBe(204);
    const from = client.frames.length;
    sub.drain();
    const fromGql = sub.received.length;
    await lc.writeThenSentinel("AFTER-CUTOFF-revoked");
    const failures = await runProbes([
      { path: "lifecycle", name: "revoked: WS subscribe gets nothing further", kind: "lifecycle", run: async () => ({ status: "ws", body: client.frames.slice(from) }), check: cutoffCheck },
      { path: "lifecycle", name: "revoked: graphql-ws docs_mutated gets nothing further", kind: "lifecycle", run: async () => ({ status: "gql-ws", body: sub.received.slice(fromGql) }), check: cutoffCheck },
      { path: "lifecycle", name: "revoked: REST read is refused", kind: "lifecycle", run: () => rest(lc.user.http, "GET", "/items/docs"), check: refused },
    ]);
    expect(failures, failures.join("\n")).toEqual([]);
  });

  it("token expiry: TOKEN_EXPIRED on the socket, nothing private until re-auth; expired JWT is 401 on REST", async () => {
    const lc = await lifecycleUser(expiry, "lc-expiry-token");
    const jwt = await login(expiry.url, lc.user.email, PASSWORD);
    const { client, sub, handle } = await subscribeBoth(expiry.url, jwt, { token: jwt });
    const expired = await client.next((f) => f.type === "auth" && f.error?.code === "TOKEN_EXPIRED", 6000).catch(() => undefined);
    const from = client.frames.length;
    const fromGql = sub.received.length;
    await lc.writeThenSentinel("AFTER-CUTOFF-expired");
    const gqlClosed = await Promise.race([handle.closed, new Promise((resolve) => setTimeout(() => resolve(undefined), 200))]);
    const afterCutoff = client.frames.slice(from);
    // Re-auth with a fresh token: delivery resumes (control).
    client.send({ type: "auth", access_token: await login(expiry.url, lc.user.email, PASSWORD), uid: "again" });
    await client.next({ type: "auth", uid: "again" } as Frame);
    await lc.admin.patch(`/items/docs/${lc.doc.id}`, { title: "lc-visible-again" });
    const resumed = await client.next((f) => f.uid === "s" && JSON.stringify(f.data).includes("lc-visible-again"), 5000).catch(() => undefined);
    const failures = await runProbes([
      { path: "lifecycle", name: "expiry: socket receives TOKEN_EXPIRED", kind: "lifecycle", run: async () => ({ status: "ws", body: expired ?? null }), check: (o) => (o.body ? undefined : "no TOKEN_EXPIRED frame within 6 s") },
      { path: "lifecycle", name: "expiry: no private event until re-auth", kind: "lifecycle", run: async () => ({ status: "ws", body: afterCutoff }), check: cutoffCheck },
      { path: "lifecycle", name: "expiry: graphql-ws closed (4403) and silent", kind: "lifecycle", run: async () => ({ status: "gql-ws", body: { closed: gqlClosed, received: sub.received.slice(fromGql) } }), check: (o) => cutoffCheck(o) ?? ((o.body.closed as any)?.code === 4403 ? undefined : `graphql-ws not closed 4403: ${JSON.stringify(o.body.closed)}`) },
      { path: "lifecycle", name: "expiry: REST with the expired JWT is 401", kind: "lifecycle", run: () => rest(createHttp(expiry.url, jwt), "GET", "/items/docs"), check: statusIs(401) },
      { path: "lifecycle", name: "expiry: upgrade with the expired JWT is 401", kind: "lifecycle", run: async () => ({ status: await upgradeStatus(expiry.url, { accessToken: jwt }), body: null }), check: statusIs(401) },
      { path: "lifecycle", name: "expiry: re-auth resumes delivery (control)", kind: "lifecycle", run: async () => ({ status: "ws", body: resumed ?? null }), check: (o) => (o.body ? undefined : "no event after re-auth") },
    ]);
    expect(failures, failures.join("\n")).toEqual([]);
  });

  it("suspended user: REST 401 with JWT and static token, sockets get nothing further", async () => {
    const lc = await lifecycleUser(server, "lc-suspend-token");
    const jwt = await login(server.url, lc.user.email, PASSWORD);
    expect((await createHttp(server.url, jwt).get("/items/docs")).status).toBe(200);
    const { client, sub, handle } = await subscribeBoth(server.url, lc.user.token, { token: lc.user.token });
    await untilActive(sub, () => lc.admin.patch(`/items/docs/${lc.doc.id}`, { title: "lc-visible" }));
    const jwtSocket = await track(connect(server.url, { token: jwt }));
    jwtSocket.send({ type: "subscribe", collection: "docs", uid: "j" });
    await jwtSocket.next({ uid: "j", event: "init" } as Frame);
    expect((await lc.admin.patch(`/users/${lc.user.user.id}`, { status: "suspended" })).status).toBe(200);
    const from = client.frames.length;
    const fromJwt = jwtSocket.frames.length;
    const fromGql = sub.received.length;
    await lc.writeThenSentinel("AFTER-CUTOFF-suspended");
    const gqlClosed = await Promise.race([handle.closed, new Promise((resolve) => setTimeout(() => resolve(undefined), 200))]);
    const failures = await runProbes([
      { path: "lifecycle", name: "suspended: REST with static token is 401", kind: "lifecycle", run: () => rest(lc.user.http, "GET", "/items/docs"), check: statusIs(401) },
      { path: "lifecycle", name: "suspended: REST with JWT is 401", kind: "lifecycle", run: () => rest(createHttp(server.url, jwt), "GET", "/items/docs"), check: statusIs(401) },
      { path: "lifecycle", name: "suspended: GraphQL with static token is 401", kind: "lifecycle", run: async () => { const r = await gql(server.url, `{ docs { id } }`, { token: lc.user.token }); return { status: r.status, body: r.body }; }, check: statusIs(401) },
      { path: "lifecycle", name: "suspended: login refused", kind: "lifecycle", run: () => rest(createHttp(server.url), "POST", "/auth/login", { email: lc.user.email, password: PASSWORD }), check: refused },
      { path: "lifecycle", name: "suspended: upgrade with static token is 401", kind: "lifecycle", run: async () => ({ status: await upgradeStatus(server.url, { accessToken: lc.user.token }), body: null }), check: statusIs(401) },
      { path: "lifecycle", name: "suspended: WS (static token) gets nothing further", kind: "lifecycle", run: async () => ({ status: "ws", body: client.frames.slice(from) }), check: cutoffCheck },
      { path: "lifecycle", name: "suspended: WS (JWT) gets nothing further", kind: "lifecycle", run: async () => ({ status: "ws", body: jwtSocket.frames.slice(fromJwt) }), check: cutoffCheck },
      { path: "lifecycle", name: "suspended: open WS items read is refused", kind: "lifecycle", run: () => wsAsk(client, { type: "items", collection: "docs", action: "read" }), check: refused },
      { path: "lifecycle", name: "suspended: graphql-ws closed 4403 and silent", kind: "lifecycle", run: async () => ({ status: "gql-ws", body: { closed: gqlClosed, received: sub.received.slice(fromGql) } }), check: (o) => cutoffCheck(o) ?? ((o.body.closed as any)?.code === 4403 ? undefined : `graphql-ws not closed 4403: ${JSON.stringify(o.body.closed)}`) },
    ]);
    expect(failures, failures.join("\n")).toEqual([]);
  });

  it("static token rotation: the old token is 401 on REST, GraphQL and at upgrade; the new one works", async () => {
    const lc = await lifecycleUser(server, "lc-rotate-old-token");
    const oldSocket = await track(connect(server.url, { token: "lc-rotate-old-token" }));
    oldSocket.send({ type: "subscribe", collection: "docs", uid: "o", query: { fields: ["id", "title"] } });
    await oldSocket.next({ uid: "o", event: "init" } as Frame);
    expect((await lc.admin.patch(`/users/${lc.user.user.id}`, { token: "lc-rotate-new-token" })).status).toBe(200);
    const from = oldSocket.frames.length;
    await lc.writeThenSentinel("AFTER-CUTOFF-rotated");
    const oldSocketFrames = oldSocket.frames.slice(from);
    const failures = await runProbes([
      { path: "lifecycle", name: "rotation: REST with old token is 401", kind: "lifecycle", run: () => rest(createHttp(server.url, "lc-rotate-old-token"), "GET", "/items/docs"), check: statusIs(401) },
      { path: "lifecycle", name: "rotation: GraphQL with old token is 401", kind: "lifecycle", run: async () => { const r = await gql(server.url, `{ docs { id } }`, { token: "lc-rotate-old-token" }); return { status: r.status, body: r.body }; }, check: statusIs(401) },
      { path: "lifecycle", name: "rotation: WS upgrade with old token is 401", kind: "lifecycle", run: async () => ({ status: await upgradeStatus(server.url, { accessToken: "lc-rotate-old-token" }), body: null }), check: statusIs(401) },
      { path: "lifecycle", name: "rotation: WS auth frame with old token fails", kind: "lifecycle", run: async () => {
        const fresh = await track(connect(server.url));
        fresh.send({ type: "auth", access_token: "lc-rotate-old-token" });
        return { status: "ws", body: await fresh.next({ type: "auth" } as Frame) };
      }, check: refused },
      { path: "lifecycle", name: "rotation: REST with new token reads own doc", kind: "lifecycle", run: () => rest(createHttp(server.url, "lc-rotate-new-token"), "GET", "/items/docs"), check: idsAre([lc.doc.id]) },
      { path: "lifecycle", name: "rotation: WS upgrade with new token is 101", kind: "lifecycle", run: async () => ({ status: await upgradeStatus(server.url, { accessToken: "lc-rotate-new-token" }), body: null }), check: statusIs(101) },
      // Not required (Directus behaves the same): a socket that authenticated with the old token stays signed in.
      { path: "lifecycle", name: "rotation: a socket opened with the old token gets nothing further", kind: "lifecycle", advisory: true, run: async () => ({ status: "ws", body: oldSocketFrames.filter((f) => f.uid === "o") }), check: cutoffCheck },
    ]);
    expect(failures, failures.join("\n")).toEqual([]);
  });
});
