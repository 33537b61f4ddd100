// CT's OAuth2 endpoints (authorization code flow, refresh with rotation, revoke) as pure
// functions over an injected fetch. Bodies are form-urlencoded, as CT's token endpoint expects.

import { CtAuthError, CtHttpError, CtUnavailableError, parseCtError, parseErrorBody, type CtError } from './errors.js';
import { timedFetch, type HttpAttempt } from './http.js';
import { tokensFromResponse, type CtTokens } from './tokens.js';

export interface OAuthSettings {
  oauthUrl: string;
  clientId: string;
  clientSecret: string;
  fetch: typeof fetch;
  timeoutMs: number;
}

function base(s: OAuthSettings): string {
  return s.oauthUrl.replace(/\/+$/, '');
}

/** The CT authorize URL the browser is sent to; PKCE (S256) only when a challenge is given. */
export function authorizeUrl(s: OAuthSettings, p: { redirectUri: string; state: string; codeChallenge?: string }): string {
  const q = new URLSearchParams({ client_id: s.clientId, redirect_uri: p.redirectUri, response_type: 'code', state: p.state });
  if (p.codeChallenge !== undefined) {
    q.set('code_challenge', p.codeChallenge);
    q.set('code_challenge_method', 'S256');
  }
  return `${base(s)}/oauth/authorize?${q.toString()}`;
}

function post(s: OAuthSettings, path: string, form: Record<string, string>): Promise<HttpAttempt> {
  return timedFetch(
    s.fetch,
    `${base(s)}${path}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    },
    s.timeoutMs,
  );
}

/** Token endpoint calls change state at CT (codes are single use, refresh tokens rotate), so a lost answer is an unknown outcome. */
function failure(a: Exclude<HttpAttempt, { kind: 'response' }>): CtUnavailableError {
  return new CtUnavailableError({ code: a.kind === 'timeout' ? 'ERR_CT_TIMEOUT' : 'ERR_CT_UNAVAILABLE', outcomeUnknown: true });
}

/** OAuth refusals are request errors of ours, not "the user must sign in again" (that is decided per call). */
function oauthError(a: { status: number; headers: Pick<Headers, 'get'>; text: string }): CtError {
  if (a.status === 429 || a.status >= 500) return parseCtError(a.status, a.text, a.headers, 'POST');
  return new CtHttpError({ status: a.status, method: 'POST', fieldErrors: parseErrorBody(a.text), code: 'ERR_CT_BAD_REQUEST' });
}

function parseTokens(text: string, fallbackRefreshToken?: string): CtTokens {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return tokensFromResponse(json, Date.now(), fallbackRefreshToken);
}

export async function exchangeCode(s: OAuthSettings, p: { code: string; redirectUri: string; codeVerifier?: string }): Promise<CtTokens> {
  const form: Record<string, string> = {
    grant_type: 'authorization_code',
    client_id: s.clientId,
    client_secret: s.clientSecret,
    code: p.code,
    redirect_uri: p.redirectUri,
  };
  if (p.codeVerifier !== undefined) form['code_verifier'] = p.codeVerifier;
  const a = await post(s, '/oauth/token', form);
  if (a.kind !== 'response') throw failure(a);
  if (a.status < 200 || a.status >= 300) throw oauthError(a);
  return parseTokens(a.text);
}

/** Rotates the tokens. Any refusal (400/401 invalid_grant, or another 4xx) => CtAuthError: the session is over. */
export async function refreshTokens(s: OAuthSettings, refreshToken: string): Promise<CtTokens> {
  const a = await post(s, '/oauth/token', {
    grant_type: 'refresh_token',
    client_id: s.clientId,
    client_secret: s.clientSecret,
    refresh_token: refreshToken,
  });
  if (a.kind !== 'response') throw failure(a);
  // Rate limits and CT's own faults are not a verdict on the refresh token: passed on as they are.
  if (a.status === 429 || a.status >= 500) throw parseCtError(a.status, a.text, a.headers, 'POST');
  if (a.status < 200 || a.status >= 300) throw new CtAuthError('CT refused to refresh the session; sign in again');
  return parseTokens(a.text, refreshToken);
}

/** RFC 7009 revoke (CT: POST /oauth/revoke with `token`); CT answers 200 even for unknown tokens. */
export async function revokeToken(s: OAuthSettings, token: string): Promise<void> {
  const a = await post(s, '/oauth/revoke', { token, client_id: s.clientId, client_secret: s.clientSecret });
  if (a.kind !== 'response') throw failure(a);
  if (a.status < 200 || a.status >= 300) throw oauthError(a);
}
