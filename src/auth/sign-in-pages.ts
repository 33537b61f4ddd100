// The pages a person sees when a browser sign-in (/auth/login, /auth/callback) does not end in the
// playground or their frontend: what happened, in words, and a "Try again" link. JSON clients
// (Accept: application/json) keep getting `{ "error": code }`; routes.ts picks one or the other.
// The pages are framed by device-page.ts's page(), so they share its style and strict CSP.
import { escapeHtml } from '../html.js';
import { p, page } from './device-page.js';

/** Every way a browser sign-in can fail that a person can reach; the JSON `error` codes of routes.ts. */
export type SignInProblem =
  | 'access_denied'
  | 'authorization_failed'
  | 'exchange_failed'
  | 'invalid_redirect'
  | 'invalid_request'
  | 'invalid_state'
  | 'upstream_error'
  | 'upstream_unavailable';

interface Wording {
  title: string;
  /** What happened and what to do, one paragraph each. */
  text: string[];
}

const NOTHING_CHANGED = 'You are not signed in; nothing was changed.';

const WORDING: Record<SignInProblem, Wording> = {
  access_denied: {
    title: 'Sign-in cancelled',
    text: ['Access was denied on CT’s consent page, so ct-graphql did not get access to your CT account.', NOTHING_CHANGED],
  },
  invalid_state: {
    title: 'This sign-in has expired',
    text: [
      'The answer from CT could not be matched to a sign-in started in this browser. That happens when the sign-in was started ' +
        'more than ten minutes ago, in another browser, or under another address than this one, or when this page was opened twice ' +
        '(with the Back button, for example).',
      NOTHING_CHANGED,
    ],
  },
  authorization_failed: {
    title: 'CT could not complete the sign-in',
    text: ['CT answered with an error instead of a sign-in.', NOTHING_CHANGED],
  },
  invalid_request: {
    title: 'The sign-in answer was incomplete',
    text: ['CT sent you back without a sign-in code.', NOTHING_CHANGED],
  },
  exchange_failed: {
    title: 'CT refused the sign-in',
    text: ['CT did not accept the sign-in code: it had expired or was already used.', NOTHING_CHANGED],
  },
  upstream_unavailable: {
    title: 'CT is not reachable',
    text: ['ct-graphql could not reach CT to finish the sign-in. CT may be down or slow; try again in a minute.', NOTHING_CHANGED],
  },
  upstream_error: {
    title: 'CT answered with an error',
    text: ['CT failed while finishing the sign-in. Try again in a minute.', NOTHING_CHANGED],
  },
  invalid_redirect: {
    title: 'This sign-in link is not allowed',
    text: [
      'The link asks to send you on to an address that is neither a page of ct-graphql nor a frontend it is configured to trust ' +
        '(CORS_ORIGINS), so the sign-in did not start.',
      'You can still sign in and go to the playground.',
    ],
  },
};

/**
 * The HTML page for a failed sign-in: same status as the JSON answer, a "Try again" link to
 * `retryHref` (a path of ours that starts the sign-in again), and the error code for support.
 */
export function signInProblemPage(problem: SignInProblem, o: { status: number; retryHref: string; setCookie?: string }): Response {
  const { title, text } = WORDING[problem];
  const body = [
    ...text.map((line) => p(line)),
    `<p><a class="button" href="${escapeHtml(o.retryHref)}">Try again</a></p>`,
    p(`Error code: ${problem}`, 'note'),
  ].join('\n');
  return page({ status: o.status, title, body, ...(o.setCookie ? { setCookie: o.setCookie } : {}) });
}
