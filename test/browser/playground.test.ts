import type { BrowserContext, Page } from 'playwright-core';
import { type Browser, CHROMIUM, editorText, hasChromium, openBrowser } from './chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../simulator/app.js';
import { main } from '../../src/server.js';
import { freePort } from '../net.js';

if (!hasChromium) console.warn(`test/browser/playground.test.ts: SKIPPED, ${CHROMIUM} is not installed (apt-get install -y chromium).`);
const SCREENSHOT = '/tmp/playground.png';
const QUERY = '{ viewer { username } locations(first: 3) { totalCount } }';

describe.skipIf(!hasChromium)(
  hasChromium
    ? 'the playground in Chromium'
    : `the playground in Chromium (SKIPPED: ${CHROMIUM} is not installed; apt-get install -y chromium)`,
  () => {
    let running: Awaited<ReturnType<typeof main>>;
    let base: string;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let problems: string[];
    const requested: string[] = [];

    beforeAll(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      running = await main({ PORT: String(port), PUBLIC_URL: base, LOG_LEVEL: 'warn' });
      browser = await openBrowser();
      ({ context, page, problems } = browser);
      page.on('request', (request) => requested.push(request.url()));
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await running?.close();
    });

    it('signs in, renders GraphiQL from same-origin assets and runs a query through the UI', async () => {
      await page.goto(`${base}/auth/login?redirect=/graphql`);
      await page.getByRole('button', { name: 'Authorize' }).click();
      await page.waitForURL(`${base}/graphql`);

      const queryEditor = '.graphiql-query-editor';
      await page.locator(`${queryEditor} .monaco-editor`).waitFor({ state: 'visible', timeout: 30_000 });
      await expect.poll(() => editorText(page, queryEditor), { timeout: 15_000 }).toContain('query FirstLook');
      expect(await page.locator('#ct-signin').getAttribute('href')).toBe('/auth/login?redirect=/graphql');

      // Replace the default query the way a person would: select all, type over it.
      await page.locator(`${queryEditor} .monaco-editor`).click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      await page.keyboard.insertText(QUERY);
      await expect.poll(() => editorText(page, queryEditor)).toBe(QUERY);
      // GraphiQL re-reads the operation name a moment after an edit (the tab's title shows it);
      // running before that would ask for the old operation, FirstLook.
      await expect.poll(() => page.locator('.graphiql-tab-button').first().innerText()).toBe('<untitled>');

      const answer = page.waitForResponse(
        (r) => r.url() === `${base}/graphql` && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('viewer'),
      );
      await page.locator('.graphiql-execute-button').click();
      const response = await answer;
      expect(response.status()).toBe(200);
      expect(await response.request().headerValue('x-csrf-protection')).toBe('1');

      await expect.poll(() => editorText(page, '.graphiql-response'), { timeout: 15_000 }).toContain(`"username": "${DEMO.username}"`);
      expect(await editorText(page, '.graphiql-response')).toMatch(/"totalCount": \d+/);
      await page.locator(`${queryEditor} .monaco-editor`).click();
      await page.keyboard.press('Home');
      await page.screenshot({ path: SCREENSHOT });

      // Everything the playground loaded came from the facade: no unpkg.com, no other host.
      const loaded = requested.slice(requested.indexOf(`${base}/graphql`));
      expect(loaded.some((url) => url.includes('/graphql/assets/yoga-graphiql.umd.js'))).toBe(true);
      expect(loaded.filter((url) => !url.startsWith(`${base}/`) && !url.startsWith('data:'))).toEqual([]);
      expect(problems).toEqual([]);
    }, 90_000);

    it('reloads with the edited query in the address bar (a navigation is never refused as CSRF)', async () => {
      // GraphiQL keeps the edited query in ?query=; the reload carries the session cookie.
      expect(new URL(page.url()).searchParams.get('query')).toBe(QUERY);
      const reload = await page.reload();
      expect(reload?.status()).toBe(200);
      await page.locator('.graphiql-query-editor .monaco-editor').waitFor({ state: 'visible', timeout: 30_000 });
      await expect.poll(() => editorText(page, '.graphiql-query-editor')).toBe(QUERY);
      expect(problems).toEqual([]);
    }, 60_000);

    it("signs out with the bar's button (a POST with the CSRF header) and drops the session cookie", async () => {
      expect((await context.cookies(base)).some((c) => c.name === 'ct_session')).toBe(true);
      const logout = page.waitForResponse((r) => r.url() === `${base}/auth/logout`);
      await page.locator('#ct-signout').click();
      expect((await logout).status()).toBe(204);
      await page.waitForURL(`${base}/graphql`);
      expect((await context.cookies(base)).some((c) => c.name === 'ct_session')).toBe(false);
      await page.locator('.graphiql-query-editor .monaco-editor').waitFor({ state: 'visible', timeout: 30_000 });
      expect(problems).toEqual([]);
    }, 60_000);
  },
);
