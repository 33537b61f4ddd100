// CT's OAuth endpoints through the simulator: authorize URL, code exchange, refresh with rotation
// and refusal, revoke, and timeouts. The simulator accepting the form bodies is the wire check.

import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEMO } from '../../simulator/app.js';
import { CtAuthError, CtHttpError, CtUnavailableError } from '../../src/ct/errors.js';
import { authorizeUrl, exchangeCode, refreshTokens, revokeToken } from '../../src/ct/oauth.js';
import { API_URL, errorText, OAUTH_URL, rejection, setup, type Setup } from './helpers.js';

describe('authorizeUrl', () => {
  it('carries client_id, the exact redirect_uri, response_type=code and state; PKCE only when asked', () => {
    const s = setup();
    const plain = new URL(
      authorizeUrl({ ...s.oauth, oauthUrl: `${OAUTH_URL}/` }, { redirectUri: 'http://localhost:4000/auth/callback', state: 'st4te' }),
    );
    expect(`${plain.origin}${plain.pathname}`).toBe(`${OAUTH_URL}/oauth/authorize`);
    expect(Object.fromEntries(plain.searchParams)).toEqual({
      client_id: s.oauth.clientId,
      redirect_uri: 'http://localhost:4000/auth/callback',
      response_type: 'code',
      state: 'st4te',
    });
    const pkce = new URL(authorizeUrl(s.oauth, { redirectUri: 'http://localhost:4000/auth/callback', state: 's', codeChallenge: 'abc' }));
    expect(pkce.searchParams.get('code_challenge')).toBe('abc');
    expect(pkce.searchParams.get('code_challenge_method')).toBe('S256');
  });
});

describe('refreshTokens', () => {
  it('rotates both tokens; the old refresh token is then refused with CtAuthError', async () => {
    const s = setup();
    const fresh = await refreshTokens(s.oauth, s.tokens.refreshToken);
    expect(fresh.accessToken).not.toBe(s.tokens.accessToken);
    expect(fresh.refreshToken).not.toBe(s.tokens.refreshToken);
    expect(fresh.expiresAt).toBeGreaterThan(Date.now());
    const e = await rejection(refreshTokens(s.oauth, s.tokens.refreshToken));
    expect(e).toBeInstanceOf(CtAuthError);
    expect(errorText(e)).not.toContain(s.tokens.refreshToken);
    expect(s.sim.log.map((l) => `${l.method} ${l.path}`)).toEqual(['POST /oauth/token', 'POST /oauth/token']);
  });

  it('the new access token works on the API', async () => {
    const s = setup();
    s.sim.control.expireAllTokens();
    const fresh = await refreshTokens(s.oauth, s.tokens.refreshToken);
    const res = await s.fetch(`${API_URL}/locations`, { headers: { authorization: `Bearer ${fresh.accessToken}` } });
    expect(res.status).toBe(200);
  });

  it('wrong client credentials are a refusal too', async () => {
    const s = setup();
    const e = await rejection(refreshTokens({ ...s.oauth, clientSecret: 'wrong' }, s.tokens.refreshToken));
    expect(e).toBeInstanceOf(CtAuthError);
  });

  it('a slow token endpoint => ERR_CT_TIMEOUT', async () => {
    const s = setup({ oauthTimeoutMs: 200 });
    s.sim.control.setLatency(2_000);
    const e = await rejection(refreshTokens(s.oauth, s.tokens.refreshToken));
    expect(e).toBeInstanceOf(CtUnavailableError);
    expect((e as CtUnavailableError).code).toBe('ERR_CT_TIMEOUT');
  });
});

const REDIRECT = 'http://localhost:4000/auth/callback';

/** Signs in at the simulator's authorize page, as a browser would, and returns the code from the redirect. */
async function authorizeCode(s: Setup, codeChallenge?: string): Promise<string> {
  const url = authorizeUrl(s.oauth, { redirectUri: REDIRECT, state: 'st', ...(codeChallenge === undefined ? {} : { codeChallenge }) });
  const form = new URLSearchParams({ username: DEMO.username, password: DEMO.password, decision: 'allow' });
  const res = await s.fetch(url, { method: 'POST', body: form, redirect: 'manual' });
  const code = new URL(res.headers.get('location') ?? 'http://x/').searchParams.get('code');
  if (code === null) throw new Error(`no code in the redirect (status ${res.status})`);
  return code;
}

describe('exchangeCode', () => {
  it('exchanges a code for tokens that work on the API; the code is single use', async () => {
    const s = setup();
    const code = await authorizeCode(s);
    const tokens = await exchangeCode(s.oauth, { code, redirectUri: REDIRECT });
    expect(tokens.expiresAt).toBeGreaterThan(Date.now());
    const res = await s.fetch(`${API_URL}/me.json`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(res.status).toBe(200);
    const again = await rejection(exchangeCode(s.oauth, { code, redirectUri: REDIRECT }));
    expect((again as CtHttpError).code).toBe('ERR_CT_BAD_REQUEST');
  });

  it('sends the PKCE verifier; a wrong verifier is refused', async () => {
    const s = setup();
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const good = await authorizeCode(s, challenge);
    await expect(exchangeCode(s.oauth, { code: good, redirectUri: REDIRECT, codeVerifier: verifier })).resolves.toMatchObject({
      accessToken: expect.any(String),
    });
    const bad = await authorizeCode(s, challenge);
    const e = await rejection(exchangeCode(s.oauth, { code: bad, redirectUri: REDIRECT, codeVerifier: `${verifier}x` }));
    expect(e).toBeInstanceOf(CtHttpError);
    expect(errorText(e)).not.toContain(verifier);
  });

  it('an unknown code is a bad request that does not echo the code', async () => {
    const s = setup();
    const code = 'c0ffee'.repeat(8);
    const e = await rejection(exchangeCode(s.oauth, { code, redirectUri: REDIRECT }));
    expect(e).toBeInstanceOf(CtHttpError);
    expect((e as CtHttpError).code).toBe('ERR_CT_BAD_REQUEST');
    expect(errorText(e)).not.toContain(code);
    expect(errorText(e)).not.toContain(s.oauth.clientSecret);
  });
});

describe('revokeToken', () => {
  it('revokes the access token at CT', async () => {
    const s = setup();
    await revokeToken(s.oauth, s.tokens.accessToken);
    expect(s.sim.log.at(-1)).toMatchObject({ method: 'POST', path: '/oauth/revoke', status: 200 });
    const res = await s.fetch(`${API_URL}/locations`, { headers: { authorization: `Bearer ${s.tokens.accessToken}` } });
    expect(res.status).toBe(401);
  });
});
