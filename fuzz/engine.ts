// The fuzzing loop: generate a batch from the seed, run it against the child server, then check every
// invariant. Reply-level problems are tied to the exact input; batch-level ones to the batch's inputs.
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { codesOf, inspect, type Problem } from "./checks.js";
import { FrameSocket, httpRequest, wsUrl } from "./clients.js";
import { CATEGORIES, DEFAULT_WEIGHTS, generateBatch, preview, type Case, type Category, type GenContext, type HttpCase, type WsSend } from "./gen.js";
import { Rng } from "./rng.js";
import { startChildServer, type ChildServer } from "./server.js";
import { createFixtures, snapshot, type Fixtures } from "./setup.js";

export const INVARIANTS = [
  "process-alive", "memory-bounded", "canary-correct", "no-leaks", "confidentiality", "integrity", "no-internal-errors",
  "sockets-responsive", "handshake-enforced", "subscriptions-released", "every-subscribe-answered", "error-shape",
] as const;
export type Invariant = (typeof INVARIANTS)[number];

export const INVARIANT_TEXT: Record<Invariant, string> = {
  "process-alive": "server process alive and answering /server/ping",
  "memory-bounded": "server RSS under the cap and not growing beyond the margin",
  "canary-correct": "canary item reads right over REST, GraphQL, WS subscribe/init and graphql-ws",
  "no-leaks": "no error text carries a stack trace, source path or SQL",
  "confidentiality": "no forbidden data (vault marker, password hashes) in any reply",
  "integrity": "nothing outside the scratch collection changed (admin snapshot)",
  "no-internal-errors": "no input produced a 5xx / INTERNAL error / close 1011",
  "sockets-responsive": "after every fuzz frame the socket answers a ping or is closed",
  "handshake-enforced": "an unauthenticated socket gets no data and is closed after a bad handshake",
  "subscriptions-released": "subscriptions and connections return to zero once fuzz sockets close",
  "every-subscribe-answered": "each subscribe in a storm gets exactly one init or error",
  "error-shape": "every HTTP error body is the Directus envelope {errors:[{message, extensions:{code}}]}",
};

export interface Violation {
  invariant: Invariant;
  detail: string;
  batch: number;
  /** The offending input, when one input is to blame. */
  input?: Case;
  /** File holding every input of the batch (for --replay). */
  reproFile?: string;
}

export interface FuzzOptions {
  seed: number;
  /** Stop starting new batches after this long. */
  seconds?: number;
  /** Stop after this many cases (whole batches). */
  iterations?: number;
  batchSize?: number;
  /** A subscription storm every n-th batch (0: never). */
  stormEvery?: number;
  stormSize?: number;
  concurrency?: number;
  rssCapMb?: number;
  rssGrowthMb?: number;
  weights?: Partial<Record<Category, number>>;
  /** Run exactly these cases (one batch) instead of generating. */
  replay?: Case[];
  /** Extra server environment. */
  env?: Record<string, string>;
  log?: (line: string) => void;
  verbose?: boolean;
  /** Stop at the first batch with a violation (default true). */
  failFast?: boolean;
  reproDir?: string;
}

export interface CategoryStats {
  cases: number;
  frames: number;
  requests: number;
}

export interface FuzzReport {
  seed: number;
  batches: number;
  cases: number;
  durationMs: number;
  categories: Record<Category, CategoryStats>;
  httpStatuses: Record<string, number>;
  errorCodes: Record<string, number>;
  closeCodes: Record<string, number>;
  upgradeRefusals: Record<string, number>;
  invariantChecks: Record<Invariant, number>;
  violations: Violation[];
  rssMb: number[];
  subscriptionsPeak: number;
  /** Distinct errors the server logged (level error and above): message and first stack frames. */
  serverErrors: Record<string, number>;
  serverExit?: { code: number | null; signal: string | null };
}

/** Close codes that answer bad input as documented; anything else is reported, 1011/4500 are violations. */
const EXPECTED_CLOSES = new Set([1000, 1002, 1005, 1007, 1009, 4008, 4400, 4401, 4403, 4406, 4408, 4409, 4429, 4499]);
const INTERNAL_CLOSES = new Set([1011, 4500]);

const bump = (record: Record<string, number>, key: string | number, by = 1) => (record[key] = (record[key] ?? 0) + by);

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const batchSize = options.batchSize ?? 40;
  const stormEvery = options.stormEvery ?? 5;
  const stormSize = options.stormSize ?? 2000;
  const concurrency = options.concurrency ?? 2;
  const rssCap = (options.rssCapMb ?? 400) * 1024 * 1024;
  const rssGrowth = (options.rssGrowthMb ?? 150) * 1024 * 1024;
  const maxMessage = 256 * 1024;
  const maxPayload = 256 * 1024;
  const failFast = options.failFast ?? true;
  const started = Date.now();
  const report: FuzzReport = {
    seed: options.seed,
    batches: 0,
    cases: 0,
    durationMs: 0,
    categories: Object.fromEntries(CATEGORIES.map((c) => [c, { cases: 0, frames: 0, requests: 0 }])) as Record<Category, CategoryStats>,
    httpStatuses: {},
    errorCodes: {},
    closeCodes: {},
    upgradeRefusals: {},
    invariantChecks: Object.fromEntries(INVARIANTS.map((i) => [i, 0])) as Record<Invariant, number>,
    violations: [],
    rssMb: [],
    subscriptionsPeak: 0,
    serverErrors: {},
  };

  const server: ChildServer = await startChildServer({
    WEBSOCKETS_MAX_MESSAGE_SIZE: String(maxMessage),
    MAX_PAYLOAD_SIZE: String(maxPayload),
    WEBSOCKETS_REST_AUTH_TIMEOUT: "3",
    WEBSOCKETS_GRAPHQL_AUTH_TIMEOUT: "3",
    ...options.env,
  });
  let fixtures: Fixtures;
  try {
    fixtures = await createFixtures(server.url, server.adminToken, options.seed);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const ctx: GenContext = { canary: fixtures.canary, scratch: fixtures.scratch, vault: fixtures.vault, token: fixtures.token, hugeMax: maxMessage };
  const secrets = [fixtures.vaultMarker];
  const baseline = await snapshot(server.url, server.adminToken, fixtures);
  const rng = new Rng(options.seed);
  const weights = { ...DEFAULT_WEIGHTS, ...options.weights };
  let firstRss: number | undefined;

  let batchIndex = 0;
  let currentBatch: Case[] = [];
  const violation = (invariant: Invariant, detail: string, input?: Case) => {
    report.violations.push({ invariant, detail, batch: batchIndex, input });
  };

  /** Checks one reply; `input` is the text that was sent (its own text is exempt from leak checks). */
  const checkReply = (text: string, inputText: string, input: Case, isError = false) => {
    for (const code of codesOf(text)) bump(report.errorCodes, code);
    for (const problem of inspect(text, inputText, secrets, isError)) violation(problem.invariant, problem.detail, input);
  };

  const inputTextOf = (sends: WsSend[]) => sends.map((s) => ("text" in s.payload ? s.payload.text : Buffer.from(s.payload.b64, "base64").toString("latin1") + Buffer.from(s.payload.b64, "base64").toString())).join("\n");

  const noteClose = (closed: { code: number; reason: string } | undefined, input: Case) => {
    if (!closed) return;
    bump(report.closeCodes, closed.code);
    if (INTERNAL_CLOSES.has(closed.code)) violation("no-internal-errors", `socket closed with ${closed.code} ${JSON.stringify(closed.reason)}`, input);
    else if (!EXPECTED_CLOSES.has(closed.code) && closed.code !== 1006) bump(report.closeCodes, `unexpected:${closed.code}`);
    if (closed.reason && inspect(JSON.stringify({ error: { message: closed.reason } }), "", secrets).length) {
      for (const problem of inspect(JSON.stringify({ error: { message: closed.reason } }), "", secrets)) violation(problem.invariant, `close reason: ${problem.detail}`, input);
    }
  };

  // ---------------------------------------------------------------------------------------------
  // Executors

  /** An authenticated Directus socket as the limited user. */
  async function openDirectus(): Promise<FrameSocket | undefined> {
    const socket = await FrameSocket.open(wsUrl(server.url, "/websocket")).catch(() => undefined);
    if (!socket || !(socket instanceof FrameSocket)) return undefined;
    socket.sendText(JSON.stringify({ type: "auth", access_token: fixtures.token }));
    const result = await socket.waitFor((text) => text.includes('"type":"auth"'), 0, 10_000);
    if (result !== "matched" || !socket.frames[0]?.includes('"ok"')) {
      await socket.close();
      return undefined;
    }
    return socket;
  }

  let probeCounter = 0;
  /** A ping with a unique uid; the socket is responsive when the pong comes back or it closed. */
  async function probe(socket: FrameSocket, from: number, timeoutMs = 15_000): Promise<"matched" | "closed" | "timeout"> {
    const uid = `probe-${++probeCounter}`;
    socket.sendText(JSON.stringify({ type: "ping", uid }));
    return socket.waitFor((text) => text.includes(`"uid":"${uid}"`) && text.includes('"pong"'), from, timeoutMs);
  }

  async function runHttp(input: HttpCase) {
    const stats = report.categories[input.category];
    stats.requests++;
    const reply = await httpRequest(server.url, input, input.path.startsWith("/auth/") ? undefined : fixtures.token);
    const inputText = `${decodeSafe(input.path)}\n${input.path}\n${input.body ? ("text" in input.body ? input.body.text : Buffer.from(input.body.b64, "base64").toString()) : ""}`;
    if (reply.error) {
      bump(report.httpStatuses, "network-error");
      if (!server.exited()) bump(report.httpStatuses, `error:${reply.error.slice(0, 40)}`);
      return;
    }
    bump(report.httpStatuses, reply.status);
    if (reply.status >= 500) violation("no-internal-errors", `HTTP ${reply.status}: ${reply.text.slice(0, 300)}`, input);
    if (reply.status >= 400 && reply.text) {
      const body = safeJson(reply.text);
      const errors = body?.errors;
      const valid = Array.isArray(errors) && errors.length > 0 && errors.every((e: any) => typeof e?.message === "string" && typeof e?.extensions?.code === "string");
      if (!valid) violation("error-shape", `HTTP ${reply.status} body is not the Directus error envelope: ${reply.text.slice(0, 300)}`, input);
    }
    checkReply(reply.text, inputText, input, reply.status >= 400);
  }

  async function runDirectusFrames(input: Extract<Case, { category: "ws-frame" }>, state: WorkerState) {
    if (!state.directus?.open) {
      if (state.directus) await state.directus.close();
      state.directus = await openDirectus();
      if (!state.directus) return violation("sockets-responsive", "could not open an authenticated Directus socket", input);
    }
    const socket = state.directus;
    const from = socket.frames.length;
    const inputText = inputTextOf(input.sends);
    for (const send of input.sends) {
      socket.send(send);
      report.categories["ws-frame"].frames++;
    }
    const result = await probe(socket, from);
    if (result === "timeout") violation("sockets-responsive", "no pong and no close within 15 s after the frames", input);
    for (const text of socket.frames.slice(from)) checkReply(text, inputText, input);
    if (socket.closed) {
      noteClose(socket.closed, input);
      state.directus = undefined;
    }
  }

  async function runHandshake(input: Extract<Case, { category: "ws-handshake" }>) {
    const socket = await FrameSocket.open(wsUrl(server.url, "/websocket")).catch(() => undefined);
    if (!socket || !(socket instanceof FrameSocket)) {
      bump(report.upgradeRefusals, socket ? (socket as { status: number }).status : "error");
      return;
    }
    const inputText = inputTextOf(input.sends);
    socket.send(input.sends[0]);
    report.categories["ws-handshake"].frames++;
    const first = await socket.waitFor(() => true, 0, 6000);
    const authed = socket.frames.some((text) => text.includes('"type":"auth"') && text.includes('"status":"ok"'));
    if (authed) {
      socket.send(input.sends[1]);
      report.categories["ws-handshake"].frames++;
      const result = await probe(socket, socket.frames.length);
      if (result === "timeout") violation("sockets-responsive", "authenticated socket: no pong and no close within 15 s", input);
    } else {
      if (first === "timeout") violation("handshake-enforced", "no reply and no close within 6 s of a bad handshake frame", input);
      const closed = await socket.waitClosed(5000);
      if (!closed) violation("handshake-enforced", "unauthenticated socket still open 5 s after a failed handshake", input);
      for (const text of socket.frames) {
        if (!text.includes('"type":"auth"')) violation("handshake-enforced", `unauthenticated socket received ${text.slice(0, 300)}`, input);
      }
    }
    for (const text of socket.frames) checkReply(text, inputText, input);
    noteClose(socket.closed, input);
    await socket.close();
  }

  async function runGraphQLSocket(input: Extract<Case, { category: "gql-ws" }>) {
    const socket = await FrameSocket.open(wsUrl(server.url, "/graphql"), { protocol: "graphql-transport-ws" }).catch(() => undefined);
    if (!socket || !(socket instanceof FrameSocket)) {
      bump(report.upgradeRefusals, socket ? (socket as { status: number }).status : "error");
      return;
    }
    const inputText = inputTextOf(input.sends);
    if (input.init) {
      socket.sendText(JSON.stringify({ type: "connection_init", payload: { access_token: fixtures.token } }));
      const acked = await socket.waitFor((text) => text.includes("connection_ack"), 0, 10_000);
      if (acked !== "matched") {
        violation("sockets-responsive", `graphql-ws connection_init with a valid token not acknowledged (${acked})`, input);
        noteClose(socket.closed, input);
        return socket.close();
      }
    }
    const from = socket.frames.length;
    for (const send of input.sends) {
      socket.send(send);
      report.categories["gql-ws"].frames++;
    }
    socket.sendText(JSON.stringify({ type: "ping" }));
    const result = await socket.waitFor((text) => text === '{"type":"pong"}', from, 15_000);
    // Give pending operations a moment to answer before the socket is closed.
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (result === "timeout") violation("sockets-responsive", "graphql-ws: no pong and no close within 15 s", input);
    for (const text of socket.frames) checkReply(text, inputText, input);
    noteClose(socket.closed, input);
    await socket.close();
  }

  async function runStorm(input: Extract<Case, { category: "ws-storm" }>) {
    const socket = await openDirectus();
    if (!socket) return violation("sockets-responsive", "could not open a socket for the storm", input);
    const rng = new Rng(input.seed);
    const from = socket.frames.length;
    const uids: string[] = [];
    for (let i = 0; i < input.count; i++) {
      const uid = `s${i}`;
      uids.push(uid);
      const kind = rng.int(0, 9);
      const message =
        kind < 5 ? { type: "subscribe", collection: fixtures.canary, uid, query: { fields: ["id"], limit: rng.int(1, 3), sort: [rng.pick(["id", "-id"])] } }
        : kind < 7 ? { type: "subscribe", collection: fixtures.canary, uid, event: rng.pick(["create", "update", "delete"]) }
        : kind < 8 ? { type: "subscribe", collection: fixtures.scratch, uid, query: { filter: { n: { _gt: rng.int(0, 5) } }, fields: ["id", "n"], limit: 2 } }
        : kind < 9 ? { type: "subscribe", collection: fixtures.canary, uid, item: rng.int(1, 6) }
        : { type: "subscribe", collection: rng.pick([fixtures.vault, "nope", "directus_users"]), uid };
      socket.sendText(JSON.stringify(message));
    }
    report.categories["ws-storm"].frames += input.count;
    const first = await probe(socket, from, 90_000);
    if (first !== "matched") {
      violation("sockets-responsive", `storm of ${input.count} subscriptions: socket ${first} before the probe pong`, input);
      noteClose(socket.closed, input);
      return socket.close();
    }
    // Each subscribe is answered once: an init (uid s<i>) or a subscribe error with that uid.
    const answered = new Map<string, number>();
    for (const text of socket.frames.slice(from)) {
      const frame = safeJson(text) as Record<string, unknown> | undefined;
      if (!frame) continue;
      const uid = String(frame.uid);
      if ((frame.type === "subscription" && frame.event === "init") || (frame.type === "subscribe" && frame.status === "error")) answered.set(uid, (answered.get(uid) ?? 0) + 1);
    }
    const missing = uids.filter((uid) => answered.get(uid) !== 1);
    if (missing.length) violation("every-subscribe-answered", `${missing.length} of ${input.count} subscribes not answered exactly once (e.g. ${missing.slice(0, 5).join(", ")}: ${missing.slice(0, 5).map((u) => answered.get(u) ?? 0).join(", ")})`, input);
    for (const text of socket.frames.slice(from)) checkReply(text, "", input);
    // A write fans out to the storm's scratch subscribers.
    await httpRequest(server.url, { method: "POST", path: `/items/${fixtures.scratch}`, body: { text: JSON.stringify({ title: "storm", n: 9 }) }, headers: { "content-type": "application/json" } }, fixtures.token);
    const metrics = await adminJson("/server/metrics");
    if (metrics?.subscriptions) report.subscriptionsPeak = Math.max(report.subscriptionsPeak, metrics.subscriptions);
    // Rapid subscribe/unsubscribe of one uid, then unsubscribe-all.
    const churnFrom = socket.frames.length;
    for (let i = 0; i < input.churn; i++) {
      socket.sendText(JSON.stringify({ type: "subscribe", collection: fixtures.canary, uid: "churn", query: { fields: ["id"], limit: 1 } }));
      if (rng.chance(0.8)) socket.sendText(JSON.stringify({ type: "unsubscribe", uid: "churn" }));
    }
    socket.sendText(JSON.stringify({ type: "unsubscribe" }));
    report.categories["ws-storm"].frames += input.churn * 2 + 1;
    const done = await socket.waitFor((text) => text === '{"type":"subscription","event":"unsubscribe"}', churnFrom, 60_000);
    if (done !== "matched") violation("sockets-responsive", `churn: unsubscribe-all not confirmed (${done})`, input);
    for (const text of socket.frames.slice(churnFrom)) checkReply(text, "", input);
    const after = await adminJson("/server/metrics");
    if (after && typeof after.subscriptions === "number" && after.subscriptions > 0) {
      // Other workers may hold a few subscriptions; the storm's own must be gone.
      if (after.subscriptions >= input.count / 2) violation("subscriptions-released", `after unsubscribe-all the server still holds ${after.subscriptions} subscriptions`, input);
    }
    noteClose(socket.closed, input);
    await socket.close();
  }

  async function adminJson(pathname: string): Promise<any> {
    const reply = await httpRequest(server.url, { method: "GET", path: pathname }, server.adminToken);
    return reply.status === 200 ? safeJson(reply.text)?.data : undefined;
  }

  interface WorkerState {
    directus?: FrameSocket;
  }

  async function runCase(input: Case, state: WorkerState) {
    report.categories[input.category].cases++;
    report.cases++;
    switch (input.category) {
      case "ws-frame": return runDirectusFrames(input, state);
      case "ws-handshake": return runHandshake(input);
      case "ws-storm": return runStorm(input);
      case "gql-ws": return runGraphQLSocket(input);
      default: return runHttp(input);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Batch-level invariants

  async function checkCanary(): Promise<string[]> {
    const problems: string[] = [];
    const expected = JSON.stringify(fixtures.canaryRows);
    const normalize = (rows: unknown) => JSON.stringify((rows as Array<Record<string, unknown>>)?.map((row) => ({ ...row, id: Number(row.id) })));
    const rest = await httpRequest(server.url, { method: "GET", path: `/items/${fixtures.canary}?sort=id&limit=-1` }, fixtures.token);
    if (rest.status !== 200 || JSON.stringify(safeJson(rest.text)?.data) !== expected) problems.push(`REST list: ${rest.status} ${rest.text.slice(0, 300)}`);
    const one = await httpRequest(server.url, { method: "GET", path: `/items/${fixtures.canary}/1` }, fixtures.token);
    if (one.status !== 200 || JSON.stringify(safeJson(one.text)?.data) !== JSON.stringify(fixtures.canaryRows[0])) problems.push(`REST item 1: ${one.status} ${one.text.slice(0, 300)}`);
    const anonymous = await httpRequest(server.url, { method: "GET", path: `/items/${fixtures.canary}` });
    if (anonymous.status !== 403) problems.push(`anonymous REST read: expected 403, got ${anonymous.status} ${anonymous.text.slice(0, 200)}`);
    const fields = Object.keys(fixtures.canaryRows[0]).join(" ");
    const gql = await httpRequest(server.url, { method: "POST", path: "/graphql", body: { text: JSON.stringify({ query: `{ ${fixtures.canary}(sort: ["id"], limit: -1) { ${fields} } }` }) }, headers: { "content-type": "application/json" } }, fixtures.token);
    const gqlRows = safeJson(gql.text)?.data?.[fixtures.canary];
    if (gql.status !== 200 || normalize(gqlRows) !== normalize(fixtures.canaryRows)) problems.push(`GraphQL: ${gql.status} ${gql.text.slice(0, 300)}`);
    // A fresh Directus socket: handshake, subscribe, init.
    const socket = await openDirectus();
    if (!socket) problems.push("WS: could not open and authenticate a fresh socket");
    else {
      socket.sendText(JSON.stringify({ type: "subscribe", collection: fixtures.canary, uid: "canary", query: { sort: ["id"], limit: -1 } }));
      const result = await socket.waitFor((text) => text.includes('"uid":"canary"'), 0, 10_000);
      const init = socket.frames.map(safeJson).find((frame) => frame?.uid === "canary");
      const want = JSON.stringify({ type: "subscription", event: "init", data: fixtures.canaryRows, uid: "canary" });
      if (result !== "matched" || JSON.stringify(init) !== want) problems.push(`WS init: ${result} ${JSON.stringify(init)?.slice(0, 300)}`);
      await socket.close();
    }
    // graphql-ws: init, one query.
    const gws = await FrameSocket.open(wsUrl(server.url, "/graphql"), { protocol: "graphql-transport-ws" }).catch(() => undefined);
    if (!gws || !(gws instanceof FrameSocket)) problems.push("graphql-ws: upgrade failed");
    else {
      gws.sendText(JSON.stringify({ type: "connection_init", payload: { access_token: fixtures.token } }));
      await gws.waitFor((text) => text.includes("connection_ack"), 0, 10_000);
      gws.sendText(JSON.stringify({ id: "c", type: "subscribe", payload: { query: `{ ${fixtures.canary}(sort: ["id"], limit: -1) { ${fields} } }` } }));
      const result = await gws.waitFor((text) => text.includes('"id":"c"') && text.includes('"next"'), 0, 10_000);
      const next = gws.frames.map(safeJson).find((frame) => frame?.id === "c" && frame?.type === "next");
      if (result !== "matched" || normalize(next?.payload?.data?.[fixtures.canary]) !== normalize(fixtures.canaryRows)) problems.push(`graphql-ws: ${result} ${JSON.stringify(next)?.slice(0, 300)}`);
      await gws.close();
    }
    return problems;
  }

  async function checkBatch(batch: Case[], workerStates: WorkerState[]) {
    // Close the fuzz sockets; subscriptions must drain to zero.
    for (const state of workerStates) await state.directus?.close();
    const exited = server.exited();
    report.invariantChecks["process-alive"]++;
    if (exited) {
      report.serverExit = exited;
      violation("process-alive", `server exited with code ${exited.code} signal ${exited.signal}; last output:\n${server.output().slice(-3000)}`);
      return false;
    }
    const ping = await httpRequest(server.url, { method: "GET", path: "/server/ping" }, undefined, 20_000);
    if (ping.status !== 200 || ping.text !== "pong") {
      violation("process-alive", `/server/ping answered ${ping.status} ${ping.error ?? ping.text.slice(0, 100)}`);
      return false;
    }
    report.invariantChecks["memory-bounded"]++;
    const rss = server.rss();
    if (rss !== undefined) {
      report.rssMb.push(Math.round(rss / 1024 / 1024));
      firstRss ??= rss;
      if (rss > rssCap) violation("memory-bounded", `server RSS ${Math.round(rss / 1048576)} MB over the cap ${Math.round(rssCap / 1048576)} MB`);
      else if (rss > firstRss + rssGrowth) violation("memory-bounded", `server RSS grew from ${Math.round(firstRss / 1048576)} MB (after batch 1) to ${Math.round(rss / 1048576)} MB, more than the ${Math.round(rssGrowth / 1048576)} MB margin`);
    }
    report.invariantChecks["subscriptions-released"]++;
    let metrics: any;
    for (let i = 0; i < 30; i++) {
      metrics = await adminJson("/server/metrics");
      if (metrics && metrics.subscriptions === 0 && metrics.connections === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!metrics || metrics.subscriptions !== 0 || metrics.connections !== 0) {
      violation("subscriptions-released", `after all fuzz sockets closed: ${JSON.stringify(metrics ? { subscriptions: metrics.subscriptions, connections: metrics.connections } : "no metrics")}`);
    }
    report.invariantChecks["canary-correct"]++;
    for (const problem of await checkCanary()) violation("canary-correct", problem);
    report.invariantChecks.integrity++;
    const now = await snapshot(server.url, server.adminToken, fixtures);
    for (const key of Object.keys(baseline)) {
      if (now[key] !== baseline[key]) violation("integrity", `${key} changed:\n  before ${baseline[key].slice(0, 600)}\n  after  ${now[key].slice(0, 600)}`);
    }
    // Reply-level invariants were checked on every reply of the batch.
    for (const invariant of ["no-leaks", "confidentiality", "no-internal-errors", "sockets-responsive", "handshake-enforced", "error-shape"] as const) report.invariantChecks[invariant] += batch.length;
    report.invariantChecks["every-subscribe-answered"] += batch.filter((c) => c.category === "ws-storm").length;
    return true;
  }

  function saveRepro(batch: Case[]): string {
    const dir = options.reproDir ?? path.join(tmpdir(), "tidings-fuzz");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `seed-${options.seed}-batch-${batchIndex}.json`);
    writeFileSync(file, JSON.stringify({ seed: options.seed, batch: batchIndex, cases: batch }, null, 1));
    return file;
  }

  // ---------------------------------------------------------------------------------------------
  // Main loop

  try {
    const deadline = options.seconds !== undefined ? started + options.seconds * 1000 : Infinity;
    const maxCases = options.iterations ?? (options.seconds === undefined ? batchSize * 10 : Infinity);
    while (report.cases < maxCases && Date.now() < deadline) {
      batchIndex++;
      const storm = stormEvery > 0 && batchIndex % stormEvery === 1 % stormEvery;
      currentBatch = options.replay ?? generateBatch(rng, { ctx, maxPayload, stormSize, weights }, Math.min(batchSize, maxCases - report.cases), storm);
      const before = report.violations.length;
      const queue = [...currentBatch.entries()];
      const states: WorkerState[] = Array.from({ length: concurrency }, () => ({}));
      await Promise.all(states.map(async (state) => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          if (server.exited()) return;
          await runCase(next[1], state);
        }
      }));
      const alive = await checkBatch(currentBatch, states);
      report.batches++;
      if (options.verbose) log(`batch ${batchIndex}: ${currentBatch.length} cases, rss ${report.rssMb.at(-1) ?? "?"} MB, violations ${report.violations.length}`);
      if (report.violations.length > before) {
        const file = saveRepro(currentBatch);
        for (const v of report.violations.slice(before)) v.reproFile = file;
        if (failFast || !alive) break;
      }
      if (options.replay) break;
    }
  } finally {
    report.durationMs = Date.now() - started;
    await server.stop();
    for (const [key, count] of Object.entries(serverLogErrors(server.output()))) bump(report.serverErrors, key, count);
  }
  return report;
}

/** Groups the server's pino error lines by message and the first frames of the stack. */
function serverLogErrors(output: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of output.split("\n")) {
    const entry = safeJson(line);
    if (!entry || typeof entry.level !== "number" || entry.level < 50) continue;
    const stack = String(entry.err?.stack ?? "").split("\n").slice(1, 4).map((frame) => frame.trim().replace(/^at /, "").replace(/\(?\/work\/main\//, "(")).join(" < ");
    bump(out, `${entry.msg ?? ""}: ${entry.err?.type ?? ""} ${String(entry.err?.message ?? "").slice(0, 160)}${stack ? ` @ ${stack}` : ""}`);
  }
  return out;
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------------------------
// Printing

export function formatReport(report: FuzzReport, command: string): string {
  const lines: string[] = [];
  const top = (record: Record<string, number>, n = 14) => Object.entries(record).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${k}×${v}`).join(", ") || "none";
  lines.push(`Tidings protocol fuzzer — seed ${report.seed}`);
  lines.push(`tried ${report.cases} cases in ${report.batches} batches, ${(report.durationMs / 1000).toFixed(1)} s`);
  for (const category of CATEGORIES) {
    const s = report.categories[category];
    lines.push(`  ${category.padEnd(13)} ${String(s.cases).padStart(6)} cases${s.frames ? `, ${s.frames} frames` : ""}${s.requests ? `, ${s.requests} requests` : ""}`);
  }
  lines.push(`HTTP statuses: ${top(report.httpStatuses)}`);
  lines.push(`error codes:   ${top(report.errorCodes)}`);
  lines.push(`close codes:   ${top(report.closeCodes)}`);
  if (Object.keys(report.upgradeRefusals).length) lines.push(`upgrade refusals: ${top(report.upgradeRefusals)}`);
  lines.push(`server RSS (MB) per batch: ${report.rssMb.length ? `${report.rssMb[0]} → max ${Math.max(...report.rssMb)} → last ${report.rssMb.at(-1)}` : "n/a"}; peak subscriptions ${report.subscriptionsPeak}`);
  lines.push("invariants:");
  for (const invariant of INVARIANTS) {
    const broken = report.violations.filter((v) => v.invariant === invariant);
    lines.push(`  ${broken.length ? "✘" : "✔"} ${invariant.padEnd(25)} ${String(report.invariantChecks[invariant]).padStart(6)} checks  ${INVARIANT_TEXT[invariant]}${broken.length ? `  — ${broken.length} violation(s)` : ""}`);
  }
  const logged = Object.entries(report.serverErrors);
  if (logged.length) {
    lines.push("server logged errors:");
    for (const [text, count] of logged.sort((a, b) => b[1] - a[1]).slice(0, 12)) lines.push(`  ${count}× ${text}`);
  }
  if (report.violations.length) {
    lines.push("", `VIOLATIONS (${report.violations.length}):`);
    const perInvariant: Record<string, number> = {};
    const shown = new Set<string>();
    for (const v of report.violations) {
      const key = `${v.invariant}:${v.input?.category ?? ""}:${v.detail.slice(0, 120)}:${v.input ? describeCase(v.input).slice(0, 60) : ""}`;
      if (shown.has(key)) continue;
      shown.add(key);
      if (bump(perInvariant, v.invariant) > 6) continue;
      lines.push(`- [${v.invariant}] batch ${v.batch}: ${v.detail}`);
      if (v.input) lines.push(`    input: ${describeCase(v.input)}`);
      if (v.reproFile) lines.push(`    batch inputs: ${v.reproFile}`);
    }
    lines.push("", `reproduce: ${command} (or --replay <batch inputs file>)`);
  }
  return lines.join("\n");
}

export function describeCase(input: Case): string {
  switch (input.category) {
    case "ws-frame": case "ws-handshake": case "gql-ws":
      return `${input.category}${"init" in input ? ` init=${input.init}` : ""}: ${input.sends.map((s) => `[${s.mode}${s.splits ? ` splits=${s.splits.join("/")}` : ""}] ${preview(s.payload)}`).join(" | ")}`;
    case "ws-storm":
      return `ws-storm seed=${input.seed} count=${input.count} churn=${input.churn}`;
    default:
      return `${input.category}: ${input.method} ${input.path.length > 400 ? `${input.path.slice(0, 400)}…` : input.path}${input.headers ? ` headers=${JSON.stringify(input.headers).slice(0, 200)}` : ""}${input.body ? ` body=${preview(input.body)}` : ""}`;
  }
}

export type { Problem };
