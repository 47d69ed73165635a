// The Content section in Chromium: paging, sorting, search and filters against REST; create, edit and
// delete checked through REST; relational pickers; refusals; live updates; what a non-admin sees.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { launchBrowser, studioTestsCanRun, type StudioBrowser } from "../helpers/browser.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { createItem, openContent, rowWithText } from "./steps/content.js";
import { signIn } from "./steps/session.js";

const POSTS = 60;
const autoId = { field: "id", type: "integer", meta: { hidden: true, readonly: true }, schema: { is_primary_key: true, has_auto_increment: true } };

describe.skipIf(!studioTestsCanRun())("studio: content", () => {
  let server: TestServer;
  let browser: StudioBrowser;
  let api: Http;

  async function ok(reply: Promise<{ status: number; body: any }>) {
    const { status, body } = await reply;
    expect(status, JSON.stringify(body)).toBeLessThan(300);
    return body?.data;
  }

  beforeAll(async () => {
    server = await startServer();
    api = createHttp(server.url, server.adminToken);
    browser = await launchBrowser();
    await ok(api.post("/collections", { collection: "authors", meta: { note: "People who write posts" }, schema: {}, fields: [autoId, { field: "name", type: "string", schema: { is_unique: true } }] }));
    await ok(api.post("/collections", { collection: "tags", meta: {}, schema: {}, fields: [autoId, { field: "label", type: "string" }] }));
    await ok(
      api.post("/collections", {
        collection: "posts",
        meta: { note: "Blog posts" },
        schema: {},
        fields: [
          autoId,
          { field: "title", type: "string", meta: { required: true }, schema: { is_nullable: false } },
          { field: "views", type: "integer" },
          { field: "published", type: "boolean", schema: { default_value: false } },
          { field: "body", type: "text" },
          { field: "date_created", type: "timestamp", meta: { special: ["date-created"], readonly: true } },
        ],
      }),
    );
    await ok(api.post("/fields/posts", { field: "author", type: "integer", meta: { special: ["m2o"] } }));
    await ok(api.post("/relations", { collection: "posts", field: "author", related_collection: "authors", meta: {}, schema: { on_delete: "SET NULL" } }));
    await ok(api.post("/collections", { collection: "posts_tags", meta: { hidden: true }, schema: {}, fields: [autoId, { field: "posts_id", type: "integer" }, { field: "tags_id", type: "integer" }] }));
    await ok(api.post("/fields/posts", { field: "tags", type: "alias", meta: { special: ["m2m"] } }));
    await ok(api.post("/relations", { collection: "posts_tags", field: "posts_id", related_collection: "posts", meta: { one_field: "tags", junction_field: "tags_id", one_deselect_action: "delete" }, schema: { on_delete: "CASCADE" } }));
    await ok(api.post("/relations", { collection: "posts_tags", field: "tags_id", related_collection: "tags", meta: { junction_field: "posts_id" }, schema: { on_delete: "CASCADE" } }));
    await ok(api.post("/collections", { collection: "messages", meta: {}, schema: {}, fields: [autoId, { field: "text", type: "string" }] }));
    await ok(api.post("/collections", { collection: "secrets", meta: {}, schema: {}, fields: [autoId, { field: "code", type: "string" }] }));

    await ok(api.post("/items/authors", [{ name: "Ada" }, { name: "Grace" }, { name: "Linus" }]));
    await ok(api.post("/items/tags", [{ label: "red" }, { label: "blue" }, { label: "green" }]));
    const posts = Array.from({ length: POSTS }, (_, index) => ({ title: `Post ${String(index + 1).padStart(2, "0")}`, views: (index * 7) % 50, published: index % 2 === 0, author: (index % 3) + 1 }));
    await ok(api.post("/items/posts", posts));
  });

  // An uncaught error in a page fails the test that caused it.
  afterEach(() => {
    expect(browser.pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signedIn(email = server.adminEmail, password = server.adminPassword): Promise<Page> {
    const { page } = await browser.open(`${server.url}/admin/`);
    // Fail at the step that waits, well within the test's time limit.
    page.setDefaultTimeout(8_000);
    await signIn(page, email, password);
    return page;
  }

  const shownKeys = (page: Page) => page.locator("main tbody tr").evaluateAll((rows) => rows.map((row) => Number(row.getAttribute("data-key"))));
  const restIds = async (query: string, token?: string) => ((await api.get(`/items/posts?fields=id&limit=25&${query}`, { token })).body.data as Array<{ id: number }>).map((row) => row.id);
  const restCount = async (query: string, token?: string) => (await api.get(`/items/posts?limit=0&meta=filter_count&${query}`, { token })).body.meta.filter_count as number;

  test("pages, sorts, searches and filters as the REST API does", async () => {
    const page = await signedIn();
    await page.getByRole("link", { name: "Content", exact: true }).click();
    await page.getByRole("heading", { name: "Content", level: 1 }).waitFor();
    // Only readable, non-hidden collections are listed in the side navigation; hidden ones fold away.
    const nav = page.getByRole("navigation", { name: "Collections" });
    await expect.poll(() => nav.getByRole("link").filter({ visible: true }).allTextContents()).toEqual(["authors", "messages", "posts", "secrets", "tags"]);
    await browser.screenshot(page, "content-list");

    await openContent(page, "posts");
    expect(await nav.getByRole("link", { name: "posts" }).getAttribute("aria-current")).toBe("page");
    expect(await shownKeys(page)).toEqual(await restIds("sort=id&page=1"));
    await page.getByText(`1–25 of ${POSTS}`).waitFor();
    // Many-to-one values show the related item's name.
    expect(await rowWithText(page, "Post 02").textContent()).toContain("Grace");
    await browser.screenshot(page, "content-table");

    await page.getByRole("button", { name: "Page 3" }).click();
    await page.getByText(`51–60 of ${POSTS}`).waitFor();
    expect(await shownKeys(page)).toEqual(await restIds("sort=id&page=3"));
    await page.getByRole("button", { name: "Previous" }).click();
    await page.getByText(`26–50 of ${POSTS}`).waitFor();

    // Sorting by a header: ascending, then descending; back on page 1.
    const views = page.getByRole("columnheader", { name: "views" });
    await views.getByRole("button").click();
    await expect.poll(() => views.getAttribute("aria-sort")).toBe("ascending");
    await expect.poll(() => shownKeys(page)).toEqual(await restIds("sort=views&page=1"));
    await views.getByRole("button").click();
    await expect.poll(() => views.getAttribute("aria-sort")).toBe("descending");
    await expect.poll(() => shownKeys(page)).toEqual(await restIds("sort=-views&page=1"));
    expect(await page.getByRole("columnheader", { name: "id" }).getAttribute("aria-sort")).toBe("none");

    // Search (debounced).
    await page.getByLabel("Search", { exact: true }).fill("Post 1");
    const searched = await restCount("search=Post%201");
    await page.getByText(`1–${searched} of ${searched}`).waitFor();
    expect(await shownKeys(page)).toEqual(await restIds("search=Post%201&sort=-views"));
    await page.getByLabel("Search", { exact: true }).fill("no such post");
    await page.getByText("No items match").waitFor();
    await page.getByLabel("Search", { exact: true }).fill("");

    // Filters: views ≥ 30 and published = true, combined with _and and shown as JSON.
    await page.getByRole("button", { name: "Add filter" }).click();
    const first = page.getByRole("group", { name: "Filter 1" });
    await first.getByLabel("Field").selectOption("views");
    await first.getByLabel("Operator").selectOption("_gte");
    await first.getByLabel("Value").fill("30");
    await page.getByRole("button", { name: "Add filter" }).click();
    const second = page.getByRole("group", { name: "Filter 2" });
    await second.getByLabel("Field").selectOption("published");
    expect(await second.getByLabel("Operator").locator("option").evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value))).toEqual(["_eq", "_neq", "_null", "_nnull"]);
    await second.getByLabel("Value").selectOption("true");
    const filter = { _and: [{ views: { _gte: 30 } }, { published: { _eq: true } }] };
    expect(JSON.parse((await page.getByLabel("Filter as JSON").textContent()) ?? "")).toEqual(filter);
    const query = `filter=${encodeURIComponent(JSON.stringify(filter))}`;
    const filtered = await restCount(query);
    expect(filtered).toBeGreaterThan(0);
    await page.getByText(`1–${filtered} of ${filtered}`).waitFor();
    expect(await shownKeys(page)).toEqual(await restIds(`${query}&sort=-views`));
    await browser.screenshot(page, "content-filter");
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.getByText(`1–25 of ${POSTS}`).waitFor();

    // Narrow screens: the collection list gives way to a back link; the table scrolls sideways.
    await page.setViewportSize({ width: 375, height: 740 });
    await page.getByRole("link", { name: "← All collections" }).waitFor();
    await browser.screenshot(page, "content-table-narrow");
  });

  test("creates, edits and deletes items through the dialogs, with many-to-one and many-to-many pickers", async () => {
    const page = await signedIn();
    await openContent(page, "posts");

    // Create: the form leaves out what the server fills in; the author is picked through a search.
    await page.getByRole("button", { name: "Create item" }).click();
    const create = page.getByRole("dialog", { name: "Create item in posts" });
    expect(await create.getByLabel("id", { exact: true }).count()).toBe(0);
    expect(await create.getByLabel("date_created", { exact: true }).count()).toBe(0);
    expect(await create.getByLabel("title", { exact: true }).getAttribute("required")).not.toBeNull();
    expect(await create.getByLabel("body", { exact: true }).evaluate((element) => element.tagName)).toBe("TEXTAREA");
    expect(await create.getByLabel("views", { exact: true }).getAttribute("type")).toBe("number");
    await create.getByLabel("title", { exact: true }).fill("Made in the studio");
    await create.getByLabel("views", { exact: true }).fill("77");
    await create.getByLabel("published", { exact: true }).check();
    await create.getByLabel("Search authors").fill("gra");
    const author = create.getByLabel("author", { exact: true });
    await expect.poll(() => author.locator("option").allTextContents()).toEqual(["— none —", "Grace"]);
    await author.selectOption({ label: "Grace" });
    const tags = create.getByRole("group", { name: "tags" });
    await tags.getByRole("checkbox", { name: "red" }).check();
    await tags.getByRole("checkbox", { name: "green" }).check();
    await create.getByRole("button", { name: "Create", exact: true }).click();
    await create.waitFor({ state: "hidden" });
    await page.getByText("Item created in posts.").waitFor();

    const made = (await api.get(`/items/posts?filter=${encodeURIComponent(JSON.stringify({ title: { _eq: "Made in the studio" } }))}&fields=*,tags.tags_id`)).body.data;
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ views: 77, published: true, author: 2, body: null });
    expect(made[0].tags.map((tag: { tags_id: number }) => tag.tags_id).sort()).toEqual([1, 3]);
    const id = made[0].id as number;

    // Edit: prefilled, server-filled fields read-only, and only the changed fields are sent.
    await page.getByRole("button", { name: "Page 3" }).click();
    await page.getByRole("button", { name: `Edit item ${id}` }).click();
    const edit = page.getByRole("dialog", { name: `Edit item ${id} in posts` });
    const title = edit.getByLabel("title", { exact: true });
    await expect.poll(() => title.inputValue()).toBe("Made in the studio");
    expect(await edit.getByLabel("id", { exact: true }).getAttribute("readonly")).not.toBeNull();
    expect(await edit.getByLabel("date_created", { exact: true }).getAttribute("readonly")).not.toBeNull();
    expect(await edit.getByLabel("author", { exact: true }).inputValue()).toBe("2");
    await title.fill("Edited in the studio");
    await edit.getByRole("group", { name: "tags" }).getByRole("checkbox", { name: "red" }).uncheck();
    await edit.getByRole("group", { name: "tags" }).getByRole("checkbox", { name: "blue" }).check();
    await browser.screenshot(page, "content-edit-dialog");
    const patch = page.waitForRequest((request) => request.method() === "PATCH");
    await edit.getByRole("button", { name: "Save", exact: true }).click();
    const sent = (await patch).postDataJSON();
    expect(Object.keys(sent).sort()).toEqual(["tags", "title"]);
    expect(sent.tags).toMatchObject({ create: [{ tags_id: 2 }], delete: [expect.any(Number)] });
    await edit.waitFor({ state: "hidden" });
    await rowWithText(page, "Edited in the studio").waitFor();
    const edited = (await api.get(`/items/posts/${id}?fields=title,views,tags.tags_id`)).body.data;
    expect(edited.title).toBe("Edited in the studio");
    expect(edited.views).toBe(77);
    expect(edited.tags.map((tag: { tags_id: number }) => tag.tags_id).sort()).toEqual([2, 3]);

    // Delete one row, after confirming.
    await page.getByRole("button", { name: `Delete item ${id}` }).click();
    await page.getByRole("dialog", { name: `Delete item ${id}?` }).getByRole("button", { name: "Delete", exact: true }).click();
    await rowWithText(page, "Edited in the studio").waitFor({ state: "detached" });
    expect((await api.get(`/items/posts?filter[id][_eq]=${id}`)).body.data).toEqual([]);

    // Delete selected rows.
    const [a, b] = (await shownKeys(page)).slice(0, 2);
    await page.getByRole("checkbox", { name: `Select item ${a}` }).check();
    await page.getByRole("checkbox", { name: `Select item ${b}` }).check();
    await page.getByRole("button", { name: "Delete selected (2)" }).click();
    await page.getByRole("dialog", { name: "Delete 2 items?" }).getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByText("2 items deleted.").waitFor();
    expect((await api.get(`/items/posts?filter[id][_in]=${a},${b}`)).body.data).toEqual([]);
  });

  test("a refused create shows the server's error in the dialog and claims no success", async () => {
    const page = await signedIn();
    await openContent(page, "authors");
    await page.getByRole("button", { name: "Create item" }).click();
    const dialog = page.getByRole("dialog", { name: "Create item in authors" });
    await dialog.getByLabel("name", { exact: true }).fill("Ada");
    await dialog.getByRole("button", { name: "Create", exact: true }).click();
    const refusal = dialog.getByRole("alert");
    await refusal.waitFor();
    const reply = await api.post("/items/authors", { name: "Ada" });
    expect(reply.status).toBe(400);
    expect(await refusal.textContent()).toBe(reply.body.errors[0].message);
    expect(await page.getByText("Item created in authors.").count()).toBe(0);
    expect((await api.get("/items/authors?filter[name][_eq]=Ada")).body.data).toHaveLength(1);
    // The step used by other tests says why when the server refuses.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(createItem(page, "authors", { name: "Grace" })).rejects.toThrow(/refused/);
  });

  test("live: rows appear, change and disappear as others write, without a reload", async () => {
    const page = await signedIn();
    await openContent(page, "messages");
    await page.getByText("No items yet").waitFor();
    await page.evaluate(() => Object.assign(window, { loadedOnce: true }));

    // REST writes.
    const created = await ok(api.post("/items/messages", { text: "hello from REST" }));
    const row = rowWithText(page, "hello from REST");
    await row.waitFor();
    await page.getByRole("status").filter({ hasText: "1 item created" }).waitFor();
    await page.getByText("1–1 of 1").waitFor();
    await ok(api.patch(`/items/messages/${created.id}`, { text: "edited over REST" }));
    await rowWithText(page, "edited over REST").waitFor();
    await expect.poll(() => rowWithText(page, "edited over REST").getAttribute("class")).toContain("row-flash");
    await page.getByRole("status").filter({ hasText: "1 item updated" }).waitFor();

    // Another signed-in browser writes through its own studio.
    const other = await signedIn();
    await createItem(other, "messages", { text: "hello from another browser" });
    await rowWithText(page, "hello from another browser").waitFor();
    await page.getByText("1–2 of 2").waitFor();

    const response = await api.delete(`/items/messages/${created.id}`);
    expect(response.status).toBe(204);
    await rowWithText(page, "edited over REST").waitFor({ state: "detached" });
    await page.getByRole("status").filter({ hasText: "1 item deleted" }).waitFor();
    await page.getByText("1–1 of 1").waitFor();
    expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
    expect(await page.locator('.live[data-status="open"]').textContent()).toBe("Live");
  });

  test("a non-admin sees only what they may read, live, and gets the server's refusals", async () => {
    const role = await ok(api.post("/roles", { name: "Reader" }));
    const policy = await ok(api.post("/policies", { name: "Readers", app_access: true, roles: [{ role: role.id }] }));
    await ok(
      api.post("/permissions", [
        { policy: policy.id, collection: "posts", action: "read", fields: ["*"], permissions: { published: { _eq: true } } },
        { policy: policy.id, collection: "posts", action: "create", fields: ["title", "views", "published"], validation: { views: { _lte: 100 } } },
        { policy: policy.id, collection: "authors", action: "read", fields: ["*"] },
      ]),
    );
    await ok(api.post("/users", { email: "reader@example.com", password: "reader-password", role: role.id, token: "reader-token" }));

    const page = await signedIn("reader@example.com", "reader-password");
    await page.getByRole("link", { name: "Content", exact: true }).click();
    const nav = page.getByRole("navigation", { name: "Collections" });
    await expect.poll(() => nav.getByRole("link").allTextContents()).toEqual(["authors", "posts"]);

    await openContent(page, "posts");
    const visible = await restCount("", "reader-token");
    expect(visible).toBeLessThan(await restCount(""));
    await page.getByText(`1–${Math.min(25, visible)} of ${visible}`).waitFor();
    expect(await shownKeys(page)).toEqual(await restIds("sort=id", "reader-token"));
    // No update or delete permission: view only, no selection.
    expect(await page.getByRole("button", { name: /^Edit item/ }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Delete item/ }).count()).toBe(0);
    expect(await page.getByRole("checkbox").count()).toBe(0);

    // The validation rule refuses a create: the dialog shows the server's message.
    await page.getByRole("button", { name: "Create item" }).click();
    const dialog = page.getByRole("dialog", { name: "Create item in posts" });
    expect(await dialog.getByLabel("author", { exact: true }).count()).toBe(0);
    await dialog.getByLabel("title", { exact: true }).fill("Too popular");
    await dialog.getByLabel("views", { exact: true }).fill("1000");
    await dialog.getByLabel("published", { exact: true }).check();
    await dialog.getByRole("button", { name: "Create", exact: true }).click();
    await dialog.getByRole("alert").filter({ hasText: 'Validation failed for field "views"' }).waitFor();
    expect((await api.get(`/items/posts?filter[title][_eq]=Too popular`)).body.data).toEqual([]);
    await dialog.getByRole("button", { name: "Cancel" }).click();

    // Live, filtered by the read rule: an unpublished post never shows, a published one does.
    const idHeader = page.getByRole("columnheader", { name: "id" });
    expect(await idHeader.getAttribute("aria-sort")).toBe("ascending");
    await idHeader.getByRole("button").click();
    await expect.poll(() => idHeader.getAttribute("aria-sort")).toBe("descending");
    await ok(api.post("/items/posts", { title: "Unpublished draft", published: false }));
    const fresh = await ok(api.post("/items/posts", { title: "Fresh and published", published: true }));
    await rowWithText(page, "Fresh and published").waitFor();
    expect(await rowWithText(page, "Unpublished draft").count()).toBe(0);
    await page.getByRole("button", { name: `View item ${fresh.id}` }).click();
    const view = page.getByRole("dialog", { name: /^View item/ });
    expect(await view.getByLabel("title", { exact: true }).inputValue()).toBe("Fresh and published");
    expect(await view.getByRole("button", { name: "Save" }).count()).toBe(0);
  });
});
