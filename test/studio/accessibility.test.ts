// Every studio page, light and dark, checked with axe-core (WCAG 2.1 A and AA rules) in Chromium.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { launchBrowser, studioTestsCanRun, type StudioBrowser } from "../helpers/browser.js";
import { addPermission, createPolicy, createRole, createUser } from "../api/access-fixtures.js";
import { autoPk, createCollection, createField, createRelation, ok } from "../api/fixtures.js";
import { createHttp } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { openPermission } from "./steps/access.js";
import { signIn } from "./steps/session.js";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface Violation {
  id: string;
  impact: string;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe's findings on the page as it is now, as "rule: help (selectors)" lines. */
async function violations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the studio's content policy (rightly) refuses inline scripts.
  await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations;
  });
  return found.map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.slice(0, 3).map((node) => node.target.join(" ")).join(", ")}`);
}

describe.skipIf(!studioTestsCanRun())("studio: accessibility (axe-core)", () => {
  let server: TestServer;
  let browser: StudioBrowser;
  let policyId: string;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const api = createHttp(server.url, server.adminToken);
    await createCollection(api, "people", [autoPk, { field: "name", type: "string" }]);
    await createCollection(api, "articles", [autoPk, { field: "title", type: "string" }, { field: "body", type: "text" }, { field: "published", type: "boolean" }]);
    await createField(api, "articles", { field: "author", type: "integer", meta: { special: ["m2o"] } });
    await createRelation(api, { collection: "articles", field: "author", related_collection: "people" });
    const person = ok<{ id: number }>(await api.post("/items/people", { name: "Ada" }));
    for (let i = 1; i <= 3; i++) ok(await api.post("/items/articles", { title: `Article ${i}`, body: "Text", published: i % 2 === 0, author: person.id }));
    const role = await createRole(api, { name: "Editors" });
    policyId = (await createPolicy(api, { name: "Editing", app_access: true, roles: [{ role: role.id }] })).id;
    await addPermission(api, policyId, { collection: "articles", action: "read", permissions: { published: { _eq: true } } });
    await createUser(api, { email: "editor@example.com", role: role.id });
  });

  // An uncaught error in a page fails the test that caused it.
  afterEach(() => {
    expect(browser.pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const colorScheme of ["light", "dark"] as const) {
    test(`every page passes in the ${colorScheme} theme`, async () => {
      const { context, page } = await browser.open(`${server.url}/admin/`);
      await page.emulateMedia({ colorScheme });
      const found: Record<string, string[]> = {};
      const check = async (name: string) => {
        const list = await violations(page);
        if (list.length) found[name] = list;
      };
      await check("sign-in");
      await signIn(page, server.adminEmail, server.adminPassword);
      const visits: Array<[string, string, string]> = [
        ["content list", "/admin/content", "Content"],
        ["content table", "/admin/content/articles", "Article 1"],
        ["data model", "/admin/data-model", "articles"],
        ["collection", "/admin/data-model/articles", "author"],
        ["users", "/admin/access/users", "editor@example.com"],
        ["roles", "/admin/access/roles", "Editors"],
        ["policies", "/admin/access/policies", "Editing"],
        ["policy", `/admin/access/policies/${policyId}`, "articles"],
        ["inspector", "/admin/inspector", "Subscription"],
      ];
      for (const [name, path, text] of visits) {
        await page.goto(server.url + path);
        await page.getByText(text, { exact: true }).first().waitFor();
        await check(name);
      }
      await page.goto(`${server.url}/admin/content/articles`);
      await page.getByRole("button", { name: "Create item" }).click();
      await page.getByRole("dialog").waitFor();
      await check("item dialog");
      await page.goto(`${server.url}/admin/data-model/articles`);
      await page.getByRole("button", { name: "Add field" }).click();
      await page.getByRole("dialog").waitFor();
      await check("field dialog");
      await page.goto(`${server.url}/admin/access/policies/${policyId}`);
      await openPermission(page, "articles", "read");
      await check("permission dialog");
      await context.close();
      expect(found).toEqual({});
    });
  }

  test("works from the keyboard: sign in, navigate, open a dialog, close it with Escape, focus returns", async () => {
    const { context, page } = await browser.open(`${server.url}/admin/`);
    // Once the sign-in form shows, the email box has focus; type, tab, type, Enter.
    const email = page.getByLabel("Email");
    await email.waitFor();
    expect(await email.evaluate((element) => element === document.activeElement)).toBe(true);
    await page.keyboard.type(server.adminEmail);
    await page.keyboard.press("Tab");
    await page.keyboard.type(server.adminPassword);
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    // The skip link comes first and moves focus to the main region.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    // Navigate by focusing a nav link and pressing Enter.
    await page.getByRole("link", { name: "Content", exact: true }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("main").getByRole("link", { name: "articles", exact: true }).first().focus();
    await page.keyboard.press("Enter");
    await page.getByText("Article 1", { exact: true }).waitFor();
    const create = page.getByRole("button", { name: "Create item" });
    await create.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    expect(await dialog.evaluate((element) => element.contains(document.activeElement))).toBe(true);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await create.evaluate((element) => element === document.activeElement)).toBe(true);
    await context.close();
  });
});
