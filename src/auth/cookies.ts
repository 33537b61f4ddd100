// Cookie parsing and the exact Set-Cookie strings the facade emits: the `ct_session` cookie and the
// short-lived `ct_oauth` cookie that carries one sign-in attempt's state across the CT round trip.
// Attributes live here only, so every route sets and clears cookies with identical Path/flags.

export const SESSION_COOKIE = 'ct_session';
export const OAUTH_STATE_COOKIE = 'ct_oauth';
/** The state cookie only has to survive one trip through CT's consent page. */
export const OAUTH_STATE_MAX_AGE_SECONDS = 600;
const OAUTH_STATE_PATH = '/auth';
/** The /device page's CSRF cookie (double submit: its value is also in the page's form). */
export const DEVICE_CSRF_COOKIE = 'ct_device_csrf';
const DEVICE_PATH = '/device';

/**
 * Parses a Cookie request header. The first occurrence of a name wins (browsers send the most
 * specific path first); malformed pairs are skipped rather than failing the whole header.
 */
export function parseCookies(header: string | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (!name || out.has(name)) continue;
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    out.set(name, safeDecode(value));
  }
  return out;
}

export function readCookie(request: Request, name: string): string | null {
  const value = parseCookies(request.headers.get('cookie')).get(name);
  return value ? value : null;
}

function safeDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function serialize(
  name: string,
  value: string,
  attrs: { path: string; maxAgeSeconds: number; secure: boolean; sameSite?: 'Lax' | 'Strict' },
): string {
  const parts = [
    `${name}=${value}`,
    `Path=${attrs.path}`,
    'HttpOnly',
    // Lax by default, not Strict: the OAuth callback is a top-level navigation coming back from
    // CT, and it must carry the state cookie; Lax still keeps the cookies off cross-site POSTs.
    `SameSite=${attrs.sameSite ?? 'Lax'}`,
    `Max-Age=${Math.max(0, Math.floor(attrs.maxAgeSeconds))}`,
  ];
  if (attrs.secure) parts.push('Secure');
  return parts.join('; ');
}

/** Session tokens are compact JWEs (base64url and dots), so they need no cookie encoding. */
export function sessionCookie(token: string, o: { maxAgeSeconds: number; secure: boolean }): string {
  return serialize(SESSION_COOKIE, token, { path: '/', maxAgeSeconds: o.maxAgeSeconds, secure: o.secure });
}

export function clearSessionCookie(secure: boolean): string {
  return serialize(SESSION_COOKIE, '', { path: '/', maxAgeSeconds: 0, secure });
}

/** Scoped to /auth: the state is only ever read by /auth/callback, so no other request carries it. */
export function oauthStateCookie(value: string, secure: boolean): string {
  return serialize(OAUTH_STATE_COOKIE, value, { path: OAUTH_STATE_PATH, maxAgeSeconds: OAUTH_STATE_MAX_AGE_SECONDS, secure });
}

export function clearOAuthStateCookie(secure: boolean): string {
  return serialize(OAUTH_STATE_COOKIE, '', { path: OAUTH_STATE_PATH, maxAgeSeconds: 0, secure });
}

/**
 * Strict: only ever needed by the /device form posting to itself, so no cross-site request (not
 * even a top-level navigation from another site) carries it.
 */
export function deviceCsrfCookie(value: string, secure: boolean): string {
  return serialize(DEVICE_CSRF_COOKIE, value, {
    path: DEVICE_PATH,
    maxAgeSeconds: OAUTH_STATE_MAX_AGE_SECONDS,
    secure,
    sameSite: 'Strict',
  });
}
