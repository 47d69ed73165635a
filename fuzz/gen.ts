// Input generators: hostile values, Directus-protocol frames, graphql-ws messages, GraphQL documents, REST requests.
// Everything is a pure function of the Rng, so a seed reproduces the exact sequence of inputs.
import type { Rng } from "./rng.js";

/** Bytes on the wire: text as is, or arbitrary bytes in base64 (binary frames, invalid UTF-8). */
export type Payload = { text: string } | { b64: string };

export interface WsSend {
  /** text: one text frame; binary: one binary frame; fragmented: the bytes split over continuation frames. */
  mode: "text" | "binary" | "fragmented";
  payload: Payload;
  /** For fragmented: byte offsets where the message is split; a control ping is sent between fragments when set. */
  splits?: number[];
  pingBetween?: boolean;
  binary?: boolean;
}

export interface HttpCase {
  category: "rest-query" | "rest-body" | "rest-raw" | "gql-http";
  method: string;
  path: string;
  body?: Payload;
  headers?: Record<string, string>;
}

export type Case =
  | HttpCase
  /** Sent on an authenticated (limited user) Directus socket; the harness then checks the socket with a ping round trip. */
  | { category: "ws-frame"; sends: WsSend[] }
  /** A fresh unauthenticated socket: the first frames are the fuzzed handshake. */
  | { category: "ws-handshake"; sends: WsSend[] }
  /** Many subscriptions on one socket, then rapid subscribe/unsubscribe of one uid. */
  | { category: "ws-storm"; seed: number; count: number; churn: number }
  /** A graphql-transport-ws socket; `init` false means the first message is fuzzed too. */
  | { category: "gql-ws"; init: boolean; sends: WsSend[] };

export type Category = Case["category"];
export const CATEGORIES: Category[] = ["ws-frame", "ws-handshake", "ws-storm", "gql-ws", "gql-http", "rest-query", "rest-body", "rest-raw"];

export interface GenContext {
  /** Collections the fuzzer knows: readable canary, writable scratch, forbidden vault. */
  canary: string;
  scratch: string;
  vault: string;
  /** The limited user's static token (valid credentials sometimes appear in fuzzed frames). */
  token: string;
  /** Largest huge string to generate (kept near the server's limits so both sides of them are hit). */
  hugeMax: number;
}

// ---------------------------------------------------------------------------------------------
// Hostile values

export const NASTY_STRINGS = [
  "", " ", "\u0000", "\u0000abc", "null", "undefined", "true", "false", "NaN", "Infinity", "-Infinity", "-1", "0", "-0", "1e309",
  "9007199254740993", "0x10", "1.5", " 1", "[]", "{}", "[object Object]",
  "' OR 1=1 --", "\" OR \"\"=\"", "1; DROP TABLE canary; --", "1) OR (1=1", "1' UNION SELECT password, email FROM directus_users --",
  "select * from directus_users", "SELECT sqlite_version()", "pg_sleep(5)", "'; waitfor delay '0:0:5'--", "id`, `password",
  "\"id\"", "`id`", "[id]", "id)--", "id/*", "*/id", "json_extract(data, '$.a')", "count(*)", "$FOLLOW(directus_users, role)",
  "$CURRENT_USER", "$CURRENT_ROLE", "$CURRENT_ROLES", "$CURRENT_POLICIES", "$NOW", "$NOW(-1 year)", "{{ $trigger }}", "${7*7}", "%s%s%s%n",
  "../../../etc/passwd", "..%2f..%2f..%2fetc%2fpasswd", "..\\..\\windows\\win.ini", "/server/info", "%2e%2e%2f", "%00", "%", "%zz", "%C0%AF",
  "__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "__defineGetter__",
  "𝕿𝖎𝖉𝖎𝖓𝖌𝖘", "💥🔥", "\u202eevil", "\ud800", "\udfff\ud800", "Ω≈ç√∫", "日本語テキスト", "ﷺ", "\u200b", "\ufeff", "\r\n", "\n\n\n",
  "<script>alert(1)</script>", "javascript:alert(1)", "*", "*.*", "*.*.*.*.*", "id,id,id", "-id", "--id", "id.", ".id", "a.b.c.d.e.f",
  "directus_users", "directus_users.password", "directus_settings", "tidings_sessions", "directus_", "canary", "scratch", "vault",
];

const WRONG_TYPES: ReadonlyArray<(rng: Rng) => unknown> = [
  () => null, () => true, () => false, () => 0, () => -1, () => 1.5, () => 1e308, () => -1e308, () => 2 ** 53 + 1,
  () => [], () => ({}), () => "", (rng) => rng.pick(NASTY_STRINGS), () => [null], () => [[[]]], () => ({ a: { b: { c: {} } } }),
  () => ["a", 1, null, {}], () => "x".repeat(300),
];

export function wrongType(rng: Rng): unknown {
  return rng.pick(WRONG_TYPES)(rng);
}

/** An object with an own, enumerable key that object literals cannot create (`__proto__`). */
export function withKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

const POLLUTION = [
  () => withKey({}, "__proto__", { admin: true, polluted: "PWNED", role: null }),
  () => ({ constructor: { prototype: { admin: true, polluted: "PWNED" } } }),
  () => withKey({ id: 1 }, "__proto__", { toString: "x" }),
  () => ({ prototype: { admin: true } }),
];

export function pollution(rng: Rng): Record<string, unknown> {
  return rng.pick(POLLUTION)();
}

export function hugeString(rng: Rng, max: number): string {
  const size = rng.pick([1000, 10_000, 100_000, Math.max(1000, max - 64), max + 1024, rng.int(1, max)]);
  const unit = rng.pick(["a", "é", "💥", "\\", "\"", "%", "{", "["]);
  return unit.repeat(Math.max(1, Math.floor(size / Buffer.byteLength(unit))));
}

/** Deeply nested arrays or objects as JSON text (no recursion needed to build them). */
export function deepJson(rng: Rng): string {
  const depth = rng.pick([50, 500, 5000, 50_000]);
  return rng.chance(0.5) ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}

export function deepValue(depth: number, array: boolean): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = array ? [value] : { a: value };
  return value;
}

/** Any JSON-ish value, biased toward the hostile. */
export function value(rng: Rng, depth = 0): unknown {
  if (depth > 3) return rng.pick(NASTY_STRINGS);
  return rng.weighted<() => unknown>([
    [4, () => rng.pick(NASTY_STRINGS)],
    [3, () => wrongType(rng)],
    [1, () => Array.from({ length: rng.int(0, 4) }, () => value(rng, depth + 1))],
    [1, () => Object.fromEntries(Array.from({ length: rng.int(0, 4) }, () => [rng.pick(NASTY_STRINGS), value(rng, depth + 1)]))],
    [1, () => pollution(rng)],
    [1, () => deepValue(rng.pick([20, 200, 2000]), rng.chance(0.5))],
  ])();
}

// ---------------------------------------------------------------------------------------------
// Directus query objects (filters, sorts, fields …)

const FIELDS = ["id", "title", "n", "data", "secret", "*", "*.*", "user_created", "unknown_field", "count(id)", "json(data, a)", "$thumbnail", "a.b.c"];
const OPERATORS = [
  "_eq", "_neq", "_lt", "_lte", "_gt", "_gte", "_in", "_nin", "_null", "_nnull", "_contains", "_ncontains", "_icontains",
  "_starts_with", "_ends_with", "_istarts_with", "_between", "_nbetween", "_empty", "_nempty", "_intersects", "_regex",
  "_some", "_none", "_and", "_or", "_sql", "$where", "_EQ", "eq", "",
];

export function filter(rng: Rng, depth = 0): unknown {
  if (depth > 2 || rng.chance(0.4)) {
    const field = rng.chance(0.8) ? rng.pick(FIELDS) : rng.pick(NASTY_STRINGS);
    const op = rng.pick(OPERATORS);
    const operand = rng.weighted<() => unknown>([
      [3, () => rng.pick([1, 2, 0, -1, "1", "a", true, null, [1, 2], ["1", "2"], [1], "1,2", "$CURRENT_USER", "$NOW"])],
      [2, () => value(rng, 2)],
    ])();
    return rng.chance(0.9) ? { [field]: { [op]: operand } } : { [field]: operand };
  }
  const logical = rng.pick(["_and", "_or", "_and", "_not", "and"]);
  return { [logical]: Array.from({ length: rng.int(0, 3) }, () => filter(rng, depth + 1)) };
}

export function directusQuery(rng: Rng): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  const keys = ["fields", "filter", "sort", "limit", "offset", "page", "search", "meta", "deep", "alias", "aggregate", "groupBy", "unknown"];
  for (const key of keys) {
    if (!rng.chance(0.3)) continue;
    query[key] = rng.weighted<() => unknown>([
      [3, () => {
        switch (key) {
          case "fields": return rng.chance(0.5) ? [rng.pick(FIELDS), rng.pick(FIELDS)] : rng.pick(FIELDS);
          case "filter": return rng.chance(0.2) ? JSON.stringify(filter(rng)) : filter(rng);
          case "sort": return rng.chance(0.5) ? [rng.pick(["id", "-id", "title", "-n", "?", "x"])] : rng.pick(["id", "-id,title", "", "-", "random()"]);
          case "limit": case "offset": case "page": return rng.pick([-1, 0, 1, 5, 1e9, -100, 1.5, "10", "abc", "-1", null, 2 ** 53]);
          case "search": return rng.pick(NASTY_STRINGS);
          case "meta": return rng.pick(["*", "total_count", "filter_count", ["total_count"], "x", ""]);
          case "deep": return { [rng.pick(FIELDS)]: { _limit: rng.pick([-1, 1, "x"]), _filter: filter(rng) } };
          case "alias": return { [rng.pick(NASTY_STRINGS)]: rng.pick(FIELDS) };
          case "aggregate": return { [rng.pick(["count", "sum", "avg", "min", "max", "countDistinct", "x"])]: rng.pick(["*", "id", "n", "title", "x'--"]) };
          case "groupBy": return [rng.pick(FIELDS)];
          default: return value(rng);
        }
      }],
      [1, () => wrongType(rng)],
    ])();
  }
  if (rng.chance(0.05)) Object.assign(query, pollution(rng));
  return query;
}

// ---------------------------------------------------------------------------------------------
// Directus WebSocket frames

function uidValue(rng: Rng): unknown {
  return rng.weighted<() => unknown>([
    [5, () => `u${rng.int(0, 50)}`],
    [2, () => rng.int(0, 50)],
    [1, () => wrongType(rng)],
    [1, () => rng.pick(NASTY_STRINGS)],
  ])();
}

function collectionName(rng: Rng, ctx: GenContext): unknown {
  return rng.weighted<() => unknown>([
    [4, () => ctx.canary],
    [3, () => ctx.scratch],
    [2, () => ctx.vault],
    [1, () => rng.pick(["directus_users", "directus_fields", "directus_relations", "directus_extensions", "directus_permissions", "directus_collections", "tidings_sessions"])],
    [2, () => rng.pick(NASTY_STRINGS)],
    [1, () => wrongType(rng)],
  ])();
}

function itemData(rng: Rng): unknown {
  return rng.weighted<() => unknown>([
    [4, () => ({ title: rng.pick(NASTY_STRINGS), n: rng.pick([1, -1, 0, 2 ** 31, 1.5, "7"]) })],
    [2, () => ({ title: value(rng), n: value(rng), data: value(rng) })],
    [1, () => Array.from({ length: rng.int(0, 3) }, () => ({ title: rng.pick(NASTY_STRINGS) }))],
    [1, () => ({ id: rng.pick([1, 2, "1", -1]), title: "overwrite" })],
    [1, () => ({ [rng.pick(NASTY_STRINGS)]: value(rng) })],
    [1, () => pollution(rng)],
    [1, () => wrongType(rng)],
  ])();
}

/** A well-formed-ish Directus message of a random type. */
export function directusMessage(rng: Rng, ctx: GenContext): Record<string, unknown> {
  const type = rng.weighted<string>([[5, "subscribe"], [2, "unsubscribe"], [5, "items"], [2, "ping"], [1, "pong"], [1, "auth"], [1, "SUBSCRIBE"], [1, "nonsense"]]);
  const message: Record<string, unknown> = { type };
  if (rng.chance(0.7)) message.uid = uidValue(rng);
  switch (type) {
    case "subscribe":
    case "SUBSCRIBE":
      message.collection = collectionName(rng, ctx);
      if (rng.chance(0.3)) message.event = rng.pick(["create", "update", "delete", "init", "", "CREATE", null]);
      if (rng.chance(0.3)) message.item = rng.pick([1, 2, "1", "999", 0, -1, "x'--", null, [1]]);
      if (rng.chance(0.6)) message.query = directusQuery(rng);
      break;
    case "items": {
      message.collection = collectionName(rng, ctx);
      message.action = rng.weighted<unknown>([[3, "read"], [2, "create"], [2, "update"], [2, "delete"], [1, "upsert"], [1, wrongType(rng)]]);
      if (rng.chance(0.4)) message.id = rng.pick([1, 2, "1", 0, -1, "999", "x' OR 1=1", null, 1.5]);
      if (rng.chance(0.3)) message.ids = rng.pick([[1, 2], ["1"], [], [null], "1,2", [{}], [1, "x';--"]]);
      if (rng.chance(0.6)) message.data = itemData(rng);
      if (rng.chance(0.5)) message.query = directusQuery(rng);
      break;
    }
    case "auth":
      message.access_token = rng.weighted<unknown>([[3, rng.pick(NASTY_STRINGS)], [1, ctx.token], [1, wrongType(rng)], [1, "eyJhbGciOiJub25lIn0.eyJpZCI6IjEiLCJyb2xlIjpudWxsLCJhZG1pbl9hY2Nlc3MiOnRydWV9."]]);
      if (rng.chance(0.2)) {
        delete message.access_token;
        message.email = rng.pick(["admin@example.com", "nobody@example.com", "not-an-email", ""]);
        message.password = rng.pick(NASTY_STRINGS);
      }
      break;
  }
  return message;
}

/** Mutates a message object in place: wrong types, missing fields, huge strings, deep nesting, prototype keys. */
export function mutateObject(rng: Rng, message: Record<string, unknown>, ctx: GenContext): unknown {
  const keys = Object.keys(message);
  const mutations = rng.int(0, 2);
  for (let i = 0; i < mutations; i++) {
    const key = keys.length ? rng.pick(keys) : "type";
    rng.weighted<() => void>([
      [3, () => (message[key] = wrongType(rng))],
      [2, () => delete message[key]],
      [1, () => (message[key] = hugeString(rng, ctx.hugeMax))],
      [1, () => (message[key] = deepValue(rng.pick([100, 1000, 2000]), rng.chance(0.5)))],
      [1, () => withKey(message, rng.pick(["__proto__", "constructor", "prototype"]), pollution(rng))],
      [1, () => (message[rng.pick(NASTY_STRINGS)] = value(rng))],
    ])();
  }
  if (rng.chance(0.05)) return rng.pick<unknown>([[message], null, 1, "subscribe", [], true]);
  return message;
}

/** Text-level corruption of a serialized frame. */
export function mutateText(rng: Rng, text: string): string {
  return rng.weighted<() => string>([
    [3, () => text.slice(0, rng.int(0, text.length))],
    [2, () => {
      const at = rng.int(0, text.length);
      return text.slice(0, at) + rng.pick(["{", "}", "[", "]", '"', ",", ":", "\\", "\u0000", "\ud800", "💥", "NaN", "1e99999"]) + text.slice(at);
    }],
    [1, () => `\ufeff${text}`],
    [1, () => `${text}${text}`],
    [1, () => `${text} trailing garbage`],
    [1, () => text.replace(/^\{/, '{"type":"ping","type":"subscribe",')],
    [1, () => `  \n\t${text}\n  `],
    [1, () => deepJson(rng)],
    [1, () => rng.pick(["", " ", "null", "true", "0", '"str"', "[]", "{}", "[{}]", '{"type":null}', '{"type":1}', '{"type":"ping","uid":true}'])],
  ])();
}

const INVALID_UTF8 = [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xf0, 0x28, 0x8c, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80]];

/** Wraps frame text in a transport: text, binary, fragmented, or text with invalid UTF-8 bytes. */
export function transport(rng: Rng, text: string): WsSend {
  const bytes = Buffer.from(text);
  return rng.weighted<() => WsSend>([
    [8, () => ({ mode: "text", payload: { text } })],
    [1, () => ({ mode: "binary", payload: { b64: bytes.toString("base64") } })],
    [2, () => {
      const count = rng.int(1, 4);
      const splits = Array.from({ length: count }, () => rng.int(0, bytes.length)).sort((a, b) => a - b);
      return { mode: "fragmented", payload: { b64: bytes.toString("base64") }, splits, pingBetween: rng.chance(0.3), binary: rng.chance(0.2) };
    }],
    [1, () => {
      const at = rng.int(0, bytes.length);
      const broken = Buffer.concat([bytes.subarray(0, at), Buffer.from(rng.pick(INVALID_UTF8)), bytes.subarray(at)]);
      return { mode: rng.chance(0.2) ? "fragmented" : "text", payload: { b64: broken.toString("base64") }, splits: [Math.max(0, at - 1)] };
    }],
  ])();
}

export function directusFrame(rng: Rng, ctx: GenContext): WsSend {
  const message = directusMessage(rng, ctx);
  const mutated = rng.chance(0.6) ? mutateObject(rng, message, ctx) : message;
  let text = JSON.stringify(mutated) ?? "null";
  if (rng.chance(0.15)) text = mutateText(rng, text);
  return transport(rng, text);
}

// ---------------------------------------------------------------------------------------------
// GraphQL documents and graphql-transport-ws messages

const GQL_SCALARS = ["id", "title", "n", "data", "secret", "__typename", "nope"];

function selection(rng: Rng, depth: number): string {
  const fields = Array.from({ length: rng.int(1, 3) }, () => rng.pick(GQL_SCALARS));
  if (depth > 0 && rng.chance(0.3)) fields.push(`user_created { id email ${selection(rng, depth - 1)} }`);
  return fields.join(" ");
}

function gqlArgs(rng: Rng): string {
  const args: string[] = [];
  if (rng.chance(0.4)) args.push(`filter: ${rng.pick(['{ id: { _eq: 1 } }', '{ title: { _contains: "\' OR 1=1" } }', "{ _or: [] }", '{ n: { _gt: "x" } }', "{ nope: { _eq: 1 } }", "$f"])}`);
  if (rng.chance(0.3)) args.push(`sort: ${rng.pick(['["id"]', '["-id"]', '"x"', "[1]", '["id; drop"]'])}`);
  if (rng.chance(0.3)) args.push(`limit: ${rng.pick(["-1", "5", "1e9", '"x"', "null", "99999999999999999999"])}`);
  if (rng.chance(0.2)) args.push(`search: ${JSON.stringify(rng.pick(NASTY_STRINGS))}`);
  return args.length ? `(${args.join(", ")})` : "";
}

export function gqlDocument(rng: Rng, ctx: GenContext): string {
  const coll = rng.pick([ctx.canary, ctx.canary, ctx.scratch, ctx.vault, "directus_users", "users_me", "nope"]);
  const doc = rng.weighted<() => string>([
    [4, () => `query Q($f: ${coll}_filter) { ${coll}${gqlArgs(rng)} { ${selection(rng, 2)} } }`],
    [2, () => `{ ${coll}_by_id(id: ${rng.pick(["1", '"1"', "0", '"x\' OR 1=1"', "null", "$id"])}) { ${selection(rng, 1)} } }`],
    [2, () => `mutation { create_${coll}_item(data: { title: ${JSON.stringify(rng.pick(NASTY_STRINGS))}, n: ${rng.pick(["1", '"x"', "null", "1e400"])} }) { id } }`],
    [2, () => `mutation { update_${coll}_item(id: ${rng.pick(["1", "2"])}, data: { title: "fuzzed" }) { id title } }`],
    [1, () => `mutation { delete_${coll}_items(ids: [1, 2, 3]) { ids } }`],
    [3, () => `subscription { ${coll}_mutated${rng.pick(["", '(event: create)', "(event: $e)", '(event: "delete")', "(event: nope)"])} { key event data { ${selection(rng, 1)} } } }`],
    [1, () => "{ __schema { types { name fields { name type { name ofType { name ofType { name } } } } } } }"],
    [1, () => {
      const depth = rng.pick([20, 200, 2000]);
      return `{ ${coll} { ${"user_created { ".repeat(depth)}id${" }".repeat(depth)} } }`;
    }],
    [1, () => `{ ${Array.from({ length: rng.pick([100, 1000, 6000]) }, (_, i) => `a${i}: ${coll} { id }`).join(" ")} }`],
    [1, () => `fragment A on ${coll} { id ...B } fragment B on ${coll} { title ...A } { ${coll} { ...A } }`],
    [1, () => `{ ${coll} { id @include(if: $x) title @skip(if: "yes") @nope } }`],
    [1, () => `{ ${coll}(filter: { title: { _eq: ${JSON.stringify(hugeString(rng, Math.min(ctx.hugeMax, 200_000)))} } }) { id } }`],
    [1, () => `{ ${coll} { id } } ${rng.pick(['"\\uD800"', '"""unterminated', "{", "}}}", "query query query", "\u0000", "#comment only"])}`],
    [1, () => rng.pick(["", " ", "{}", "{ }", "query", "subscription { }", "mutation", "{ server_ping }", "{ users_me { id email role { id } } }"])],
  ])();
  if (rng.chance(0.15)) {
    // Token-level mutation: drop, duplicate or swap a token.
    const tokens = doc.split(/(\s+)/);
    const at = rng.int(0, tokens.length - 1);
    const op = rng.int(0, 2);
    if (op === 0) tokens.splice(at, 1);
    else if (op === 1) tokens.splice(at, 0, tokens[at]);
    else tokens[at] = rng.pick(["{", "}", "(", ")", "$", "@", "...", "!", "[", "]", ":", "=", '"']);
    return tokens.join("");
  }
  return doc;
}

export function gqlVariables(rng: Rng): unknown {
  return rng.weighted<() => unknown>([
    [3, () => undefined],
    [2, () => ({ id: rng.pick([1, "1", null, "x'--", {}]), e: rng.pick(["create", "update", "delete", "nope", 1, null]), x: rng.pick([true, "x", null]), f: filter(rng) })],
    [1, () => wrongType(rng)],
    [1, () => pollution(rng)],
  ])();
}

/** One graphql-transport-ws client message. */
export function gqlWsMessage(rng: Rng, ctx: GenContext, ids: string[]): Record<string, unknown> | unknown {
  const id = rng.chance(0.8) && ids.length ? rng.pick(ids) : (wrongType(rng) as string);
  const message = rng.weighted<() => Record<string, unknown>>([
    [6, () => ({ id, type: "subscribe", payload: { query: gqlDocument(rng, ctx), variables: gqlVariables(rng), operationName: rng.chance(0.1) ? rng.pick(["Q", "nope", 1]) : undefined } })],
    [2, () => ({ id, type: "complete" })],
    [1, () => ({ type: "ping", payload: rng.chance(0.5) ? value(rng) : undefined })],
    [1, () => ({ type: "pong" })],
    [1, () => ({ type: "connection_init", payload: { access_token: rng.pick([ctx.token, "junk"]) } })],
    [1, () => ({ type: rng.pick(["start", "stop", "connection_terminate", "next", "error", "connection_ack", "", "SUBSCRIBE"]), id, payload: value(rng) })],
  ])();
  return rng.chance(0.3) ? mutateObject(rng, message, ctx) : message;
}

export function gqlWsFrame(rng: Rng, ctx: GenContext, ids: string[]): WsSend {
  let text = JSON.stringify(gqlWsMessage(rng, ctx, ids)) ?? "null";
  if (rng.chance(0.1)) text = mutateText(rng, text);
  return transport(rng, text);
}

// ---------------------------------------------------------------------------------------------
// REST

/** encodeURIComponent that also takes lone surrogates (as their UTF-8 replacement bytes). */
export function enc(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...Buffer.from(text)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`).join("");
  }
}

function encodeSegment(rng: Rng, segment: string): string {
  return rng.weighted<() => string>([
    [5, () => enc(segment)],
    [1, () => segment.replace(/[\s#?]/g, (c) => enc(c))],
    [1, () => enc(enc(segment))],
  ])();
}

function queryPair(rng: Rng, key: string, val: unknown): string {
  if (typeof val === "string") return `${key}=${rng.chance(0.85) ? enc(val) : val}`;
  if (rng.chance(0.5) && val && typeof val === "object") {
    // qs bracket syntax: filter[id][_eq]=1
    const pairs: string[] = [];
    const walk = (prefix: string, node: unknown, depth: number) => {
      if (depth > 14 || pairs.length > 50) return;
      if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) walk(`${prefix}[${enc(k)}]`, v, depth + 1);
      } else pairs.push(`${prefix}=${enc(String(node))}`);
    };
    walk(key, val, 0);
    return pairs.join("&");
  }
  return `${key}=${enc(JSON.stringify(val) ?? "")}`;
}

export function restQueryString(rng: Rng): string {
  const query = directusQuery(rng);
  const parts = Object.entries(query).map(([key, val]) => queryPair(rng, key, val));
  if (rng.chance(0.1)) parts.push(`access_token=${enc(rng.pick(NASTY_STRINGS))}`);
  if (rng.chance(0.1)) parts.push(rng.pick(["filter[__proto__][admin]=true", "__proto__[admin]=1", "constructor[prototype][admin]=1", "a=%", "%zz=1", "fields[]=id&fields[]=*.*.*", "limit=1&limit=2", "sort[][]=x", `filter=${"[".repeat(100)}`, `x=${"a".repeat(20_000)}`]));
  return parts.length ? `?${parts.join("&")}` : "";
}

function restPath(rng: Rng, ctx: GenContext): string {
  const name = String(collectionName(rng, ctx));
  const base = rng.weighted<() => string>([
    [8, () => `/items/${encodeSegment(rng, name)}`],
    [1, () => `/fields/${encodeSegment(rng, name)}`],
    [1, () => `/collections/${encodeSegment(rng, name)}`],
    [1, () => `/relations/${encodeSegment(rng, name)}`],
    [1, () => rng.pick(["/users", "/users/me", "/roles", "/policies", "/permissions", "/permissions/me", "/access", "/server/info", "/server/health", "/server/metrics"])],
    [1, () => rng.pick(["/items/../server/metrics", "/items/%2e%2e/users", "/items/..%2fusers", "//items//canary", "/items/canary/../../users", "/items/canary%00", "/items/canary;select", "/ITEMS/canary", "/items/canary/"])],
  ])();
  if (rng.chance(0.4) && base.startsWith("/items/")) return `${base}/${encodeSegment(rng, String(rng.pick<unknown>([1, 2, 0, -1, 999, "1", "x' OR '1'='1", "1;--", "../1", "1.0", "1e3", " 1", ...NASTY_STRINGS.slice(0, 20)])))}`;
  return base;
}

export function restQueryCase(rng: Rng, ctx: GenContext): HttpCase {
  return { category: "rest-query", method: "GET", path: restPath(rng, ctx) + restQueryString(rng) };
}

export function restBodyCase(rng: Rng, ctx: GenContext): HttpCase {
  const method = rng.weighted<string>([[4, "POST"], [3, "PATCH"], [2, "DELETE"], [1, "PUT"], [1, "SEARCH"]]);
  let path = restPath(rng, ctx);
  if (rng.chance(0.15)) path = rng.pick(["/auth/login", "/auth/refresh", "/auth/logout", "/users/me", "/graphql", "/permissions", "/collections", "/fields/" + ctx.canary]);
  const body = rng.weighted<() => unknown>([
    [4, () => itemData(rng)],
    [2, () => ({ keys: rng.pick([[1, 2], ["1"], [], "1", [{}], null]), data: itemData(rng) })],
    [2, () => ({ query: directusQuery(rng), data: itemData(rng) })],
    [1, () => ({ email: rng.pick(["admin@example.com", "x@example.com", value(rng)]), password: rng.pick(NASTY_STRINGS), mode: rng.pick(["json", "cookie", "session", 1]) })],
    [1, () => ({ role: rng.pick([null, "admin", value(rng)]), admin_access: true, token: "stolen", status: "active" })],
    [1, () => value(rng)],
  ])();
  let text = JSON.stringify(body) ?? "null";
  if (rng.chance(0.1)) text = mutateText(rng, text);
  return { category: "rest-body", method, path: path + (rng.chance(0.2) ? restQueryString(rng) : ""), body: { text }, headers: { "content-type": "application/json" } };
}

export function restRawCase(rng: Rng, ctx: GenContext, maxPayload: number): HttpCase {
  const path = rng.pick([`/items/${ctx.scratch}`, `/items/${ctx.canary}`, "/auth/login", "/graphql", `/items/${ctx.scratch}/1`]);
  return rng.weighted<() => HttpCase>([
    [2, () => ({ category: "rest-raw", method: "POST", path, body: { text: JSON.stringify({ title: "x".repeat(maxPayload + rng.int(1, 1000)) }) }, headers: { "content-type": "application/json" } })],
    [2, () => ({ category: "rest-raw", method: "POST", path, body: { text: deepJson(rng) }, headers: { "content-type": "application/json" } })],
    [2, () => ({ category: "rest-raw", method: rng.pick(["POST", "PATCH"]), path, body: { text: '{"title":"a"}' }, headers: { "content-type": rng.pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/xml", "", "application/json, text/plain", "APPLICATION/JSON"]) } })],
    [2, () => ({ category: "rest-raw", method: "POST", path, body: { b64: Buffer.concat([Buffer.from('{"title":"'), Buffer.from(rng.pick(INVALID_UTF8)), Buffer.from('"}')]).toString("base64") }, headers: { "content-type": "application/json" } })],
    [1, () => ({ category: "rest-raw", method: "POST", path, body: { text: "" }, headers: { "content-type": "application/json" } })],
    [1, () => ({ category: "rest-raw", method: "GET", path: `/items/${ctx.canary}?${"filter[a]".repeat(1)}=${"%".repeat(rng.int(1, 3))}` })],
    [1, () => ({ category: "rest-raw", method: "GET", path: `/items/${ctx.canary}?fields=${"id,".repeat(rng.pick([100, 3000]))}id` })],
    [1, () => ({ category: "rest-raw", method: "GET", path: `/items/${ctx.canary}`, headers: { authorization: rng.pick(["Bearer", "Bearer ", "Basic abc", "Bearer a b c", `Bearer ${"x".repeat(8000)}`, "bearer " + ctx.token + "x", "Bearer \u00ff"]) } })],
    [1, () => ({ category: "rest-raw", method: "GET", path: `/items/${ctx.canary}`, headers: { "x-forwarded-for": rng.pick(["1.2.3.4", "::1", "garbage", "' OR 1=1"]), "user-agent": "x".repeat(rng.pick([10, 5000])), cookie: `directus_session_token=${rng.pick(NASTY_STRINGS)}` } })],
  ])();
}

export function gqlHttpCase(rng: Rng, ctx: GenContext): HttpCase {
  const query = gqlDocument(rng, ctx);
  if (rng.chance(0.2)) {
    return { category: "gql-http", method: "GET", path: `/graphql?query=${enc(query)}${rng.chance(0.3) ? `&variables=${enc(JSON.stringify(gqlVariables(rng)) ?? "x")}` : ""}` };
  }
  const body = rng.weighted<() => unknown>([
    [6, () => ({ query, variables: gqlVariables(rng), operationName: rng.chance(0.1) ? rng.pick(["Q", "nope", 1, null]) : undefined })],
    [1, () => ({ query: wrongType(rng) })],
    [1, () => [{ query }, { query }]],
    [1, () => value(rng)],
  ])();
  let text = JSON.stringify(body) ?? "null";
  if (rng.chance(0.1)) text = mutateText(rng, text);
  return { category: "gql-http", method: "POST", path: rng.chance(0.9) ? "/graphql" : "/graphql/system", body: { text }, headers: { "content-type": "application/json" } };
}

// ---------------------------------------------------------------------------------------------

export interface GenOptions {
  ctx: GenContext;
  maxPayload: number;
  stormSize: number;
  /** Relative weights per category (0 disables one). */
  weights: Record<Category, number>;
}

export const DEFAULT_WEIGHTS: Record<Category, number> = {
  "ws-frame": 30, "ws-handshake": 4, "ws-storm": 0, "gql-ws": 10, "gql-http": 10, "rest-query": 20, "rest-body": 15, "rest-raw": 5,
};

/** One batch of cases; a storm is appended to every `stormEvery`-th batch. */
export function generateBatch(rng: Rng, options: GenOptions, size: number, withStorm: boolean): Case[] {
  const { ctx } = options;
  const entries = (Object.entries(options.weights) as Array<[Category, number]>).filter(([, w]) => w > 0).map(([category, w]) => [w, category] as const);
  const cases: Case[] = [];
  for (let i = 0; i < size; i++) {
    const category = rng.weighted(entries);
    switch (category) {
      case "ws-frame": cases.push({ category, sends: Array.from({ length: rng.int(1, 3) }, () => directusFrame(rng, ctx)) }); break;
      case "ws-handshake": {
        const first = rng.chance(0.3) ? transport(rng, JSON.stringify({ type: "auth", access_token: ctx.token, uid: rng.pick([undefined, 1, "h"]) })) : directusFrame(rng, ctx);
        cases.push({ category, sends: [first, directusFrame(rng, ctx)] });
        break;
      }
      case "ws-storm": cases.push({ category, seed: rng.int(0, 2 ** 31), count: options.stormSize, churn: Math.ceil(options.stormSize / 4) }); break;
      case "gql-ws": {
        const ids = ["a", "b", "1", "dup"];
        cases.push({ category, init: rng.chance(0.85), sends: Array.from({ length: rng.int(1, 4) }, () => gqlWsFrame(rng, ctx, ids)) });
        break;
      }
      case "gql-http": cases.push(gqlHttpCase(rng, ctx)); break;
      case "rest-query": cases.push(restQueryCase(rng, ctx)); break;
      case "rest-body": cases.push(restBodyCase(rng, ctx)); break;
      case "rest-raw": cases.push(restRawCase(rng, ctx, options.maxPayload)); break;
    }
  }
  if (withStorm && options.stormSize > 0) cases.push({ category: "ws-storm", seed: rng.int(0, 2 ** 31), count: options.stormSize, churn: Math.ceil(options.stormSize / 4) });
  return cases;
}

export function payloadBytes(payload: Payload): Buffer {
  return "text" in payload ? Buffer.from(payload.text) : Buffer.from(payload.b64, "base64");
}

/** A short printable form of a payload for reports. */
export function preview(payload: Payload | undefined, max = 300): string {
  if (!payload) return "";
  const text = "text" in payload ? payload.text : `base64:${payload.b64}`;
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}
