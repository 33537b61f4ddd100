// OAuth provider: consent page, exact redirect match, code exchange in every body encoding, PKCE,
// refresh rotation with reuse detection, revocation, and how the API answers with each token state.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEMO } from '../../simulator/app.js';
import { authorize, BASE, call, codeFor, setup, tokenRequest } from './helpers.js';

const client = { client_id: DEMO.clientId, client_secret: DEMO.clientSecret };
const exchange = (code: string, extra: Record<string, string> = {}) => ({
  grant_type: 'authorization_code',
  ...client,
  code,
  redirect_uri: DEMO.redirectUri,
  ...extra,
});

describe('GET /oauth/authorize', () => {
  it('renders a consent form for a registered client and redirect URI', async () => {
    const { sim } = setup();
    const q = new URLSearchParams({ client_id: DEMO.clientId, redirect_uri: DEMO.redirectUri, response_type: 'code', state: 'abc' });
    const res = await sim.fetch(new Request(`${BASE}/oauth/authorize?${q}`));
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(page).toContain('<form method="post" action="/oauth/authorize"');
    expect(page).toContain(`value="${DEMO.username}"`);
    expect(page).toContain('Authorize');
    expect(page).toContain('name="state" value="abc"');
  });

  it('shows the Doorkeeper invalid redirect uri page unless the URI matches exactly', async () => {
    const { sim } = setup();
    for (const uri of [`${DEMO.redirectUri}/`, DEMO.redirectUri.toUpperCase(), 'https://evil.test/cb']) {
      const q = new URLSearchParams({ client_id: DEMO.clientId, redirect_uri: uri, response_type: 'code' });
      const res = await sim.fetch(new Request(`${BASE}/oauth/authorize?${q}`));
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('The requested redirect uri is malformed or doesn&#39;t match client redirect URI.');
    }
  });

  it('accepts extra registered redirect URIs', async () => {
    const { sim } = setup({ redirectUris: ['http://127.0.0.1:9999/cb'] });
    sim.control.registerRedirectUri('https://app.example/cb');
    for (const uri of ['http://127.0.0.1:9999/cb', 'https://app.example/cb']) {
      const res = await authorize(sim, { redirect_uri: uri });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toMatch(new RegExp(`^${uri.replace(/[.:/]/g, '\\$&')}\\?code=[0-9a-f]{64}&state=s1$`));
    }
  });

  it('rejects an unknown client with an error page', async () => {
    const { sim } = setup();
    const q = new URLSearchParams({ client_id: 'nope', redirect_uri: DEMO.redirectUri, response_type: 'code' });
    const res = await sim.fetch(new Request(`${BASE}/oauth/authorize?${q}`));
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('Client authentication failed');
  });

  it('redirects errors back to the client for a bad response_type or a denial', async () => {
    const { sim } = setup();
    const bad = await authorize(sim, { response_type: 'token' });
    expect(new URL(bad.headers.get('location') ?? '').searchParams.get('error')).toBe('unsupported_response_type');
    const denied = await authorize(sim, { decision: 'deny' });
    const url = new URL(denied.headers.get('location') ?? '');
    expect(url.searchParams.get('error')).toBe('access_denied');
    expect(url.searchParams.get('state')).toBe('s1');
  });

  it('re-renders the form on wrong credentials without issuing a code', async () => {
    const { sim } = setup();
    const res = await authorize(sim, { password: 'wrong' });
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Invalid username or password.');
  });
});

describe('POST /oauth/token (authorization_code)', () => {
  it.each(['form', 'multipart', 'json'] as const)('exchanges a code sent as %s', async (encoding) => {
    const { sim, clock } = setup();
    const code = await codeFor(sim);
    const res = await sim.fetch(tokenRequest(exchange(code), encoding));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({
      access_token: expect.stringMatching(/^[0-9a-f]{64}$/),
      token_type: 'bearer',
      expires_in: 7200,
      refresh_token: expect.stringMatching(/^[0-9a-f]{64}$/),
      created_at: Math.floor(clock.now() / 1000),
    });
    const me = await call(sim, 'GET', '/api/v1/me.json', { token: body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.username).toBe(DEMO.username);
  });

  it('accepts HTTP Basic client authentication', async () => {
    const { sim } = setup();
    const code = await codeFor(sim);
    const basic = Buffer.from(`${DEMO.clientId}:${DEMO.clientSecret}`).toString('base64');
    const res = await sim.fetch(
      new Request(`${BASE}/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}` },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: DEMO.redirectUri }),
      }),
    );
    expect(res.status).toBe(200);
  });

  it('uses a code once only', async () => {
    const { sim } = setup();
    const code = await codeFor(sim);
    expect((await sim.fetch(tokenRequest(exchange(code)))).status).toBe(200);
    const again = await sim.fetch(tokenRequest(exchange(code)));
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.any(String) });
  });

  it('requires the same redirect_uri as the authorization request', async () => {
    const { sim } = setup();
    const code = await codeFor(sim);
    const res = await sim.fetch(tokenRequest(exchange(code, { redirect_uri: `${DEMO.redirectUri}/` })));
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('invalid_grant');
  });

  it('rejects expired codes (10 minutes)', async () => {
    const { sim, clock } = setup();
    const code = await codeFor(sim);
    clock.advance(10 * 60_000 + 1);
    expect((await sim.fetch(tokenRequest(exchange(code)))).status).toBe(400);
  });

  it('answers 401 invalid_client for a wrong secret or unknown client', async () => {
    const { sim } = setup();
    const code = await codeFor(sim);
    for (const bad of [{ client_secret: 'wrong' }, { client_id: 'unknown' }] as Record<string, string>[]) {
      const res = await sim.fetch(tokenRequest(exchange(code, bad)));
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'invalid_client' });
    }
    // the code was not consumed by the failed attempts
    expect((await sim.fetch(tokenRequest(exchange(code)))).status).toBe(200);
  });

  it('answers unsupported_grant_type and invalid_request per RFC 6749', async () => {
    const { sim } = setup();
    const res = await sim.fetch(tokenRequest({ grant_type: 'password', ...client }));
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('unsupported_grant_type');
    const missing = await sim.fetch(tokenRequest({ grant_type: 'authorization_code', ...client }));
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toBe('invalid_request');
  });

  it('checks the PKCE verifier when a challenge was given (S256)', async () => {
    const { sim } = setup();
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const pkce = { code_challenge: challenge, code_challenge_method: 'S256' };

    const c1 = await codeFor(sim, pkce);
    expect((await sim.fetch(tokenRequest(exchange(c1)))).status).toBe(400); // verifier missing
    const wrong = await sim.fetch(tokenRequest(exchange(c1, { code_verifier: 'x'.repeat(43) })));
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error).toBe('invalid_grant');

    const c2 = await codeFor(sim, pkce);
    expect((await sim.fetch(tokenRequest(exchange(c2, { code_verifier: verifier })))).status).toBe(200);
  });
});

describe('refresh, expiry and revocation', () => {
  async function login(sim: ReturnType<typeof setup>['sim']) {
    const res = await sim.fetch(tokenRequest(exchange(await codeFor(sim))));
    return (await res.json()) as { access_token: string; refresh_token: string };
  }
  const refresh = (refresh_token: string) => tokenRequest({ grant_type: 'refresh_token', ...client, refresh_token });

  it('rotates: new access and refresh token, the old pair revoked at once', async () => {
    const { sim } = setup();
    const first = await login(sim);
    const res = await sim.fetch(refresh(first.refresh_token));
    expect(res.status).toBe(200);
    const second = await res.json();
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await call(sim, 'GET', '/api/v1/me.json', { token: second.access_token })).status).toBe(200);
    expect((await call(sim, 'GET', '/api/v1/me.json', { token: first.access_token })).status).toBe(401);

    const reuse = await sim.fetch(refresh(first.refresh_token));
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
  });

  it('access tokens lapse after expires_in; the refresh token still works', async () => {
    const { sim, clock } = setup({ tokenLifetimeSeconds: 30 });
    const t = await login(sim);
    clock.advance(29_000);
    expect((await call(sim, 'GET', '/api/v1/me.json', { token: t.access_token })).status).toBe(200);
    clock.advance(1_000);
    const expired = await call(sim, 'GET', '/api/v1/me.json', { token: t.access_token });
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ error: 'invalid_token', error_description: 'The access token expired' });
    expect((await sim.fetch(refresh(t.refresh_token))).status).toBe(200);
  });

  it('setTokenLifetime changes expires_in of new tokens', async () => {
    const { sim } = setup();
    sim.control.setTokenLifetime(5);
    expect(sim.control.issueTokens().expires_in).toBe(5);
  });

  it('expireAllTokens kills access tokens but keeps refresh tokens', async () => {
    const { sim } = setup();
    const t = await login(sim);
    sim.control.expireAllTokens();
    expect((await call(sim, 'GET', '/api/v1/locations', { token: t.access_token })).status).toBe(401);
    const res = await sim.fetch(refresh(t.refresh_token));
    expect(res.status).toBe(200);
    expect((await call(sim, 'GET', '/api/v1/locations', { token: (await res.json()).access_token })).status).toBe(200);
  });

  it('revokeAllTokens kills access and refresh tokens', async () => {
    const { sim } = setup();
    const t = await login(sim);
    sim.control.revokeAllTokens();
    const api = await call(sim, 'GET', '/api/v1/locations', { token: t.access_token });
    expect(api.status).toBe(401);
    expect(api.body.error_description).toBe('The access token was revoked');
    const res = await sim.fetch(refresh(t.refresh_token));
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('invalid_grant');
  });

  it('POST /oauth/revoke takes the token from the query or the body and always answers 200 {}', async () => {
    const { sim } = setup();
    const a = await login(sim);
    const viaQuery = await sim.fetch(new Request(`${BASE}/oauth/revoke?token=${a.access_token}`, { method: 'POST' }));
    expect(viaQuery.status).toBe(200);
    expect(await viaQuery.json()).toEqual({});
    expect((await call(sim, 'GET', '/api/v1/me.json', { token: a.access_token })).status).toBe(401);

    const b = await login(sim);
    const viaBody = await sim.fetch(
      new Request(`${BASE}/oauth/revoke`, { method: 'POST', body: new URLSearchParams({ token: b.refresh_token }) }),
    );
    expect(viaBody.status).toBe(200);
    expect((await sim.fetch(refresh(b.refresh_token))).status).toBe(400);

    const unknown = await sim.fetch(new Request(`${BASE}/oauth/revoke?token=nope`, { method: 'POST' }));
    expect(unknown.status).toBe(200);
  });

  it('accepts the access_token query parameter on the API', async () => {
    const { sim, token } = setup();
    const res = await call(sim, 'GET', `/api/v1/me.json?access_token=${token}`);
    expect(res.status).toBe(200);
  });
});
