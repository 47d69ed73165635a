// Headless Chromium for the studio's end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core.
// Without Chromium the tests skip with a message, except under CI=true, where they must run.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { studioRoot } from "../../src/http/admin.js";

export const CHROMIUM = process.env.TIDINGS_CHROMIUM ?? "/usr/bin/chromium";

/** Where the screenshots of a run go (not committed): test-results/studio/. */
export const SCREENSHOTS = path.resolve("test-results", "studio");

/** Whether the studio tests can run here; throws under CI=true when they can't. */
export function studioTestsCanRun(): boolean {
  const missing = !existsSync(CHROMIUM) ? `Chromium not found at ${CHROMIUM} (apt install chromium)` : !existsSync(path.join(studioRoot, "index.html")) ? "the studio is not built (npm run build:admin)" : undefined;
  if (!missing) return true;
  if (process.env.CI === "true") throw new Error(`CI=true requires the studio end-to-end tests to run: ${missing}.`);
  console.warn(`[tidings tests] ${missing}: the studio end-to-end tests are skipped.`);
  return false;
}

export interface StudioBrowser {
  browser: Browser;
  /** Uncaught errors thrown in any page so far. */
  pageErrors: string[];
  /** A fresh context (own storage, own session) with a page at `url`. */
  open(url: string): Promise<{ context: BrowserContext; page: Page }>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<StudioBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright starts it with a new empty profile. The network here is closed: no background
    // traffic, no first-run work; no sandbox, since CI runs as root.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  return {
    browser,
    pageErrors,
    async open(url) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      // Fail on the locator that is missing, well before the test's own 30 s timeout.
      context.setDefaultTimeout(15_000);
      contexts.push(context);
      const page = await context.newPage();
      // Uncaught errors in the page fail the test (see pageErrors).
      page.on("pageerror", (error) => pageErrors.push(`${error.name}: ${error.message}`));
      await page.goto(url);
      return { context, page };
    },
    async screenshot(page, name) {
      const file = path.join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}
