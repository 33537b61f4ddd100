/**
 * What a person's browser gets when sign-in does not succeed (denied at CT, an expired or forged
 * state, CT down, a redirect we refuse): a readable page with a "Try again" link, while JSON
 * clients keep `{ error }`. And frontends listed in CORS_ORIGINS: `redirect` may name them by
 * absolute URL (exact origin only), for sign-in and sign-out. Through app.fetch with the simulator
 * injected; the consent page is submitted the way a browser would.
 */
import { describe, expect, it } from 'vitest';
import { safeRedirect } from '../../src/auth/redirect.js';
import { submitConsent } from '../consent.js';
import { createHarness, FACADE_URL, type Harness } from '../harness.js';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const FRONTEND = 'http://127.0.0.1:5173';

function get(h: Harness, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return h.app.fetch(new Request(`${FACADE_URL}${path}`, { headers, redirect: 'manual' }));
}

function cookieOf(res: Response, name: string): string | undefined {
  return res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];
}

/** /auth/login, then CT's consent page answered with `press`: the callback path and the state cookie. */
async function throughConsent(h: Harness, redirect: string, press?: string): Promise<{ callback: string; stateCookie: string }> {
  const login = await get(h, `/auth/login?redirect=${encodeURIComponent(redirect)}`, { accept: HTML });
  expect(login.status).toBe(302);
  const back = new URL(await submitConsent((r) => h.sim.fetch(r), login.headers.get('location')!, press));
  return { callback: back.pathname + back.search, stateCookie: cookieOf(login, 'ct_oauth')! };
}

/** The page's title and its "Try again" link. */
async function readPage(res: Response): Promise<{ title: string; retry: string | undefined; html: string }> {
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const html = await res.text();
  return {
    title: /<h1>([^<]*)<\/h1>/.exec(html)?.[1] ?? '',
    retry: /<a class="button" href="([^"]*)">Try again<\/a>/.exec(html)?.[1]?.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(n)),
    html,
  };
}

describe('sign-in outcome pages', () => {
  it('denied at the consent page: a page saying so, with "Try again" going back to the same place', async () => {
    const h = createHarness();
    const { callback, stateCookie } = await throughConsent(h, '/graphql?query=%7B%20viewer%20%7B%20id%20%7D%20%7D', 'deny');
    const res = await get(h, callback, { accept: HTML, cookie: stateCookie });
    expect(res.status).toBe(400);
    const page = await readPage(res);
    expect(page.title).toBe('Sign-in cancelled');
    expect(page.html).toContain('Access was denied on CT’s consent page');
    const retry = new URL(page.retry!, FACADE_URL);
    expect(retry.pathname).toBe('/auth/login');
    expect(retry.searchParams.get('redirect')).toBe('/graphql?query=%7B%20viewer%20%7B%20id%20%7D%20%7D');
    expect(page.html).toContain('Error code: access_denied');
    // Same strict policy as the /device pages: no script at all, only our own nonce'd style.
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'nonce-[^']+'; form-action 'self';/);
    expect(cookieOf(res, 'ct_oauth')).toBe('ct_oauth=');
    expect(cookieOf(res, 'ct_session')).toBeUndefined();
  });

  it('keeps JSON for clients that ask for it', async () => {
    const h = createHarness();
    const { callback, stateCookie } = await throughConsent(h, '/graphql', 'deny');
    const res = await get(h, callback, { accept: 'application/json', cookie: stateCookie });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'access_denied' });
  });

  it('an expired or forged state: a page that explains the likely causes, retrying towards the playground', async () => {
    const h = createHarness();
    const { callback } = await throughConsent(h, '/graphql');
    for (const cookie of [undefined, 'ct_oauth=forged']) {
      const res = await get(h, callback, { accept: HTML, ...(cookie ? { cookie } : {}) });
      expect(res.status).toBe(400);
      const page = await readPage(res);
      expect(page.title).toBe('This sign-in has expired');
      expect(page.html).toContain('under another address than this one');
      expect(page.retry).toBe('/auth/login?redirect=/graphql');
    }
  });

  it('CT unreachable while finishing the sign-in: 502 and a page that says to retry in a minute', async () => {
    const h = createHarness();
    const { callback, stateCookie } = await throughConsent(h, '/graphql');
    h.sim.control.addFault({ method: 'POST', path: '/oauth/token', drop: true, times: 1 });
    const res = await get(h, callback, { accept: HTML, cookie: stateCookie });
    expect(res.status).toBe(502);
    const page = await readPage(res);
    expect(page.title).toBe('CT is not reachable');
    expect(page.retry).toBe('/auth/login?redirect=/graphql');
  });

  it('a redirect we refuse: a page, no sign-in started, and a way to the playground instead', async () => {
    const h = createHarness();
    const res = await get(h, `/auth/login?redirect=${encodeURIComponent('https://evil.example/')}`, { accept: HTML });
    expect(res.status).toBe(400);
    const page = await readPage(res);
    expect(page.title).toBe('This sign-in link is not allowed');
    expect(page.retry).toBe('/auth/login?redirect=/graphql');
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get('location')).toBeNull();
  });
});

describe('frontends on an origin in CORS_ORIGINS', () => {
  it('sign-in comes back to an absolute URL on that origin', async () => {
    const h = createHarness({ env: { CORS_ORIGINS: `${FRONTEND},http://localhost:3000` } });
    const target = `${FRONTEND}/app/?tab=2#top`;
    const { callback, stateCookie } = await throughConsent(h, target);
    const res = await get(h, callback, { accept: HTML, cookie: stateCookie });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(target);
    expect(cookieOf(res, 'ct_session')).toMatch(/^ct_session=.+/);
  });

  it('sign-out comes back there too', async () => {
    const h = createHarness({ env: { CORS_ORIGINS: FRONTEND } });
    const token = await h.login();
    const res = await h.app.fetch(
      new Request(`${FACADE_URL}/auth/logout?redirect=${encodeURIComponent(`${FRONTEND}/`)}`, {
        method: 'POST',
        headers: { origin: FRONTEND, cookie: `ct_session=${token}` },
      }),
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${FRONTEND}/`);
    expect(res.headers.get('access-control-allow-origin')).toBe(FRONTEND);
  });

  it.each([
    'http://127.0.0.1:5174/',
    'https://127.0.0.1:5173/',
    'http://127.0.0.1:5173.evil.example/',
    'http://evil.example/?http://127.0.0.1:5173',
    'http://user:pass@127.0.0.1:5173/',
    'http://localhost:5173/',
    'javascript://127.0.0.1:5173/%0aalert(1)',
    ' http://127.0.0.1:5173/',
  ])('refuses %j (not exactly an allowed origin)', async (redirect) => {
    const h = createHarness({ env: { CORS_ORIGINS: FRONTEND } });
    const res = await get(h, `/auth/login?redirect=${encodeURIComponent(redirect)}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_redirect' });
  });

  it('safeRedirect: paths as before, absolute URLs only on an allowed origin, normalised', () => {
    const allowed = new Set([FRONTEND]);
    expect(safeRedirect('/graphql?x=1', allowed)).toBe('/graphql?x=1');
    expect(safeRedirect('//evil.example/', allowed)).toBeNull();
    expect(safeRedirect(`${FRONTEND}`, allowed)).toBe(`${FRONTEND}/`);
    expect(safeRedirect(`HTTP://127.0.0.1:5173/a b`, allowed)).toBeNull();
    expect(safeRedirect(`HTTP://127.0.0.1:5173/a`, allowed)).toBe(`${FRONTEND}/a`);
    expect(safeRedirect(`${FRONTEND}/`, new Set())).toBeNull();
  });
});
