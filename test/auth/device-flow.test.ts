/**
 * Device sign-in (RFC 8628, DESIGN.md Part 2) end to end through app.fetch, with the simulator as
 * CT, the embedded store and an injected clock: a device starts, polls (authorization_pending,
 * slow_down), a person confirms the code on /device and signs in at CT, and the device gets a
 * `ctg_` token exactly once. Also every RFC 8628 error, the person's error pages, CSRF and CSP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/app.js';
import type { App } from '../../src/app.js';
import { disposeApp, grantTokens } from '../api-tokens.js';
import { cookiesOf, formField, signInDevice } from '../device.js';
import { createAppOver, FACADE_URL } from '../harness.js';

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

interface Setup {
  sim: Simulator;
  app: App;
  logs: string[];
  clock: { now: number };
}
const disposers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0)) await dispose();
});

function setup(env: Record<string, string> = {}): Setup {
  const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
  const clock = { now: Date.now() };
  const { app, config, logs } = createAppOver(sim, env, undefined, () => clock.now);
  disposers.push(() => disposeApp(app, config.dataDir));
  return { sim, app, logs, clock };
}

async function start(app: App, fields: Record<string, string> = {}, json = false) {
  const response = await app.fetch(
    new Request(`${FACADE_URL}/auth/device`, {
      method: 'POST',
      headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
      body: json ? JSON.stringify(fields) : new URLSearchParams(fields),
    }),
  );
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

async function poll(app: App, deviceCode: string, grantType = GRANT_TYPE) {
  const response = await app.fetch(
    new Request(`${FACADE_URL}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: grantType, device_code: deviceCode }),
    }),
  );
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

async function viewer(app: App, token: string) {
  const response = await app.fetch(
    new Request(`${FACADE_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ viewer { username apiTokens { name scope } } }' }),
    }),
  );
  return (await response.json()) as { data?: any; errors?: any[] };
}

describe('device sign-in', () => {
  it('start, authorization_pending, slow_down, the person signs in on /device, then the ctg_ token exactly once', async () => {
    const { sim, app, clock, logs } = setup();
    const started = await start(app, { name: 'nightly job', scope: 'write' });
    expect(started.status).toBe(200);
    expect(started.headers.get('cache-control')).toBe('no-store');
    const d = started.body;
    expect(Object.keys(d).sort()).toEqual([
      'device_code',
      'expires_in',
      'interval',
      'user_code',
      'verification_uri',
      'verification_uri_complete',
    ]);
    expect(d.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(d.verification_uri).toBe(`${FACADE_URL}/device`);
    expect(d.verification_uri_complete).toBe(`${FACADE_URL}/device?user_code=${d.user_code}`);
    expect([d.expires_in, d.interval]).toEqual([600, 5]);

    expect((await poll(app, d.device_code)).body.error).toBe('authorization_pending');
    // Again at once: faster than the interval.
    const tooSoon = await poll(app, d.device_code);
    expect([tooSoon.status, tooSoon.body.error]).toEqual([400, 'slow_down']);
    // The interval grew by 5 s: polling 5 s later is still too soon, 10 s later is fine.
    clock.now += 5_000;
    expect((await poll(app, d.device_code)).body.error).toBe('slow_down');
    clock.now += 15_000;
    expect((await poll(app, d.device_code)).body.error).toBe('authorization_pending');

    sim.resetLog();
    const end = await signInDevice(app, sim, d.verification_uri_complete);
    const page = await end.text();
    expect(end.status).toBe(200);
    expect(page).toContain('Signed in');
    expect(page).toContain('You can close this window');
    expect(page).toContain('nightly job');
    // A device sign-in makes no browser session.
    expect(end.headers.getSetCookie().some((c) => c.startsWith('ct_session='))).toBe(false);
    // PKCE went to CT, and the code was exchanged once.
    expect(sim.log.filter((e) => e.path === '/oauth/token')).toHaveLength(1);

    clock.now += 15_000;
    const issued = await poll(app, d.device_code);
    expect(issued.status).toBe(200);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(issued.body).sort()).toEqual(['access_token', 'scope', 'token_type']);
    expect(issued.body).toMatchObject({ token_type: 'Bearer', scope: 'write' });
    expect(issued.body.access_token).toMatch(/^ctg_[0-9A-Za-z]{43}$/);
    clock.now += 15_000;
    expect((await poll(app, d.device_code)).body.error).toBe('invalid_grant');

    const me = await viewer(app, issued.body.access_token);
    expect(me.data.viewer).toEqual({ username: 'demo', apiTokens: [{ name: 'nightly job', scope: 'WRITE' }] });

    // Nothing secret reached the logs: not the device code, the user code, the API token or the CT tokens.
    const store = await app.store.get();
    const row = (await store.apiTokens.listByCtUser('103'))[0]!;
    const ct = (await grantTokens(app, row.token.grantId))!;
    const text = logs.join('\n');
    for (const secret of [
      d.device_code,
      d.user_code,
      d.user_code.replace('-', ''),
      issued.body.access_token,
      ct.accessToken,
      ct.refreshToken,
    ]) {
      expect(text.includes(secret)).toBe(false);
    }
    for (const event of ['device_start', 'device_confirm', 'device_approved', 'device_token']) expect(text).toContain(event);
  });

  it('a person who types the code, and a JSON start with scope read: the token can read but not write', async () => {
    const { sim, app, clock } = setup();
    const d = (await start(app, { scope: 'read' }, true)).body;
    const typed = d.user_code.toLowerCase().replace('-', ' ');
    expect((await signInDevice(app, sim, d.verification_uri, { typeCode: typed })).status).toBe(200);
    clock.now += 5_000;
    const issued = await poll(app, d.device_code);
    expect(issued.body.scope).toBe('read');
    expect((await viewer(app, issued.body.access_token)).data.viewer.apiTokens).toEqual([{ name: 'Device sign-in', scope: 'READ' }]);
    sim.resetLog();
    const mutation = await app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${issued.body.access_token}` },
        body: JSON.stringify({ query: 'mutation { createLocation(input: { name: "x" }) { userErrors { message } } }' }),
      }),
    );
    expect(((await mutation.json()) as any).errors[0].extensions.code).toBe('FORBIDDEN');
    expect(sim.log).toEqual([]);
  });

  it('denied at CT: a clear page for the person, access_denied for the device, no token', async () => {
    const { sim, app } = setup();
    const d = (await start(app)).body;
    const end = await signInDevice(app, sim, d.verification_uri_complete, { decision: 'deny' });
    expect(end.status).toBe(403);
    expect(await end.text()).toContain('denied at CT');
    expect((await poll(app, d.device_code)).body.error).toBe('access_denied');
    expect(await (await app.store.get()).apiTokens.listByCtUser('103')).toEqual([]);
  });

  it('expired: expired_token for the device, an "expired" page for the person', async () => {
    const { sim, app, clock } = setup();
    const d = (await start(app)).body;
    clock.now += 600_000;
    expect((await poll(app, d.device_code)).body.error).toBe('expired_token');
    const page = await app.fetch(new Request(d.verification_uri_complete));
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('expired');
    expect(sim.log).toEqual([]);
  });

  it("a code signs in once; a wrong code gets the form again with a clear message; the person's input is escaped", async () => {
    const { sim, app } = setup();
    const d = (await start(app)).body;
    expect((await signInDevice(app, sim, d.verification_uri_complete)).status).toBe(200);
    const again = await app.fetch(new Request(d.verification_uri_complete));
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('already been used');

    const wrong = await app.fetch(new Request(`${FACADE_URL}/device?user_code=${encodeURIComponent('<script>alert(1)</script>')}`));
    const html = await wrong.text();
    expect(wrong.status).toBe(400);
    expect(html).toContain('not valid');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
    expect(formField(html, 'user_code')).toBe('<script>alert(1)</script>');
  });

  it('the /device form refuses a post without its CSRF cookie or from another origin, before anything changes', async () => {
    const { app } = setup();
    const d = (await start(app)).body;
    const page = await app.fetch(new Request(d.verification_uri_complete));
    const html = await page.text();
    const csrf = formField(html, 'csrf')!;
    const post = (headers: Record<string, string>, fields: Record<string, string>) =>
      app.fetch(
        new Request(`${FACADE_URL}/device`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams(fields),
          redirect: 'manual',
        }),
      );
    const noCookie = await post({ origin: FACADE_URL }, { csrf, user_code: d.user_code });
    const otherValue = await post({ origin: FACADE_URL, cookie: cookiesOf(page) }, { csrf: 'forged', user_code: d.user_code });
    const otherSite = await post({ origin: 'https://evil.example', cookie: cookiesOf(page) }, { csrf, user_code: d.user_code });
    for (const refused of [noCookie, otherValue, otherSite]) {
      expect(refused.status).toBe(403);
      expect(refused.headers.get('location')).toBeNull();
    }
    // The code is still unused: the real form goes through.
    const ok = await post({ origin: FACADE_URL, cookie: cookiesOf(page) }, { csrf, user_code: d.user_code });
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toMatch(/^http:\/\/ct\.test\/oauth\/authorize\?/);
  });

  it('serves /device with a strict CSP of its own, a Strict CSRF cookie and no caching', async () => {
    const { app } = setup();
    const page = await app.fetch(new Request(`${FACADE_URL}/device`));
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self' http://ct.test");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('script-src');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const cookie = page.headers.getSetCookie().find((c) => c.startsWith('ct_device_csrf='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/device/);
    const html = await page.text();
    const nonce = /<style nonce="([^"]+)">/.exec(html)?.[1];
    expect(csp).toContain(`'nonce-${nonce}'`);
    expect(html).toContain('<form method="post" action="/device">');
  });

  it('DEVICE_POLL_INTERVAL_S sets the interval devices are asked to keep (tests and the CLI use 1 s)', async () => {
    const { app, clock } = setup({ DEVICE_POLL_INTERVAL_S: '1' });
    const d = (await start(app)).body;
    expect(d.interval).toBe(1);
    expect((await poll(app, d.device_code)).body.error).toBe('authorization_pending');
    clock.now += 999;
    expect((await poll(app, d.device_code)).body.error).toBe('slow_down');
    // slow_down still adds RFC 8628's 5 s: 6 s from now on.
    clock.now += 6_000;
    expect((await poll(app, d.device_code)).body.error).toBe('authorization_pending');
    clock.now += 5_999;
    expect((await poll(app, d.device_code)).body.error).toBe('slow_down');
  });

  it('answers every RFC 8628 / RFC 6749 error of the endpoints', async () => {
    const { app } = setup();
    expect((await start(app, { scope: 'admin' })).body.error).toBe('invalid_scope');
    expect((await start(app, { name: 'x'.repeat(101) })).body.error).toBe('invalid_request');
    expect((await start(app, { token_expires_in: '5' })).body.error).toBe('invalid_request');
    expect((await poll(app, 'whatever', 'authorization_code')).body.error).toBe('unsupported_grant_type');
    expect((await poll(app, '')).body.error).toBe('invalid_request');
    expect((await poll(app, 'not-a-device-code')).body.error).toBe('invalid_grant');
    const get = await app.fetch(new Request(`${FACADE_URL}/auth/token`));
    expect(get.status).toBe(405);
  });

  it('an optional token lifetime: the token answers expires_in and stops working then', async () => {
    const { sim, app, clock } = setup();
    const d = (await start(app, { token_expires_in: '3600' })).body;
    await signInDevice(app, sim, d.verification_uri_complete);
    const issued = await poll(app, d.device_code);
    expect(issued.body.expires_in).toBe(3600);
    expect((await viewer(app, issued.body.access_token)).data.viewer.username).toBe('demo');
    clock.now += 3_600_000;
    const late = await app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${issued.body.access_token}` },
        body: JSON.stringify({ query: '{ locations(first: 1) { totalCount } }' }),
      }),
    );
    expect(((await late.json()) as any).errors[0].extensions.reason).toBe('API_TOKEN_EXPIRED');
  });
});
