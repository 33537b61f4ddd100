// Validation of the `redirect` parameter of /auth/login and /auth/logout: same-origin paths, or an
// allowed frontend (CORS_ORIGINS) by exact origin (safeRedirect); anything else is refused,
// because an open redirect after sign-in is a ready-made phishing link carrying our domain.

const PROBE_ORIGIN = 'http://facade.invalid';
const MAX_REDIRECT_LENGTH = 2048;

/**
 * Returns the normalised path (pathname + search + hash) or null when `raw` could leave the origin.
 * Rejects `//host`, `/\host` (browsers read a backslash as a slash), schemes, control characters
 * (a tab or newline inside `/\t/evil.com` is stripped by URL parsers), and anything the URL parser
 * resolves to another origin. Non-ASCII is percent-encoded by the normalisation, so the result is
 * always safe to put in a Location header.
 */
export function safeRedirectPath(raw: string): string | null {
  if (raw.length === 0 || raw.length > MAX_REDIRECT_LENGTH) return null;
  if (!raw.startsWith('/')) return null;
  if (raw.startsWith('//')) return null;
  if (raw.includes('\\')) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f]/.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw, PROBE_ORIGIN);
  } catch {
    return null;
  }
  if (url.origin !== PROBE_ORIGIN) return null;
  const path = url.pathname + url.search + url.hash;
  // Dot segments can collapse `/..//evil.com` into `//evil.com`; check the result too.
  if (!path.startsWith('/') || path.startsWith('//')) return null;
  return path;
}

/**
 * The `redirect` of /auth/login and /auth/logout: a same-origin path (safeRedirectPath), or an
 * absolute http(s) URL whose origin is exactly one of `frontendOrigins`. Those are CORS_ORIGINS,
 * the frontends this facade already trusts with credentialed requests, so sending a person back
 * to one after sign-in opens no new door. Nothing looser than an exact origin match: no
 * subdomains, no other port, no credentials in the URL. Returns the normalised target, or null.
 */
export function safeRedirect(raw: string, frontendOrigins: ReadonlySet<string>): string | null {
  if (raw.startsWith('/')) return safeRedirectPath(raw);
  if (frontendOrigins.size === 0 || raw.length > MAX_REDIRECT_LENGTH || raw.includes('\\')) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\u0000-\u001f\u007f\s]/.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return frontendOrigins.has(url.origin) ? url.href : null;
}
