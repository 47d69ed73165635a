// The realtime inspector in Chromium: the subscribe message it sends, the frames it shows, the admin counters.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { launchBrowser, studioTestsCanRun, type StudioBrowser } from "../helpers/browser.js";
import { createHttp } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { signIn } from "./steps/session.js";

describe.skipIf(!studioTestsCanRun())("studio: realtime inspector", () => {
  let server: TestServer;
  let browser: StudioBrowser;
  let api: ReturnType<typeof createHttp>;

  beforeAll(async () => {
    server = await startServer();
    api = createHttp(server.url, server.adminToken);
    browser = await launchBrowser();
    const created = await api.post("/collections", {
      collection: "notes",
      schema: {},
      meta: {},
      fields: [{ field: "id", type: "integer", schema: { is_primary_key: true, has_auto_increment: true }, meta: { hidden: true } }],
    });
    expect(created.status).toBe(200);
    expect((await api.post("/fields/notes", { field: "text", type: "string" })).status).toBe(200);
    expect((await api.post("/fields/notes", { field: "secret", type: "string" })).status).toBe(200);
  });

  // An uncaught error in a page fails the test that caused it.
  afterEach(() => {
    expect(browser.pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function openInspector(email: string, password: string): Promise<Page> {
    const { page } = await browser.open(`${server.url}/admin/`);
    await signIn(page, email, password);
    await page.getByRole("link", { name: "Realtime inspector" }).click();
    await page.getByRole("heading", { name: "Realtime inspector" }).waitFor();
    return page;
  }

  test("shows the subscribe message and the frames that arrive for it, filtered as asked", async () => {
    const page = await openInspector(server.adminEmail, server.adminPassword);
    await page.getByLabel("Collection").selectOption("notes");
    await page.getByLabel("Event").selectOption("create");
    await page.getByLabel("Fields").fill("id,text");
    await page.getByLabel("Filter").fill('{"text":{"_starts_with":"hello"}}');
    await page.getByRole("button", { name: "Subscribe", exact: true }).click();

    const sent = JSON.parse((await page.getByLabel("Subscribe message sent").textContent()) ?? "");
    expect(sent).toMatchObject({ type: "subscribe", collection: "notes", event: "create", query: { fields: ["id", "text"], filter: { text: { _starts_with: "hello" } } } });
    const frames = page.getByRole("list", { name: "Frames, newest first" });
    await frames.getByText('"event": "init"').waitFor();

    expect((await api.post("/items/notes", { text: "skipped by the filter", secret: "s" })).status).toBe(200);
    expect((await api.post("/items/notes", { text: "hello world", secret: "s" })).status).toBe(200);
    const received = frames.getByRole("listitem").filter({ hasText: '"type": "subscription"' });
    const created = received.filter({ hasText: '"event": "create"' });
    await created.first().waitFor();
    const text = (await created.first().locator("pre").textContent()) ?? "";
    const frame = JSON.parse(text);
    expect(frame).toMatchObject({ type: "subscription", event: "create", uid: sent.uid, data: [{ text: "hello world" }] });
    expect(frame.data[0]).not.toHaveProperty("secret");
    // An update is not a create: the event option is honoured.
    expect((await api.patch(`/items/notes/${frame.data[0].id}`, { text: "hello again" })).status).toBe(200);
    expect((await api.post("/items/notes", { text: "hello there" })).status).toBe(200);
    await expect.poll(() => created.count()).toBe(2);
    expect(await frames.getByText("skipped by the filter").count()).toBe(0);
    expect(await received.filter({ hasText: '"event": "update"' }).count()).toBe(0);

    // Admin counters: this page's own connection and subscription are counted.
    const counter = (name: string) => page.locator(".stat").filter({ hasText: name }).locator("dd");
    await expect.poll(async () => Number(await counter("Subscriptions").textContent()), { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
    expect(Number(await counter("Connections").textContent())).toBeGreaterThanOrEqual(1);
    await browser.screenshot(page, "inspector");

    await page.getByRole("button", { name: "Unsubscribe" }).click();
    await frames.getByText('"type": "unsubscribe"').waitFor();
  });

  test("shows a refused subscription as an error, and no server counters to non-admins", async () => {
    const role = await api.post("/roles", { name: "Reader" });
    const policy = await api.post("/policies", { name: "Read text", app_access: true, admin_access: false, roles: [{ role: role.body.data.id }] });
    expect((await api.post("/permissions", { policy: policy.body.data.id, collection: "notes", action: "read", fields: ["id", "text"], permissions: {} })).status).toBe(200);
    expect((await api.post("/users", { email: "reader@example.com", password: "reader-password", role: role.body.data.id })).status).toBe(200);

    const page = await openInspector("reader@example.com", "reader-password");
    expect(await page.locator(".stat").count()).toBe(0);
    await page.getByLabel("Collection").selectOption("notes");
    await page.getByLabel("Fields").fill("id,secret");
    await page.getByRole("button", { name: "Subscribe", exact: true }).click();
    const frames = page.getByRole("list", { name: "Frames, newest first" });
    const error = frames.getByRole("listitem").filter({ hasText: '"status": "error"' });
    await error.waitFor();
    expect(await error.textContent()).toContain("FORBIDDEN");
  });
});
