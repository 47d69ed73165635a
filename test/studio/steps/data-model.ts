// Page-object steps for the studio's Data model section: collections, fields and relations made through the UI.
import type { Locator, Page } from "playwright-core";
import { submitDialog } from "./dialog.js";

const KIND_LABELS = { m2o: "Many-to-one", o2m: "One-to-many", m2m: "Many-to-many" } as const;

/** Opens the Data model overview through the navigation. */
export async function openDataModel(page: Page): Promise<void> {
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Data model" }).click();
  await page.getByRole("heading", { name: "Data model", level: 1 }).waitFor();
}

/** Opens a collection's page (from anywhere in the studio). */
export async function openCollection(page: Page, collection: string): Promise<void> {
  if (await page.getByRole("heading", { name: collection, exact: true, level: 1 }).isVisible()) return;
  await openDataModel(page);
  await page.getByRole("table", { name: "Collections" }).getByRole("link", { name: collection, exact: true }).click();
  await page.getByRole("heading", { name: collection, exact: true, level: 1 }).waitFor();
}

export async function createCollection(
  page: Page,
  options: { name: string; primaryKey?: "integer" | "uuid" | "string"; dateCreated?: boolean; dateUpdated?: boolean; userCreated?: boolean },
): Promise<void> {
  await openDataModel(page);
  await page.getByRole("button", { name: "Create collection" }).first().click();
  const dialog = page.getByRole("dialog", { name: "Create collection" });
  await dialog.getByLabel("Name").fill(options.name);
  const primaryKey = { integer: "Auto-increment integer", uuid: "Generated UUID", string: "Manually entered string" }[options.primaryKey ?? "integer"];
  await dialog.getByRole("radio", { name: primaryKey }).check();
  if (options.dateCreated) await dialog.getByRole("checkbox", { name: /^date_created/ }).check();
  if (options.dateUpdated) await dialog.getByRole("checkbox", { name: /^date_updated/ }).check();
  if (options.userCreated) await dialog.getByRole("checkbox", { name: /^user_created/ }).check();
  await submitDialog(dialog, "Create collection");
  await page.getByRole("heading", { name: options.name, exact: true, level: 1 }).waitFor();
}

export async function addField(page: Page, collection: string, field: { name: string; type: string; required?: boolean }): Promise<void> {
  await openCollection(page, collection);
  await page.getByRole("button", { name: "Add field" }).click();
  const dialog = page.getByRole("dialog", { name: `Add field to ${collection}` });
  await dialog.getByLabel("Name").fill(field.name);
  await dialog.getByLabel("Type").selectOption(field.type);
  if (field.required) await dialog.getByRole("checkbox", { name: /^Required/ }).check();
  await submitDialog(dialog, "Add field");
  await fieldRow(page, field.name).waitFor();
}

export async function addRelation(page: Page, collection: string, relation: { kind: "m2o" | "o2m" | "m2m"; field: string; related: string }): Promise<void> {
  await openCollection(page, collection);
  await page.getByRole("button", { name: "Add relation" }).click();
  const dialog = page.getByRole("dialog", { name: `Add relation to ${collection}` });
  await dialog.getByRole("radio", { name: new RegExp(`^${KIND_LABELS[relation.kind]}`) }).check();
  await dialog.getByLabel("Field name").fill(relation.field);
  await dialog.getByLabel("Related collection").selectOption(relation.related);
  await submitDialog(dialog, "Add relation");
  await fieldRow(page, relation.field).waitFor();
}

/** The row of a field in the fields table of the open collection (its row header is the name, then any note). */
export function fieldRow(page: Page, field: string): Locator {
  return page
    .getByRole("table", { name: /^Fields of / })
    .getByRole("row")
    .filter({ has: page.getByRole("rowheader", { name: new RegExp(`^${field}(\\s|$)`) }) });
}
