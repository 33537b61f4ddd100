// Doorkeeper-like OAuth2 provider: the registered demo app, /oauth/authorize (consent page + code),
// /oauth/token (authorization_code with optional PKCE, refresh_token with rotation), /oauth/revoke.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DEMO, DEMO_APP_NAME } from './demo.js';
import { BadRequestError, epochSeconds, html, json, readBody, str, type Json } from './http.js';
import type { Store, UserRecord } from './store.js';

export interface OAuthApp {
  name: string;
  uid: string;
  secret: string;
  redirectUris: Set<string>;
}

interface Grant {
  appUid: string;
  userId: number;
  redirectUri: string;
  expiresAt: number;
  challenge: string | null;
  challengeMethod: 'S256' | 'plain' | null;
}

/** One Doorkeeper `oauth_access_tokens` row: the access and refresh token live and die together. */
interface TokenRow {
  access: string;
  refresh: string;
  appUid: string;
  userId: number;
  createdAt: number;
  expiresAt: number;
  revoked: boolean;
  expiredByControl: boolean;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token: string;
  created_at: number;
}

const CODE_TTL_MS = 10 * 60_000;

// Doorkeeper's stock en.yml wording
const MSG = {
  invalidClient:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalidRedirect: "The requested redirect uri is malformed or doesn't match client redirect URI.",
  invalidGrant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization ' +
    'request, or was issued to another client.',
  invalidRequest: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  unsupportedGrant: 'The authorization grant type is not supported by the authorization server.',
  unsupportedResponseType: 'The authorization server does not support this response type.',
  accessDenied: 'The resource owner or authorization server denied the request.',
  tokenInvalid: 'The access token is invalid',
  tokenExpired: 'The access token expired',
  tokenRevoked: 'The access token was revoked',
};

const hex64 = (): string => randomBytes(32).toString('hex');
const base64url = (buf: Buffer): string => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// Not imported from src/html.ts: the simulator stands in for CT and never imports from src/
// (test/import-cycles.test.ts checks), so it keeps its own copy.
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function oauthError(status: number, error: string, description: string): Response {
  const headers: Record<string, string> = { 'cache-control': 'no-store', pragma: 'no-cache' };
  if (status === 401) headers['www-authenticate'] = `Bearer realm="Doorkeeper", error="${error}", error_description="${description}"`;
  return json(status, { error, error_description: description }, headers);
}

function errorPage(status: number, title: string, description: string): Response {
  return html(
    status,
    `<!doctype html><html><head><title>CT: ${escapeHtml(title)}</title></head><body>
<main><h1>An error has occurred</h1><p id="error">${escapeHtml(description)}</p></main></body></html>`,
  );
}

function redirectTo(uri: string, params: Record<string, string | null | undefined>): Response {
  const target = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') target.searchParams.set(k, v);
  return new Response(null, { status: 302, headers: { location: target.toString(), 'cache-control': 'no-store' } });
}

export class OAuthProvider {
  readonly apps = new Map<string, OAuthApp>();
  private readonly grants = new Map<string, Grant>();
  private readonly byAccess = new Map<string, TokenRow>();
  private readonly byRefresh = new Map<string, TokenRow>();

  constructor(
    private readonly store: () => Store,
    private readonly now: () => number,
    public lifetimeSeconds: number,
    extraRedirectUris: string[],
    /** The demo app also accepts http://{localhost,127.0.0.1,[::1]}:<any port>/auth/callback (`npm run simulator`). */
    private readonly loopbackCallbacks = false,
  ) {
    this.apps.set(DEMO.clientId, {
      name: DEMO_APP_NAME,
      uid: DEMO.clientId,
      secret: DEMO.clientSecret,
      redirectUris: new Set([DEMO.redirectUri, ...extraRedirectUris]),
    });
  }

  registerRedirectUri(uri: string): void {
    this.apps.get(DEMO.clientId)?.redirectUris.add(uri);
  }

  issue(appUid: string, userId: number): TokenResponse {
    const now = this.now();
    const row: TokenRow = {
      access: hex64(),
      refresh: hex64(),
      appUid,
      userId,
      createdAt: now,
      expiresAt: now + this.lifetimeSeconds * 1000,
      revoked: false,
      expiredByControl: false,
    };
    this.byAccess.set(row.access, row);
    this.byRefresh.set(row.refresh, row);
    return {
      access_token: row.access,
      token_type: 'bearer',
      expires_in: this.lifetimeSeconds,
      refresh_token: row.refresh,
      created_at: epochSeconds(now),
    };
  }

  expireAll(): void {
    for (const row of this.byAccess.values()) row.expiredByControl = true;
  }

  revokeAll(): void {
    for (const row of this.byAccess.values()) row.revoked = true;
    this.grants.clear();
  }

  /** The API's token check; `{ user }` or the error_description for the 401. */
  authenticate(token: string | null): { user: UserRecord } | { error: string } {
    if (!token) return { error: MSG.tokenInvalid };
    const row = this.byAccess.get(token);
    if (!row) return { error: MSG.tokenInvalid };
    if (row.revoked) return { error: MSG.tokenRevoked };
    if (row.expiredByControl || row.expiresAt <= this.now()) return { error: MSG.tokenExpired };
    const user = this.store().users.find((u) => u.id === row.userId);
    return user ? { user } : { error: MSG.tokenInvalid };
  }

  // ------------------------------------------------------------ /oauth/authorize

  private preAuthorize(p: Json): { app: OAuthApp; redirectUri: string } | Response {
    const app = this.apps.get(str(p.client_id) ?? '');
    if (!app) return errorPage(401, 'invalid_client', MSG.invalidClient);
    const redirectUri = str(p.redirect_uri) ?? '';
    // exact string match, as Doorkeeper does: no trailing-slash or case leniency
    const loopback = this.loopbackCallbacks && app.uid === DEMO.clientId && isLoopbackCallback(redirectUri);
    if (!app.redirectUris.has(redirectUri) && !loopback) return errorPage(400, 'invalid_redirect_uri', MSG.invalidRedirect);
    const state = str(p.state);
    if (str(p.response_type) !== 'code') {
      return redirectTo(redirectUri, { error: 'unsupported_response_type', error_description: MSG.unsupportedResponseType, state });
    }
    const challenge = str(p.code_challenge);
    const method = str(p.code_challenge_method);
    if (challenge !== undefined && challenge !== '' && method !== undefined && method !== '' && method !== 'S256' && method !== 'plain') {
      return redirectTo(redirectUri, {
        error: 'invalid_request',
        error_description: `${MSG.invalidRequest} Invalid code_challenge_method.`,
        state,
      });
    }
    return { app, redirectUri };
  }

  async authorize(request: Request, url: URL): Promise<Response> {
    let params: Json;
    try {
      params = { ...Object.fromEntries(url.searchParams), ...(await readBody(request)) };
    } catch (e) {
      if (e instanceof BadRequestError) return errorPage(400, 'invalid_request', MSG.invalidRequest);
      throw e;
    }
    const pre = this.preAuthorize(params);
    if (pre instanceof Response) return pre;
    if (request.method === 'GET') return this.consentPage(pre.app, params, null);

    const state = str(params.state);
    if (str(params.decision) === 'deny') {
      return redirectTo(pre.redirectUri, { error: 'access_denied', error_description: MSG.accessDenied, state });
    }
    const user = this.store().userByLogin(str(params.username) ?? '');
    const password = str(params.password) ?? '';
    if (!user || !safeEqual(this.store().passwords.get(user.id) ?? '', password)) {
      return this.consentPage(pre.app, params, 'Invalid username or password.');
    }
    const challenge = str(params.code_challenge) || null;
    const code = hex64();
    this.grants.set(code, {
      appUid: pre.app.uid,
      userId: user.id,
      redirectUri: pre.redirectUri,
      expiresAt: this.now() + CODE_TTL_MS,
      challenge,
      challengeMethod: challenge ? (str(params.code_challenge_method) === 'S256' ? 'S256' : 'plain') : null,
    });
    return redirectTo(pre.redirectUri, { code, state });
  }

  private consentPage(app: OAuthApp, p: Json, problem: string | null): Response {
    const hidden = ['client_id', 'redirect_uri', 'state', 'response_type', 'code_challenge', 'code_challenge_method']
      .map((k) => [k, str(p[k])] as const)
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v ?? '')}">`)
      .join('\n    ');
    const username = str(p.username) ?? DEMO.username;
    const password = problem ? '' : DEMO.password;
    return html(
      problem ? 401 : 200,
      `<!doctype html>
<html><head><meta charset="utf-8"><title>CT: Authorization required</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.6rem 0}
input[type=text],input[type=password]{width:100%;padding:.4rem}
button{padding:.5rem 1.2rem;margin-right:.5rem}.error{color:#b00}</style></head>
<body><main>
  <h1>Authorization required</h1>
  <p>Authorize <strong>${escapeHtml(app.name)}</strong> to use your CT account?</p>
  ${problem ? `<p class="error" id="error">${escapeHtml(problem)}</p>` : ''}
  <form method="post" action="/oauth/authorize">
    ${hidden}
    <label>Username or email <input type="text" name="username" value="${escapeHtml(username)}" autocomplete="username"></label>
    <label>Password <input type="password" name="password" value="${escapeHtml(password)}" autocomplete="current-password"></label>
    <button type="submit" name="decision" value="allow">Authorize</button>
    <button type="submit" name="decision" value="deny">Deny</button>
  </form>
  <p><small>CT simulator. Demo accounts: ${escapeHtml(DEMO.username)} / ${escapeHtml(DEMO.password)},
  ${escapeHtml(DEMO.otherUsername)} / ${escapeHtml(DEMO.otherPassword)}.</small></p>
</main></body></html>`,
    );
  }

  // ------------------------------------------------------------ /oauth/token

  private clientFrom(request: Request, p: Json): OAuthApp | null {
    let id = str(p.client_id);
    let secret = str(p.client_secret);
    const auth = request.headers.get('authorization') ?? '';
    if (/^basic /i.test(auth)) {
      const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) {
        id = decodeURIComponent(decoded.slice(0, i));
        secret = decodeURIComponent(decoded.slice(i + 1));
      }
    }
    const app = this.apps.get(id ?? '');
    return app && safeEqual(app.secret, secret ?? '') ? app : null;
  }

  async token(request: Request, url: URL): Promise<Response> {
    let p: Json;
    try {
      p = { ...Object.fromEntries(url.searchParams), ...(await readBody(request)) };
    } catch {
      return oauthError(400, 'invalid_request', MSG.invalidRequest);
    }
    const grantType = str(p.grant_type);
    if (!grantType) return oauthError(400, 'invalid_request', `${MSG.invalidRequest} Missing required parameter: grant_type.`);
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      return oauthError(400, 'unsupported_grant_type', MSG.unsupportedGrant);
    }
    const app = this.clientFrom(request, p);
    if (!app) return oauthError(401, 'invalid_client', MSG.invalidClient);
    return grantType === 'authorization_code' ? this.exchangeCode(app, p) : this.refresh(app, p);
  }

  private exchangeCode(app: OAuthApp, p: Json): Response {
    const code = str(p.code);
    if (!code) return oauthError(400, 'invalid_request', `${MSG.invalidRequest} Missing required parameter: code.`);
    const grant = this.grants.get(code);
    if (!grant || grant.appUid !== app.uid || grant.expiresAt <= this.now() || grant.redirectUri !== str(p.redirect_uri)) {
      return oauthError(400, 'invalid_grant', MSG.invalidGrant);
    }
    if (grant.challenge) {
      const verifier = str(p.code_verifier);
      if (!verifier) return oauthError(400, 'invalid_request', `${MSG.invalidRequest} Missing required parameter: code_verifier.`);
      const computed = grant.challengeMethod === 'S256' ? base64url(createHash('sha256').update(verifier).digest()) : verifier;
      if (!safeEqual(computed, grant.challenge)) return oauthError(400, 'invalid_grant', MSG.invalidGrant);
    }
    this.grants.delete(code); // single use
    return json(200, this.issue(app.uid, grant.userId), { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  private refresh(app: OAuthApp, p: Json): Response {
    const refresh = str(p.refresh_token);
    if (!refresh) return oauthError(400, 'invalid_request', `${MSG.invalidRequest} Missing required parameter: refresh_token.`);
    const row = this.byRefresh.get(refresh);
    if (!row || row.revoked || row.appUid !== app.uid) return oauthError(400, 'invalid_grant', MSG.invalidGrant);
    // rotation (ct-api.md §10): the old row, access and refresh token alike, is revoked at once
    row.revoked = true;
    return json(200, this.issue(app.uid, row.userId), { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  // ------------------------------------------------------------ /oauth/revoke

  /** RFC 7009: always 200 `{}`, whether or not the token existed. */
  async revoke(request: Request, url: URL): Promise<Response> {
    let p: Json = {};
    try {
      p = await readBody(request);
    } catch {
      /* RFC 7009: still 200 */
    }
    const token = str(p.token) ?? url.searchParams.get('token') ?? '';
    const row = this.byAccess.get(token) ?? this.byRefresh.get(token);
    if (row) row.revoked = true;
    return json(200, {});
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A facade's default callback on a loopback address, any port: http://localhost:<port>/auth/callback
 * and the same on 127.0.0.1 or [::1]. Not CT's rule (CT matches registered URIs exactly); the
 * standalone simulator's demo app takes these so that any local facade can sign in against it
 * without registering its port first, as RFC 8252 (section 7.3) asks of loopback redirects.
 */
export function isLoopbackCallback(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return (
    url.protocol === 'http:' &&
    LOOPBACK_HOSTS.has(url.hostname) &&
    url.pathname === '/auth/callback' &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === '' &&
    // The exact text, so `http://localhost:4000/auth/callback/../callback` and friends stay refused.
    uri === `http://${url.host}/auth/callback`
  );
}
