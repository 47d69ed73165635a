// Many parallel writers on the same rows, on SQLite and PostgreSQL: no acknowledged update is lost, update
// events reach a subscriber in the order the database applied the updates, unique constraints hold.
// The order the database applied updates in is recorded independently of Tidings by a trigger the test
// installs (apply_log: one row per applied UPDATE, numbered in apply order under the row lock).
import { createRequire } from "node:module";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autoPk, createCollection } from "../api/fixtures.js";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http, type Reply } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { connect, type Frame, type WsClient } from "../helpers/ws-client.js";

/** better-sqlite3 ships no types here: the little of it the test uses. */
interface SqliteConnection {
  pragma(text: string): unknown;
  exec(text: string): void;
  prepare(text: string): { all(): unknown[] };
  close(): void;
}
const Database = createRequire(import.meta.url)("better-sqlite3") as new (filename: string, options?: { readonly?: boolean }) => SqliteConnection;

const kinds = await databases();
if (!kinds.includes("pg")) console.warn("[tidings tests] reliability/concurrency: PostgreSQL not reachable, only SQLite runs (CI=true requires it).");

const WRITERS = 20;
const ROWS = 3;

/** Polls until `condition` holds, else fails with `what()`. */
async function until(condition: () => boolean | Promise<boolean>, what: () => string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Runs SQL on the server's database through a connection of the test's own. */
async function sql(server: TestServer, statements: string[]): Promise<void> {
  const { db } = server.app.config;
  if (db.client === "sqlite") {
    const connection = new Database(db.filename);
    try {
      connection.pragma("busy_timeout = 5000");
      for (const statement of statements) connection.exec(statement);
    } finally {
      connection.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: db.connectionString });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

async function query<T = Record<string, unknown>>(server: TestServer, text: string): Promise<T[]> {
  const { db } = server.app.config;
  if (db.client === "sqlite") {
    const connection = new Database(db.filename, { readonly: true });
    try {
      return connection.prepare(text).all() as T[];
    } finally {
      connection.close();
    }
  }
  const client = new pg.Client({ connectionString: db.connectionString });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** apply_log + a trigger on `table.val`: each applied UPDATE of val is logged, in apply order. */
async function installApplyLog(server: TestServer, table: string) {
  if (server.db === "sqlite") {
    await sql(server, [
      "CREATE TABLE apply_log (id INTEGER PRIMARY KEY AUTOINCREMENT, row_id INTEGER NOT NULL, val INTEGER)",
      `CREATE TRIGGER ${table}_apply AFTER UPDATE OF val ON ${table} BEGIN INSERT INTO apply_log (row_id, val) VALUES (NEW.id, NEW.val); END`,
    ]);
  } else {
    await sql(server, [
      "CREATE TABLE apply_log (id bigserial PRIMARY KEY, row_id integer NOT NULL, val integer)",
      `CREATE FUNCTION ${table}_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO apply_log (row_id, val) VALUES (NEW.id, NEW.val); RETURN NEW; END $$`,
      `CREATE TRIGGER ${table}_apply AFTER UPDATE OF val ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_apply()`,
    ]);
  }
}

const describeStatus = (replies: Reply[]) => {
  const byStatus = new Map<string, number>();
  for (const reply of replies) {
    const key = `${reply.status}${reply.body?.errors ? ` ${reply.body.errors[0]?.extensions?.code}` : ""}`;
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  }
  return JSON.stringify(Object.fromEntries(byStatus));
};

describe.each(kinds)("concurrent writers on %s", (kind) => {
  let server: TestServer;
  let admin: Http;
  let subscriber: WsClient;
  const events = (uid: string, action?: string) =>
    subscriber.frames.filter((frame) => frame.type === "subscription" && frame.uid === uid && frame.event !== "init" && (!action || frame.event === action));

  beforeAll(async () => {
    server = await startServer({ db: kind });
    admin = createHttp(server.url, server.adminToken);
    await createCollection(admin, "conc_rows", [autoPk, { field: "val", type: "integer", schema: {} }, { field: "writer", type: "string", schema: {} }]);
    await createCollection(admin, "conc_unique", [autoPk, { field: "code", type: "string", schema: { is_unique: true } }]);
    await installApplyLog(server, "conc_rows");
    subscriber = await connect(server.url, { token: server.adminToken });
    for (const [uid, collection, fields] of [["rows", "conc_rows", ["id", "val"]], ["unique", "conc_unique", ["id", "code"]]] as const) {
      subscriber.send({ type: "subscribe", collection, query: { fields }, uid });
      expect((await subscriber.next({ type: "subscription", uid }, 5000)).event).toBe("init");
    }
  }, 60_000);

  afterAll(async () => {
    await subscriber?.close();
    await server?.close();
  });

  it(`${WRITERS} concurrent PATCHes on each of ${ROWS} rows: none lost, events in the database's apply order, final row = last event`, async () => {
    const created = await admin.post("/items/conc_rows", Array.from({ length: ROWS }, () => ({ val: 0, writer: "seed" })));
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const ids: number[] = created.body.data.map((row: { id: number }) => row.id);
    await until(() => events("rows", "create").length >= 1, () => "the seed create event");
    await sql(server, ["DELETE FROM apply_log"]);

    // Every writer sets a value no other writer uses: 1000·row + writer.
    const patches = ids.flatMap((id, row) =>
      Array.from({ length: WRITERS }, (_, writer) => ({ id, val: 1000 * (row + 1) + writer + 1 })),
    );
    const replies = await Promise.all(patches.map((patch) => admin.patch(`/items/conc_rows/${patch.id}`, { val: patch.val, writer: `w${patch.val}` })));
    const acknowledged = patches.filter((_, i) => replies[i].status === 200);
    expect(describeStatus(replies), "every PATCH acknowledged").toBe(JSON.stringify({ 200: replies.length }));

    // Each acknowledged PATCH's value shows as exactly one update event of its row.
    const updateVals = (id: number) => events("rows", "update").flatMap((frame) => frame.data.filter((row: Frame) => row.id === id).map((row: Frame) => row.val as number));
    await until(
      () => acknowledged.every((patch) => updateVals(patch.id).includes(patch.val)),
      () => `update events for every acknowledged PATCH; missing ${JSON.stringify(acknowledged.filter((patch) => !updateVals(patch.id).includes(patch.val)))}`,
    );
    const log = await query<{ row_id: number; val: number }>(server, "SELECT row_id, val FROM apply_log ORDER BY id");
    for (const id of ids) {
      const seen = updateVals(id);
      const mine = acknowledged.filter((patch) => patch.id === id).map((patch) => patch.val);
      expect([...seen].sort(), `row ${id}: one event per acknowledged PATCH`).toEqual([...mine].sort());
      const applied = log.filter((entry) => entry.row_id === id).map((entry) => Number(entry.val));
      expect(seen, `row ${id}: update events in the order the database applied the updates`).toEqual(applied);
      const final = (await admin.get(`/items/conc_rows/${id}?fields=val`)).body.data.val;
      expect(seen[seen.length - 1], `row ${id}: the last event carries the row's final value`).toBe(final);
      expect(applied[applied.length - 1]).toBe(final);
    }
  });

  it("batch PATCHes naming the same rows in opposite orders: every reply is 2xx or a clean 4xx, events match the database", async () => {
    const created = await admin.post("/items/conc_rows", [{ val: 0 }, { val: 0 }]);
    const [a, b] = created.body.data.map((row: { id: number }) => row.id as number);
    await sql(server, ["DELETE FROM apply_log"]);
    const bodies = Array.from({ length: 10 }, (_, i) => {
      const val = 50_000 + i;
      return i % 2 === 0 ? [{ id: a, val }, { id: b, val }] : [{ id: b, val }, { id: a, val }];
    });
    const replies = await Promise.all(bodies.map((body) => admin.patch("/items/conc_rows", body)));
    expect(replies.filter((reply) => reply.status >= 500).length, `replies by status: ${describeStatus(replies)}`).toBe(0);
    const acknowledged = bodies.filter((_, i) => replies[i].status === 200).map((body) => body[0].val);
    const updateVals = (id: number) => events("rows", "update").flatMap((frame) => frame.data.filter((row: Frame) => row.id === id).map((row: Frame) => row.val as number));
    await until(() => acknowledged.every((val) => updateVals(a).includes(val) && updateVals(b).includes(val)), () => "update events for every acknowledged batch");
    const log = await query<{ row_id: number; val: number }>(server, "SELECT row_id, val FROM apply_log ORDER BY id");
    for (const id of [a, b]) {
      const seen = updateVals(id);
      expect(seen, `row ${id}: update events in apply order`).toEqual(log.filter((entry) => entry.row_id === id).map((entry) => Number(entry.val)));
      expect(seen[seen.length - 1]).toBe((await admin.get(`/items/conc_rows/${id}?fields=val`)).body.data.val);
    }
  });

  it(`${WRITERS} concurrent creates with the same unique value: exactly one succeeds, the rest get 400 RECORD_NOT_UNIQUE`, async () => {
    for (const round of [1, 2, 3]) {
      const code = `same-${round}`;
      const replies = await Promise.all(Array.from({ length: WRITERS }, () => admin.post("/items/conc_unique", { code })));
      const winners = replies.filter((reply) => reply.status === 200);
      const losers = replies.filter((reply) => reply.status !== 200);
      expect(winners, `round ${round}: replies by status ${describeStatus(replies)}`).toHaveLength(1);
      for (const reply of losers) {
        expect(reply.status, JSON.stringify(reply.body)).toBe(400);
        expect(reply.body.errors[0].extensions.code).toBe("RECORD_NOT_UNIQUE");
      }
      const rows = (await admin.get(`/items/conc_unique?filter[code][_eq]=${code}&fields=id,code`)).body.data;
      expect(rows).toEqual([{ id: winners[0].body.data.id, code }]);
      await until(() => events("unique", "create").some((frame) => frame.data.some((row: Frame) => row.code === code)), () => `the create event of ${code}`);
    }
    // Exactly one create event per winning value, never one for a refused create.
    await admin.post("/items/conc_unique", { code: "sentinel" });
    await until(() => events("unique", "create").some((frame) => frame.data.some((row: Frame) => row.code === "sentinel")), () => "the sentinel create");
    const codes = events("unique", "create").flatMap((frame) => frame.data.map((row: Frame) => row.code));
    expect(codes.filter((code) => code.startsWith("same-")).sort()).toEqual(["same-1", "same-2", "same-3"]);
  });

  it(`${WRITERS} concurrent first writes to a new collection (distinct values) all succeed and are all announced`, async () => {
    const collection = `conc_fresh_${Math.random().toString(36).slice(2, 8)}`;
    await createCollection(admin, collection, [autoPk, { field: "code", type: "string", schema: { is_unique: true } }]);
    subscriber.send({ type: "subscribe", collection, query: { fields: ["id", "code"] }, uid: "fresh" });
    expect((await subscriber.next({ type: "subscription", uid: "fresh" }, 5000)).event).toBe("init");
    const replies = await Promise.all(Array.from({ length: WRITERS }, (_, i) => admin.post(`/items/${collection}`, { code: `c${i}` })));
    const firstError = replies.find((reply) => reply.status !== 200)?.body;
    expect(describeStatus(replies), `every create acknowledged; first error ${JSON.stringify(firstError)}`).toBe(JSON.stringify({ 200: WRITERS }));
    const created = () => events("fresh", "create").flatMap((frame) => frame.data.map((row: Frame) => row.code as string));
    await until(() => created().length >= WRITERS, () => `${WRITERS} create events, got ${created().length}`);
    expect(created().sort()).toEqual(Array.from({ length: WRITERS }, (_, i) => `c${i}`).sort());
  });
});
