/**
 * The first hour of an operator and a frontend developer, in Debian's Chromium: `main()` as
 * `npm start` runs it (facade plus embedded simulator), real sockets, the simulator's consent page.
 * - Opened on 127.0.0.1 while PUBLIC_URL is localhost (and the other way round): the browser is
 *   sent to PUBLIC_URL first, signs in, and the playground's bar shows the CT username.
 * - Denied at the consent page: a readable page whose "Try again" starts over.
 * - An UNAUTHENTICATED answer in GraphiQL shows a sign-in link that comes back to the playground.
 * - A frontend on another loopback origin listed in CORS_ORIGINS signs in through
 *   /auth/login?redirect=<its URL>, comes back, queries with credentials: 'include', signs out.
 * Screenshots go to /tmp/first-*.png. Skipped only when /usr/bin/chromium is missing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getOperationAST, parse } from 'graphql';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO } from '../../simulator/app.js';
import { playgroundTabs } from '../../src/playground/examples.js';
import { schema } from '../../src/schema/index.js';
import { main } from '../../src/server.js';
import { freePort } from '../net.js';
import { editorText, hasChromium, openBrowser, type Browser, CHROMIUM } from './chromium.js';

if (!hasChromium) console.warn(`test/browser/first-hour.test.ts: SKIPPED, ${CHROMIUM} is not installed (apt-get install -y chromium).`);

const SECRET = 'first-hour-session-secret-0123456789-abcdef';

/** A frontend page: reads `viewer` with the session cookie, links to sign-in and back, signs out. */
function frontendHtml(facade: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Frontend</title></head>
<body>
<p id="state">checking…</p>
<a id="signin">Sign in with CT</a>
<button id="signout" type="button">Sign out</button>
<script>
const facade = ${JSON.stringify(facade)};
// The README's recipe: credentials 'include' (the facade's cookie), the CSRF header, viewer null when signed out.
async function whoAmI() {
  const response = await fetch(facade + '/graphql', {
    method: 'POST',
    credentials: 'include',
    headers: { 'content-type': 'application/json', 'x-csrf-protection': '1' },
    body: JSON.stringify({ query: '{ viewer { username } }' }),
  });
  const { data } = await response.json();
  document.getElementById('state').textContent = data.viewer ? 'signed in as ' + data.viewer.username : 'signed out';
}
document.getElementById('signin').href = facade + '/auth/login?redirect=' + encodeURIComponent(location.href);
document.getElementById('signout').addEventListener('click', async () => {
  await fetch(facade + '/auth/logout', { method: 'POST', credentials: 'include', headers: { 'x-csrf-protection': '1' } });
  await whoAmI();
});
whoAmI();
</script>
</body></html>`;
}

/** Presses Authorize (or Deny) on the simulator's consent page. */
async function consent(page: Page, press: 'Authorize' | 'Deny' = 'Authorize'): Promise<void> {
  await page.getByRole('button', { name: press }).click();
}

async function waitForPlayground(page: Page): Promise<void> {
  await page.locator('.graphiql-query-editor .monaco-editor').waitFor({ state: 'visible', timeout: 30_000 });
}

describe.skipIf(!hasChromium)(
  hasChromium ? 'the first hour, in Chromium' : `the first hour, in Chromium (SKIPPED: ${CHROMIUM} is not installed)`,
  () => {
    let localhostFacade: Awaited<ReturnType<typeof main>>;
    let ipFacade: Awaited<ReturnType<typeof main>>;
    let frontendServer: Server;
    let portA: number;
    let portB: number;
    let frontend: string;
    let dataDir: string;
    const browsers: Browser[] = [];
    const tabNames = playgroundTabs(schema).map((tab) => getOperationAST(parse(tab.query))?.name?.value);

    async function browser(): Promise<Browser> {
      const opened = await openBrowser();
      browsers.push(opened);
      return opened;
    }

    beforeAll(async () => {
      [portA, portB] = [await freePort(), await freePort()];
      const frontendPort = await freePort();
      frontend = `http://localhost:${frontendPort}`;
      dataDir = await mkdtemp(join(tmpdir(), 'ctg-first-hour-'));
      const common = { LOG_LEVEL: 'warn', SESSION_SECRET: SECRET, DATA_DIR: dataDir };
      const quiet = vi.spyOn(console, 'log').mockImplementation(() => {});
      try {
        // PUBLIC_URL left to its default, http://localhost:<port>; the frontend's origin is allowed.
        localhostFacade = await main({ ...common, PORT: String(portA), CORS_ORIGINS: frontend });
        ipFacade = await main({ ...common, PORT: String(portB), PUBLIC_URL: `http://127.0.0.1:${portB}` });
      } finally {
        quiet.mockRestore();
      }
      frontendServer = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(frontendHtml(`http://localhost:${portA}`));
      });
      await new Promise<void>((resolve) => frontendServer.listen(frontendPort, '127.0.0.1', resolve));
    }, 60_000);

    afterAll(async () => {
      for (const opened of browsers) await opened.close();
      await localhostFacade?.close();
      await ipFacade?.close();
      await new Promise((resolve) => frontendServer?.close(resolve));
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('opened on 127.0.0.1 while PUBLIC_URL is localhost: sent there, signs in, the bar shows the CT username', async () => {
      const { page, context, problems } = await browser();
      await page.goto(`http://127.0.0.1:${portA}/`);
      await page.waitForURL(`http://localhost:${portA}/graphql`);
      await waitForPlayground(page);
      await expect.poll(() => page.locator('#ct-status').innerText()).toMatch(/^Not signed in/);
      expect(await page.locator('#ct-signin').isVisible()).toBe(true);
      expect(await page.locator('#ct-signout').isVisible()).toBe(false);
      // The example tabs, the first one open; no "sign in first" in the editor.
      await expect.poll(() => page.locator('.graphiql-tab-button').allInnerTexts()).toEqual(tabNames);
      await expect.poll(() => editorText(page, '.graphiql-query-editor')).toContain('query FirstLook');
      await page.screenshot({ path: '/tmp/first-signed-out.png' });

      await page.locator('#ct-signin').click();
      await consent(page);
      await page.waitForURL(`http://localhost:${portA}/graphql`);
      await waitForPlayground(page);
      await expect.poll(() => page.locator('#ct-username').innerText()).toBe(DEMO.username);
      expect(await page.locator('#ct-status').innerText()).toBe(`Signed in to CT as ${DEMO.username}`);
      expect(await page.locator('#ct-signin').isVisible()).toBe(false);
      expect(await page.locator('#ct-signout').isVisible()).toBe(true);

      await page.locator('.graphiql-execute-button').click();
      await expect.poll(() => editorText(page, '.graphiql-response'), { timeout: 15_000 }).toContain(`"username": "${DEMO.username}"`);
      await page.screenshot({ path: '/tmp/first-signed-in.png' });
      // One origin: the session cookie lives on PUBLIC_URL's host only.
      expect((await context.cookies(`http://localhost:${portA}`)).some((c) => c.name === 'ct_session')).toBe(true);
      expect((await context.cookies(`http://127.0.0.1:${portA}`)).some((c) => c.name === 'ct_session')).toBe(false);
      expect(problems).toEqual([]);
    }, 120_000);

    it('opened on localhost while PUBLIC_URL is 127.0.0.1: the same, the other way round', async () => {
      const { page, problems } = await browser();
      await page.goto(`http://localhost:${portB}/`);
      await page.waitForURL(`http://127.0.0.1:${portB}/graphql`);
      await page.locator('#ct-signin').click();
      await consent(page);
      await page.waitForURL(`http://127.0.0.1:${portB}/graphql`);
      await waitForPlayground(page);
      await expect.poll(() => page.locator('#ct-username').innerText()).toBe(DEMO.username);
      expect(problems).toEqual([]);
    }, 120_000);

    it('denied at the consent page: a readable page whose "Try again" starts over', async () => {
      const { page, problems } = await browser();
      await page.goto(`http://localhost:${portA}/auth/login?redirect=/graphql`);
      await consent(page, 'Deny');
      await page.waitForURL((url) => url.pathname === '/auth/callback');
      expect(await page.locator('h1').innerText()).toBe('Sign-in cancelled');
      expect(await page.locator('main').innerText()).toContain('Access was denied on CT’s consent page');
      await page.screenshot({ path: '/tmp/first-denied.png' });
      await page.getByRole('link', { name: 'Try again' }).click();
      await consent(page);
      await page.waitForURL(`http://localhost:${portA}/graphql`);
      await expect.poll(() => page.locator('#ct-username').innerText()).toBe(DEMO.username);
      expect(problems).toEqual([]);
    }, 120_000);

    it('an UNAUTHENTICATED answer in GraphiQL shows a sign-in link, which comes back signed in', async () => {
      const { page, problems } = await browser();
      await page.goto(`http://localhost:${portA}/graphql`);
      await waitForPlayground(page);
      await expect.poll(() => page.locator('#ct-status').innerText()).toMatch(/^Not signed in/);
      expect(await page.locator('#ct-notice').isVisible()).toBe(false);
      await page.locator('.graphiql-execute-button').click();
      await expect.poll(() => editorText(page, '.graphiql-response'), { timeout: 15_000 }).toContain('UNAUTHENTICATED');
      const link = page.locator('#ct-notice a');
      await link.waitFor({ state: 'visible' });
      expect(await link.getAttribute('href')).toBe('/auth/login?redirect=%2Fgraphql');
      await page.screenshot({ path: '/tmp/first-unauthenticated.png' });
      await link.click();
      await consent(page);
      await page.waitForURL(`http://localhost:${portA}/graphql`);
      await expect.poll(() => page.locator('#ct-username').innerText()).toBe(DEMO.username);
      expect(await page.locator('#ct-notice').isVisible()).toBe(false);
      expect(problems).toEqual([]);
    }, 120_000);

    it('a frontend on another origin in CORS_ORIGINS signs in, comes back, queries with its cookie, signs out', async () => {
      const { page, context, problems } = await browser();
      await page.goto(`${frontend}/`);
      await expect.poll(() => page.locator('#state').innerText()).toBe('signed out');
      await page.locator('#signin').click();
      await consent(page);
      await page.waitForURL(`${frontend}/`);
      await expect.poll(() => page.locator('#state').innerText()).toBe(`signed in as ${DEMO.username}`);
      await page.screenshot({ path: '/tmp/first-frontend.png' });
      await page.locator('#signout').click();
      await expect.poll(() => page.locator('#state').innerText()).toBe('signed out');
      expect((await context.cookies(`http://localhost:${portA}`)).some((c) => c.name === 'ct_session')).toBe(false);
      expect(problems).toEqual([]);
    }, 120_000);
  },
);
