// Page-object steps for the studio's Content section: open a collection, create an item, find a row.
import type { Locator, Page } from "playwright-core";

/** Opens a collection through the navigation and waits until its items (or empty state) show and live updates are on. */
export async function openContent(page: Page, collection: string): Promise<void> {
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Content", exact: true }).click();
  await page.getByRole("heading", { level: 1, name: "Content", exact: true }).waitFor();
  // The overview lists every collection the user can read (hidden ones too).
  await page.getByRole("main").getByRole("link", { name: collection, exact: true }).filter({ visible: true }).first().click();
  await page.getByRole("heading", { level: 1, name: collection, exact: true }).waitFor();
  await page.locator("main table, main .empty").first().waitFor();
  await page.locator('.live[data-status="open"]').waitFor();
}

/** Creates an item through the create dialog; `values` are keyed by field name (= the input's label). */
export async function createItem(page: Page, collection: string, values: Record<string, string>): Promise<void> {
  if (decodeURIComponent(new URL(page.url()).pathname) !== `/admin/content/${collection}`) await openContent(page, collection);
  await page.getByRole("button", { name: "Create item" }).click();
  const dialog = page.getByRole("dialog", { name: `Create item in ${collection}` });
  await dialog.waitFor();
  for (const [name, value] of Object.entries(values)) await fillField(dialog, name, value);
  await dialog.getByRole("button", { name: "Create", exact: true }).click();
  const refusal = dialog.getByRole("alert");
  await Promise.race([
    dialog.waitFor({ state: "hidden" }),
    refusal.waitFor().then(async () => {
      throw new Error(`The server refused the item: ${await refusal.textContent()}`);
    }),
  ]);
}

/** Fills one control: text-like inputs, selects (by option label), checkboxes ("true"/"false"), or a many-picker ("a, b"). */
async function fillField(scope: Locator, name: string, value: string) {
  const input = scope.getByLabel(name, { exact: true });
  if ((await input.count()) === 0) {
    const group = scope.getByRole("group", { name, exact: true });
    for (const label of value.split(",").map((part) => part.trim()).filter(Boolean)) await group.getByRole("checkbox", { name: label, exact: true }).check();
    return;
  }
  const kind = await input.evaluate((element) => `${element.tagName.toLowerCase()}:${element.getAttribute("type") ?? ""}`);
  if (kind.startsWith("select")) await input.selectOption({ label: value });
  else if (kind === "input:checkbox") await input.setChecked(value === "true");
  else await input.fill(value);
}

/** The items table's row that contains the text. */
export function rowWithText(page: Page, text: string): Locator {
  return page.getByRole("main").getByRole("table").getByRole("row").filter({ hasText: text });
}
