/**
 * The playground's static files under PLAYGROUND_ASSETS_PATH, from a fixed allow-list: the
 * GraphiQL bundle, its style sheet and Monaco's workers from @graphql-yoga/graphiql's dist (no
 * CDN: yoga's own page loads them from unpkg.com, which air-gapped sites and a strict CSP cannot
 * reach), and the page's own boot.js and playground.css from this folder. Each file is read once
 * and kept in memory, with a gzip copy made once; URLs carry a version so browsers may cache them
 * as immutable.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { staticFile, staticResponse, type StaticFile } from '../static-file.js';

/** Where the playground's files are served; app.ts routes this prefix to servePlaygroundAsset. */
export const PLAYGROUND_ASSETS_PATH = '/graphql/assets/';

const GRAPHIQL_PACKAGE = '@graphql-yoga/graphiql';
const CACHE_CONTROL = 'public, max-age=86400, immutable';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

interface Asset {
  type: string;
  /**
   * A file of the package's dist (fixed names only), or one of ours beside this module. Ours are
   * located from import.meta.url, not the working directory, so they are found wherever the
   * module runs from: a build that compiles src/ into dist/ must copy them next to this module.
   */
  source: { packageFile: string } | { own: URL };
}

/** The allow-list: URL name -> file. Nothing outside this map is ever read or served. */
const ASSETS = new Map<string, Asset>([
  ['yoga-graphiql.umd.js', { type: JS, source: { packageFile: 'dist/yoga-graphiql.umd.js' } }],
  ['graphiql.css', { type: CSS, source: { packageFile: 'dist/graphiql.css' } }],
  ['editor.worker.js', { type: JS, source: { packageFile: 'dist/monacoeditorwork/editor.worker.bundle.js' } }],
  ['json.worker.js', { type: JS, source: { packageFile: 'dist/monacoeditorwork/json.worker.bundle.js' } }],
  // Sic: the package ships this file with a double dot.
  ['graphql.worker.js', { type: JS, source: { packageFile: 'dist/monacoeditorwork/graphql.worker..bundle.js' } }],
  ['boot.js', { type: JS, source: { own: new URL('./boot.js', import.meta.url) } }],
  ['playground.css', { type: CSS, source: { own: new URL('./playground.css', import.meta.url) } }],
]);

/** Monaco's worker labels, as yoga's own page maps them, to the names above. */
export const MONACO_WORKERS: Readonly<Record<string, string>> = {
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

const ownFiles = new Map<string, Buffer>();

/**
 * One of our files, read once. Synchronously, because the asset version hashes them while the
 * page is rendered; and the version and the served bytes come from this one read, so they always
 * match (an edit during a dev run must not be cached a day under the old version).
 */
function ownFile(url: URL): Buffer {
  let content = ownFiles.get(url.href);
  if (!content) {
    content = readFileSync(url);
    ownFiles.set(url.href, content);
  }
  return content;
}

let assetVersion: string | undefined;

/** Cache-busting suffix for asset URLs: the package version plus a hash of our own files. */
export function playgroundAssetVersion(): string {
  if (!assetVersion) {
    const hash = createHash('sha256');
    for (const { source } of ASSETS.values()) if ('own' in source) hash.update(ownFile(source.own));
    assetVersion = `${graphiqlPackage().version}-${hash.digest('hex').slice(0, 10)}`;
  }
  return assetVersion;
}

const loaded = new Map<string, Promise<StaticFile>>();

function load(name: string, asset: Asset): Promise<StaticFile> {
  let entry = loaded.get(name);
  if (!entry) {
    const { source } = asset;
    entry =
      'own' in source
        ? Promise.resolve(source.own).then((url) => staticFile(ownFile(url)))
        : readFile(join(graphiqlPackage().dir, source.packageFile)).then(staticFile);
    // A failed read (package or file missing) is not cached: the next request tries again.
    entry.catch(() => loaded.delete(name));
    loaded.set(name, entry);
  }
  return entry;
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
  return staticResponse(
    file,
    { 'content-type': asset.type, 'cache-control': CACHE_CONTROL, 'x-content-type-options': 'nosniff' },
    options.acceptEncoding,
  );
}
