// Access control on rows: $CURRENT_USER filters, presets, validation, forbidden updates/deletes, counts, live changes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../helpers/databases.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { addPermission, createPolicy, createRole, createUser, limitedUser, unique, type LimitedUser, type PermissionSpec } from "./access-fixtures.js";
import { autoPk, createCollection, createField, expectError, ok, qs, sortedIds } from "./fixtures.js";

const dbs = await databases();

const own = { user_created: { _eq: "$CURRENT_USER" } };

describe.each(dbs)("access control: rows (%s)", (db) => {
  let server: TestServer;
  let admin: Http;

  beforeAll(async () => {
    server = await startServer({ db });
    admin = createHttp(server.url, server.adminToken);
    await createCollection(admin, "messages", [
      autoPk,
      { field: "text", type: "string", schema: {} },
      { field: "channel", type: "string", schema: {} },
      { field: "priority", type: "integer", schema: {} },
    ]);
    await createField(admin, "messages", { field: "user_created", type: "uuid", meta: { special: ["user-created"] }, schema: {} });
    await createCollection(admin, "notes", [autoPk, { field: "text", type: "string", schema: {} }]);
    ok(await admin.post("/items/notes", [{ text: "n1" }, { text: "n2" }, { text: "other" }]));
  }, 60_000);
  afterAll(async () => server?.close());

  const chatRules: PermissionSpec[] = [
    { collection: "messages", action: "read", permissions: own },
    { collection: "messages", action: "create", fields: ["text", "channel", "priority"] },
    { collection: "messages", action: "update", fields: ["text"], permissions: own },
    { collection: "messages", action: "delete", permissions: own },
  ];

  /** Two users of one role whose rules only reach their own messages, each with two messages; plus one by the admin. */
  async function twoUsers() {
    const alice = await limitedUser(server.url, admin, chatRules);
    const bob = await limitedUser(server.url, admin, [], { role: alice.role.id });
    const post = async (user: LimitedUser, text: string) => ok<any>(await user.http.post("/items/messages", { text, channel: "c" })).id;
    const a = [await post(alice, "a1"), await post(alice, "a2")];
    const b = [await post(bob, "b1"), await post(bob, "b2")];
    const adminMessage = ok<any>(await admin.post("/items/messages", { text: "admin" })).id;
    return { alice, bob, a, b, adminMessage };
  }

  const adminRead = async (id: unknown) => ok<any>(await admin.get(`/items/messages/${id}`));

  describe("row filter with $CURRENT_USER", () => {
    it("a limited user reads only their own rows, by list and by key", async () => {
      const { alice, bob, a, b, adminMessage } = await twoUsers();
      const rows = ok<any[]>(await alice.http.get("/items/messages?fields=id,text,user_created&sort=id"));
      expect(rows.map((row) => row.text)).toEqual(["a1", "a2"]);
      expect(rows.every((row) => row.user_created === alice.user.id)).toBe(true);
      expect(sortedIds(ok<any[]>(await bob.http.get("/items/messages?fields=id")))).toEqual([...b].sort((x, y) => x - y));
      expect(ok<any>(await alice.http.get(`/items/messages/${a[0]}`)).text).toBe("a1");
      expectError(await alice.http.get(`/items/messages/${b[0]}`), 403, "FORBIDDEN");
      expectError(await alice.http.get(`/items/messages/${adminMessage}`), 403, "FORBIDDEN");
      // A filter cannot widen the row filter.
      const widened = ok<any[]>(await alice.http.get(`/items/messages${qs({ filter: { user_created: { _eq: bob.user.id } }, fields: "id" })}`));
      expect(widened).toEqual([]);
    });

    it("meta total_count and filter_count count only visible rows", async () => {
      const { alice } = await twoUsers();
      const all = ok<any[]>(await admin.get("/items/messages?fields=id&limit=-1"));
      expect(all.length).toBeGreaterThan(3);
      const reply = await alice.http.get(`/items/messages${qs({ meta: "total_count,filter_count", filter: { text: { _eq: "a2" } }, fields: "id" })}`);
      expect(reply.status).toBe(200);
      expect(reply.body.data).toHaveLength(1);
      expect(reply.body.meta).toEqual({ total_count: 2, filter_count: 1 });
      const unfiltered = await alice.http.get("/items/messages?meta=*&fields=id");
      expect(unfiltered.body.meta).toMatchObject({ total_count: 2, filter_count: 2 });
    });

    it("aggregates count only visible rows", async () => {
      const { alice } = await twoUsers();
      const reply = ok<any[]>(await alice.http.get("/items/messages?aggregate[count]=*"));
      expect(Number(reply[0].count)).toBe(2);
    });
  });

  describe("create with presets and validation", () => {
    it("applies preset values for fields not sent, and keeps values that are sent", async () => {
      const user = await limitedUser(server.url, admin, [
        { collection: "messages", action: "create", fields: ["text", "channel"], presets: { channel: "general", priority: 3 } },
        { collection: "messages", action: "read" },
      ]);
      const created = ok<any>(await user.http.post("/items/messages", { text: "preset me" }));
      const stored = await adminRead(created.id);
      expect(stored).toMatchObject({ text: "preset me", channel: "general", priority: 3, user_created: user.user.id });
      const explicit = ok<any>(await user.http.post("/items/messages", { text: "own channel", channel: "random" }));
      expect((await adminRead(explicit.id)).channel).toBe("random");
    });

    it("resolves dynamic variables in presets", async () => {
      const user = await limitedUser(server.url, admin, [
        { collection: "messages", action: "create", fields: ["text"], presets: { channel: "$CURRENT_USER" } },
      ]);
      const reply = await user.http.post("/items/messages", { text: "where am I" });
      expect([200, 204]).toContain(reply.status);
      const [row] = ok<any[]>(await admin.get(`/items/messages${qs({ filter: { text: { _eq: "where am I" } } })}`));
      expect(row.channel).toBe(user.user.id);
    });

    it("applies the update rule's validation to updates", async () => {
      const user = await limitedUser(server.url, admin, [
        { collection: "messages", action: "create" },
        { collection: "messages", action: "read" },
        { collection: "messages", action: "update", validation: { priority: { _lte: 5 } } },
      ]);
      const { id } = ok<any>(await user.http.post("/items/messages", { text: "calm", priority: 1 }));
      const error = expectError(await user.http.patch(`/items/messages/${id}`, { priority: 6 }), 400, "FAILED_VALIDATION");
      expect(error.message).toContain("priority");
      expect((await adminRead(id)).priority).toBe(1);
    });

    it("refuses a payload failing the validation rule with 400 FAILED_VALIDATION naming the field", async () => {
      const user = await limitedUser(server.url, admin, [
        { collection: "messages", action: "create", validation: { priority: { _between: [1, 5] } } },
        { collection: "messages", action: "read" },
      ]);
      const before = ok<any[]>(await admin.get("/items/messages?aggregate[count]=*"))[0].count;
      const error = expectError(await user.http.post("/items/messages", { text: "too loud", priority: 9 }), 400, "FAILED_VALIDATION");
      expect(error.message).toContain("priority");
      expect(ok<any[]>(await admin.get("/items/messages?aggregate[count]=*"))[0].count).toBe(before);
      const good = ok<any>(await user.http.post("/items/messages", { text: "fine", priority: 2 }));
      expect((await adminRead(good.id)).priority).toBe(2);
    });

    it("refuses writing a field the create rule does not allow with 403", async () => {
      const user = await limitedUser(server.url, admin, [{ collection: "messages", action: "create", fields: ["text"] }]);
      expectError(await user.http.post("/items/messages", { text: "x", channel: "sneaky" }), 403, "FORBIDDEN");
      expect(ok<any[]>(await admin.get(`/items/messages${qs({ filter: { channel: { _eq: "sneaky" } } })}`))).toEqual([]);
    });
  });

  describe("forbidden update and delete", () => {
    it("updating a row outside the update filter is 403 and changes nothing", async () => {
      const { alice, a, b } = await twoUsers();
      expectError(await alice.http.patch(`/items/messages/${b[0]}`, { text: "hacked" }), 403, "FORBIDDEN");
      expect((await adminRead(b[0])).text).toBe("b1");
      expect(ok<any>(await alice.http.patch(`/items/messages/${a[0]}`, { text: "edited" })).text).toBe("edited");
      expect((await adminRead(a[0])).text).toBe("edited");
    });

    it("a batch update with one forbidden key is refused as a whole", async () => {
      const { alice, a, b } = await twoUsers();
      expectError(await alice.http.patch("/items/messages", { keys: [a[1], b[1]], data: { text: "batch" } }), 403, "FORBIDDEN");
      expect((await adminRead(a[1])).text).toBe("a2");
      expect((await adminRead(b[1])).text).toBe("b2");
      expectError(await alice.http.patch("/items/messages", [{ id: a[1], text: "x" }, { id: b[1], text: "y" }]), 403, "FORBIDDEN");
      expect((await adminRead(a[1])).text).toBe("a2");
      expect((await adminRead(b[1])).text).toBe("b2");
    });

    it("updating a field outside the update field list is 403", async () => {
      const { alice, a } = await twoUsers();
      expectError(await alice.http.patch(`/items/messages/${a[0]}`, { channel: "moved" }), 403, "FORBIDDEN");
      expect((await adminRead(a[0])).channel).toBe("c");
    });

    it("deleting a row outside the delete filter is 403 and deletes nothing, also in a batch", async () => {
      const { alice, a, b } = await twoUsers();
      expectError(await alice.http.delete(`/items/messages/${b[0]}`), 403, "FORBIDDEN");
      await adminRead(b[0]);
      expectError(await alice.http.delete("/items/messages", [a[0], b[0]]), 403, "FORBIDDEN");
      await adminRead(a[0]);
      await adminRead(b[0]);
      expect((await alice.http.delete(`/items/messages/${a[0]}`)).status).toBe(204);
      expectError(await admin.get(`/items/messages/${a[0]}`), 403, "FORBIDDEN");
    });
  });

  describe("permission changes apply on the very next request", () => {
    it("adding, narrowing and removing a permission", async () => {
      const user = await limitedUser(server.url, admin, []);
      expectError(await user.http.get("/items/notes"), 403, "FORBIDDEN");
      const permission = await addPermission(admin, user.policy.id, { collection: "notes", action: "read" });
      expect(ok<any[]>(await user.http.get("/items/notes?fields=id"))).toHaveLength(3);
      ok(await admin.patch(`/permissions/${permission.id}`, { permissions: { text: { _starts_with: "n" } } }));
      expect(ok<any[]>(await user.http.get("/items/notes?fields=text&sort=id")).map((row) => row.text)).toEqual(["n1", "n2"]);
      expect((await admin.delete(`/permissions/${permission.id}`)).status).toBe(204);
      expectError(await user.http.get("/items/notes"), 403, "FORBIDDEN");
    });

    it("detaching the policy from the role revokes access at once", async () => {
      const user = await limitedUser(server.url, admin, [{ collection: "notes", action: "read" }]);
      ok(await user.http.get("/items/notes"));
      const rows = ok<any[]>(await admin.get(`/access${qs({ filter: { policy: { _eq: user.policy.id } }, fields: "id" })}`));
      expect(rows).toHaveLength(1);
      expect((await admin.delete(`/access/${rows[0].id}`)).status).toBe(204);
      expectError(await user.http.get("/items/notes"), 403, "FORBIDDEN");
    });
  });

  it("README example: a chat role that can read and create messages, but not update or delete them", async () => {
    await createCollection(admin, "chat_messages", [
      { field: "id", type: "integer", meta: { hidden: true, interface: "input", readonly: true }, schema: { is_primary_key: true, has_auto_increment: true } },
      { field: "text", type: "string" },
      { field: "date_created", type: "timestamp", meta: { special: ["date-created"] } },
    ]);
    const role = await createRole(admin, { name: "Chatter" });
    const policy = await createPolicy(admin, { name: "Chat", admin_access: false, app_access: false, roles: [{ role: role.id }] });
    await addPermission(admin, policy.id, { collection: "chat_messages", action: "read", fields: ["*"], permissions: {} });
    await addPermission(admin, policy.id, { collection: "chat_messages", action: "create", fields: ["*"], permissions: {} });
    const token = unique("chat-token");
    await createUser(admin, { email: "chatter@example.com", role: role.id, token });
    const chat = createHttp(server.url, token);

    const created = ok<any>(await chat.post("/items/chat_messages", { text: "hi there" }));
    expect(created).toMatchObject({ id: expect.any(Number), text: "hi there" });
    expect(new Date(created.date_created).getTime()).toBeGreaterThan(Date.now() - 60_000);
    ok(await admin.post("/items/chat_messages", { text: "hello from admin" }));

    const reply = await chat.get(`/items/chat_messages${qs({ filter: { text: { _contains: "hi" } }, sort: "-date_created", fields: "id,text", meta: "total_count" })}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ data: [{ id: created.id, text: "hi there" }], meta: { total_count: 2 } });
    expect(ok<any[]>(await chat.get("/items/chat_messages?fields=text&sort=id")).map((row) => row.text)).toEqual(["hi there", "hello from admin"]);

    expectError(await chat.patch(`/items/chat_messages/${created.id}`, { text: "hi again" }), 403, "FORBIDDEN");
    expectError(await chat.delete(`/items/chat_messages/${created.id}`), 403, "FORBIDDEN");
    expect(ok<any>(await admin.get(`/items/chat_messages/${created.id}`)).text).toBe("hi there");
  });
});
