// The HTML a person sees during a device sign-in: the /device form (enter or confirm the code) and
// the pages that end it (signed in, denied, expired, already used, failed). Every value is escaped
// (html.ts); the page runs no script, and its Content-Security-Policy allows only its own inline
// style (by nonce) and forms posting to us, or on to CT's sign-in (form-action also governs the
// redirect that follows a form post). Its page() and p() also frame the browser sign-in's outcome
// pages (sign-in-pages.ts), so every page of ours looks alike.
import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../html.js';
import type { ApiTokenScope } from '../store/types.js';

export function devicePageCsp(nonce: string, ctOrigin?: string): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    ctOrigin ? `form-action 'self' ${ctOrigin}` : "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}
h1{font-size:1.5rem}label{display:block;margin:1rem 0 .3rem;font-weight:600}
input[type=text]{font:inherit;font-size:1.4rem;letter-spacing:.15em;text-transform:uppercase;padding:.4rem;width:12ch}
button{font:inherit;padding:.5rem 1.2rem;margin-top:1rem}.code{font-family:ui-monospace,monospace;font-size:1.4rem;letter-spacing:.15em}
.error{color:#a00000}.note{color:#555;font-size:.9rem}
a.button{display:inline-block;padding:.5rem 1.2rem;margin-top:.5rem;border:1px solid;border-radius:4px}`;

export interface PageOptions {
  status: number;
  title: string;
  /** Trusted HTML: built here from escaped parts only. */
  body: string;
  /** Where a form on the page may lead besides us (CT's sign-in); pages without such a form leave it out. */
  ctOrigin?: string;
  setCookie?: string;
}

/** A small HTML page in the house style: the /device pages, and the sign-in outcome pages (sign-in-pages.ts). */
export function page(o: PageOptions): Response {
  const nonce = randomBytes(16).toString('base64');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ct-graphql: ${escapeHtml(o.title)}</title><style nonce="${nonce}">${STYLE}</style></head>
<body><main><h1>${escapeHtml(o.title)}</h1>
${o.body}
</main></body></html>`;
  const headers = new Headers({
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': devicePageCsp(nonce, o.ctOrigin),
  });
  if (o.setCookie) headers.append('set-cookie', o.setCookie);
  return new Response(html, { status: o.status, headers });
}

/** One escaped paragraph, optionally with a class (`error`, `note`). */
export const p = (text: string, cls?: string): string => `<p${cls ? ` class="${cls}"` : ''}>${escapeHtml(text)}</p>`;

function describeAccess(name: string, scope: ApiTokenScope): string {
  return `an API token named “${name}” with ${scope === 'read' ? 'read-only' : 'read and write'} access`;
}

export interface FormPage {
  ctOrigin: string;
  csrf: string;
  csrfCookie: string;
  status?: number;
  /** Shown above the form, as an error. */
  problem?: string;
  /** A code that checked out: the page asks the person to confirm it rather than type it. */
  confirm?: { userCode: string; name: string; scope: ApiTokenScope };
  /** What to put in the field when asking for a code. */
  typed?: string;
}

/** GET /device: enter a code, or confirm the one in the link. One form, POSTing user_code (and the CSRF value) to /device. */
export function deviceFormPage(o: FormPage): Response {
  const hidden = `<input type="hidden" name="csrf" value="${escapeHtml(o.csrf)}">`;
  const problem = o.problem ? p(o.problem, 'error') : '';
  const body = o.confirm
    ? `${problem}${p('Check that your device shows this code:')}
<p class="code">${escapeHtml(o.confirm.userCode)}</p>
${p(
  `It asks for ${describeAccess(o.confirm.name, o.confirm.scope)} to your CT account. Continue only if you started this sign-in ` +
    `yourself: whoever holds the device will act as you.`,
)}
<form method="post" action="/device">${hidden}<input type="hidden" name="user_code" value="${escapeHtml(o.confirm.userCode)}">
<button type="submit">Confirm and sign in with CT</button></form>`
    : `${problem}${p(
        'Enter the code shown on your device (for example by `ct-graphql login`). You will then sign in with your CT ' + 'account.',
      )}
<form method="post" action="/device">${hidden}
<label for="user_code">Code</label>
<input type="text" id="user_code" name="user_code" value="${escapeHtml(o.typed ?? '')}" placeholder="WDJB-MJHT" autocomplete="off" " +
  "autocapitalize="characters" spellcheck="false" maxlength="32" required autofocus>
<button type="submit">Continue</button></form>`;
  return page({
    status: o.status ?? 200,
    title: o.confirm ? 'Confirm the code' : 'Sign in a device',
    body,
    ctOrigin: o.ctOrigin,
    setCookie: o.csrfCookie,
  });
}

export type EndPage =
  | { kind: 'signed-in'; name: string; scope: ApiTokenScope }
  | { kind: 'denied' }
  | { kind: 'expired' }
  | { kind: 'used' }
  | { kind: 'failed' };

const START_AGAIN = 'Start the sign-in again on your device to get a new code.';

/** The page that ends a device sign-in, one way or another. */
export function deviceEndPage(end: EndPage, ctOrigin: string, setCookie?: string): Response {
  const common = { ctOrigin, ...(setCookie ? { setCookie } : {}) };
  switch (end.kind) {
    case 'signed-in':
      return page({
        ...common,
        status: 200,
        title: 'Signed in',
        body: [
          p(`Signed in: your device now receives ${describeAccess(end.name, end.scope)}.`),
          p('You can close this window.'),
          p('See or revoke your tokens with `viewer { apiTokens }` and `revokeApiToken` in the playground.', 'note'),
        ].join(''),
      });
    case 'denied':
      return page({
        ...common,
        status: 403,
        title: 'Sign-in denied',
        body: `${p('The sign-in was denied at CT, so no token was created. Your device will be told.')}${p('You can close this window.')}`,
      });
    case 'expired':
      return page({
        ...common,
        status: 400,
        title: 'Code expired',
        body: `${p('This code has expired (codes last ten minutes).')}${p(START_AGAIN)}`,
      });
    case 'used':
      return page({
        ...common,
        status: 400,
        title: 'Code already used',
        body: `${p('This code has already been used: each code signs in once.')}${p(START_AGAIN)}`,
      });
    case 'failed':
      return page({
        ...common,
        status: 502,
        title: 'Sign-in failed',
        body: `${p('CT could not complete the sign-in, so no token was created. Your device will be told.')}${p(START_AGAIN)}`,
      });
  }
}
