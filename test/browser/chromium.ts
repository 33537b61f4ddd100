/**
 * Debian's Chromium for the browser tests, through playwright-core (which never downloads a
 * browser here): whether it is installed, a headless persistent context in a temporary profile,
 * and a collector of what a person would see go wrong (page errors, CSP refusals, failed loads).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** How every browser test starts Debian's Chromium: headless, no sandbox (root), nothing phoned home. */
export const CHROMIUM_OPTIONS = {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1280, height: 800 },
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Page errors, CSP refusals and failed loads seen so far. */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh profile (no cookies, no stored GraphiQL tabs), as a person's first visit. */
export async function openBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'ctg-chromium-'));
  const context = await chromium.launchPersistentContext(profile, CHROMIUM_OPTIONS);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText ?? '';
    // ERR_ABORTED: a navigation cancelled the old page's loads; CSP blocks and unreachable hosts show as other errors.
    if (error !== 'net::ERR_ABORTED') problems.push(`failed: ${request.url()} ${error}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/content security policy|refused to/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Text of a Monaco editor as a person reads it (Monaco renders spaces as no-break spaces). */
export async function editorText(page: Page, selector: string): Promise<string> {
  return (await page.locator(`${selector} .view-lines`).first().innerText()).replace(/\u00a0/g, ' ');
}
