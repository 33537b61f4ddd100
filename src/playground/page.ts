/**
 * The playground (GraphiQL) page, served by yoga on a browser's GET /graphql through
 * renderPlayground. The page is a template only: every script, style sheet and worker it loads
 * is a same-origin file served by assets.ts, and its options travel in a JSON data block that
 * boot.js reads, so the CSP (csp.ts) allows no inline script.
 *
 * The GraphiQL sends `credentials: 'same-origin'` (the session cookie) and `x-csrf-protection: 1`
 * on every request (the facade refuses cookie requests without it). The bar above it shows who is
 * signed in (boot.js asks `viewer`) with "Sign out", or "Sign in with CT" alone, and turns an
 * UNAUTHENTICATED answer into a sign-in link (its `extensions.reauthenticate`).
 */
import type { GraphiQLOptions } from 'graphql-yoga';
import { escapeHtml } from '../html.js';
import { MONACO_WORKERS, PLAYGROUND_ASSETS_PATH, playgroundAssetVersion } from './assets.js';

export const LOGIN_PATH = '/auth/login';
export const LOGOUT_PATH = '/auth/logout';
/** What the bar asks to show who is signed in. */
export const VIEWER_QUERY = 'query PlaygroundViewer { viewer { username email } }';
/** The header (and value) the facade's CSRF guard accepts on cookie requests; see http-guards.ts. */
export const PLAYGROUND_CSRF_HEADER = { 'x-csrf-protection': '1' } as const;

export interface PlaygroundOptions {
  title: string;
  defaultQuery: string;
  /** The GraphQL endpoint path, e.g. /graphql; also where sign-in sends the user back. */
  endpoint: string;
  /** Where the assets are served, ending in "/"; PLAYGROUND_ASSETS_PATH in the facade. */
  assetsPath: string;
  /** Optional: put on the page's script and link tags (only needed if the CSP uses a nonce). */
  nonce?: string;
  /** Further yoga GraphiQL options passed to the bundle (credentials and the CSRF header are forced). */
  graphiql?: GraphiQLOptions;
}

/** JSON safe inside a <script type="application/json"> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The path to sign in and come back to `endpoint`, e.g. /auth/login?redirect=/graphql. */
export function loginHref(endpoint: string): string {
  return `${LOGIN_PATH}?redirect=${encodeURIComponent(endpoint).replace(/%2F/gi, '/')}`;
}

/** The GraphiQL page: every script, stylesheet and worker comes from `assetsPath`. */
export function playgroundHtml(options: PlaygroundOptions): string {
  const { title, defaultQuery, endpoint, assetsPath, nonce } = options;
  const version = playgroundAssetVersion();
  const asset = (name: string): string => `${assetsPath}${name}?v=${version}`;
  const nonceAttr = nonce ? ` nonce="${escapeHtml(nonce)}"` : '';
  const additionalHeaders = { ...options.graphiql?.additionalHeaders, ...PLAYGROUND_CSRF_HEADER };
  const config = {
    bundle: asset('yoga-graphiql.umd.js'),
    logoutPath: LOGOUT_PATH,
    loginPath: LOGIN_PATH,
    viewerQuery: VIEWER_QUERY,
    csrfHeader: PLAYGROUND_CSRF_HEADER,
    workers: Object.fromEntries(Object.entries(MONACO_WORKERS).map(([label, name]) => [label, asset(name)])),
    graphiql: {
      ...options.graphiql,
      // The bundle puts the title in the page as HTML; ours is text.
      title: escapeHtml(title),
      defaultQuery,
      endpoint,
      credentials: 'same-origin',
      additionalHeaders,
    } satisfies GraphiQLOptions,
  };
  const login = escapeHtml(loginHref(endpoint));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('graphiql.css')}"${nonceAttr}>
<link rel="stylesheet" href="${asset('playground.css')}"${nonceAttr}>
</head>
<body class="no-focus-outline">
<noscript>The playground needs JavaScript.</noscript>
<div id="ct-bar" role="banner">
  <strong>${escapeHtml(title)}</strong>
  <span class="ct-spacer"></span>
  <span id="ct-status" aria-live="polite">Checking your CT sign-in…</span>
  <a id="ct-signin" href="${login}" hidden>Sign in with CT</a>
  <button id="ct-signout" type="button" hidden>Sign out</button>
</div>
<div id="ct-notice" role="alert" hidden></div>
<div id="root">Loading ${escapeHtml(title)}…</div>
<script id="ct-playground-config" type="application/json">${scriptJson(config)}</script>
<script src="${asset('boot.js')}"${nonceAttr}></script>
<script src="${asset('yoga-graphiql.umd.js')}"${nonceAttr}></script>
</body>
</html>
`;
}

/**
 * yoga's `renderGraphiQL` option: renders the page from yoga's GraphiQL options (those given as
 * `graphiql` in createYoga), with the assets under PLAYGROUND_ASSETS_PATH.
 */
export function renderPlayground(options: GraphiQLOptions): string {
  const { title, defaultQuery, endpoint, ...rest } = options;
  return playgroundHtml({
    title: title ?? 'GraphiQL',
    defaultQuery: defaultQuery ?? '',
    endpoint: endpoint ?? '/graphql',
    assetsPath: PLAYGROUND_ASSETS_PATH,
    graphiql: rest,
  });
}
