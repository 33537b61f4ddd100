// The /auth/* HTTP routes: sign-in through CT's OAuth authorization-code flow (state + PKCE in a sealed,
// short-lived cookie, sign-in.ts), the callback that turns a code into a session token (or, for a
// device sign-in, hands the CT tokens to device-routes.ts), and logout with revocation (of the
// session's CT tokens, or of the API token presented). A failed sign-in answers a browser with a
// page that says what happened (sign-in-pages.ts) and JSON clients with `{ error }`. Plain Fetch
// handlers so the app can mount them ahead of GraphQL; no token, code or state is ever logged.
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { exchangeCode, revokeToken } from '../ct/oauth.js';
import type { OAuthSettings } from '../ct/oauth.js';
import type { Refresher } from '../ct/refresher.js';
import type { CtTokens } from '../ct/tokens.js';
import { isApiTokenCredential } from './api-token-secret.js';
import type { ApiTokens } from './api-tokens.js';
import { OAUTH_STATE_COOKIE, clearOAuthStateCookie, clearSessionCookie, readCookie, sessionCookie } from './cookies.js';
import type { DeviceRoutes } from './device-routes.js';
import { safeRedirect } from './redirect.js';
import { sessionTokenOf } from './session.js';
import type { SessionSealer } from './session.js';
import { createSignInStarter } from './sign-in.js';
import { signInProblemPage, type SignInProblem } from './sign-in-pages.js';

/** The Config fields these routes read; the app's full Config satisfies it. */
export interface AuthRoutesConfig {
  publicUrl: string;
  sessionMaxAgeSeconds: number;
  /** Frontends (CORS_ORIGINS) that `redirect` may name by absolute URL, exact origin only. */
  corsOrigins?: readonly string[];
}

export interface AuthRoutesDeps {
  config: AuthRoutesConfig;
  oauth: OAuthSettings;
  sealer: SessionSealer;
  /** The app's refresher: sign-out must reach the pair a refresh moved this session on to. */
  refresher: Pick<Refresher, 'forget'>;
  logger: Logger;
  /** Clock in ms, for cookie Max-Age; defaults to Date.now. */
  now?: () => number;
  /** Finishes device sign-ins (their state names a device code); without it such a callback is refused. */
  device?: Pick<DeviceRoutes, 'finish'>;
  /** Sign-out with an API token revokes it; without this, such a sign-out revokes nothing. */
  apiTokens?: Pick<ApiTokens, 'revokeSecret'>;
  /** Which CT account new tokens belong to (GET /me.json); sealed into the session. Without it, the session does not say. */
  whoIs?: (tokens: CtTokens) => Promise<string>;
}

const DEFAULT_REDIRECT = '/graphql';
// CT failures that mean "no usable answer" (502), as opposed to CT refusing the code (400).
const UPSTREAM_DOWN_CODES = new Set(['ERR_CT_UNAVAILABLE', 'ERR_CT_TIMEOUT', 'ERR_CT_RATE_LIMITED']);

export function createAuthRoutes(d: AuthRoutesDeps): (request: Request) => Promise<Response | null> {
  const { config, oauth, sealer, refresher, logger } = d;
  const now = d.now ?? Date.now;
  const publicUrl = config.publicUrl.replace(/\/+$/, '');
  const signIn = createSignInStarter({ publicUrl, oauth, sealer, logger });
  const redirectUri = signIn.redirectUri;
  const secure = publicUrl.startsWith('https:');
  const frontendOrigins: ReadonlySet<string> = new Set(config.corsOrigins ?? []);

  function pickRedirect(url: URL): string | null {
    const raw = url.searchParams.get('redirect');
    if (raw === null || raw === '') return DEFAULT_REDIRECT;
    return safeRedirect(raw, frontendOrigins);
  }

  /** A refused sign-in: a page for a person's browser, `{ error }` for everyone else. */
  function problem(request: Request, status: number, error: SignInProblem, o: { redirect?: string; setCookie?: string } = {}): Response {
    if (!wantsHtml(request)) return json(status, { error }, o.setCookie ? [o.setCookie] : []);
    const retryHref = loginPath(o.redirect ?? DEFAULT_REDIRECT);
    return signInProblemPage(error, { status, retryHref, ...(o.setCookie ? { setCookie: o.setCookie } : {}) });
  }

  async function login(request: Request, url: URL): Promise<Response> {
    const redirect = pickRedirect(url);
    if (redirect === null) {
      logger.info({ event: 'login_refused', reason: 'invalid_redirect' }, 'login refused: unsafe redirect');
      return problem(request, 400, 'invalid_redirect');
    }
    return signIn.begin({ redirect });
  }

  /** A device sign-in's callback: its page, with the state cookie cleared. */
  async function finishDevice(device: string, outcome: Parameters<DeviceRoutes['finish']>[1]): Promise<Response> {
    if (!d.device) return json(400, { error: 'invalid_state' }, [clearOAuthStateCookie(secure)]);
    const response = await d.device.finish(device, outcome);
    response.headers.append('set-cookie', clearOAuthStateCookie(secure));
    return response;
  }

  async function callback(request: Request, url: URL): Promise<Response> {
    // Every outcome clears the state cookie: one attempt, one use.
    const clearState = clearOAuthStateCookie(secure);
    let retryTo: string | undefined;
    const fail = (status: number, error: SignInProblem, reason: string = error): Response => {
      logger.warn({ event: 'login_failed', reason }, 'sign-in failed');
      return problem(request, status, error, { setCookie: clearState, ...(retryTo === undefined ? {} : { redirect: retryTo }) });
    };

    const saved = await sealer.openOAuthState(readCookie(request, OAUTH_STATE_COOKIE));
    const state = url.searchParams.get('state');
    if (!saved || !state || !sameString(state, saved.state)) return fail(400, 'invalid_state');
    // From here the attempt is known: "Try again" returns to where it was going.
    retryTo = saved.redirect;

    const device = saved.device;
    const ctError = url.searchParams.get('error');
    if (ctError !== null) {
      if (device !== undefined) return finishDevice(device, { kind: ctError === 'access_denied' ? 'denied' : 'failed' });
      // CT's own error codes are a fixed OAuth vocabulary; anything but a denial is reported generically.
      return ctError === 'access_denied' ? fail(400, 'access_denied') : fail(400, 'authorization_failed');
    }
    const code = url.searchParams.get('code');
    if (!code) return device !== undefined ? finishDevice(device, { kind: 'failed' }) : fail(400, 'invalid_request', 'missing_code');

    let tokens: CtTokens;
    try {
      tokens = await exchangeCode(oauth, { code, redirectUri, codeVerifier: saved.codeVerifier });
    } catch (err) {
      const errCode = errorCode(err);
      if (device !== undefined) {
        logger.warn({ event: 'login_failed', reason: errCode ?? 'exchange_error', kind: 'device' }, 'sign-in failed');
        return finishDevice(device, { kind: 'failed' });
      }
      if (errCode !== undefined && UPSTREAM_DOWN_CODES.has(errCode)) return fail(502, 'upstream_unavailable', errCode);
      if (errCode === 'ERR_CT_SERVER') return fail(502, 'upstream_error', errCode);
      return fail(400, 'exchange_failed', errCode ?? 'exchange_error');
    }
    // A device sign-in makes an API token's grant, never a browser session.
    if (device !== undefined) return finishDevice(device, { kind: 'tokens', tokens });

    // Asked once here, so that no request of this session needs a CT call to know whose budget it
    // spends. A failure does not fail the sign-in: such a session asks when it is first used.
    let ctUserId: string | null = null;
    if (d.whoIs) {
      try {
        ctUserId = await d.whoIs(tokens);
      } catch (err) {
        logger.warn({ event: 'login_whois_failed', ctError: errorCode(err) ?? 'unknown' }, 'could not tell which CT account signed in');
      }
    }
    const { token, expiresAt } = await sealer.seal(tokens, { ctUserId });
    // Whole seconds on both sides, as in the token's own exp claim, so a fresh session's cookie lives exactly the max age.
    const maxAgeSeconds = Math.min(config.sessionMaxAgeSeconds, expiresAt.getTime() / 1000 - Math.floor(now() / 1000));
    const setCookies = [sessionCookie(token, { maxAgeSeconds, secure }), clearState];
    logger.info({ event: 'login' }, 'signed in');

    if (wantsJson(request)) {
      return json(200, { token, expiresAt: expiresAt.toISOString() }, setCookies);
    }
    const headers = noStore({ location: saved.redirect });
    for (const c of setCookies) headers.append('set-cookie', c);
    return new Response(null, { status: 302, headers });
  }

  async function logout(request: Request, url: URL): Promise<Response> {
    const rawRedirect = url.searchParams.get('redirect');
    const redirect = rawRedirect === null ? null : safeRedirect(rawRedirect, frontendOrigins);
    // Refuse before doing anything, so a refused request has no side effects.
    if (rawRedirect !== null && redirect === null) return problem(request, 400, 'invalid_redirect');

    const presented = sessionTokenOf(request);
    if (presented?.from === 'bearer' && isApiTokenCredential(presented.token)) {
      // An API token signs out by being revoked (with its CT grant): nothing else holds it.
      const revoked = d.apiTokens ? await d.apiTokens.revokeSecret(presented.token) : false;
      logger.info({ event: 'logout', kind: 'api_token', revoked }, 'signed out');
      return new Response(null, { status: 204, headers: noStore({}) });
    }
    const opened = await sealer.open(presented?.token ?? null);
    let revoked = false;
    let chained = false;
    if (opened.session) {
      const own = opened.session.tokens;
      // A refresh since this session was sealed rotated its pair: the live one is at the end of
      // the kept results, which are dropped so that no request can move this session on again.
      const newest = await refresher.forget(own.refreshToken);
      chained = newest !== null;
      revoked = true;
      for (const pair of newest === null ? [own] : [newest, own]) {
        if (!(await revokePair(pair))) revoked = false;
      }
    }
    logger.info({ event: 'logout', hadSession: opened.session !== null, chained, revoked }, 'signed out');
    const headers = noStore({ 'set-cookie': clearSessionCookie(secure) });
    if (redirect !== null) {
      headers.set('location', redirect);
      return new Response(null, { status: 302, headers });
    }
    return new Response(null, { status: 204, headers });
  }

  async function revokePair(pair: CtTokens): Promise<boolean> {
    let ok = true;
    // The refresh token first: it is the long-lived one that could mint new access tokens.
    for (const [kind, token] of [
      ['refresh', pair.refreshToken],
      ['access', pair.accessToken],
    ] as const) {
      try {
        await revokeToken(oauth, token);
      } catch (err) {
        ok = false;
        // A failed revoke must not keep the user signed in here; record only which token kind failed.
        // Field names avoid `token`/`code`: the app logger redacts those paths wholesale.
        logger.warn({ event: 'logout_revoke_failed', tokenKind: kind, ctError: errorCode(err) ?? 'unknown' }, 'CT token revocation failed');
      }
    }
    return ok;
  }

  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname !== '/auth' && !url.pathname.startsWith('/auth/')) return null;
    switch (url.pathname) {
      case '/auth/login':
        return request.method === 'GET' ? login(request, url) : methodNotAllowed('GET');
      case '/auth/callback':
        return request.method === 'GET' ? callback(request, url) : methodNotAllowed('GET');
      case '/auth/logout':
        // POST only: a GET logout could be triggered by any <img> on another site.
        return request.method === 'POST' ? logout(request, url) : methodNotAllowed('POST');
      default:
        return json(404, { error: 'not_found' });
    }
  };
}

/** Where "Try again" leads: a fresh sign-in going to the same place. */
function loginPath(redirect: string): string {
  return `/auth/login?redirect=${encodeURIComponent(redirect).replace(/%2F/gi, '/')}`;
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function wantsJson(request: Request): boolean {
  return (request.headers.get('accept') ?? '').toLowerCase().includes('application/json');
}

/** A browser's navigation (Accept: text/html) that did not ask for JSON: a person reads the answer. */
function wantsHtml(request: Request): boolean {
  return !wantsJson(request) && (request.headers.get('accept') ?? '').toLowerCase().includes('text/html');
}

/** Only the stable `code` of a CtError is read; messages and bodies stay out of logs and responses. */
function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code)) return code;
  }
  return undefined;
}

// Responses of these routes carry cookies or tokens: never cache them.
function noStore(init: Record<string, string>): Headers {
  const headers = new Headers(init);
  headers.set('cache-control', 'no-store');
  return headers;
}

function json(status: number, body: unknown, setCookies: string[] = []): Response {
  const headers = noStore({ 'content-type': 'application/json; charset=utf-8' });
  for (const c of setCookies) headers.append('set-cookie', c);
  return new Response(JSON.stringify(body), { status, headers });
}

function methodNotAllowed(allow: string): Response {
  const res = json(405, { error: 'method_not_allowed' });
  res.headers.set('allow', allow);
  return res;
}
