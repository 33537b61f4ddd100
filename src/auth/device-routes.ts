// The HTTP side of device sign-in (RFC 8628, names in DESIGN.md Part 2): POST /auth/device starts
// one, GET/POST /device is the person's page (CSRF-protected: same-origin check plus a
// double-submit value in a Strict cookie), POST /auth/token is the device's poll, and `finish`
// ends the CT sign-in that /auth/callback hands over. No code, token or grant is ever logged.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { CtTokens } from '../ct/tokens.js';
import type { ApiTokenScope } from '../store/types.js';
import { DEVICE_CSRF_COOKIE, deviceCsrfCookie, readCookie } from './cookies.js';
import { deviceEndPage, deviceFormPage } from './device-page.js';
import { DEFAULT_TOKEN_NAME, type DeviceGrants, type UserCodeProblem } from './device-grants.js';
import type { SignInStarter } from './sign-in.js';

export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
const MAX_FORM_BYTES = 16_384;
const MAX_NAME_LENGTH = 100;
/** An API token may be asked to expire after at most ten years. */
const MAX_TOKEN_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

/** How CT's sign-in ended, as /auth/callback saw it. */
export type DeviceSignInOutcome = { kind: 'tokens'; tokens: CtTokens } | { kind: 'denied' } | { kind: 'failed' };

export interface DeviceRoutes {
  /** POST /auth/device, POST /auth/token, GET and POST /device; null for any other path. */
  handle(request: Request): Promise<Response | null>;
  /** Ends a device sign-in for /auth/callback, with the page the person sees. */
  finish(deviceCodeHash: string, outcome: DeviceSignInOutcome): Promise<Response>;
}

export interface DeviceRoutesDeps {
  publicUrl: string;
  /** Origins a /device form may be posted from (ours). */
  trustedOrigins: ReadonlySet<string>;
  /** CT's OAuth origin: the /device form's post is followed by a redirect there. */
  ctOrigin: string;
  grants: DeviceGrants;
  signIn: SignInStarter;
  /** Which CT account the tokens belong to (GET /me.json). */
  whoIs: (tokens: CtTokens) => Promise<string>;
  logger: Logger;
}

function oauthJson(status: number, body: Record<string, unknown>): Response {
  // RFC 6749 §5.1: token responses are never cached.
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', pragma: 'no-cache' },
  });
}

const DESCRIPTIONS: Record<string, string> = {
  authorization_pending: 'The person has not finished signing in yet; poll again after `interval` seconds.',
  slow_down: 'Polled too often: the interval is now 5 seconds longer.',
  access_denied: 'The sign-in was denied (or could not complete) at CT.',
  expired_token: 'The device code has expired; start again with POST /auth/device.',
  invalid_grant: 'Unknown device code, or its token was already issued.',
};

/** Form-urlencoded (RFC 8628) or JSON; null when the body is neither, or too large. */
async function readParams(request: Request): Promise<Record<string, string> | null> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_FORM_BYTES) return null;
  const text = await request.text();
  if (text.length > MAX_FORM_BYTES) return null;
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
      return out;
    } catch {
      return null;
    }
  }
  if (type === 'application/x-www-form-urlencoded' || type === '') return Object.fromEntries(new URLSearchParams(text));
  return null;
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const PROBLEMS: Record<UserCodeProblem, string> = {
  invalid: 'That code is not valid. Check the code shown on your device and type it again.',
  expired: 'That code has expired. Start the sign-in again on your device to get a new code.',
  used: 'That code has already been used. Start the sign-in again on your device to get a new code.',
};

export function createDeviceRoutes(d: DeviceRoutesDeps): DeviceRoutes {
  const publicUrl = d.publicUrl.replace(/\/+$/, '');
  const secure = publicUrl.startsWith('https:');
  const { grants, logger, ctOrigin } = d;

  /** A /device form with a fresh CSRF value (in the page and in the cookie). */
  function form(o: Omit<Parameters<typeof deviceFormPage>[0], 'ctOrigin' | 'csrf' | 'csrfCookie'>): Response {
    const csrf = randomBytes(24).toString('base64url');
    return deviceFormPage({ ...o, ctOrigin, csrf, csrfCookie: deviceCsrfCookie(csrf, secure) });
  }

  async function start(request: Request): Promise<Response> {
    const params = await readParams(request);
    if (params === null) return oauthJson(400, { error: 'invalid_request', error_description: 'Send a form-urlencoded or JSON body.' });
    const scope = params.scope ?? 'write';
    if (scope !== 'read' && scope !== 'write')
      return oauthJson(400, { error: 'invalid_scope', error_description: 'scope is `read` or `write`.' });
    const name = (params.name ?? '').trim();
    if (name.length > MAX_NAME_LENGTH)
      return oauthJson(400, { error: 'invalid_request', error_description: `name is at most ${MAX_NAME_LENGTH} characters.` });
    let tokenLifetimeMs: number | null = null;
    if (params.token_expires_in !== undefined) {
      const seconds = Number(params.token_expires_in);
      if (!Number.isInteger(seconds) || seconds < 60 || seconds > MAX_TOKEN_LIFETIME_SECONDS) {
        return oauthJson(400, {
          error: 'invalid_request',
          error_description: `token_expires_in is a whole number of seconds, 60 to ${MAX_TOKEN_LIFETIME_SECONDS}.`,
        });
      }
      tokenLifetimeMs = seconds * 1000;
    }
    const started = await grants.start({ name: name === '' ? null : name, scope: scope as ApiTokenScope, tokenLifetimeMs });
    logger.info({ event: 'device_start', scope }, 'device sign-in started');
    return oauthJson(200, {
      device_code: started.deviceCode,
      user_code: started.userCode,
      verification_uri: `${publicUrl}/device`,
      verification_uri_complete: `${publicUrl}/device?user_code=${encodeURIComponent(started.userCode)}`,
      expires_in: started.expiresIn,
      interval: started.interval,
    });
  }

  async function poll(request: Request): Promise<Response> {
    const params = await readParams(request);
    if (params === null) return oauthJson(400, { error: 'invalid_request', error_description: 'Send a form-urlencoded body.' });
    if (params.grant_type !== DEVICE_CODE_GRANT_TYPE) {
      return oauthJson(400, { error: 'unsupported_grant_type', error_description: `grant_type must be ${DEVICE_CODE_GRANT_TYPE}.` });
    }
    if (!params.device_code) return oauthJson(400, { error: 'invalid_request', error_description: 'device_code is missing.' });
    const result = await grants.poll(params.device_code);
    if ('error' in result) {
      logger.info({ event: 'device_poll', result: result.error }, 'device poll');
      return oauthJson(400, { error: result.error, error_description: DESCRIPTIONS[result.error] });
    }
    logger.info({ event: 'device_token', scope: result.token.scope }, 'device sign-in issued an API token');
    return oauthJson(200, {
      access_token: result.token.accessToken,
      token_type: 'Bearer',
      scope: result.token.scope,
      ...(result.token.expiresIn === null ? {} : { expires_in: result.token.expiresIn }),
    });
  }

  async function page(url: URL): Promise<Response> {
    const typed = url.searchParams.get('user_code');
    if (typed === null || typed.trim() === '') return form({});
    const found = await grants.lookup(typed);
    if ('problem' in found)
      return found.problem === 'invalid'
        ? form({ status: 400, problem: PROBLEMS.invalid, typed })
        : deviceEndPage({ kind: found.problem }, ctOrigin);
    return form({ confirm: { userCode: found.userCode, name: found.row.name ?? DEFAULT_TOKEN_NAME, scope: found.row.scope } });
  }

  async function confirm(request: Request): Promise<Response> {
    // Forms post with an Origin; one that is not ours is another site's page.
    const origin = request.headers.get('origin');
    const params = await readParams(request);
    const cookie = readCookie(request, DEVICE_CSRF_COOKIE);
    const csrfOk = params !== null && cookie !== null && typeof params.csrf === 'string' && sameString(params.csrf, cookie);
    if ((origin !== null && !d.trustedOrigins.has(origin)) || !csrfOk) {
      logger.warn(
        { event: 'device_confirm_refused', reason: origin !== null && !d.trustedOrigins.has(origin) ? 'cross_origin' : 'csrf' },
        'device form refused',
      );
      return form({ status: 403, problem: 'This form expired or did not come from this page. Enter the code again.' });
    }
    const typed = params.user_code ?? '';
    const confirmed = await grants.confirm(typed);
    if ('problem' in confirmed) {
      return confirmed.problem === 'invalid'
        ? form({ status: 400, problem: PROBLEMS.invalid, typed })
        : deviceEndPage({ kind: confirmed.problem }, ctOrigin);
    }
    logger.info({ event: 'device_confirm' }, 'device code confirmed; signing in at CT');
    return d.signIn.begin({ redirect: '/device', device: confirmed.deviceCodeHash });
  }

  return {
    async handle(request) {
      const url = new URL(request.url);
      switch (url.pathname) {
        case '/auth/device':
          return request.method === 'POST' ? start(request) : methodNotAllowed('POST');
        case '/auth/token':
          return request.method === 'POST' ? poll(request) : methodNotAllowed('POST');
        case '/device':
          if (request.method === 'GET' || request.method === 'HEAD') return page(url);
          return request.method === 'POST' ? confirm(request) : methodNotAllowed('GET, POST');
        default:
          return null;
      }
    },

    async finish(deviceCodeHash, outcome) {
      if (outcome.kind !== 'tokens') {
        await grants.deny(deviceCodeHash);
        logger.info({ event: 'device_denied', reason: outcome.kind }, 'device sign-in did not complete at CT');
        return deviceEndPage({ kind: outcome.kind }, ctOrigin);
      }
      const result = await grants.approve(deviceCodeHash, outcome.tokens, d.whoIs);
      if ('problem' in result) {
        logger.info({ event: 'device_approve_failed', reason: result.problem }, 'device sign-in could not be approved');
        return deviceEndPage({ kind: result.problem }, ctOrigin);
      }
      logger.info({ event: 'device_approved', scope: result.approved.scope }, 'device sign-in approved');
      return deviceEndPage({ kind: 'signed-in', ...result.approved }, ctOrigin);
    },
  };
}

function methodNotAllowed(allow: string): Response {
  return new Response(JSON.stringify({ error: 'method_not_allowed' }), {
    status: 405,
    headers: { 'content-type': 'application/json; charset=utf-8', allow },
  });
}
