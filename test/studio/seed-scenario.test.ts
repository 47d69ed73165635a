// The seed scenario, end to end in Chromium: an admin models `messages`, grants a role read + create,
// makes a user with a static token; that user's content page shows new messages live, without a reload.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { launchBrowser, studioTestsCanRun, type StudioBrowser } from "../helpers/browser.js";
import { createHttp } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { createPolicy, createRole, createUser, generateToken, grantPermission } from "./steps/access.js";
import { createItem, openContent, rowWithText } from "./steps/content.js";
import { addField, createCollection } from "./steps/data-model.js";
import { signIn } from "./steps/session.js";

describe.skipIf(!studioTestsCanRun())("studio: the seed scenario", () => {
  let server: TestServer;
  let browser: StudioBrowser;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  // An uncaught error in a page fails the test that caused it.
  afterEach(() => {
    expect(browser.pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test("sign in → model messages → role, policy, user, token → a message created elsewhere appears live", async () => {
    const { page: admin } = await browser.open(`${server.url}/admin/`);
    await browser.screenshot(admin, "seed-0-sign-in");
    await signIn(admin, server.adminEmail, server.adminPassword);

    await createCollection(admin, { name: "messages", primaryKey: "integer", dateCreated: true });
    await addField(admin, "messages", { name: "text", type: "string" });
    await browser.screenshot(admin, "seed-1-data-model");

    await createRole(admin, "Chatter");
    await createPolicy(admin, { name: "Chat", roles: ["Chatter"], appAccess: true });
    await grantPermission(admin, "Chat", "messages", "read");
    await grantPermission(admin, "Chat", "messages", "create");
    await browser.screenshot(admin, "seed-2-policy");
    await createUser(admin, { email: "ada@example.com", password: "ada-password", role: "Chatter" });
    const token = await generateToken(admin, "ada@example.com");
    expect(token.length).toBeGreaterThanOrEqual(32);
    await browser.screenshot(admin, "seed-3-token");
    await admin.getByRole("dialog", { name: "Static token" }).getByRole("button", { name: "Done" }).click();

    // What the studio set up is real: the server says so.
    const api = createHttp(server.url, server.adminToken);
    const fields = (await api.get("/fields/messages")).body.data.map((field: { field: string; meta: { special: string[] | null } }) => [field.field, field.meta?.special]);
    expect(fields).toEqual(expect.arrayContaining([["text", null], ["date_created", ["date-created"]]]));
    const asAda = createHttp(server.url, token);
    expect((await asAda.get("/items/messages")).status).toBe(200);

    // Ada's content page, in a browser context of her own.
    const { page: ada } = await browser.open(`${server.url}/admin/`);
    await signIn(ada, "ada@example.com", "ada-password");
    await openContent(ada, "messages");
    await ada.evaluate(() => Object.assign(window, { loadedOnce: true }));

    // A REST client with Ada's static token creates a message: the row appears without a reload.
    const created = await asAda.post("/items/messages", { text: "hello from REST" });
    expect(created.status).toBe(200);
    expect(created.body.data.date_created).toBeTruthy();
    expect((await asAda.patch(`/items/messages/${created.body.data.id}`, { text: "edited" })).status).toBe(403);
    await rowWithText(ada, "hello from REST").waitFor();

    // The admin, in another context, creates one through the studio's form: it appears on Ada's page too.
    await createItem(admin, "messages", { text: "hello from the studio" });
    await rowWithText(ada, "hello from the studio").waitFor();
    expect(await ada.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
    expect((await asAda.get("/items/messages?fields=text&sort=id")).body.data).toEqual([{ text: "hello from REST" }, { text: "hello from the studio" }]);
    await browser.screenshot(ada, "seed-4-content-live");
  });
});
