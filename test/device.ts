/**
 * Plays the person of a device sign-in (RFC 8628) against app.fetch and the simulator: opens the
 * verification link, confirms the code with the /device page's own form (its CSRF value and
 * cookie), goes through the simulator's consent page, and follows CT's redirect back to
 * /auth/callback. Returns the last page the person sees. The facade may be app.fetch or a real
 * socket (the CLI's login test passes global fetch): its origin is the verification URL's.
 */
import { submitConsent } from './consent.js';

/** What the person's browser reaches: the facade (in-process or over HTTP) and CT (the simulator). */
type Reachable = { fetch(request: Request): Promise<Response> };

/** The value of a named field in the page's form (hidden inputs included). */
export function formField(html: string, name: string): string | undefined {
  const tag = new RegExp(`<input\\b[^>]*\\bname="${name}"[^>]*>`, 'i').exec(html)?.[0];
  const value = tag ? /\bvalue="([^"]*)"/i.exec(tag)?.[1] : undefined;
  return value?.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

/** `name=value` of each Set-Cookie, joined for a Cookie header. */
export function cookiesOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

export interface PersonOptions {
  /** Which consent button the person presses at CT: allow (default) or deny. */
  decision?: 'allow' | 'deny';
  /** Type this code into the empty form instead of following verification_uri_complete. */
  typeCode?: string;
}

export async function signInDevice(app: Reachable, sim: Reachable, verification: string, o: PersonOptions = {}): Promise<Response> {
  const facade = new URL(verification).origin;
  const url = o.typeCode === undefined ? verification : `${facade}/device`;
  const page = await app.fetch(new Request(url, { headers: { accept: 'text/html' } }));
  if (page.status !== 200) throw new Error(`/device answered ${page.status}`);
  const html = await page.text();
  const body = new URLSearchParams({ csrf: formField(html, 'csrf') ?? '', user_code: o.typeCode ?? formField(html, 'user_code') ?? '' });
  const confirmed = await app.fetch(
    new Request(`${facade}/device`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(page), origin: facade },
      body,
      redirect: 'manual',
    }),
  );
  const authorize = confirmed.headers.get('location');
  if (confirmed.status !== 302 || !authorize) return confirmed;
  const back = await submitConsent((r) => sim.fetch(r), authorize, o.decision);
  return app.fetch(new Request(back, { headers: { cookie: cookiesOf(confirmed), accept: 'text/html' }, redirect: 'manual' }));
}
