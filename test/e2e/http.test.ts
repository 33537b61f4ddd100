/**
 * The one real-socket smoke test: `main()` as `npm start` runs it (facade plus the embedded
 * simulator on loopback ports), a sign-in over HTTP, and a query with the session cookie.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from '../../src/server.js';
import { submitConsent } from '../consent.js';
import { freePort } from '../net.js';

let running: Awaited<ReturnType<typeof main>>;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  running = await main({ PORT: String(port), PUBLIC_URL: base, LOG_LEVEL: 'warn' });
});

afterAll(async () => {
  await running?.close();
});

it('serves health, sign-in over real HTTP, and a signed-in query with the cookie', async () => {
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);

  const login = await fetch(`${base}/auth/login?redirect=/graphql`, { redirect: 'manual' });
  expect(login.status).toBe(302);
  const stateCookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const back = await submitConsent((r) => fetch(r, { redirect: 'manual' }), login.headers.get('location')!);
  expect(back.startsWith(`${base}/auth/callback?`)).toBe(true);
  const callback = await fetch(back, { headers: { cookie: stateCookie }, redirect: 'manual' });
  expect(callback.status).toBe(302);
  const session = callback.headers
    .getSetCookie()
    .find((c) => c.startsWith('ct_session='))!
    .split(';')[0]!;

  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: session },
    body: JSON.stringify({ query: '{ viewer { username } locations(first: 3) { totalCount nodes { name } } }' }),
  });
  expect(res.status).toBe(200);
  const body = await res.json();
  expect(body.data.viewer.username).toBeTruthy();
  expect(body.data.locations.nodes).toHaveLength(3);
  expect(body.data.locations.totalCount).toBeGreaterThanOrEqual(3);
});
