/**
 * One origin for people: a browser's page navigation on a host other than PUBLIC_URL's is sent to
 * PUBLIC_URL (path and query kept) before anything sets a cookie; API calls, assets and probes are
 * answered where they arrive; and a proxy that rewrites Host cannot make it loop.
 */
import { describe, expect, it } from 'vitest';
import { createHarness, FACADE_URL } from '../harness.js';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const OTHER = 'http://127.0.0.1:4000';

describe('canonical origin for browser pages', () => {
  const h = createHarness();
  const get = (url: string, headers: Record<string, string> = {}) => h.app.fetch(new Request(url, { headers, redirect: 'manual' }));

  it.each([
    ['/', '/'],
    ['/graphql', '/graphql'],
    ['/graphql?query=%7B%20viewer%20%7B%20id%20%7D%20%7D', '/graphql?query=%7B%20viewer%20%7B%20id%20%7D%20%7D'],
    ['/auth/login?redirect=/graphql', '/auth/login?redirect=/graphql'],
    ['/device?user_code=WDJB-MJHT', '/device?user_code=WDJB-MJHT'],
  ])('GET %s on another host goes to PUBLIC_URL first, before any sign-in cookie', async (path, kept) => {
    const res = await get(`${OTHER}${path}`, { accept: HTML });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${FACADE_URL}${kept}`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.getSetCookie()).toEqual(['ct_canonical=1; Path=/; HttpOnly; SameSite=Lax; Max-Age=10']);
  });

  it('serves the same pages on PUBLIC_URL itself, whatever the scheme a TLS proxy saw', async () => {
    expect((await get(`${FACADE_URL}/graphql`, { accept: HTML })).status).toBe(200);
    expect((await get(`https://facade.test/graphql`, { accept: HTML })).status).toBe(200);
    const login = await get(`${FACADE_URL}/auth/login`, { accept: HTML });
    expect(login.status).toBe(302);
    expect(new URL(login.headers.get('location')!).pathname).toBe('/oauth/authorize');
  });

  it('takes the host from X-Forwarded-Host when a proxy sets it', async () => {
    expect((await get(`${OTHER}/graphql`, { accept: HTML, 'x-forwarded-host': 'facade.test' })).status).toBe(200);
    expect((await get(`${FACADE_URL}/graphql`, { accept: HTML, 'x-forwarded-host': 'other.test' })).status).toBe(302);
  });

  it('never redirects an API call, an asset or a probe', async () => {
    const post = await h.app.fetch(
      new Request(`${OTHER}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      }),
    );
    expect(post.status).toBe(200);
    expect(await post.json()).toMatchObject({ data: { viewer: null } });
    expect((await get(`${OTHER}/graphql?query=%7B__typename%7D`, { accept: 'application/json' })).status).toBe(200);
    expect((await get(`${OTHER}/auth/login`, { accept: 'application/json' })).status).toBe(302);
    expect((await get(`${OTHER}/healthz`, { accept: HTML })).status).toBe(200);
    expect((await get(`${OTHER}/graphql/assets/boot.js`, { accept: '*/*' })).status).toBe(200);
  });

  it('does not loop when the browser is already where it was sent (a proxy rewrote Host): serves the page, warns once', async () => {
    const looped = createHarness();
    const first = await looped.app.fetch(new Request(`${OTHER}/graphql`, { headers: { accept: HTML }, redirect: 'manual' }));
    expect(first.status).toBe(302);
    for (let i = 0; i < 2; i++) {
      const again = await looped.app.fetch(new Request(`${OTHER}/graphql`, { headers: { accept: HTML, cookie: 'ct_canonical=1' } }));
      expect(again.status).toBe(200);
    }
    expect(looped.logs.filter((line) => line.includes('"event":"canonical_redirect_loop"'))).toHaveLength(1);
  });
});
