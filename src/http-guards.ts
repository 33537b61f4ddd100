/**
 * Browser safety for a cookie-authenticated API: CSRF refusal of "simple" cross-site requests,
 * the CORS allow-list, and security headers. Pure functions over Fetch Request/Response.
 */

import { shouldRenderGraphiQL } from 'graphql-yoga';
import { sessionTokenOf } from './auth/session.js';
import { PLAYGROUND_CSP } from './playground/csp.js';

/** Clients using the session cookie must send one of these on requests a form could forge. */
export const CSRF_HEADERS = ['x-csrf-protection', 'x-graphql-yoga-csrf', 'apollo-require-preflight'];
const PREFLIGHTED_CONTENT_TYPES = ['application/json', 'application/graphql-response+json', 'application/graphql+json'];

function usesSessionCookie(request: Request): boolean {
  return sessionTokenOf(request)?.from === 'cookie';
}

/**
 * A request that a cross-site page could send without a CORS preflight (a GET, or a POST with a
 * form or text body) and that carries the session cookie is refused unless it has a CSRF header;
 * so is any cookie request whose Origin is neither ours nor allow-listed.
 */
export function csrfViolation(request: Request, allowedOrigins: Set<string>): string | null {
  if (!usesSessionCookie(request)) return null;
  const origin = request.headers.get('origin');
  if (origin && !allowedOrigins.has(origin)) return 'cross-origin request with the session cookie';
  if (CSRF_HEADERS.some((h) => request.headers.has(h))) return null;
  if (request.method === 'GET' || request.method === 'HEAD') {
    // A browser navigation (GET, Accept: text/html) gets the playground page from yoga, which never
    // executes it; GraphiQL keeps the edited query in the address bar, so a reload carries ?query=.
    if (shouldRenderGraphiQL(request)) return null;
    const url = new URL(request.url);
    return url.searchParams.has('query') ? 'GET query with the session cookie and no CSRF header' : null;
  }
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return PREFLIGHTED_CONTENT_TYPES.includes(type) ? null : 'simple POST with the session cookie and no CSRF header';
}

/**
 * Signing out changes state even without a session cookie (it clears it), so it needs the CSRF
 * header or one of our origins, unless it carries a bearer session token: a page on another site
 * cannot attach an Authorization header without a CORS preflight, so that header is proof enough.
 */
export function logoutCsrfViolation(request: Request, allowedOrigins: Set<string>): string | null {
  const origin = request.headers.get('origin');
  if (origin && !allowedOrigins.has(origin)) return 'cross-origin sign-out';
  if (origin || sessionTokenOf(request)?.from === 'bearer' || CSRF_HEADERS.some((h) => request.headers.has(h))) return null;
  return 'sign-out without an Origin or a CSRF header';
}

/** Response headers a page on an allowed origin may read: the new session, the request id, and Idempotency-Key's answers. */
const EXPOSED_HEADERS = 'x-session-token, x-request-id, idempotent-replayed, retry-after';

export function corsPreflight(request: Request, corsOrigins: Set<string>): Response {
  const origin = request.headers.get('origin');
  if (!origin || !corsOrigins.has(origin)) return new Response(null, { status: 403 });
  return new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': ['content-type', 'authorization', 'idempotency-key', ...CSRF_HEADERS].join(', '),
      'access-control-expose-headers': EXPOSED_HEADERS,
      'access-control-max-age': '600',
      vary: 'Origin',
    },
  });
}

/** Adds CORS headers for allow-listed origins and security headers for everyone. */
export function decorateHeaders(headers: Headers, request: Request, corsOrigins: Set<string>): void {
  const origin = request.headers.get('origin');
  if (origin && corsOrigins.has(origin)) {
    headers.set('access-control-allow-origin', origin);
    headers.set('access-control-allow-credentials', 'true');
    headers.set('access-control-expose-headers', EXPOSED_HEADERS);
    headers.append('vary', 'Origin');
  }
  headers.set('x-content-type-options', 'nosniff');
  headers.set('referrer-policy', 'no-referrer');
  if ((headers.get('content-type') ?? '').startsWith('text/html')) {
    // The playground's scripts, styles and workers are all served by us (see playground/assets.ts).
    // A page that brought a stricter policy of its own (the /device pages) keeps it.
    if (!headers.has('content-security-policy')) headers.set('content-security-policy', PLAYGROUND_CSP);
    headers.set('x-frame-options', 'DENY');
  }
}
