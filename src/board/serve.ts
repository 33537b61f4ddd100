/**
 * Serving the /board example (examples/board/, bundled by `npm run build` into dist/board/): its
 * page at /board, its two files under /board/assets/ from a fixed allow-list, and the path of its
 * persisted-documents.json, which app.ts adds to the trusted documents so the board's operations
 * run even under PERSISTED_OPERATIONS_ONLY. The board is a customer's frontend: the facade only
 * hands out its files; nothing here knows what the board does.
 *
 * The page's CSP is stricter than the playground's: scripts and styles from 'self' only (no
 * 'unsafe-inline' at all: the board sets classes, never style attributes), connections to 'self'.
 * Files are read once and kept in memory (gzip copies made once); a folder that is not built yet
 * answers a coded 503 page, and is looked for again on the next request.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { p, page } from '../auth/device-page.js';
import { staticFile, staticResponse, type StaticFile } from '../static-file.js';

export const BOARD_PATH = '/board';
export const BOARD_ASSETS_PATH = '/board/assets/';
/** The trusted-documents file the build writes beside the board's files. */
export const BOARD_MANIFEST = 'persisted-documents.json';

const ASSETS: ReadonlyMap<string, string> = new Map([
  ['board.js', 'text/javascript; charset=utf-8'],
  ['board.css', 'text/css; charset=utf-8'],
]);

export const BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  // The page's icon is the empty data: URL (no request for /favicon.ico).
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * Where `npm run build` puts the board: board/ beside the compiled src/ (dist/board/ when this module
 * runs as dist/src/board/serve.js, whatever --out-dir named dist), and the checkout's dist/board/
 * when it runs as TypeScript from src/board/ (tsx, tests).
 */
export function defaultBoardDir(): string {
  const compiled = import.meta.url.endsWith('.js');
  return fileURLToPath(new URL(compiled ? '../../board/' : '../../dist/board/', import.meta.url));
}

export interface Board {
  /** The board's trusted documents file, when the board is built. */
  manifestFile(): string | undefined;
  /** The answer for a /board path, or null for any other path. */
  serve(request: Request, path: string): Promise<Response | null>;
}

function notBuilt(dir: string): Response {
  const body = [
    p('The facade serves the board from its build output, and there is none here yet.'),
    p('Run `npm run build` (or `npm start`, which builds when needed), then reload this page.'),
    p(`Looked in: ${dir}`, 'note'),
    p('Error code: BOARD_NOT_BUILT', 'note'),
  ].join('\n');
  const response = page({ status: 503, title: 'The board is not built', body });
  response.headers.set('retry-after', '60');
  return response;
}

export function createBoard(o: { dir: string }): Board {
  const files = new Map<string, StaticFile>();

  function read(name: string): StaticFile | null {
    let file = files.get(name);
    if (!file) {
      const path = join(o.dir, name);
      // Not cached while missing: a build made after start-up is picked up by the next request.
      if (!existsSync(path)) return null;
      file = staticFile(readFileSync(path));
      files.set(name, file);
    }
    return file;
  }

  const answer = (file: StaticFile, type: string, cacheControl: string, acceptEncoding: string | null): Promise<Response> =>
    staticResponse(file, { 'content-type': type, 'cache-control': cacheControl }, acceptEncoding);

  return {
    manifestFile() {
      const path = join(o.dir, BOARD_MANIFEST);
      return existsSync(path) ? path : undefined;
    },
    async serve(request, path) {
      if (path !== BOARD_PATH && !path.startsWith(`${BOARD_PATH}/`)) return null;
      if (request.method !== 'GET' && request.method !== 'HEAD') return null;
      const acceptEncoding = request.headers.get('accept-encoding');
      if (path === BOARD_PATH || path === `${BOARD_PATH}/` || path === `${BOARD_PATH}/index.html`) {
        const index = read('index.html');
        if (!index) return notBuilt(o.dir);
        // The page names its assets with a content hash (?v=), so the page itself is revalidated and they need not be.
        const response = await answer(index, 'text/html; charset=utf-8', 'no-cache', acceptEncoding);
        response.headers.set('content-security-policy', BOARD_CSP);
        return response;
      }
      if (!path.startsWith(BOARD_ASSETS_PATH)) return null;
      const name = path.slice(BOARD_ASSETS_PATH.length);
      const type = ASSETS.get(name);
      const file = type ? read(join('assets', name)) : null;
      if (!type || !file) return null;
      return answer(file, type, 'public, max-age=86400, immutable', acceptEncoding);
    },
  };
}
