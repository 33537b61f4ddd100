/**
 * The /board example in Debian's Chromium (issue 19): a real page built only on the public API,
 * served by the facade on a real socket over the simulator (its consent page on a socket too; the
 * facade reaches it in-process, so its request log is the facade's CT traffic). The board is
 * bundled into a temporary folder with the build script's own function, and the facade runs with
 * PERSISTED_OPERATIONS_ONLY and an empty allow-list: the board's operations run because the
 * facade trusts the board's manifest, not because it sends their text.
 *
 * Expectations come from the simulator's data (read through its REST API before each check), never
 * from fixed slugs or counts. Screenshots of the list and of a location page are written to
 * docs/screenshots/ and committed (the README links them).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, Request as PageRequest } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBoard } from '../../scripts/build.mjs';
import { createSimulator, DEMO, type Simulator } from '../../simulator/app.js';
import { serveSimulator } from '../../simulator/serve.js';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { listen } from '../../src/server.js';
import { TEST_SECRET } from '../harness.js';
import { freePort } from '../net.js';
import { CHROMIUM, hasChromium, openBrowser, type Browser } from './chromium.js';

if (!hasChromium) console.warn(`test/browser/board.test.ts: SKIPPED, ${CHROMIUM} is not installed (apt-get install -y chromium).`);

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const KNOWN_STATES = new Set(['online', 'offline', 'processing', 'rebooting', 'upgrading', 'new', 'initializing']);
const POLL_MS = 250;

interface CtLocation {
  id: string;
  slug: string;
  location_name: string;
}
interface CtBox {
  id: number;
  slug: string;
  description: string | null;
  calledstationid?: string;
  mac?: string;
  state: string;
  location_slug: string;
  allowed_job: boolean;
}

/** A CT list read whole from the simulator's REST API, as the demo user (100 a page). */
async function ctList<T>(sim: Simulator, token: string, path: string, key: string): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; ; page++) {
    const separator = path.includes('?') ? '&' : '?';
    const response = await sim.fetch(`http://ct.test/api/v1${path}${separator}per=100&page=${page}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as Record<string, unknown> & { _links: { next_page: number | null } };
    items.push(...(body[key] as T[]));
    if (!body._links.next_page) return items;
  }
}

/** The board's state name for a CT state string. */
const stateName = (ct: string): string => (KNOWN_STATES.has(ct) ? ct.toUpperCase() : 'UNKNOWN');

async function counts(page: Page, slug: string): Promise<Record<string, number>> {
  const chips = await page.locator(`li[data-slug="${slug}"] [data-state]`).all();
  const found: Record<string, number> = {};
  for (const chip of chips) {
    const state = (await chip.getAttribute('data-state'))!;
    found[state] = Number.parseInt(await chip.innerText(), 10);
  }
  return found;
}

describe.skipIf(!hasChromium)(hasChromium ? 'the /board example, in Chromium' : `the /board example (SKIPPED: ${CHROMIUM} missing)`, () => {
  let sim: Simulator;
  let simServer: Awaited<ReturnType<typeof serveSimulator>>;
  let app: App;
  let facade: Awaited<ReturnType<typeof listen>>;
  let base: string;
  let work: string;
  let browser: Browser;
  let ctToken: string;
  /** Every URL the page asked for, and its GraphQL requests (POSTs to /graphql), since the last reset. */
  const requested: string[] = [];
  let graphqlRequests: PageRequest[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ctg-board-'));
    const [port] = await Promise.all([freePort(), buildBoard(join(work, 'board'))]);
    base = `http://127.0.0.1:${port}`;
    sim = createSimulator({ redirectUris: [`${base}/auth/callback`], rebootDurationMs: 1500, voucherGenerationDelayMs: 1500 });
    simServer = await serveSimulator(sim, { port: 0, host: '127.0.0.1' });
    // Only persisted operations, from an allow-list that holds none of the board's: its own manifest must be what lets it in.
    const allowList = join(work, 'allow-list.json');
    await writeFile(allowList, '{}');
    const config = loadConfig({
      PUBLIC_URL: base,
      CT_API_URL: `${simServer.url}/api/v1`,
      CT_OAUTH_URL: simServer.url,
      CT_CLIENT_ID: DEMO.clientId,
      CT_CLIENT_SECRET: DEMO.clientSecret,
      SESSION_SECRET: TEST_SECRET,
      LOG_LEVEL: 'warn',
      DATA_DIR: join(work, 'data'),
      LIVE_POLL_INTERVAL_MS: String(POLL_MS),
      PERSISTED_OPERATIONS_FILE: allowList,
      PERSISTED_OPERATIONS_ONLY: 'true',
    });
    app = createApp({
      config,
      fetch: (input, init) => sim.fetch(new Request(input, init)),
      logger: createLogger({ level: 'warn' }),
      boardDir: join(work, 'board'),
    });
    facade = await listen((request) => app.fetch(request), port, '127.0.0.1');
    ctToken = sim.control.issueTokens(DEMO.username).access_token;
    browser = await openBrowser();
    browser.page.on('request', (request) => {
      requested.push(request.url());
      if (request.url() === `${base}/graphql` && request.method() === 'POST') graphqlRequests.push(request);
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    facade?.server.closeAllConnections();
    await new Promise((resolve) => facade?.server.close(resolve));
    simServer?.server.closeAllConnections();
    await new Promise((resolve) => simServer?.server.close(resolve));
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('signed out, offers sign-in, under a CSP without unsafe-eval', async () => {
    const { page } = browser;
    const response = await page.goto(`${base}/board`);
    expect(response?.status()).toBe(200);
    const csp = (await response?.headerValue('content-security-policy')) ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toContain('unsafe-inline');
    await expect.poll(() => page.locator('main').innerText()).toContain('You are signed out');
    expect(await page.locator('#sign-in').getAttribute('href')).toBe('/auth/login?redirect=/board');
  });

  it('after sign-in lists every location with its box counts, worst first, in 3 GraphQL requests at the minimum CT calls', async () => {
    const { page } = browser;
    await page.locator('main a.button', { hasText: 'Sign in with CT' }).click();
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL(`${base}/board`);
    await page.locator('#signed-in-as').waitFor();

    // What the screen must show, from the simulator's own data.
    const locations = await ctList<CtLocation>(sim, ctToken, '/locations', 'locations');
    const boxes = await ctList<CtBox>(sim, ctToken, '/boxes', 'boxes');
    expect(locations.length).toBeLessThanOrEqual(100);

    // The first screen, counted from a fresh load: GraphQL requests in the browser, CT calls in the simulator's log.
    await page.goto('about:blank');
    sim.resetLog();
    graphqlRequests = [];
    await page.goto(`${base}/board`);
    await page.locator('#main[aria-busy="false"] #locations').waitFor();
    const boxPages = Math.ceil(boxes.length / 100);
    expect(graphqlRequests.length).toBe(boxPages);
    expect(graphqlRequests.length).toBeLessThanOrEqual(3);
    for (const request of graphqlRequests) {
      const body = request.postDataJSON() as Record<string, unknown>;
      expect(body.documentId).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(body.query).toBeUndefined();
      expect(request.headers()['x-csrf-protection']).toBe('1');
    }
    // The minimum: who is signed in, the one page of locations, every page of boxes. Each box's
    // `location { id }` costs nothing, as the box names its location (see operations.graphql).
    const calls = sim.apiCalls().map((c) => `${c.method} ${c.path}`);
    expect(calls.sort()).toEqual(['GET /api/v1/me.json', 'GET /api/v1/locations', ...Array(boxPages).fill('GET /api/v1/boxes')].sort());
    // The cost corner shows the last request: a further box page (one CT call), or BoardHome alone (three).
    await expect.poll(() => page.locator('#cost').getAttribute('data-ct-calls')).toBe(boxPages > 1 ? '1' : '3');
    expect(await page.locator('#cost').innerText()).toMatch(/CT calls left this minute/);

    // Every location, with its counts per state and its offline boxes named.
    expect(await page.locator('#locations > li').count()).toBe(locations.length);
    for (const location of locations) {
      const expected: Record<string, number> = {};
      const mine = boxes.filter((b) => b.location_slug === location.slug);
      for (const box of mine) expected[stateName(box.state)] = (expected[stateName(box.state)] ?? 0) + 1;
      expect(await counts(page, location.slug), location.location_name).toEqual(expected);
      const offline = mine.filter((b) => b.state === 'offline');
      const text = await page.locator(`li[data-slug="${location.slug}"]`).innerText();
      for (const box of offline) expect(text).toContain(box.description ?? box.calledstationid ?? box.mac);
    }
    // Worst first: offline counts never rise down the list.
    const offlineCounts = await page
      .locator('#locations > li')
      .evaluateAll((items) => items.map((li) => Number.parseInt(li.querySelector('[data-state="OFFLINE"]')?.textContent ?? '0', 10)));
    expect(offlineCounts.some((n) => n > 0)).toBe(true);
    expect([...offlineCounts].sort((a, b) => b - a)).toEqual(offlineCounts);
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'board-list.png') });

    // Search filters what is loaded (no request); a favourite survives a reload through localStorage.
    const before = graphqlRequests.length;
    const target = locations[locations.length - 1]!;
    await page.locator('#search').fill(target.location_name);
    await expect.poll(() => page.locator('#locations > li').first().getAttribute('data-slug')).toBe(target.slug);
    await page.locator(`li[data-slug="${target.slug}"] .star`).click();
    await page.locator('#search').fill('');
    await page.locator('#favourites-only').check();
    await expect.poll(() => page.locator('#locations > li').count()).toBe(1);
    expect(graphqlRequests.length).toBe(before);
    await page.reload();
    await page.locator('#main[aria-busy="false"] #locations').waitFor();
    expect(await page.locator('#favourites-only').isChecked()).toBe(true);
    expect(await page.locator('#locations > li').getAttribute('data-slug')).toBe(target.slug);
    await page.locator('#favourites-only').uncheck();
    await expect.poll(() => page.locator('#locations > li').count()).toBe(locations.length);
  }, 90_000);

  it('reboots a box: REBOOTING, then ONLINE, live through boxStateChanged, with no polling by the board', async () => {
    const { page } = browser;
    const boxes = await ctList<CtBox>(sim, ctToken, '/boxes', 'boxes');
    const box = boxes.find((b) => b.state === 'online' && b.allowed_job)!;
    await page.goto(`${base}/board#/location/${box.location_slug}`);
    const row = page.locator('#boxes tr', { hasText: box.description ?? '' }).first();
    await row.waitFor();
    // The subscription is running once the shared poller has read this location's boxes.
    await expect
      .poll(() => sim.apiCalls().some((c) => c.path === '/api/v1/boxes' && c.query.location_id === box.location_slug), { timeout: 15_000 })
      .toBe(true);
    sim.resetLog();
    graphqlRequests = [];

    await row.locator('button.reboot').click();
    await expect.poll(() => row.locator('[data-state]').innerText(), { timeout: 15_000 }).toBe('REBOOTING');
    await expect.poll(() => page.locator('#live').innerText(), { timeout: 15_000 }).toContain('to REBOOTING');
    await expect.poll(() => page.locator('#live').innerText(), { timeout: 15_000 }).toContain('REBOOTING to ONLINE');
    expect(await row.locator('[data-state]').innerText()).toBe('ONLINE');
    expect(page.url()).toBe(`${base}/board#/location/${box.location_slug}`);

    // The board sent one request (the mutation); CT saw the reboot and the shared poller's reads of this location, nothing else.
    expect(graphqlRequests.map((r) => (r.postDataJSON() as { documentId: string }).documentId)).toHaveLength(1);
    const others = sim
      .apiCalls()
      .filter((c) => !(c.method === 'GET' && c.path === '/api/v1/boxes' && c.query.location_id === box.location_slug))
      .map((c) => `${c.method} ${c.path}`);
    expect(others.filter((c) => !c.startsWith('PATCH /api/v1/boxes/') && c !== 'GET /api/v1/me.json')).toEqual([]);
    expect(others.filter((c) => c.startsWith('PATCH'))).toEqual([`PATCH /api/v1/boxes/${box.slug}`]);
    await page.screenshot({ path: join(SCREENSHOTS, 'board-location.png'), fullPage: true });
  }, 60_000);

  it('creates a voucher batch and shows its codes when generation completes, with a CSV of them', async () => {
    const { page } = browser;
    const slug = new URL(page.url()).hash.replace('#/location/', '');
    const name = `Board test ${Date.now()}`;
    await page.locator('#create-batch input[name="name"]').fill(name);
    await page.locator('#create-batch input[name="quantity"]').fill('3');
    await page.locator('#create-batch button[type="submit"]').click();
    const batch = page.locator('#batches > li', { hasText: name });
    await batch.waitFor();
    await expect.poll(() => batch.locator('.code-list li').count(), { timeout: 20_000 }).toBe(3);
    expect(await batch.locator('.badge').innerText()).toBe('ready');

    const [voucher] = await ctList<{ unique_id: number }>(
      sim,
      ctToken,
      `/locations/${slug}/vouchers?batch_name=${encodeURIComponent(name)}`,
      'vouchers',
    );
    const codes = await ctList<{ username: string }>(sim, ctToken, `/locations/${slug}/vouchers/${voucher!.unique_id}/codes`, 'codes');
    const shown = await batch.locator('.code-list li').allInnerTexts();
    expect(shown.sort()).toEqual(codes.map((c) => c.username).sort());

    const csv = batch.locator('a.csv');
    expect(await csv.getAttribute('href')).toMatch(/^blob:/);
    expect(await csv.getAttribute('download')).toMatch(/\.csv$/);
    // Downloaded as a person would: a click (the CSP's connect-src would refuse the page a fetch of it, and does not govern downloads).
    const [download] = await Promise.all([page.waitForEvent('download'), csv.click()]);
    const text = await readFile((await download.path())!, 'utf8');
    expect(text.split('\r\n')[0]).toBe('"username","password","active"');
    for (const code of codes) expect(text).toContain(`"${code.username}"`);
  }, 60_000);

  it('loaded nothing from outside the machine, and nothing went wrong on the page', () => {
    expect(requested.length).toBeGreaterThan(10);
    const outside = requested.filter((url) => {
      if (url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank') return false;
      return new URL(url).hostname !== '127.0.0.1';
    });
    expect(outside).toEqual([]);
    expect(browser.problems).toEqual([]);
  });
});
