// Dialogs of the studio: submit one and learn whether the server accepted it.
import type { Locator } from "playwright-core";

/** Submits a dialog and waits until it closes; throws the error it shows when the server refuses. */
export async function submitDialog(dialog: Locator, button: string) {
  await dialog.getByRole("button", { name: button, exact: true }).click();
  const alert = dialog.getByRole("alert");
  // Whichever comes first; the other wait is left to time out quietly.
  await Promise.race([dialog.waitFor({ state: "hidden" }), alert.first().waitFor()].map((wait) => wait.catch(() => undefined)));
  if (await alert.first().isVisible()) throw new Error(`The dialog was refused: ${await alert.first().innerText()}`);
  if (await dialog.isVisible()) throw new Error("The dialog did not close.");
}
