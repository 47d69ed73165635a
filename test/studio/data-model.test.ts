// The Data model section in Chromium: collections, fields and relations made through the UI, checked through REST.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { launchBrowser, studioTestsCanRun, type StudioBrowser } from "../helpers/browser.js";
import { createHttp, type Http } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { addField, addRelation, createCollection, fieldRow, openCollection, openDataModel } from "./steps/data-model.js";
import { signIn } from "./steps/session.js";

describe.skipIf(!studioTestsCanRun())("studio: data model", () => {
  let server: TestServer;
  let browser: StudioBrowser;
  let api: Http;
  let page: Page;

  const field = async (collection: string, name: string) => {
    const reply = await api.get(`/fields/${collection}/${name}`);
    return reply.status === 200 ? reply.body.data : undefined;
  };
  const relation = async (collection: string, name: string) => (await api.get(`/relations/${collection}/${name}`)).body.data;

  /** Toasts pile up when a test works fast; clear them so screenshots show the page. */
  const dismissToasts = async () => {
    const dismiss = page.getByRole("button", { name: "Dismiss" });
    // A toast may time out between the count and the click.
    while ((await dismiss.count()) > 0) await dismiss.first().click({ timeout: 1_000 }).catch(() => undefined);
  };

  beforeAll(async () => {
    server = await startServer();
    api = createHttp(server.url, server.adminToken);
    browser = await launchBrowser();
    ({ page } = await browser.open(`${server.url}/admin/`));
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

  test("starts empty and creates a collection with date_created", async () => {
    await openDataModel(page);
    await page.getByText("No collections yet").waitFor();
    await createCollection(page, { name: "authors", dateCreated: true });

    expect(new URL(page.url()).pathname).toBe("/admin/data-model/authors");
    expect(await field("authors", "id")).toMatchObject({ type: "integer", schema: { is_primary_key: true, has_auto_increment: true } });
    expect(await field("authors", "date_created")).toMatchObject({ type: "timestamp", meta: { special: ["date-created"] } });
    expect(await field("authors", "date_updated")).toBeUndefined();
  });

  test("creates collections keyed by a generated UUID (with user_created) and by a typed string", async () => {
    await createCollection(page, { name: "books", primaryKey: "uuid", userCreated: true });
    expect(await field("books", "id")).toMatchObject({ type: "uuid", meta: { special: ["uuid"] }, schema: { is_primary_key: true } });
    expect(await field("books", "user_created")).toMatchObject({ type: "uuid", meta: { special: ["user-created"] } });
    expect(await relation("books", "user_created")).toMatchObject({ related_collection: "directus_users" });

    await createCollection(page, { name: "tags", primaryKey: "string" });
    expect(await field("tags", "id")).toMatchObject({ type: "string", schema: { is_primary_key: true, has_auto_increment: false } });
    // The server stamps the fields it was told to.
    const created = await api.post("/items/books", {});
    expect(created.body.data.user_created).toEqual(expect.any(String));
  });

  test("adds fields of several types", async () => {
    await addField(page, "authors", { name: "name", type: "string", required: true });
    await addField(page, "authors", { name: "born", type: "date" });
    await addField(page, "authors", { name: "rating", type: "float" });
    await addField(page, "authors", { name: "active", type: "boolean" });
    await addField(page, "books", { name: "title", type: "string" });

    expect(await field("authors", "name")).toMatchObject({ type: "string", meta: { required: true }, schema: { is_nullable: true, max_length: 255 } });
    expect((await field("authors", "born")).type).toBe("date");
    expect((await field("authors", "rating")).type).toBe("float");
    expect((await field("authors", "active")).type).toBe("boolean");
    expect(await fieldRow(page, "title").textContent()).toContain("nullable");
  });

  test("adds many-to-one, one-to-many and many-to-many relations", async () => {
    await addRelation(page, "books", { kind: "m2o", field: "author", related: "authors" });
    expect(await field("books", "author")).toMatchObject({ type: "integer", meta: { special: ["m2o"] } });
    expect(await relation("books", "author")).toMatchObject({ related_collection: "authors", meta: { one_field: null }, schema: { on_delete: "SET NULL" } });

    // The o2m reuses books.author, the m2o that already points at authors.
    await addRelation(page, "authors", { kind: "o2m", field: "books", related: "books" });
    expect(await field("authors", "books")).toMatchObject({ type: "alias", meta: { special: ["o2m"] }, schema: null });
    expect(await relation("books", "author")).toMatchObject({ related_collection: "authors", meta: { one_field: "books" } });
    await fieldRow(page, "books").getByText("o2m → books.author").waitFor();

    await addRelation(page, "books", { kind: "m2m", field: "tags", related: "tags" });
    expect(await field("books", "tags")).toMatchObject({ type: "alias", meta: { special: ["m2m"] } });
    expect(await field("books_tags", "books_id")).toMatchObject({ type: "uuid" });
    expect(await field("books_tags", "tags_id")).toMatchObject({ type: "string" });
    expect(await relation("books_tags", "books_id")).toMatchObject({ related_collection: "books", meta: { one_field: "tags", junction_field: "tags_id" } });
    expect(await relation("books_tags", "tags_id")).toMatchObject({ related_collection: "tags", meta: { one_field: null, junction_field: "books_id" } });
    await fieldRow(page, "author").getByText("m2o → authors").waitFor();
    await fieldRow(page, "tags").getByText("m2m → tags via books_tags").waitFor();

    // An o2m whose key field doesn't exist yet creates it on the other side.
    await createCollection(page, { name: "reviews" });
    await addRelation(page, "books", { kind: "o2m", field: "reviews", related: "reviews" });
    expect(await field("reviews", "books_id")).toMatchObject({ type: "uuid", meta: { special: ["m2o"] } });
    expect(await relation("reviews", "books_id")).toMatchObject({ related_collection: "books", meta: { one_field: "reviews" } });

    // The relations work for items, nested both ways.
    const tag = await api.post("/items/tags", { id: "poetry" });
    expect(tag.status).toBe(200);
    const author = await api.post("/items/authors", { name: "Ada" });
    const book = await api.post("/items/books", { title: "Verses", author: author.body.data.id, tags: [{ tags_id: "poetry" }] });
    expect(book.status).toBe(200);
    const read = await api.get(`/items/authors/${author.body.data.id}?fields=books.title,books.tags.tags_id`);
    expect(read.body.data).toEqual({ books: [{ title: "Verses", tags: [{ tags_id: "poetry" }] }] });

    // A refused step shows the server's error and undoes the steps before it: no key column stays behind.
    await dismissToasts();
    await openCollection(page, "books");
    await page.getByRole("button", { name: "Add relation" }).click();
    const dialog = page.getByRole("dialog", { name: "Add relation to books" });
    await dialog.getByLabel("Field name").fill("editor");
    await dialog.getByLabel("Related collection").selectOption("authors");
    await dialog.getByLabel("One-to-many field on authors (optional)").fill("name");
    await dialog.getByRole("button", { name: "Add relation" }).click();
    await dialog.getByRole("alert").getByText('Field "name" already exists in collection "authors".').waitFor();
    expect(await field("books", "editor")).toBeUndefined();
    expect(await field("authors", "name")).toMatchObject({ type: "string" });
    await dialog.getByRole("button", { name: "Cancel" }).click();

    await browser.screenshot(page, "data-model-collection");
  });

  test("edits a field, and shows the server's refusal of a duplicate", async () => {
    await openCollection(page, "authors");
    await fieldRow(page, "name").getByRole("button", { name: "Edit field name" }).click();
    const edit = page.getByRole("dialog", { name: "Edit field name" });
    await edit.getByLabel("Max length").fill("100");
    await edit.getByRole("checkbox", { name: /^Unique/ }).check();
    await edit.getByLabel("Note").fill("Shown on the cover");
    await edit.getByLabel("Default value").fill("Anonymous");
    await edit.getByRole("button", { name: "Save field" }).click();
    await edit.waitFor({ state: "hidden" });
    expect(await field("authors", "name")).toMatchObject({ meta: { note: "Shown on the cover", required: true }, schema: { max_length: 100, is_unique: true, default_value: "Anonymous" } });
    await fieldRow(page, "name").getByText("unique").waitFor();

    // A modal dialog makes the toasts inert: clear them before opening it.
    await dismissToasts();
    await page.getByRole("button", { name: "Add field" }).click();
    const add = page.getByRole("dialog", { name: "Add field to authors" });
    await add.getByLabel("Name").fill("name");
    await add.getByLabel("Type").selectOption("integer");
    await add.getByLabel("Default value").fill("7");
    await add.getByRole("button", { name: "Add field" }).click();
    await add.getByRole("alert").getByText('Field "name" already exists in collection "authors".').waitFor();
    await browser.screenshot(page, "data-model-field-dialog");
    await add.getByRole("button", { name: "Cancel" }).click();
    await add.waitFor({ state: "hidden" });
    expect(await field("authors", "name")).toMatchObject({ type: "string" });
    expect(await page.getByText('Field “name” added.').count()).toBe(0);
  });

  test("deletes a field, never the primary key, and a collection after typing its name", async () => {
    await openCollection(page, "authors");
    expect(await fieldRow(page, "id").getByRole("button", { name: "Delete field id" }).count()).toBe(0);
    await fieldRow(page, "rating").getByRole("button", { name: "Delete field rating" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete field rating?" });
    await confirm.getByRole("button", { name: "Delete field" }).click();
    await confirm.waitFor({ state: "hidden" });
    await fieldRow(page, "rating").waitFor({ state: "detached" });
    expect(await field("authors", "rating")).toBeUndefined();

    await openCollection(page, "reviews");
    await page.getByRole("button", { name: "Delete collection" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Delete collection reviews?" });
    await dialog.getByRole("button", { name: "Delete collection" }).click();
    await dialog.getByText("Type exactly “reviews”.").waitFor();
    expect((await api.get("/collections/reviews")).status).toBe(200);
    await dialog.getByLabel("Type reviews to confirm").fill("reviews");
    await dialog.getByRole("button", { name: "Delete collection" }).click();
    await page.getByRole("heading", { name: "Data model", level: 1 }).waitFor();
    expect((await api.get("/collections/reviews")).status).toBe(403);
    const collections = page.getByRole("table", { name: "Collections" });
    await collections.getByRole("link", { name: "reviews", exact: true }).waitFor({ state: "detached" });
    expect(await collections.getByRole("link").allTextContents()).toEqual(["authors", "books", "books_tags", "tags"]);
    await dismissToasts();
    await browser.screenshot(page, "data-model-list");
  });

  test("fits a phone screen", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await openCollection(page, "books");
    await dismissToasts();
    await browser.screenshot(page, "data-model-collection-phone");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
