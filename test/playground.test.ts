/**
 * The self-hosted playground: the asset server serves only its allow-list (no path ever reaches
 * the file system), and the page references nothing but same-origin assets and sends the CSRF
 * header and the session cookie with every request.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_ASSETS_PATH, playgroundAssetVersion, servePlaygroundAsset } from '../src/playground/assets.js';
import { PLAYGROUND_CSP, playgroundCsp } from '../src/playground/csp.js';
import { loginHref, playgroundHtml, renderPlayground } from '../src/playground/page.js';

const graphiqlDir = dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json'));
const graphiqlVersion = (JSON.parse(readFileSync(join(graphiqlDir, 'package.json'), 'utf8')) as { version: string }).version;

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const OWN = new URL('../src/playground/', import.meta.url);
const ALLOWED: Array<[name: string, type: string, file: string]> = [
  ['yoga-graphiql.umd.js', JS, join(graphiqlDir, 'dist/yoga-graphiql.umd.js')],
  ['graphiql.css', CSS, join(graphiqlDir, 'dist/graphiql.css')],
  ['editor.worker.js', JS, join(graphiqlDir, 'dist/monacoeditorwork/editor.worker.bundle.js')],
  ['json.worker.js', JS, join(graphiqlDir, 'dist/monacoeditorwork/json.worker.bundle.js')],
  ['graphql.worker.js', JS, join(graphiqlDir, 'dist/monacoeditorwork/graphql.worker..bundle.js')],
  ['boot.js', JS, fileURLToPath(new URL('boot.js', OWN))],
  ['playground.css', CSS, fileURLToPath(new URL('playground.css', OWN))],
];

function page(overrides: Partial<Parameters<typeof playgroundHtml>[0]> = {}): string {
  return playgroundHtml({
    title: 'ct-graphql',
    defaultQuery: '{ viewer { username } }',
    endpoint: '/graphql',
    assetsPath: PLAYGROUND_ASSETS_PATH,
    ...overrides,
  });
}

/** The JSON the page hands its boot script. */
function pageConfig(html: string): {
  bundle: string;
  workers: Record<string, string>;
  csrfHeader: Record<string, string>;
  graphiql: Record<string, unknown> & { additionalHeaders: Record<string, string> };
} {
  const match = /<script id="ct-playground-config" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error('no config block');
  return JSON.parse(match[1]!);
}

/** Every URL the page loads: script src, link href, and the Monaco workers. */
function referencedUrls(html: string): string[] {
  const attrs = [...html.matchAll(/<(?:script|link)\b[^>]*?\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
  return [...attrs, ...Object.values(pageConfig(html).workers)];
}

describe('servePlaygroundAsset', () => {
  it.each(ALLOWED)('serves %s with its type, long caching and nosniff', async (name, type, file) => {
    const response = await servePlaygroundAsset(`${PLAYGROUND_ASSETS_PATH}${name}`);
    expect(response).not.toBeNull();
    expect(response!.status).toBe(200);
    expect(response!.headers.get('content-type')).toBe(type);
    expect(response!.headers.get('cache-control')).toBe('public, max-age=86400, immutable');
    expect(response!.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response!.headers.get('content-encoding')).toBeNull();
    const body = Buffer.from(await response!.arrayBuffer());
    expect(response!.headers.get('content-length')).toBe(String(body.length));
    expect(body.length).toBeGreaterThan(0);
    expect(body.equals(readFileSync(file))).toBe(true);
  });

  it('serves the bundle that exposes renderYogaGraphiQL, and a boot script that is valid JavaScript', async () => {
    const bundle = await (await servePlaygroundAsset(`${PLAYGROUND_ASSETS_PATH}yoga-graphiql.umd.js`))!.text();
    expect(bundle).toContain('renderYogaGraphiQL');
    const boot = await (await servePlaygroundAsset(`${PLAYGROUND_ASSETS_PATH}boot.js`))!.text();
    expect(() => new Script(boot)).not.toThrow();
    expect(boot).toContain('YogaGraphiQL.renderYogaGraphiQL');
    expect(boot).toContain('MonacoEnvironment');
  });

  it('serves a gzip copy to clients that accept it, and plain bytes to those that refuse it', async () => {
    const path = `${PLAYGROUND_ASSETS_PATH}graphiql.css`;
    const plain = Buffer.from(await (await servePlaygroundAsset(path))!.arrayBuffer());
    const zipped = (await servePlaygroundAsset(path, { acceptEncoding: 'br, gzip, deflate' }))!;
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('vary')).toMatch(/accept-encoding/i);
    const zippedBody = Buffer.from(await zipped.arrayBuffer());
    expect(zippedBody.length).toBeLessThan(plain.length);
    expect(gunzipSync(zippedBody).equals(plain)).toBe(true);
    for (const refused of ['gzip;q=0', 'br', 'identity', '']) {
      const response = (await servePlaygroundAsset(path, { acceptEncoding: refused }))!;
      expect(response.headers.get('content-encoding'), refused).toBeNull();
    }
  });

  it('answers the same bytes on every call (read once, cached)', async () => {
    const path = `${PLAYGROUND_ASSETS_PATH}json.worker.js`;
    const [a, b] = await Promise.all([servePlaygroundAsset(path), servePlaygroundAsset(path)]);
    expect(Buffer.from(await a!.arrayBuffer()).equals(Buffer.from(await b!.arrayBuffer()))).toBe(true);
  });

  it.each([
    '/graphql/assets/../../package.json',
    '/graphql/assets/../package.json',
    '/graphql/assets/%2e%2e/package.json',
    '/graphql/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/graphql/assets/..%2f..%2fpackage.json',
    '/graphql/assets/..\\..\\package.json',
    '/graphql/assets/package.json',
    '/graphql/assets/dist/graphiql.css',
    '/graphql/assets/monacoeditorwork/editor.worker.bundle.js',
    '/graphql/assets/graphql.worker..bundle.js',
    '/graphql/assets/yoga-graphiql.es.js',
    '/graphql/assets/graphiql.css/',
    '/graphql/assets//graphiql.css',
    '/graphql/assets/./graphiql.css',
    '/graphql/assets/GRAPHIQL.CSS',
    '/graphql/assets/graphiql.css%00',
    '/graphql/assets/graphiql%2ecss',
    '/graphql/assets/',
    '/graphql/assets',
    '/graphql/assets/__proto__',
    '/graphql/assets/constructor',
    '/graphql/assets/toString',
    '/graphql/assets/hasOwnProperty',
    '/graphql/graphiql.css',
    '/assets/graphiql.css',
    'graphiql.css',
    '',
    '/etc/passwd',
    '/graphql/assets/%2Fetc%2Fpasswd',
  ])('answers null for %j', async (path) => {
    expect(await servePlaygroundAsset(path)).toBeNull();
  });
});

describe('playgroundHtml', () => {
  it('loads every script, stylesheet and worker from the assets path, each of them served', async () => {
    const html = page();
    const urls = referencedUrls(html);
    expect(urls.length).toBeGreaterThanOrEqual(7);
    for (const url of urls) {
      if (url === 'data:,' || url === loginHref('/graphql')) continue;
      expect(url.startsWith(PLAYGROUND_ASSETS_PATH), url).toBe(true);
      expect(url).toMatch(/\?v=[\w.-]+$/);
      const response = await servePlaygroundAsset(new URL(url, 'http://facade.test').pathname);
      expect(response?.status, url).toBe(200);
    }
    expect(html).not.toMatch(/unpkg|jsdelivr|githubusercontent/i);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//i);
  });

  it('has no inline executable script: only same-origin src scripts and a JSON data block', () => {
    const scripts = [...page().matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const [, attrs, body] of scripts) {
      if (/type="application\/json"/.test(attrs!)) continue;
      expect(attrs).toMatch(/\ssrc="\/graphql\/assets\//);
      expect(body!.trim()).toBe('');
    }
    expect(page()).not.toMatch(/\son[a-z]+=/i);
  });

  it('sends the session cookie and x-csrf-protection: 1 with every request', () => {
    const config = pageConfig(page());
    expect(config.graphiql.credentials).toBe('same-origin');
    expect(config.graphiql.additionalHeaders).toEqual({ 'x-csrf-protection': '1' });
    expect(config.graphiql.endpoint).toBe('/graphql');
    expect(config.graphiql.defaultQuery).toBe('{ viewer { username } }');
    expect(config.csrfHeader).toEqual({ 'x-csrf-protection': '1' });
    expect(Object.keys(config.workers).sort()).toEqual(['editorWorkerService', 'graphql', 'json']);
  });

  it('links to sign-in with a way back to the playground', () => {
    expect(loginHref('/graphql')).toBe('/auth/login?redirect=/graphql');
    expect(page()).toContain('href="/auth/login?redirect=/graphql"');
    expect(page({ endpoint: '/api/graphql' })).toContain('href="/auth/login?redirect=/api/graphql"');
  });

  it('escapes the title and keeps the default query from closing its script block', () => {
    const nasty = '</script><script>alert(1)</script><!--';
    const html = page({ title: '<b>x</b> & "y"', defaultQuery: `# ${nasty}\n{ viewer { username } }` });
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('<title>&#60;b&#62;x&#60;/b&#62; &#38; &#34;y&#34;</title>');
    expect(html).not.toContain('<script>alert(1)');
    expect(pageConfig(html).graphiql.defaultQuery).toBe(`# ${nasty}\n{ viewer { username } }`);
    // The bundle renders the title as HTML: it gets the escaped text.
    expect(pageConfig(html).graphiql.title).toBe('&#60;b&#62;x&#60;/b&#62; &#38; &#34;y&#34;');
  });

  it('puts a nonce on its scripts and stylesheets when given one', () => {
    const html = page({ nonce: 'abc123' });
    const tags = [...html.matchAll(/<(?:script|link rel="stylesheet")\b[^>]*\ssrc="[^"]*"[^>]*>|<link rel="stylesheet"[^>]*>/g)].map(
      (m) => m[0],
    );
    expect(tags.length).toBe(4);
    for (const tag of tags) expect(tag).toContain('nonce="abc123"');
    expect(page()).not.toContain('nonce=');
  });

  it('changes asset URLs when the package or the boot code changes (immutable caching stays safe)', () => {
    expect(playgroundAssetVersion().startsWith(`${graphiqlVersion}-`)).toBe(true);
    expect(pageConfig(page()).bundle).toBe(`${PLAYGROUND_ASSETS_PATH}yoga-graphiql.umd.js?v=${playgroundAssetVersion()}`);
  });
});

describe('renderPlayground (yoga renderGraphiQL)', () => {
  it("renders yoga's GraphiQL options, forcing credentials and merging the CSRF header", () => {
    const html = renderPlayground({
      title: 'ct-graphql',
      defaultQuery: '{ a }',
      endpoint: '/graphql',
      credentials: 'include',
      additionalHeaders: { 'x-extra': 'yes', 'x-csrf-protection': '0' },
      maxHistoryLength: 5,
    });
    const { graphiql } = pageConfig(html);
    expect(graphiql.credentials).toBe('same-origin');
    expect(graphiql.additionalHeaders).toEqual({ 'x-extra': 'yes', 'x-csrf-protection': '1' });
    expect(graphiql.maxHistoryLength).toBe(5);
    expect(graphiql.defaultQuery).toBe('{ a }');
    expect(html).toContain('<title>ct-graphql</title>');
  });

  it('defaults the endpoint to /graphql', () => {
    expect(pageConfig(renderPlayground({})).graphiql.endpoint).toBe('/graphql');
  });
});

describe('PLAYGROUND_CSP', () => {
  const directives = (csp: string): Map<string, string[]> =>
    new Map(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name!, values]),
    );

  it('allows scripts and workers from our origin only: no CDN, no inline script, no eval', () => {
    const d = directives(PLAYGROUND_CSP);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('worker-src')).toEqual(["'self'"]);
    expect(d.get('connect-src')).toEqual(["'self'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(PLAYGROUND_CSP).not.toMatch(/unpkg|https:|http:|blob:|unsafe-eval/);
  });

  it('adds a nonce to script-src when given one', () => {
    expect(directives(playgroundCsp('n0nce')).get('script-src')).toEqual(["'self'", "'nonce-n0nce'"]);
  });
});
