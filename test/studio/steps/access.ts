// Page objects for the Access section: roles, policies, permissions, users and static tokens, through the UI only.
import type { Locator, Page } from "playwright-core";
import { submitDialog } from "./dialog.js";

type AccessTab = "Users" | "Roles" | "Policies";
type Action = "create" | "read" | "update" | "delete";

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A role shows as its path ("Parent / Child"): match it by its own name, at the end of the path. */
const rolePattern = (name: string) => new RegExp(`(^| / )${escape(name)}$`);
const capitalized = (action: Action) => action[0].toUpperCase() + action.slice(1);

/** Opens a tab of the Access section through the navigation (closing a static token dialog left open). */
export async function openAccess(page: Page, tab: AccessTab = "Users") {
  const tokenDialog = page.getByRole("dialog", { name: "Static token" });
  if (await tokenDialog.isVisible()) {
    await tokenDialog.getByRole("button", { name: "Done" }).click();
    await tokenDialog.waitFor({ state: "hidden" });
  }
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Access" }).click();
  await page.getByRole("navigation", { name: "Access sections" }).getByRole("link", { name: tab }).click();
  await page.getByRole("region", { name: tab }).waitFor();
}

/** Picks the <option> whose text is the role's name or ends with " / name". */
async function selectRole(select: Locator, name: string) {
  const labels = await select.locator("option").allTextContents();
  const label = labels.find((text) => rolePattern(name).test(text.trim()));
  if (!label) throw new Error(`No role "${name}" among ${labels.join(", ")}`);
  await select.selectOption({ label });
}

export async function createRole(page: Page, name: string, options: { parent?: string } = {}): Promise<void> {
  await openAccess(page, "Roles");
  await page.getByRole("button", { name: "Create role" }).click();
  const dialog = page.getByRole("dialog", { name: "Create role" });
  await dialog.getByLabel("Name").fill(name);
  if (options.parent) await selectRole(dialog.getByLabel("Parent role"), options.parent);
  await submitDialog(dialog, "Create role");
  await page.getByRole("button", { name: `Edit ${name}`, exact: true }).waitFor();
}

export async function createPolicy(page: Page, options: { name: string; roles?: string[]; appAccess?: boolean }): Promise<void> {
  await openAccess(page, "Policies");
  await page.getByRole("button", { name: "Create policy" }).click();
  const dialog = page.getByRole("dialog", { name: "Create policy" });
  await dialog.getByLabel("Name").fill(options.name);
  if (options.appAccess) await dialog.getByLabel("App access").check();
  const roles = dialog.getByRole("group", { name: "Roles using this policy" });
  for (const role of options.roles ?? []) await roles.getByLabel(rolePattern(role)).check();
  await submitDialog(dialog, "Create policy");
  // The studio opens the new policy's page.
  await page.getByRole("heading", { name: options.name, exact: true }).waitFor();
  await page.getByRole("table", { name: "Permissions" }).waitFor();
}

/** Opens a policy's permissions page from the Policies tab. */
export async function openPolicy(page: Page, policy: string) {
  await openAccess(page, "Policies");
  await page.getByRole("region", { name: "Policies" }).getByRole("link", { name: policy, exact: true }).click();
  await page.getByRole("heading", { name: policy, exact: true }).waitFor();
  await page.getByRole("table", { name: "Permissions" }).waitFor();
}

/** The grid cell button for a collection and action, e.g. "Read articles: Custom". */
export const permissionCell = (page: Page, collection: string, action: Action) =>
  page.getByRole("button", { name: new RegExp(`^${capitalized(action)} ${escape(collection)}: (None|All|Custom)$`) });

export async function openPermission(page: Page, collection: string, action: Action): Promise<Locator> {
  await permissionCell(page, collection, action).click();
  const dialog = page.getByRole("dialog", { name: `${capitalized(action)} permission: ${collection}` });
  await dialog.waitFor();
  return dialog;
}

export async function grantPermission(
  page: Page,
  policy: string,
  collection: string,
  action: "create" | "read" | "update" | "delete",
  options: { filter?: unknown; fields?: string[] } = {},
): Promise<void> {
  await openPolicy(page, policy);
  const dialog = await openPermission(page, collection, action);
  const custom = options.filter !== undefined || options.fields !== undefined;
  await dialog.getByRole("radio", { name: custom ? /^Custom/ : /^All/ }).check();
  if (options.filter !== undefined) await dialog.getByLabel("Row filter (JSON)").fill(JSON.stringify(options.filter));
  if (options.fields !== undefined) {
    const fields = dialog.getByRole("group", { name: "Fields" });
    await fields.getByLabel("All fields").uncheck();
    for (const field of options.fields) await fields.getByLabel(field, { exact: true }).check();
  }
  await submitDialog(dialog, "Save");
  await page.getByRole("button", { name: `${capitalized(action)} ${collection}: ${custom ? "Custom" : "All"}` }).waitFor();
}

export async function createUser(page: Page, options: { email: string; password: string; role?: string }): Promise<void> {
  await openAccess(page, "Users");
  await page.getByRole("button", { name: "Create user" }).click();
  const dialog = page.getByRole("dialog", { name: "Create user" });
  await dialog.getByLabel("Email").fill(options.email);
  await dialog.getByLabel("Password", { exact: true }).fill(options.password);
  if (options.role) await selectRole(dialog.getByLabel("Role", { exact: true }), options.role);
  await submitDialog(dialog, "Create user");
  await page.getByRole("button", { name: `Edit ${options.email}`, exact: true }).waitFor();
}

/** Generates a static token for the user and returns it as the dialog shows it; the dialog stays open (for a screenshot). */
export async function generateToken(page: Page, email: string): Promise<string> {
  await openAccess(page, "Users");
  await page.getByRole("button", { name: `Generate token for ${email}`, exact: true }).click();
  await submitDialog(page.getByRole("dialog", { name: `Generate a static token for ${email}?` }), "Generate token");
  const dialog = page.getByRole("dialog", { name: "Static token" });
  return dialog.getByLabel(`Static token for ${email}`).inputValue();
}
