import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBoard } from '../../scripts/build.mjs';
import { createSimulator, DEMO } from '../../simulator/app.js';
import type { App } from '../../src/app.js';
import { createAppOver, FACADE_URL, sessionFor } from '../harness.js';

let work: string;
let built: string;
let manifest: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ctg-board-app-'));
  built = join(work, 'board');
  await buildBoard(built);
  manifest = JSON.parse(await readFile(join(built, 'persisted-documents.json'), 'utf8'));
  await writeFile(join(work, 'empty.json'), '{}');
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function appOver(boardDir: string, env: Record<string, string> = {}): { app: App; logs: string[]; login(): Promise<string> } {
  const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
  const { app, logs } = createAppOver(sim, { LOG_LEVEL: 'warn', ...env }, undefined, undefined, boardDir);
  return { app, logs, login: () => sessionFor(app, sim) };
}

const get = (app: App, path: string, headers: Record<string, string> = {}) => app.fetch(new Request(`${FACADE_URL}${path}`, { headers }));

function idOf(operation: string): string {
  const id = Object.keys(manifest).find((key) => new RegExp(`\\bquery ${operation}\\b`).test(manifest[key]!));
  if (!id) throw new Error(`no ${operation} in the board's manifest`);
  return id;
}

describe('/board, built', () => {
  it('serves the page under a strict CSP, and its assets by content hash as immutable', async () => {
    const { app } = appOver(built);
    const page = await get(app, '/board');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-(?:eval|inline)/);
    const html = await page.text();
    const assets = [...html.matchAll(/"(\/board\/assets\/board\.(?:js|css))\?v=[0-9a-f]{10}"/g)].map((m) => m[1]!);
    expect(assets.sort()).toEqual(['/board/assets/board.css', '/board/assets/board.js']);

    const js = await get(app, '/board/assets/board.js', { 'accept-encoding': 'gzip' });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=86400, immutable');
    expect(js.headers.get('content-encoding')).toBe('gzip');
    const css = await get(app, '/board/assets/board.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await get(app, '/board/assets/persisted-documents.json')).status).toBe(404);
    expect((await get(app, '/board/assets/../index.html')).status).toBe(200);
    expect((await get(app, '/board/nothing')).status).toBe(404);
  });

  it("trusts the board's operations under PERSISTED_OPERATIONS_ONLY, and still refuses their text", async () => {
    const { app, login } = appOver(built, { PERSISTED_OPERATIONS_FILE: join(work, 'empty.json'), PERSISTED_OPERATIONS_ONLY: 'true' });
    const token = await login();
    const post = (body: unknown) =>
      app.fetch(
        new Request(`${FACADE_URL}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        }),
      );
    const id = idOf('BoardHome');
    const named = (await (await post({ documentId: id })).json()) as any;
    expect(named.errors).toBeUndefined();
    expect(named.data.viewer.username).toBe(DEMO.username);
    expect(named.data.locations.nodes.length).toBeGreaterThan(0);
    const sent = (await (await post({ query: manifest[id] })).json()) as any;
    expect(sent.errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
  });

  it('leaves out a manifest document that no longer fits the schema, with a warning, and keeps the rest', async () => {
    const stale = join(work, 'stale');
    await buildBoard(stale);
    const file = join(stale, 'persisted-documents.json');
    const documents = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...documents, 'sha256:stale': '{ viewer { noSuchField } }' }));
    const { app, logs, login } = appOver(stale);
    expect(logs.join('')).toContain('1 document(s) do not fit the schema and are left out');
    const token = await login();
    const answer = async (documentId: string) =>
      (await app
        .fetch(
          new Request(`${FACADE_URL}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ documentId }),
          }),
        )
        .then((r) => r.json())) as any;
    expect((await answer('sha256:stale')).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await answer(idOf('BoardHome'))).data.viewer.username).toBe(DEMO.username);
  });
});

describe('/board, not built', () => {
  it('answers a coded 503 page, and 404 for its assets', async () => {
    const { app } = appOver(join(work, 'nothing-here'));
    const page = await get(app, '/board');
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('The board is not built');
    expect(html).toContain('BOARD_NOT_BUILT');
    expect((await get(app, '/board/assets/board.js')).status).toBe(404);
  });
});
