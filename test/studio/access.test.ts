// The Access section in Chromium: roles, policies, permissions, users and static tokens made through the UI,
// then checked through REST, including what the generated token may and may not do.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { launchBrowser, studioTestsCanRun, type StudioBrowser } from "../helpers/browser.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { createPolicy, createRole, createUser, generateToken, grantPermission, openAccess, openPermission, openPolicy, permissionCell } from "./steps/access.js";
import { signIn } from "./steps/session.js";

const EDITOR = { email: "junior@example.com", password: "junior-password" };

describe.skipIf(!studioTestsCanRun())("studio: access", () => {
  let server: TestServer;
  let browser: StudioBrowser;
  let api: Http;
  let page: Page;
  let context: BrowserContext;
  let token = "";

  const byName = async (path: string, name: string) => (await api.get(path)).body.data.find((row: { name: string }) => row.name === name);
  const userByEmail = async (email: string) => (await api.get(`/users?filter[email][_eq]=${encodeURIComponent(email)}`)).body.data[0];
  const accessRows = async () => (await api.get("/access")).body.data as Array<{ id: string; role: string | null; user: string | null; policy: string }>;

  beforeAll(async () => {
    server = await startServer();
    api = createHttp(server.url, server.adminToken);
    // The collection comes from REST: the data model pages are tested on their own.
    const created = await api.post("/collections", {
      collection: "articles",
      meta: {},
      schema: {},
      fields: [
        { field: "id", type: "integer", meta: { hidden: true, readonly: true }, schema: { is_primary_key: true, has_auto_increment: true } },
        { field: "title", type: "string", meta: {}, schema: {} },
        { field: "status", type: "string", meta: {}, schema: {} },
        { field: "secret", type: "string", meta: {}, schema: {} },
      ],
    });
    expect(created.status).toBe(200);
    await api.post("/items/articles", [
      { title: "Out now", status: "published", secret: "s1" },
      { title: "Not yet", status: "draft", secret: "s2" },
    ]);
    browser = await launchBrowser();
    ({ page, context } = await browser.open(`${server.url}/admin/`));
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    await signIn(page, server.adminEmail, server.adminPassword);
  });

  // An uncaught error in a page fails the test that caused it.
  afterEach(() => {
    expect(browser.pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test("creates a role and a nested child role", async () => {
    await createRole(page, "Editors");
    await createRole(page, "Junior editors", { parent: "Editors" });

    const editors = await byName("/roles", "Editors");
    const junior = await byName("/roles", "Junior editors");
    expect(junior.parent).toBe(editors.id);
    // The child sits in a nested list, one level down.
    const roles = page.getByRole("region", { name: "Roles" });
    await expect(roles.locator('li[aria-level="2"]').filter({ hasText: "Junior editors" }).isVisible()).resolves.toBe(true);
    await expect(roles.getByRole("list", { name: "Roles under Editors" }).getByText("Junior editors").isVisible()).resolves.toBe(true);

    // The parent select of Editors offers neither Editors nor its child.
    await page.getByRole("button", { name: "Edit Editors", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Edit role Editors" });
    const parents = await dialog.getByLabel("Parent role").locator("option").allTextContents();
    expect(parents).toEqual(["None (top level)", "Administrator"]);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await browser.screenshot(page, "access-roles");
  });

  test("creates a policy for the role and grants read (filter + fields) and create on a collection", async () => {
    await createPolicy(page, { name: "Article readers", roles: ["Editors"], appAccess: true });
    const policy = await byName("/policies", "Article readers");
    expect(policy).toMatchObject({ app_access: true, admin_access: false });
    const editors = await byName("/roles", "Editors");
    expect(await accessRows()).toContainEqual(expect.objectContaining({ role: editors.id, user: null, policy: policy.id }));

    await grantPermission(page, "Article readers", "articles", "read", { filter: { status: { _eq: "published" } }, fields: ["id", "title", "status"] });
    await grantPermission(page, "Article readers", "articles", "create", { fields: ["title", "status"] });

    const rules = (await api.get(`/permissions?filter[policy][_eq]=${policy.id}`)).body.data;
    expect(rules).toHaveLength(2);
    expect(rules).toContainEqual(expect.objectContaining({ collection: "articles", action: "read", permissions: { status: { _eq: "published" } }, fields: ["id", "title", "status"] }));
    expect(rules).toContainEqual(expect.objectContaining({ collection: "articles", action: "create", permissions: {}, fields: ["title", "status"] }));
    expect(await permissionCell(page, "articles", "update").innerText()).toBe("None");
    // System collections come after the user's, in their own group.
    await expect(page.getByRole("rowheader", { name: "System collections" }).isVisible()).resolves.toBe(true);
    await expect(permissionCell(page, "directus_users", "read").isVisible()).resolves.toBe(true);
    await browser.screenshot(page, "access-policy-permissions");

    // The JSON filter saved from the step shows in the builder.
    const dialog = await openPermission(page, "articles", "read");
    const condition = dialog.getByRole("group", { name: "Condition 1" });
    expect(await condition.getByLabel("Field").inputValue()).toBe("status");
    expect(await condition.getByLabel("Operator").inputValue()).toBe("_eq");
    expect(await condition.getByLabel("Value").inputValue()).toBe("published");
    await browser.screenshot(page, "access-permission-dialog");
    await dialog.getByRole("button", { name: "Cancel" }).click();
  });

  test("the filter builder and the JSON stay in sync, with dynamic values", async () => {
    const dialog = await openPermission(page, "articles", "update");
    await dialog.getByRole("radio", { name: /^Custom/ }).check();
    const json = dialog.getByLabel("Row filter (JSON)");
    expect(await json.inputValue()).toBe("{}");

    await dialog.getByRole("button", { name: "Add condition" }).click();
    const first = dialog.getByRole("group", { name: "Condition 1" });
    await first.getByLabel("Field").fill("nope");
    await expect(first.getByText(/No field “nope” in this collection/).isVisible()).resolves.toBe(true);
    await first.getByLabel("Field").fill("status");
    await first.getByLabel("Value").fill("draft");
    await dialog.getByRole("button", { name: "Add condition" }).click();
    const second = dialog.getByRole("group", { name: "and condition 2" });
    await second.getByLabel("Field").fill("id");
    await second.getByLabel("Operator").selectOption("_in");
    await second.getByLabel("Value").fill("1, 2");
    expect(JSON.parse(await json.inputValue())).toEqual({ _and: [{ status: { _eq: "draft" } }, { id: { _in: [1, 2] } }] });

    // JSON the builder can show refills it; dynamic values stay strings.
    await json.fill(JSON.stringify({ title: { _eq: "$CURRENT_USER" } }));
    await expect(dialog.getByRole("group", { name: "and condition 2" }).count()).resolves.toBe(0);
    expect(await dialog.getByRole("group", { name: "Condition 1" }).getByLabel("Value").inputValue()).toBe("$CURRENT_USER");
    // A shape it can't show: the JSON decides, and the builder says so.
    await json.fill(JSON.stringify({ _or: [{ status: { _eq: "draft" } }, { title: { _null: true } }] }));
    await expect(dialog.getByText(/shape the builder can't show/).isVisible()).resolves.toBe(true);
    await expect(dialog.getByRole("group", { name: "Condition 1" }).count()).resolves.toBe(0);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await permissionCell(page, "articles", "update").innerText()).toBe("None");
  });

  test("creates a user with the child role and a static token that reads only what the policy allows", async () => {
    await createUser(page, { ...EDITOR, role: "Junior editors" });
    const user = await userByEmail(EDITOR.email);
    expect(user.role).toBe((await byName("/roles", "Junior editors")).id);

    token = await generateToken(page, EDITOR.email);
    expect(token).toMatch(/^[\w-]{32,}$/);
    const dialog = page.getByRole("dialog", { name: "Static token" });
    await expect(dialog.getByText(/only time the token is shown/).isVisible()).resolves.toBe(true);
    await dialog.getByRole("button", { name: "Copy" }).click();
    await dialog.getByText("Copied", { exact: true }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await browser.screenshot(page, "access-token-dialog");
    await dialog.getByRole("button", { name: "Done" }).click();

    // Reads return it masked; the table marks the user.
    expect((await userByEmail(EDITOR.email)).token).toBe("**********");
    const row = page.getByRole("row").filter({ hasText: EDITOR.email });
    await expect(row.getByText("static token").isVisible()).resolves.toBe(true);

    // The child role inherits the parent's policy: published rows only, allowed fields only.
    const asEditor = createHttp(server.url, token);
    const read = await asEditor.get("/items/articles");
    expect(read.status).toBe(200);
    expect(read.body.data).toHaveLength(1);
    expect(read.body.data[0]).toMatchObject({ title: "Out now", status: "published" });
    expect(read.body.data[0].secret ?? null).toBeNull();
    expect((await asEditor.patch("/items/articles/1", { title: "Changed" })).status).toBe(403);
    expect((await asEditor.post("/items/articles", { title: "Mine", status: "draft" })).status).toBe(200);
    expect((await asEditor.post("/items/articles", { title: "Mine", secret: "no" })).status).toBe(403);
    expect((await api.get("/items/articles/1")).body.data.title).toBe("Out now");
  });

  test("suspending the user refuses the token; reactivating accepts it again", async () => {
    await openAccess(page, "Users");
    await page.getByRole("button", { name: `Suspend ${EDITOR.email}` }).click();
    const dialog = page.getByRole("dialog", { name: `Suspend ${EDITOR.email}?` });
    await dialog.getByRole("button", { name: "Suspend", exact: true }).click();
    await dialog.waitFor({ state: "hidden" });
    const row = page.getByRole("row").filter({ hasText: EDITOR.email });
    await row.getByText("suspended", { exact: true }).waitFor();
    expect((await userByEmail(EDITOR.email)).status).toBe("suspended");
    const asEditor = createHttp(server.url, token);
    expect((await asEditor.get("/items/articles")).status).toBe(401);
    await browser.screenshot(page, "access-users");

    await page.getByRole("button", { name: `Reactivate ${EDITOR.email}` }).click();
    await page.getByRole("dialog", { name: `Reactivate ${EDITOR.email}?` }).getByRole("button", { name: "Reactivate", exact: true }).click();
    await row.getByText("active", { exact: true }).waitFor();
    expect((await asEditor.get("/items/articles")).status).toBe(200);
  });

  test("removes the static token", async () => {
    await page.getByRole("button", { name: `Remove token of ${EDITOR.email}` }).click();
    await page.getByRole("dialog", { name: `Remove the static token of ${EDITOR.email}?` }).getByRole("button", { name: "Remove token", exact: true }).click();
    const row = page.getByRole("row").filter({ hasText: EDITOR.email });
    await row.getByText("static token").waitFor({ state: "detached" });
    expect((await userByEmail(EDITOR.email)).token).toBeNull();
    expect((await createHttp(server.url, token).get("/items/articles")).status).toBe(401);
  });

  test("attaches and detaches policies on a user through the checklist", async () => {
    const policy = await byName("/policies", "Article readers");
    const user = await userByEmail(EDITOR.email);
    const editPolicies = async (check: boolean) => {
      await page.getByRole("button", { name: `Edit ${EDITOR.email}`, exact: true }).click();
      const dialog = page.getByRole("dialog", { name: `Edit ${EDITOR.email}` });
      const box = dialog.getByRole("group", { name: /^Policies/ }).getByLabel("Article readers");
      await (check ? box.check() : box.uncheck());
      await dialog.getByRole("button", { name: "Save", exact: true }).click();
      await dialog.waitFor({ state: "hidden" });
    };
    await editPolicies(true);
    expect(await accessRows()).toContainEqual(expect.objectContaining({ user: user.id, role: null, policy: policy.id }));
    // Listed as the user's own policy; before and after, only as inherited through the role.
    const row = page.getByRole("row").filter({ hasText: EDITOR.email });
    await row.getByText("Article readers (via role)").waitFor({ state: "detached" });
    await row.getByText("Article readers app access").waitFor();

    await editPolicies(false);
    expect((await accessRows()).filter((access) => access.user === user.id)).toEqual([]);
    await row.getByText("Article readers (via role)").waitFor();
  });

  test("shows the server's error when it refuses a change, and changes nothing", async () => {
    // A policy with an IP range the server can't parse.
    await openPolicy(page, "Article readers");
    await page.getByRole("button", { name: "Edit policy" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit policy Article readers" });
    await dialog.getByLabel("Allowed IP addresses").fill("10.0.0.0/8, not-an-ip");
    await dialog.getByRole("button", { name: "Save", exact: true }).click();
    await expect(dialog.getByRole("alert").innerText()).resolves.toBe('Invalid payload. "ip_access" entry "not-an-ip" is not an IP address or CIDR range.');
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect((await byName("/policies", "Article readers")).ip_access).toBeNull();

    // Presets that are JSON but not an object.
    const permission = await openPermission(page, "articles", "create");
    await permission.getByLabel("Presets").fill('["draft"]');
    await permission.getByRole("button", { name: "Save", exact: true }).click();
    await expect(permission.getByRole("alert").innerText()).resolves.toBe('Invalid payload. "presets" must be an object or null.');
    await permission.getByRole("button", { name: "Cancel" }).click();
    const policy = await byName("/policies", "Article readers");
    const rules = (await api.get(`/permissions?filter[policy][_eq]=${policy.id}&filter[action][_eq]=create`)).body.data;
    expect(rules[0].presets).toBeNull();

  });

  test("fits a 375 px wide screen", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await openAccess(page, "Users");
    expect(await overflow()).toBeLessThanOrEqual(0);
    await browser.screenshot(page, "access-users-mobile");
    await openPolicy(page, "Article readers");
    expect(await overflow()).toBeLessThanOrEqual(0);
    const dialog = await openPermission(page, "articles", "read");
    await browser.screenshot(page, "access-permission-dialog-mobile");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
