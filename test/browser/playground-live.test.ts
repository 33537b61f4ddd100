import type { Page } from 'playwright-core';
import { type Browser, CHROMIUM, editorText, hasChromium, openBrowser } from './chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/server.js';
import { freePort } from '../net.js';

if (!hasChromium) console.warn(`test/browser/playground-live.test.ts: SKIPPED, ${CHROMIUM} is not installed.`);

/** A GraphQL request from the page itself, as the signed-in browser (cookie and CSRF header). */
function fromPage<T>(page: Page, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return page.evaluate(
    async ({ query, variables }) => {
      const res = await fetch('/graphql', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-protection': '1' },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()).data;
    },
    { query, variables },
  ) as Promise<T>;
}

describe.skipIf(!hasChromium)('a subscription in the playground (Chromium)', () => {
  let running: Awaited<ReturnType<typeof main>>;
  let base: string;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    running = await main({ PORT: String(port), PUBLIC_URL: base, LOG_LEVEL: 'warn', LIVE_POLL_INTERVAL_MS: '200' });
    browser = await openBrowser();
    ({ page, problems } = browser);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it('runs boxStateChanged through GraphiQL and shows a reboot as it happens', async () => {
    await page.goto(`${base}/auth/login?redirect=/graphql`);
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL(`${base}/graphql`);
    const queryEditor = '.graphiql-query-editor';
    await page.locator(`${queryEditor} .monaco-editor`).waitFor({ state: 'visible', timeout: 30_000 });

    const { locations } = await fromPage<{
      locations: { nodes: Array<{ id: string; boxes: { nodes: Array<{ id: string; state: string; acceptsJobs: boolean | null }> } }> };
    }>(page, '{ locations(first: 10) { nodes { id boxes(first: 20) { nodes { id state acceptsJobs } } } } }');
    const location = locations.nodes.find((l) => l.boxes.nodes.some((b) => b.state === 'ONLINE' && b.acceptsJobs))!;
    const box = location.boxes.nodes.find((b) => b.state === 'ONLINE' && b.acceptsJobs)!;

    const subscription = `subscription Watch { boxStateChanged(locationId: "${location.id}") { previousState box { id state } } }`;
    await page.locator(`${queryEditor} .monaco-editor`).click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(subscription);
    await expect.poll(() => editorText(page, queryEditor)).toBe(subscription);
    await expect.poll(() => page.locator('.graphiql-tab-button').first().innerText()).toBe('Watch');

    const stream = page.waitForResponse((r) => r.url().startsWith(`${base}/graphql?`) && r.request().method() === 'GET');
    await page.locator('.graphiql-execute-button').click();
    const response = await stream;
    expect(response.status()).toBe(200);
    expect(await response.headerValue('content-type')).toMatch(/^text\/event-stream/);
    expect(await response.request().headerValue('x-csrf-protection')).toBe('1');

    await fromPage(page, 'mutation($id: ID!) { rebootBox(input: { id: $id }) { box { state } } }', { id: box.id });
    await expect.poll(() => editorText(page, '.graphiql-response'), { timeout: 15_000 }).toContain('"state": "REBOOTING"');
    expect(await editorText(page, '.graphiql-response')).toContain('"previousState": "ONLINE"');
    expect(problems).toEqual([]);
  }, 90_000);
});
