/**
 * One origin for people: a browser's navigation to a page route (`/`, the playground at /graphql,
 * /auth/login, /device) that reached the facade under a host other than PUBLIC_URL's is sent to
 * the same path on PUBLIC_URL first. The sign-in's state cookie, CT's callback (always
 * PUBLIC_URL/auth/callback) and the session cookie then share one origin; otherwise a person who
 * opened http://127.0.0.1:4000 while PUBLIC_URL says localhost ends on `invalid_state`.
 * API calls (POST, Accept: application/json, assets) are never redirected.
 */
import type { Logger } from './logger.js';

/** The routes a person opens in a browser's address bar. */
export const PAGE_ROUTES: ReadonlySet<string> = new Set(['/', '/graphql', '/auth/login', '/device']);

/**
 * Set on each redirect, for a few seconds, on the host being left. If a request that would be
 * redirected already carries it, the browser is on the origin it was just sent to: a reverse
 * proxy rewrites the Host header, and redirecting again would loop. Then the page is served.
 */
export const CANONICAL_MARK_COOKIE = 'ct_canonical';
const MARK_MAX_AGE_SECONDS = 10;

function acceptsHtml(request: Request): boolean {
  return (request.headers.get('accept') ?? '').toLowerCase().includes('text/html');
}

/**
 * The host the browser used: X-Forwarded-Host (first entry) when a proxy set one, else the
 * request's own. Trusting the header is safe here: it only decides whether to redirect, never where.
 */
function requestHost(request: Request): string {
  const forwarded = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  return (forwarded || new URL(request.url).host).toLowerCase();
}

function hasMark(request: Request): boolean {
  return (request.headers.get('cookie') ?? '').split(';').some((part) => part.trim().startsWith(`${CANONICAL_MARK_COOKIE}=`));
}

/**
 * `redirect(request, path)`: the 302 to PUBLIC_URL for a page navigation on another host, or null.
 * Only the host is compared: behind a TLS-terminating proxy the scheme differs by design.
 */
export function createCanonicalRedirect(publicUrl: string, logger?: Logger): (request: Request, path: string) => Response | null {
  const base = publicUrl.replace(/\/+$/, '');
  const publicHost = new URL(base).host.toLowerCase();
  const secure = base.startsWith('https:') ? '; Secure' : '';
  let warned = false;
  return (request, path) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return null;
    if (!PAGE_ROUTES.has(path) || !acceptsHtml(request)) return null;
    const host = requestHost(request);
    if (host === publicHost) return null;
    if (hasMark(request)) {
      if (!warned) {
        warned = true;
        logger?.warn(
          { event: 'canonical_redirect_loop', publicHost },
          'PUBLIC_URL does not match the Host header the proxy sends: pass Host (or X-Forwarded-Host) through, or fix PUBLIC_URL',
        );
      }
      return null;
    }
    const url = new URL(request.url);
    return new Response(null, {
      status: 302,
      headers: {
        location: `${base}${path}${url.search}`,
        'cache-control': 'no-store',
        'set-cookie': `${CANONICAL_MARK_COOKIE}=1; Path=/; HttpOnly; SameSite=Lax; Max-Age=${MARK_MAX_AGE_SECONDS}${secure}`,
      },
    });
  };
}
