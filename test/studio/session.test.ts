// Signing in and out of the studio: wrong credentials are refused with the server's message, a reload keeps
// the session (refresh token), and signing out ends it on the server too.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { launchBrowser, studioTestsCanRun, type StudioBrowser } from "../helpers/browser.js";
import { createHttp } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { signIn } from "./steps/session.js";

const REFRESH_TOKEN_KEY = "tidings.refresh_token";

describe.skipIf(!studioTestsCanRun())("studio: session", () => {
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

  test("wrong credentials show the server's refusal and sign nobody in", async () => {
    const { page } = await browser.open(`${server.url}/admin/`);
    await page.getByLabel("Email").fill(server.adminEmail);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("Invalid user credentials.");
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0);
    await browser.screenshot(page, "session-refused");
  });

  test("a reload keeps the session; signing out revokes the refresh token", async () => {
    const { page } = await browser.open(`${server.url}/admin/inspector`);
    await signIn(page, server.adminEmail, server.adminPassword);
    // The deep link survives sign-in, and a reload (new access token from the stored refresh token).
    await page.getByRole("heading", { name: "Realtime inspector" }).waitFor();
    const before = await page.evaluate((key) => localStorage.getItem(key), REFRESH_TOKEN_KEY);
    expect(before).toBeTruthy();
    await page.reload();
    await page.getByRole("heading", { name: "Realtime inspector" }).waitFor();
    expect(await page.getByRole("button", { name: "Sign out" }).isVisible()).toBe(true);
    const current = await page.evaluate((key) => localStorage.getItem(key), REFRESH_TOKEN_KEY);
    expect(current).not.toBe(before); // refresh tokens rotate

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await page.evaluate((key) => localStorage.getItem(key), REFRESH_TOKEN_KEY)).toBeNull();
    const api = createHttp(server.url);
    await expect.poll(async () => (await api.post("/auth/refresh", { refresh_token: current, mode: "json" })).status).toBe(401);
    await page.reload();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
  });

  test("with short-lived access tokens, the studio refreshes them and the live table keeps updating", async () => {
    const shortLived = await startServer({ env: { ACCESS_TOKEN_TTL: "2s" } });
    try {
      const api = createHttp(shortLived.url, shortLived.adminToken);
      expect((await api.post("/collections", { collection: "pings", schema: {}, meta: {}, fields: [{ field: "id", type: "integer", schema: { is_primary_key: true, has_auto_increment: true } }, { field: "label", type: "string" }] })).status).toBe(200);
      const { page } = await browser.open(`${shortLived.url}/admin/content/pings`);
      await signIn(page, shortLived.adminEmail, shortLived.adminPassword);
      await page.getByText("No items yet").waitFor();
      // Outlive several access tokens; the socket is told TOKEN_EXPIRED and must re-authenticate.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect((await api.post("/items/pings", { label: "still live" })).status).toBe(200);
      await page.getByRole("row").filter({ hasText: "still live" }).waitFor({ timeout: 5_000 });
      await page.getByRole("button", { name: "Create item" }).click();
      await page.getByLabel("label").fill("written with a fresh token");
      await page.getByRole("dialog").getByRole("button", { name: /create|save/i }).click();
      await page.getByRole("row").filter({ hasText: "written with a fresh token" }).waitFor();
      expect(await page.getByRole("button", { name: "Sign out" }).isVisible()).toBe(true);
    } finally {
      await shortLived.close();
    }
  });
});
