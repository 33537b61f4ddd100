// The /auth routes end to end against the in-process simulator: login redirect, the consent page
// submitted the way a browser would, the callback (cookie and JSON modes), refusals, and logout with
// revocation. Logs are captured and searched for every secret the flow handled.
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { DEMO, createSimulator } from '../../simulator/app.js';
import type { Simulator } from '../../simulator/app.js';
import { createAuthRoutes } from '../../src/auth/routes.js';
import { createSessionSealer } from '../../src/auth/session.js';
import type { SessionSealer } from '../../src/auth/session.js';
import type { OAuthSettings } from '../../src/ct/oauth.js';

const SECRET = 'routes-test-session-secret-0123456789-abcdef';
const CT = 'http://ct.sim';
const HTTP_PUBLIC = 'http://localhost:4000';
const HTTPS_PUBLIC = 'https://facade.example.com';
const MAX_AGE = 3600;

interface Env {
  sim: Simulator;
  sealer: SessionSealer;
  routes: (r: Request) => Promise<Response | null>;
  publicUrl: string;
  logs: string[];
  /** Everything sensitive the test has seen; none of it may appear in a log line. */
  secrets: Set<string>;
  clock: { ms: number };
}

let env: Env;

async function makeEnv(publicUrl = HTTP_PUBLIC, o: { breakToken?: boolean } = {}): Promise<Env> {
  const sim = createSimulator({ redirectUris: [`${HTTPS_PUBLIC}/auth/callback`] });
  const clock = { ms: Date.now() };
  const sealer = await createSessionSealer({ secrets: [SECRET], maxAgeSeconds: MAX_AGE, now: () => clock.ms });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = pino({ level: 'trace' }, stream);
  const oauth: OAuthSettings = {
    oauthUrl: CT,
    clientId: DEMO.clientId,
    clientSecret: DEMO.clientSecret,
    fetch: async (input, init) => {
      const request = new Request(input, init);
      if (o.breakToken && new URL(request.url).pathname === '/oauth/token') throw new TypeError('fetch failed');
      return sim.fetch(request);
    },
    timeoutMs: 5000,
  };
  const routes = createAuthRoutes({ config: { publicUrl, sessionMaxAgeSeconds: MAX_AGE }, oauth, sealer, logger, now: () => clock.ms });
  return { sim, sealer, routes, publicUrl, logs, secrets: new Set([SECRET, DEMO.clientSecret, DEMO.password]), clock };
}

// ------------------------------------------------------------------ browser-ish helpers

function setCookies(res: Response): string[] {
  return res.headers.getSetCookie();
}

function cookieNamed(res: Response, name: string): string | undefined {
  return setCookies(res).find((c) => c.startsWith(`${name}=`));
}

function cookieValue(setCookie: string | undefined): string {
  return setCookie?.split(';')[0]?.split('=').slice(1).join('=') ?? '';
}

async function call(path: string, init: RequestInit & { cookie?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set('cookie', init.cookie);
  const res = await env.routes(new Request(new URL(path, env.publicUrl), { ...init, headers }));
  if (!res) throw new Error(`not an auth route: ${path}`);
  return res;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-zA-Z_:-]+)\s*=\s*"([^"]*)"/g)) out[m[1]!.toLowerCase()] = decodeEntities(m[2]!);
  return out;
}

/** Submits the consent page's form as a browser would: every named input plus the clicked button. */
async function submitConsent(page: Response, pageUrl: string, decision: 'allow' | 'deny'): Promise<Response> {
  expect(page.status).toBe(200);
  const html = await page.text();
  const formTag = /<form\b[^>]*>/i.exec(html)?.[0];
  expect(formTag).toBeDefined();
  const form = attrs(formTag!);
  expect((form.method ?? 'get').toLowerCase()).toBe('post');
  const body = new URLSearchParams();
  for (const m of html.matchAll(/<input\b[^>]*>/gi)) {
    const a = attrs(m[0]);
    if (a.name && !('disabled' in a)) body.append(a.name, a.value ?? '');
  }
  const button = [...html.matchAll(/<button\b[^>]*>/gi)].map((m) => attrs(m[0])).find((a) => a.value === decision);
  expect(button?.name).toBeDefined();
  body.append(button!.name!, button!.value!);
  const action = new URL(form.action ?? '', pageUrl);
  return env.sim.fetch(
    new Request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    }),
  );
}

interface LoginStart {
  stateCookie: string;
  authorize: URL;
}

async function startLogin(redirect?: string): Promise<LoginStart> {
  const res = await call(`/auth/login${redirect === undefined ? '' : `?redirect=${encodeURIComponent(redirect)}`}`);
  expect(res.status).toBe(302);
  const authorize = new URL(res.headers.get('location')!);
  const setCookie = cookieNamed(res, 'ct_oauth');
  expect(setCookie).toBeDefined();
  const value = cookieValue(setCookie);
  env.secrets.add(value);
  env.secrets.add(authorize.searchParams.get('state')!);
  env.secrets.add(authorize.searchParams.get('code_challenge')!);
  return { stateCookie: `ct_oauth=${value}`, authorize };
}

/** Login up to CT's redirect back to us: returns the callback URL (path + query) with code and state. */
async function authorizeAtCt(start: LoginStart, decision: 'allow' | 'deny' = 'allow'): Promise<string> {
  const page = await env.sim.fetch(new Request(start.authorize));
  const back = await submitConsent(page, start.authorize.toString(), decision);
  expect(back.status).toBe(302);
  const callback = new URL(back.headers.get('location')!);
  expect(callback.origin + callback.pathname).toBe(`${env.publicUrl}/auth/callback`);
  const code = callback.searchParams.get('code');
  if (code) env.secrets.add(code);
  return callback.pathname + callback.search;
}

/** The full flow: returns the callback response. */
async function signIn(o: { redirect?: string; json?: boolean } = {}): Promise<Response> {
  const start = await startLogin(o.redirect);
  const callbackPath = await authorizeAtCt(start);
  const res = await call(callbackPath, { cookie: start.stateCookie, headers: o.json ? { accept: 'application/json' } : {} });
  await rememberSession(res);
  return res;
}

async function rememberSession(res: Response): Promise<void> {
  const token = cookieValue(cookieNamed(res, 'ct_session'));
  if (!token) return;
  env.secrets.add(token);
  const opened = await env.sealer.open(token);
  if (opened.session) {
    env.secrets.add(opened.session.tokens.accessToken);
    env.secrets.add(opened.session.tokens.refreshToken);
  }
}

async function me(accessToken: string): Promise<number> {
  const res = await env.sim.fetch(new Request(`${CT}/api/v1/me.json`, { headers: { authorization: `Bearer ${accessToken}` } }));
  return res.status;
}

function expectNoSessionCookie(res: Response): void {
  const c = cookieNamed(res, 'ct_session');
  // Either absent or a clearing cookie; never a session.
  if (c) expect(cookieValue(c)).toBe('');
}

beforeEach(async () => {
  env = await makeEnv();
});

afterEach(() => {
  const all = env.logs.join('\n');
  for (const s of env.secrets) {
    if (s.length >= 8) expect(all.includes(s), 'a secret leaked into the logs').toBe(false);
  }
});

// ------------------------------------------------------------------ tests

describe('routing', () => {
  it('returns null outside /auth and 405/404 for wrong methods and unknown auth paths', async () => {
    expect(await env.routes(new Request(`${HTTP_PUBLIC}/graphql`))).toBeNull();
    expect(await env.routes(new Request(`${HTTP_PUBLIC}/authx`))).toBeNull();
    expect((await call('/auth/logout')).status).toBe(405);
    expect((await call('/auth/logout')).headers.get('allow')).toBe('POST');
    expect((await call('/auth/login', { method: 'POST' })).status).toBe(405);
    expect((await call('/auth/callback', { method: 'POST' })).status).toBe(405);
    expect((await call('/auth/nope')).status).toBe(404);
  });
});

describe('GET /auth/login', () => {
  it('redirects to CT authorize with client_id, exact redirect_uri, response_type, state and an S256 challenge', async () => {
    const res = await call('/auth/login?redirect=/graphql');
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const url = new URL(res.headers.get('location')!);
    expect(url.origin + url.pathname).toBe(`${CT}/oauth/authorize`);
    expect(url.searchParams.get('client_id')).toBe(DEMO.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe('http://localhost:4000/auth/callback');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const cookie = cookieNamed(res, 'ct_oauth')!;
    expect(cookie).toMatch(/^ct_oauth=[A-Za-z0-9_.-]+; Path=\/auth; HttpOnly; SameSite=Lax; Max-Age=600$/);
    // The cookie is sealed: neither the state nor anything readable is in it.
    expect(cookie).not.toContain(url.searchParams.get('state')!);
    expect(cookieValue(cookie).split('.')).toHaveLength(5);
    env.secrets.add(cookieValue(cookie));
    env.secrets.add(url.searchParams.get('state')!);
  });

  it('uses a fresh state per attempt', async () => {
    const a = await startLogin();
    const b = await startLogin();
    expect(a.authorize.searchParams.get('state')).not.toBe(b.authorize.searchParams.get('state'));
    expect(a.authorize.searchParams.get('code_challenge')).not.toBe(b.authorize.searchParams.get('code_challenge'));
  });

  it.each(['//evil.com', 'https://evil.com', '/\\evil.com', 'evil.com', '/\t/evil.com', 'javascript:alert(1)'])(
    'refuses the open redirect %j with 400 and no cookie',
    async (redirect) => {
      const res = await call(`/auth/login?redirect=${encodeURIComponent(redirect)}`);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'invalid_redirect' });
      expect(setCookies(res)).toEqual([]);
      expect(res.headers.get('location')).toBeNull();
    },
  );
});

describe('GET /auth/callback', () => {
  it('signs in through the consent page: session cookie, state cookie cleared, 302 to the saved path', async () => {
    const res = await signIn({ redirect: '/graphql?x=1' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/graphql?x=1');
    const session = cookieNamed(res, 'ct_session')!;
    expect(session).toMatch(/^ct_session=[A-Za-z0-9_.-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=3600$/);
    expect(session).not.toContain('Secure');
    expect(cookieNamed(res, 'ct_oauth')).toBe('ct_oauth=; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=0');
    const opened = await env.sealer.open(cookieValue(session));
    expect(opened.session).not.toBeNull();
    expect(await me(opened.session!.tokens.accessToken)).toBe(200);
    expect(env.logs.some((l) => l.includes('"event":"login"'))).toBe(true);
  });

  it('defaults the redirect to /graphql', async () => {
    const res = await signIn();
    expect(res.headers.get('location')).toBe('/graphql');
  });

  it('sends PKCE: the simulator received the verifier matching the challenge (a wrong one would fail)', async () => {
    env.sim.resetLog();
    const res = await signIn();
    expect(res.status).toBe(302);
    expect(env.sim.log.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'GET /oauth/authorize 200',
      'POST /oauth/authorize 302',
      'POST /oauth/token 200',
    ]);
  });

  it('answers JSON with token and expiresAt when asked, and still sets the cookie', async () => {
    const res = await signIn({ json: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { token: string; expiresAt: string };
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'token']);
    expect(cookieValue(cookieNamed(res, 'ct_session'))).toBe(body.token);
    expect(body.expiresAt).toBe(new Date((Math.floor(env.clock.ms / 1000) + MAX_AGE) * 1000).toISOString());
    const opened = await env.sealer.open(body.token);
    expect(opened.session?.exp).toBe(Date.parse(body.expiresAt) / 1000);
  });

  it('marks cookies Secure when the public URL is https', async () => {
    env = await makeEnv(HTTPS_PUBLIC);
    const start = await startLogin();
    expect(start.authorize.searchParams.get('redirect_uri')).toBe(`${HTTPS_PUBLIC}/auth/callback`);
    const raw = await call('/auth/login');
    expect(cookieNamed(raw, 'ct_oauth')).toMatch(/; Secure$/);
    const callbackPath = await authorizeAtCt(start);
    const res = await call(callbackPath, { cookie: start.stateCookie });
    await rememberSession(res);
    expect(res.status).toBe(302);
    expect(cookieNamed(res, 'ct_session')).toMatch(/; HttpOnly; SameSite=Lax; Max-Age=3600; Secure$/);
    expect(cookieNamed(res, 'ct_oauth')).toMatch(/; Max-Age=0; Secure$/);
  });

  it('refuses a missing state cookie without calling CT', async () => {
    const start = await startLogin();
    const callbackPath = await authorizeAtCt(start);
    env.sim.resetLog();
    const res = await call(callbackPath);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_state' });
    expectNoSessionCookie(res);
    expect(env.sim.log).toEqual([]);
  });

  it('refuses a state that does not match the cookie (login CSRF)', async () => {
    const victim = await startLogin();
    const attacker = await startLogin();
    const attackerCallback = await authorizeAtCt(attacker);
    env.sim.resetLog();
    // The attacker's code and state, the victim's cookie.
    const res = await call(attackerCallback, { cookie: victim.stateCookie });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_state' });
    expectNoSessionCookie(res);
    expect(env.sim.log).toEqual([]);
  });

  it('refuses a forged or tampered state cookie', async () => {
    const start = await startLogin();
    const callbackPath = await authorizeAtCt(start);
    const value = start.stateCookie.slice('ct_oauth='.length);
    const parts = value.split('.');
    parts[3] = `${parts[3]!.slice(0, 5)}${parts[3]![5] === 'A' ? 'B' : 'A'}${parts[3]!.slice(6)}`;
    for (const cookie of [`ct_oauth=${parts.join('.')}`, 'ct_oauth=garbage', `ct_oauth=${value.slice(0, -4)}`]) {
      const res = await call(callbackPath, { cookie });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'invalid_state' });
      expectNoSessionCookie(res);
    }
    // A session token is not a state cookie either.
    const signedIn = await signIn();
    const sessionToken = cookieValue(cookieNamed(signedIn, 'ct_session'));
    const res = await call(callbackPath, { cookie: `ct_oauth=${sessionToken}` });
    expect(res.status).toBe(400);
  });

  it('refuses an expired state cookie', async () => {
    const start = await startLogin();
    const callbackPath = await authorizeAtCt(start);
    env.clock.ms += 11 * 60_000;
    const res = await call(callbackPath, { cookie: start.stateCookie });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_state' });
    expectNoSessionCookie(res);
  });

  it('reports a denial at CT as access_denied', async () => {
    const start = await startLogin();
    const callbackPath = await authorizeAtCt(start, 'deny');
    expect(callbackPath).toContain('error=access_denied');
    const res = await call(callbackPath, { cookie: start.stateCookie });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'access_denied' });
    expectNoSessionCookie(res);
    expect(cookieNamed(res, 'ct_oauth')).toMatch(/^ct_oauth=; .*Max-Age=0/);
  });

  it('refuses a reused code (CT answers invalid_grant) with 400 and no session', async () => {
    const start = await startLogin();
    const callbackPath = await authorizeAtCt(start);
    const first = await call(callbackPath, { cookie: start.stateCookie });
    await rememberSession(first);
    expect(first.status).toBe(302);
    const again = await call(callbackPath, { cookie: start.stateCookie });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: 'exchange_failed' });
    expectNoSessionCookie(again);
    expect(env.sim.log.filter((e) => e.path === '/oauth/token').map((e) => e.status)).toEqual([200, 400]);
  });

  it('refuses a missing code', async () => {
    const start = await startLogin();
    const state = start.authorize.searchParams.get('state')!;
    const res = await call(`/auth/callback?state=${state}`, { cookie: start.stateCookie });
    expect(res.status).toBe(400);
    expectNoSessionCookie(res);
  });

  it('answers 502 and no session when CT cannot be reached for the exchange', async () => {
    env = await makeEnv(HTTP_PUBLIC, { breakToken: true });
    const start = await startLogin();
    const callbackPath = await authorizeAtCt(start);
    const res = await call(callbackPath, { cookie: start.stateCookie });
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: 'upstream_unavailable' });
    expectNoSessionCookie(res);
  });
});

describe('POST /auth/logout', () => {
  async function signedIn(): Promise<{ token: string; access: string; refresh: string }> {
    const res = await signIn({ json: true });
    const { token } = (await res.json()) as { token: string };
    const opened = await env.sealer.open(token);
    return { token, access: opened.session!.tokens.accessToken, refresh: opened.session!.tokens.refreshToken };
  }

  it('revokes both CT tokens, clears the cookie and answers 204', async () => {
    const s = await signedIn();
    expect(await me(s.access)).toBe(200);
    env.sim.resetLog();
    const res = await call('/auth/logout', { method: 'POST', cookie: `ct_session=${s.token}` });
    expect(res.status).toBe(204);
    expect(cookieNamed(res, 'ct_session')).toBe('ct_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0');
    expect(env.sim.log.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(['POST /oauth/revoke 200', 'POST /oauth/revoke 200']);
    expect(await me(s.access)).toBe(401);
    // The refresh token is dead too.
    const refresh = await env.sim.fetch(
      new Request(`${CT}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: s.refresh,
          client_id: DEMO.clientId,
          client_secret: DEMO.clientSecret,
        }).toString(),
      }),
    );
    expect(refresh.status).toBe(400);
  });

  it('accepts the session as a bearer token', async () => {
    const s = await signedIn();
    const res = await call('/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${s.token}` } });
    expect(res.status).toBe(204);
    expect(await me(s.access)).toBe(401);
  });

  it('redirects to a safe path when given, refuses an unsafe one without side effects', async () => {
    const s = await signedIn();
    const bad = await call('/auth/logout?redirect=//evil.com', { method: 'POST', cookie: `ct_session=${s.token}` });
    expect(bad.status).toBe(400);
    expect(setCookies(bad)).toEqual([]);
    expect(await me(s.access)).toBe(200);
    const res = await call('/auth/logout?redirect=/signed-out', { method: 'POST', cookie: `ct_session=${s.token}` });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/signed-out');
    expect(cookieNamed(res, 'ct_session')).toMatch(/^ct_session=; .*Max-Age=0/);
    expect(await me(s.access)).toBe(401);
  });

  it('clears the cookie without calling CT when there is no valid session', async () => {
    env.sim.resetLog();
    for (const cookie of [undefined, 'ct_session=garbage']) {
      const res = await call('/auth/logout', { method: 'POST', ...(cookie ? { cookie } : {}) });
      expect(res.status).toBe(204);
      expect(cookieNamed(res, 'ct_session')).toMatch(/^ct_session=; .*Max-Age=0/);
    }
    expect(env.sim.log).toEqual([]);
  });

  it('still signs out when CT revocation fails, logging without tokens', async () => {
    const s = await signedIn();
    env.sim.control.addFault({ path: '/oauth/revoke', status: 500 });
    const res = await call('/auth/logout', { method: 'POST', cookie: `ct_session=${s.token}` });
    expect(res.status).toBe(204);
    expect(cookieNamed(res, 'ct_session')).toMatch(/^ct_session=; .*Max-Age=0/);
    const failures = env.logs.filter((l) => l.includes('logout_revoke_failed'));
    expect(failures).toHaveLength(2);
    expect(failures[0]).toContain('"tokenKind":"refresh"');
    expect(failures[0]).toContain('"ctError":"ERR_CT_SERVER"');
  });
});
