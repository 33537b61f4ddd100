/**
 * The playground (GraphiQL) served from the facade itself: no CDN. yoga's built-in page loads
 * its bundle from unpkg.com, so a browser that cannot reach unpkg (air-gapped sites, a strict
 * CSP) gets a blank page. Here the page loads the same bundle (@graphql-yoga/graphiql) from
 * PLAYGROUND_ASSETS_PATH, served by servePlaygroundAsset from an allow-list of files read once
 * from node_modules, and its boot code is a same-origin script too: the page needs no inline
 * script, so PLAYGROUND_CSP has neither 'unsafe-inline' nor 'unsafe-eval' for scripts.
 *
 * The GraphiQL sends `credentials: 'same-origin'` (the session cookie) and `x-csrf-protection: 1`
 * on every request (the facade refuses cookie requests without it), and shows a sign-in link.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { GraphiQLOptions } from 'graphql-yoga';

const gzip = promisify(gzipCallback);

/** Where the playground's files are served; app.ts routes this prefix to servePlaygroundAsset. */
export const PLAYGROUND_ASSETS_PATH = '/graphql/assets/';
export const LOGIN_PATH = '/auth/login';
export const LOGOUT_PATH = '/auth/logout';
/** The header (and value) the facade's CSRF guard accepts on cookie requests; see http-guards.ts. */
export const PLAYGROUND_CSRF_HEADER = { 'x-csrf-protection': '1' } as const;

const GRAPHIQL_PACKAGE = '@graphql-yoga/graphiql';
const CACHE_CONTROL = 'public, max-age=86400, immutable';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/**
 * The page's Content-Security-Policy. Scripts and workers only from our origin; styles also
 * 'unsafe-inline' because Monaco and React inject <style> elements and style attributes at run
 * time; fonts and images are data: URLs inside graphiql.css.
 */
export function playgroundCsp(nonce?: string): string {
  const scripts = nonce ? `'self' 'nonce-${nonce}'` : "'self'";
  return [
    "default-src 'self'",
    `script-src ${scripts}`,
    "worker-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

export const PLAYGROUND_CSP = playgroundCsp();

/**
 * The boot code, served as boot.js: points Monaco's workers at our copies (same-origin URLs, so no
 * blob: workers), then renders GraphiQL with the options from the page's JSON data block (a
 * `type="application/json"` script is data, never executed, so the CSP need not allow it).
 */
const BOOT_JS = `(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('ct-playground-config').textContent);
  var workers = config.workers;
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (_moduleId, label) {
      return Object.prototype.hasOwnProperty.call(workers, label) ? workers[label] : undefined;
    }
  };
  function start() {
    var signOut = document.getElementById('ct-signout');
    if (signOut) {
      signOut.addEventListener('click', function () {
        signOut.disabled = true;
        fetch(config.logoutPath, { method: 'POST', credentials: 'same-origin', headers: config.csrfHeader })
          .catch(function () {})
          .then(function () { location.replace(location.pathname); });
      });
    }
    var root = document.getElementById('root');
    if (typeof YogaGraphiQL === 'undefined' || !YogaGraphiQL.renderYogaGraphiQL) {
      root.textContent = 'The playground script did not load (' + config.bundle + ').';
      return;
    }
    // The bundle opens with its 'query' option (which beats ?query=) or else its welcome text;
    // it never falls back to defaultQuery. So: the query in the address bar, else ours.
    var options = Object.assign({}, config.graphiql);
    options.query = new URLSearchParams(location.search).get('query') || options.defaultQuery;
    root.textContent = '';
    YogaGraphiQL.renderYogaGraphiQL(root, options);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
`;

/** Lays the sign-in bar above GraphiQL, whose container would otherwise take the whole viewport. */
const PLAYGROUND_CSS = `html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; overflow: hidden; }
#ct-bar { flex: none; display: flex; align-items: center; gap: 12px; padding: 6px 14px;
  font: 13px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  background: #f1f3f6; color: #3b4252; border-bottom: 1px solid #d8dee9; }
#ct-bar strong { font-weight: 600; }
#ct-bar .ct-spacer { flex: 1; }
#ct-bar a, #ct-bar button { font: inherit; color: #b4006e; text-decoration: none; background: none;
  border: 1px solid currentColor; border-radius: 4px; padding: 2px 10px; cursor: pointer; }
#ct-bar a:hover, #ct-bar button:hover { background: rgba(180, 0, 110, 0.08); }
#root { flex: 1; min-height: 0; }
#root > .graphiql-container { height: 100%; width: 100%; }
body.graphiql-dark #ct-bar { background: #21262d; color: #c9d1d9; border-bottom-color: #30363d; }
body.graphiql-dark #ct-bar a, body.graphiql-dark #ct-bar button { color: #ff5794; }
`;

interface Asset {
  type: string;
  /** A file of the package's dist (fixed names only), or content of our own. */
  source: { file: string } | { text: string };
}

/** The allow-list: URL name -> file. Nothing outside this map is ever read or served. */
const ASSETS = new Map<string, Asset>([
  ['yoga-graphiql.umd.js', { type: JS, source: { file: 'dist/yoga-graphiql.umd.js' } }],
  ['graphiql.css', { type: CSS, source: { file: 'dist/graphiql.css' } }],
  ['editor.worker.js', { type: JS, source: { file: 'dist/monacoeditorwork/editor.worker.bundle.js' } }],
  ['json.worker.js', { type: JS, source: { file: 'dist/monacoeditorwork/json.worker.bundle.js' } }],
  // Sic: the package ships this file with a double dot.
  ['graphql.worker.js', { type: JS, source: { file: 'dist/monacoeditorwork/graphql.worker..bundle.js' } }],
  ['boot.js', { type: JS, source: { text: BOOT_JS } }],
  ['playground.css', { type: CSS, source: { text: PLAYGROUND_CSS } }],
]);

/** Monaco's worker labels, as yoga's own page maps them. */
const WORKERS: Record<string, string> = {
  editorWorkerService: 'editor.worker.js',
  json: 'json.worker.js',
  graphql: 'graphql.worker.js',
};

let packageInfo: { dir: string; version: string } | undefined;

function graphiqlPackage(): { dir: string; version: string } {
  if (!packageInfo) {
    // The package's exports map lists only "." and "./package.json": resolve the latter.
    const manifest = createRequire(import.meta.url).resolve(`${GRAPHIQL_PACKAGE}/package.json`);
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    packageInfo = { dir: dirname(manifest), version };
  }
  return packageInfo;
}

let assetVersion: string | undefined;

/** Cache-busting suffix for asset URLs: the package version plus a hash of our own boot files. */
export function playgroundAssetVersion(): string {
  assetVersion ??= `${graphiqlPackage().version}-${createHash('sha256').update(BOOT_JS).update(PLAYGROUND_CSS).digest('hex').slice(0, 10)}`;
  return assetVersion;
}

interface Loaded {
  body: Uint8Array<ArrayBuffer>;
  gzipped?: Promise<Uint8Array<ArrayBuffer>>;
}

/** A copy that owns a plain ArrayBuffer (what BodyInit takes); made once per file. */
function bytes(buffer: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(buffer.byteLength);
  copy.set(buffer);
  return copy;
}

const loaded = new Map<string, Promise<Loaded>>();

function load(name: string, asset: Asset): Promise<Loaded> {
  let entry = loaded.get(name);
  if (!entry) {
    const { source } = asset;
    entry = 'text' in source
      ? Promise.resolve({ body: bytes(Buffer.from(source.text, 'utf8')) })
      : readFile(join(graphiqlPackage().dir, source.file)).then((body) => ({ body: bytes(body) }));
    // A failed read (package missing) is not cached: the next request tries again.
    entry.catch(() => loaded.delete(name));
    loaded.set(name, entry);
  }
  return entry;
}

function acceptsGzip(acceptEncoding: string | null | undefined): boolean {
  return (acceptEncoding ?? '').split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * Serves one allow-listed playground file for a request path under PLAYGROUND_ASSETS_PATH, or
 * null for any other path (the caller answers 404). Names are looked up in a fixed map and never
 * joined into a file path, so no traversal is possible. Files are read once and kept in memory;
 * with `acceptEncoding` allowing gzip, a gzip copy (made once) is served.
 */
export async function servePlaygroundAsset(pathname: string, options: { acceptEncoding?: string | null } = {}): Promise<Response | null> {
  if (!pathname.startsWith(PLAYGROUND_ASSETS_PATH)) return null;
  const name = pathname.slice(PLAYGROUND_ASSETS_PATH.length);
  const asset = ASSETS.get(name);
  if (!asset) return null;
  const file = await load(name, asset);
  const headers: Record<string, string> = {
    'content-type': asset.type,
    'cache-control': CACHE_CONTROL,
    'x-content-type-options': 'nosniff',
    vary: 'accept-encoding',
  };
  let body = file.body;
  if (acceptsGzip(options.acceptEncoding) && body.length > 1024) {
    file.gzipped ??= gzip(body, { level: 6 }).then(bytes);
    body = await file.gzipped;
    headers['content-encoding'] = 'gzip';
  }
  headers['content-length'] = String(body.length);
  return new Response(body, { status: 200, headers });
}

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

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
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
    csrfHeader: PLAYGROUND_CSRF_HEADER,
    workers: Object.fromEntries(Object.entries(WORKERS).map(([label, name]) => [label, asset(name)])),
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
  <span>Queries run as the CT account this browser signed in with (session cookie).</span>
  <span class="ct-spacer"></span>
  <a id="ct-signin" href="${login}">Sign in with CT</a>
  <button id="ct-signout" type="button">Sign out</button>
</div>
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
