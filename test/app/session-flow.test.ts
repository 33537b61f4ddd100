/**
 * Issue 3 acceptance through app.fetch with the simulator injected: the whole sign-in flow,
 * sessions on cookie and bearer, token refresh without dropping requests, and clean logs.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, DEMO, type Simulator } from '../../simulator/app.js';
import type { App } from '../../src/app.js';
import { createAppOver, createHarness, FACADE_URL, simulatorUserId, TEST_SECRET, type Harness } from '../harness.js';
import { submitConsent } from '../consent.js';

const VIEWER = { query: 'query Me { viewer { id username email } }' };

function cookieValue(setCookies: string[], name: string): string | undefined {
  for (const c of setCookies) {
    const m = new RegExp(`^${name}=([^;]*)`).exec(c);
    if (m) return m[1];
  }
  return undefined;
}

async function signInThroughBrowser(h: Harness, accept?: string) {
  const login = await h.app.fetch(new Request(`${FACADE_URL}/auth/login?redirect=/graphql`));
  expect(login.status).toBe(302);
  const authorize = new URL(login.headers.get('location')!);
  const stateCookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const back = new URL(await submitConsent((r) => h.sim.fetch(r), authorize.toString()));
  const callback = await h.app.fetch(
    new Request(back, { headers: { cookie: stateCookie, ...(accept ? { accept } : {}) }, redirect: 'manual' }),
  );
  return { login, authorize, back, callback };
}

function tokenLeaks(text: string, secrets: string[]): string[] {
  return secrets.filter((s) => s && text.includes(s));
}

describe('sign-in flow through the app', () => {
  let h: Harness;
  beforeEach(() => {
    h = createHarness();
  });

  it('login redirects to CT with client_id, the exact redirect_uri, response_type=code and state', async () => {
    const { authorize } = await signInThroughBrowser(h);
    expect(authorize.pathname).toBe('/oauth/authorize');
    expect(authorize.searchParams.get('client_id')).toBe(h.config.clientId);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${FACADE_URL}/auth/callback`);
    expect(authorize.searchParams.get('response_type')).toBe('code');
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
  });

  it('callback sets an HttpOnly SameSite=Lax cookie that signs in viewer, as cookie and as bearer; logout revokes', async () => {
    const { back, callback } = await signInThroughBrowser(h);
    expect(back.pathname).toBe('/auth/callback');
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/graphql');
    const setCookie = callback.headers.getSetCookie().find((c) => c.startsWith('ct_session='))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure/i);
    const token = cookieValue(callback.headers.getSetCookie(), 'ct_session')!;

    const byCookie = await h.post(VIEWER, { cookie: `ct_session=${token}` });
    const cookieBody = await byCookie.json();
    expect(cookieBody.data.viewer.username).toBeTruthy();
    const byBearer = await h.post(VIEWER, { authorization: `Bearer ${token}` });
    expect((await byBearer.json()).data.viewer).toEqual(cookieBody.data.viewer);

    const logout = await h.app.fetch(
      new Request(`${FACADE_URL}/auth/logout`, { method: 'POST', headers: { cookie: `ct_session=${token}`, 'x-csrf-protection': '1' } }),
    );
    expect(logout.status).toBeLessThan(400);
    expect(logout.headers.getSetCookie().some((c) => /^ct_session=;|^ct_session=.*Max-Age=0/i.test(c))).toBe(true);
    h.sim.resetLog();
    const after = await (await h.post(VIEWER, { authorization: `Bearer ${token}` })).json();
    expect(after.data?.viewer ?? null).toBeNull();
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(after.errors?.[0]?.extensions?.reauthenticate).toBe('/auth/login');
  });

  it('no OAuth code, state, CT token or session token reaches the logs across sign-in, a query and logout', async () => {
    const { login, back, callback } = await signInThroughBrowser(h);
    expect(callback.status).toBe(302);
    const code = back.searchParams.get('code')!;
    const state = back.searchParams.get('state')!;
    const stateCookie = cookieValue(login.headers.getSetCookie(), login.headers.getSetCookie()[0]!.split('=')[0]!)!;
    const session = cookieValue(callback.headers.getSetCookie(), 'ct_session')!;
    // The CT tokens the callback obtained, read back out of the sealed session.
    const opened = await (await h.app.sessions()).open(session);
    const { accessToken, refreshToken } = opened.session!.tokens;
    const secrets = { code, state, stateCookie, session, accessToken, refreshToken };
    for (const [name, value] of Object.entries(secrets)) expect(value, name).toBeTruthy();
    expect(code).toMatch(/^[0-9a-f]{64}$/);
    expect(accessToken).toMatch(/^[0-9a-f]{64}$/);

    const body = await (await h.post(VIEWER, { cookie: `ct_session=${session}`, 'x-csrf-protection': '1' })).json();
    expect(body.data.viewer.username).toBeTruthy();
    const logout = await h.app.fetch(
      new Request(`${FACADE_URL}/auth/logout`, { method: 'POST', headers: { cookie: `ct_session=${session}`, 'x-csrf-protection': '1' } }),
    );
    expect(logout.status).toBeLessThan(400);

    const text = h.logs.join('\n');
    // The logs did record all of it: the assertions below are about content, not about silence.
    for (const event of [
      'login_start',
      '"event":"login"',
      '"path":"/auth/callback"',
      '"path":"/graphql"',
      '"event":"logout"',
      '"revoked":true',
    ]) {
      expect(text).toContain(event);
    }
    expect(tokenLeaks(text, Object.values(secrets))).toEqual([]);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
  });

  it('JSON mode answers the session token and its expiry', async () => {
    const { callback } = await signInThroughBrowser(h, 'application/json');
    expect(callback.status).toBe(200);
    const body = await callback.json();
    expect(body.token.split('.')).toHaveLength(5);
    expect(new Date(body.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const viewer = await (await h.post(VIEWER, { authorization: `Bearer ${body.token}` })).json();
    expect(viewer.data.viewer.username).toBeTruthy();
  });

  it('seals the CT account the tokens belong to, asked once at sign-in (/me.json)', async () => {
    const { callback } = await signInThroughBrowser(h, 'application/json');
    const { token } = await callback.json();
    expect(h.ctCalls().map((c) => c.path)).toEqual(['/api/v1/me.json']);
    expect((await (await h.app.sessions()).open(token)).session?.ctUserId).toBe(simulatorUserId(h.sim));
  });

  it('still signs in when CT cannot say whose tokens they are: the session then asks when it is used', async () => {
    h.sim.control.addFault({ method: 'GET', path: '/api/v1/me.json', status: 503, times: 3 });
    const { callback } = await signInThroughBrowser(h, 'application/json');
    expect(callback.status).toBe(200);
    const { token } = await callback.json();
    expect((await (await h.app.sessions()).open(token)).session?.ctUserId).toBeNull();
    expect(h.logs.join('\n')).toContain('login_whois_failed');
  });

  it('a forged state gives 4xx and no session', async () => {
    const login = await h.app.fetch(new Request(`${FACADE_URL}/auth/login?redirect=/graphql`));
    const authorize = new URL(login.headers.get('location')!);
    const back = new URL(await submitConsent((r) => h.sim.fetch(r), authorize.toString()));
    back.searchParams.set('state', 'forged-state-value-000000000000');
    const stateCookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const res = await h.app.fetch(new Request(back, { headers: { cookie: stateCookie } }));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers.getSetCookie().some((c) => /^ct_session=[^;]+/.test(c))).toBe(false);
  });

  it('an open-redirect attempt is refused before CT is involved', async () => {
    for (const target of ['//evil.example', 'https://evil.example/x', '/\\evil.example']) {
      const res = await h.app.fetch(new Request(`${FACADE_URL}/auth/login?redirect=${encodeURIComponent(target)}`));
      expect(res.status).toBe(400);
    }
  });
});

describe('sessions on /graphql', () => {
  it('tampered, truncated, expired and garbage tokens are signed out with a coded error, never 5xx', async () => {
    const h = createHarness();
    const good = await h.login();
    const parts = good.split('.');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const expired = await createHarness({ env: { SESSION_SECRET: TEST_SECRET, SESSION_MAX_AGE: '1' } });
    const sealer = await expired.app.sessions();
    const old = await sealer.seal(
      { accessToken: 'a'.repeat(64), refreshToken: 'b'.repeat(64), expiresAt: Date.now() + 3600_000 },
      { exp: Math.floor(Date.now() / 1000) - 3600 },
    );
    const bad = [
      [parts[0], parts[1], parts[2], flip(parts[3]!), parts[4]].join('.'),
      [parts[0], parts[1], parts[2], parts[3], flip(parts[4]!)].join('.'),
      parts.slice(0, 3).join('.'),
      good.slice(0, good.length - 5),
      old.token,
      'garbage',
      'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    ];
    h.sim.resetLog();
    for (const token of bad) {
      const res = await h.post({ query: '{ viewer { id } locations(first: 1) { totalCount } }' }, { authorization: `Bearer ${token}` });
      expect(res.status).toBeLessThan(500);
      const body = await res.json();
      expect(body.data?.viewer ?? null).toBeNull();
      const error = body.errors?.find((e: { path?: string[] }) => e.path?.[0] === 'locations');
      expect(error?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(['SESSION_INVALID', 'SESSION_EXPIRED']).toContain(error?.extensions?.reason);
    }
    expect(h.ctCalls()).toHaveLength(0);
  });
});

describe('rotating SESSION_SECRET through app.fetch', () => {
  const OLD = 'old-session-secret-A-0123456789-abcdefghijklmn';
  const NEW = 'new-session-secret-B-0123456789-abcdefghijklmn';
  const SIGNED_IN = { query: '{ viewer { username } locations(first: 1) { totalCount } }' };

  /** An app with its own SESSION_SECRET over the one shared simulator. */
  function appWith(sim: Simulator, secret: string): App {
    const { app, config } = createAppOver(sim, { SESSION_SECRET: secret, LOG_LEVEL: 'silent' });
    expect(config.sessionSecrets).toEqual(secret.split(','));
    return app;
  }

  async function ask(app: App, token: string) {
    const res = await app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(SIGNED_IN),
      }),
    );
    expect(res.status).toBe(200);
    return res.json();
  }

  it('a session sealed with A opens on "B,A" and is signed out on "B" alone; "B,A" seals with B', async () => {
    expect(Buffer.byteLength(OLD)).toBeGreaterThanOrEqual(32);
    expect(Buffer.byteLength(NEW)).toBeGreaterThanOrEqual(32);
    const sim = createSimulator();
    const before = appWith(sim, OLD);
    const rotating = appWith(sim, `${NEW},${OLD}`);
    const after = appWith(sim, NEW);

    const issued = sim.control.issueTokens();
    const tokens = {
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
      expiresAt: (issued.created_at + issued.expires_in) * 1000,
    };
    const sealedWithA = (await (await before.sessions()).seal(tokens)).token;

    const onA = await ask(before, sealedWithA);
    expect(onA.errors).toBeUndefined();
    expect(onA.data.viewer.username).toBe(DEMO.username);

    const onBA = await ask(rotating, sealedWithA);
    expect(onBA.errors).toBeUndefined();
    expect(onBA.data.viewer.username).toBe(DEMO.username);
    expect(onBA.data.locations.totalCount).toBeGreaterThan(0);

    sim.resetLog();
    const onB = await ask(after, sealedWithA);
    expect(onB.data?.viewer ?? null).toBeNull();
    expect(onB.data?.locations ?? null).toBeNull();
    const error = onB.errors?.find((e: { path?: string[] }) => e.path?.[0] === 'locations');
    expect(error?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(error?.extensions?.reason).toBe('SESSION_INVALID');
    expect(sim.apiCalls()).toHaveLength(0);

    // The first secret seals: what the rotating app issues already opens on B alone.
    const sealedByRotating = (await (await rotating.sessions()).seal(tokens)).token;
    const reopened = await ask(after, sealedByRotating);
    expect(reopened.errors).toBeUndefined();
    expect(reopened.data.viewer.username).toBe(DEMO.username);
  });
});

describe('token refresh never drops a request', () => {
  let h: Harness;
  let token: string;
  beforeEach(async () => {
    h = createHarness();
    token = await h.login();
    h.sim.control.expireAllTokens();
    h.sim.resetLog();
  });

  const refreshes = () => h.sim.log.filter((e) => e.method === 'POST' && e.path === '/oauth/token');

  it('one query after expiry succeeds with exactly one refresh and returns the re-sealed session', async () => {
    const res = await h.post(VIEWER, { authorization: `Bearer ${token}` });
    const body = await res.json();
    expect(body.data.viewer.username).toBeTruthy();
    expect(refreshes()).toHaveLength(1);
    const fresh = res.headers.get('x-session-token');
    expect(fresh).toBeTruthy();
    expect(fresh).not.toBe(token);
    expect(res.headers.getSetCookie().some((c) => c.startsWith(`ct_session=${fresh}`))).toBe(true);
    // The new session works without another refresh.
    const again = await (await h.post(VIEWER, { authorization: `Bearer ${fresh}` })).json();
    expect(again.data.viewer.username).toBe(body.data.viewer.username);
    expect(refreshes()).toHaveLength(1);
  });

  it('8 concurrent queries with the same session make one refresh and all succeed', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => h.post(VIEWER, { authorization: `Bearer ${token}` }).then((r) => r.json())),
    );
    for (const body of results) expect(body.data.viewer.username).toBeTruthy();
    expect(refreshes()).toHaveLength(1);
  });

  it('a request with the old session right after a refresh still succeeds', async () => {
    const first = await h.post(VIEWER, { authorization: `Bearer ${token}` });
    expect(first.headers.get('x-session-token')).toBeTruthy();
    const second = await (await h.post(VIEWER, { authorization: `Bearer ${token}` })).json();
    expect(second.data.viewer.username).toBeTruthy();
    expect(refreshes()).toHaveLength(1);
  });

  it('a revoked refresh token answers UNAUTHENTICATED with reauthenticate', async () => {
    h.sim.control.revokeAllTokens();
    const body = await (await h.post({ query: '{ locations(first: 1) { totalCount } }' }, { authorization: `Bearer ${token}` })).json();
    expect(body.data?.locations ?? null).toBeNull();
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(body.errors[0].extensions.reauthenticate).toBe('/auth/login');
  });

  it('logs carry no CT token, session token or secret', async () => {
    const res = await h.post(VIEWER, { authorization: `Bearer ${token}` });
    const fresh = res.headers.get('x-session-token')!;
    const issued = h.sim.control.issueTokens();
    await h.post(VIEWER, { authorization: `Bearer ${fresh}` });
    const text = h.logs.join('\n');
    expect(h.logs.length).toBeGreaterThan(0);
    expect(tokenLeaks(text, [token, fresh, TEST_SECRET, h.config.clientSecret ?? '', issued.access_token])).toEqual([]);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
  });
});

describe('refresh chains (issue 10, items 3 and 5)', () => {
  let h: Harness;
  let s0: string;
  beforeEach(async () => {
    h = createHarness();
    s0 = await h.login();
    h.sim.control.expireAllTokens();
    h.sim.resetLog();
  });

  const refreshes = () => h.sim.log.filter((e) => e.method === 'POST' && e.path === '/oauth/token');
  const tokensOf = async (session: string) => (await (await h.app.sessions()).open(session)).session!.tokens;
  const viewerWith = async (session: string) => {
    const res = await h.post(VIEWER, { authorization: `Bearer ${session}` });
    return { res, body: await res.json() };
  };
  /** Whether CT still accepts an access token, asked directly. */
  const ctAccepts = async (accessToken: string) =>
    (await h.sim.fetch(new Request(`${h.config.ctApiUrl}/me.json`, { headers: { authorization: `Bearer ${accessToken}` } }))).status ===
    200;
  const handsOutSession = (res: Response) =>
    res.headers.get('x-session-token') !== null || res.headers.getSetCookie().some((c) => /^ct_session=[^;]+/.test(c));

  it('two refreshes inside the kept window: the oldest session follows the chain to the newest tokens', async () => {
    const first = await viewerWith(s0);
    const s1 = first.res.headers.get('x-session-token')!;
    expect(s1).toBeTruthy();
    h.sim.control.expireAllTokens();
    const second = await viewerWith(s1);
    const s2 = second.res.headers.get('x-session-token')!;
    expect(second.body.data.viewer.username).toBeTruthy();
    expect(refreshes()).toHaveLength(2);

    const third = await viewerWith(s0);
    expect(third.body.errors).toBeUndefined();
    expect(third.body.data.viewer.username).toBe(second.body.data.viewer.username);
    expect(refreshes()).toHaveLength(2);
    // What S0 is handed is the newest pair, never the dead middle one.
    const handed = third.res.headers.get('x-session-token')!;
    expect(handed).toBeTruthy();
    expect(await tokensOf(handed)).toEqual(await tokensOf(s2));
  });

  it('a refresh whose new tokens CT refuses hands out no session that could overwrite a good cookie', async () => {
    const first = await viewerWith(s0);
    expect(first.res.headers.get('x-session-token')).toBeTruthy();
    // The user revoked the grant at CT: the kept result of the refresh now holds dead tokens.
    h.sim.control.revokeAllTokens();
    const after = await viewerWith(s0);
    expect(after.body.data?.viewer ?? null).toBeNull();
    expect(after.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(handsOutSession(after.res)).toBe(false);
  });

  it('sign-out with the older session revokes the newest CT grant and stops upgrading the old session', async () => {
    const first = await viewerWith(s0);
    const s1 = first.res.headers.get('x-session-token')!;
    expect(first.body.data.viewer.username).toBeTruthy();
    const newest = await tokensOf(s1);

    const logout = await h.app.fetch(
      new Request(`${FACADE_URL}/auth/logout`, { method: 'POST', headers: { cookie: `ct_session=${s0}`, 'x-csrf-protection': '1' } }),
    );
    expect(logout.status).toBe(204);
    expect(await ctAccepts(newest.accessToken)).toBe(false);

    h.sim.resetLog();
    for (const session of [s0, s1]) {
      const { res, body } = await viewerWith(session);
      expect(body.data?.viewer ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(handsOutSession(res)).toBe(false);
    }
    // Every refresh CT saw after sign-out was refused: no pair of this grant is alive.
    expect(refreshes().every((e) => e.status >= 400)).toBe(true);
    expect(h.logs.join('\n')).not.toContain(newest.refreshToken);
  });
});
