// @ts-check
/**
 * `npm run build` and the `prestart` check: compiles src/ and simulator/ (which `npm start`
 * embeds when CT_API_URL is unset) with plain tsc into dist/, copies the files that are not
 * TypeScript (the playground's boot.js and playground.css, located at run time next to their
 * module), bundles the /board example (examples/board/) with esbuild into dist/board/, and
 * writes a build stamp.
 *
 *   node scripts/build.mjs [--out-dir DIR] [--if-stale]
 *
 * --if-stale builds only when the stamp is missing or older than any input (a file or folder
 * under src/, simulator/ or examples/board/, a tsconfig, package.json, this script); a folder's time changes when
 * a file in it is added, renamed or deleted, so those count too. Plain JavaScript on purpose: it
 * runs before anything is compiled, on every supported Node line, with no TypeScript loader.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['src', 'simulator'];
/** The /board example: bundled, not compiled by tsc; an input of the stale check all the same. */
const BOARD_DIR = 'examples/board';
const INPUT_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'scripts/build.mjs'];
const STAMP = '.build-stamp.json';
/** Compiled by tsc, or documentation: not copied. Everything else under SOURCE_DIRS is an asset. */
const NOT_ASSETS = /\.(?:[cm]?ts|md)$/;

/** Every file and folder under `dir`, folders included (their mtime records adds, renames and deletes). */
function walk(dir) {
  if (!existsSync(dir)) return [];
  return [
    dir,
    ...readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
    ),
  ];
}

function inputs() {
  return [
    ...[...SOURCE_DIRS, BOARD_DIR].flatMap((dir) => walk(join(ROOT, dir))),
    ...INPUT_FILES.map((file) => join(ROOT, file)).filter((file) => existsSync(file)),
  ];
}

/**
 * Why a build is needed, or null when the stamp is newer than every input. A tree without
 * sources (an image that ships only dist/) is never stale.
 * @param {string} outDir
 * @returns {string | null}
 */
export function staleReason(outDir) {
  if (!SOURCE_DIRS.some((dir) => existsSync(join(ROOT, dir)))) return null;
  const stamp = join(outDir, STAMP);
  if (!existsSync(stamp)) return `${relative(ROOT, outDir) || outDir}/ has no build yet`;
  const builtAt = statSync(stamp).mtimeMs;
  const newer = inputs().find((path) => statSync(path).mtimeMs > builtAt);
  return newer ? `${relative(ROOT, newer)} changed since the last build` : null;
}

/** @returns {string | null} tsc's launcher, or null when TypeScript is not installed (npm ci --omit=dev). */
function tscPath() {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  } catch {
    return null;
  }
}

/**
 * Bundles the /board example into `outDir` (dist/board/): assets/board.js (one ES module, minified,
 * ES2020, no eval: the page's CSP has no 'unsafe-eval'), assets/board.css, index.html naming both
 * with a content hash (they are cached as immutable), and the persisted-documents.json that codegen
 * wrote beside the board's typed documents (the facade trusts it). esbuild is loaded only here, so
 * `--if-stale` on a built tree never needs it.
 * @param {string} outDir
 * @returns {Promise<{ ms: number, bytes: { js: number, css: number } }>}
 */
export async function buildBoard(outDir) {
  const started = Date.now();
  const source = join(ROOT, BOARD_DIR);
  // A tree without the example (an unpacked tarball) builds the facade alone; /board then says it is not built.
  if (!existsSync(source)) return { ms: 0, bytes: { js: 0, css: 0 } };
  const { build: bundle } = await import('esbuild');
  const result = await bundle({
    absWorkingDir: ROOT,
    entryPoints: [
      { in: join(source, 'src', 'main.ts'), out: 'board' },
      { in: join(source, 'board.css'), out: 'board' },
    ],
    outdir: join(outDir, 'assets'),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    tsconfig: join(source, 'tsconfig.json'),
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  const bytes = { js: 0, css: 0 };
  let html = readFileSync(join(source, 'index.html'), 'utf8');
  for (const file of result.outputFiles) {
    const name = relative(join(outDir, 'assets'), file.path);
    if (name.endsWith('.js') && /\beval\(|new Function\(/.test(file.text)) throw new Error(`${name} would need 'unsafe-eval'`);
    writeFileSync(join(outDir, 'assets', name), file.contents);
    if (name.endsWith('.js')) bytes.js = file.contents.length;
    if (name.endsWith('.css')) bytes.css = file.contents.length;
    const version = createHash('sha256').update(file.contents).digest('hex').slice(0, 10);
    html = html.replace(`/board/assets/${name}"`, `/board/assets/${name}?v=${version}"`);
  }
  writeFileSync(join(outDir, 'index.html'), html);
  copyFileSync(join(source, 'gql', 'persisted-documents.json'), join(outDir, 'persisted-documents.json'));
  return { ms: Date.now() - started, bytes };
}

/**
 * A clean build into `outDir`: tsc never deletes the output of a source that is gone.
 * @param {string} outDir
 */
export async function build(outDir) {
  const started = Date.now();
  const tsc = tscPath();
  if (!tsc) {
    throw new Error(
      'TypeScript is not installed (was it `npm ci --omit=dev`?): build where dev dependencies are installed, then ship dist/.',
    );
  }
  rmSync(outDir, { recursive: true, force: true });
  // The same Node that runs this script runs tsc's launcher: no PATH lookup, any runtime line.
  const run = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (run.status !== 0) throw new Error(`tsc failed (exit code ${run.status ?? run.signal})`);
  let assets = 0;
  for (const dir of SOURCE_DIRS) {
    for (const path of walk(join(ROOT, dir))) {
      if (NOT_ASSETS.test(path) || statSync(path).isDirectory()) continue;
      const target = join(outDir, relative(ROOT, path));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(path, target);
      assets++;
    }
  }
  const board = await buildBoard(join(outDir, 'board'));
  const stamp = join(outDir, STAMP);
  const record = { builtAt: new Date(started).toISOString(), node: process.version, assets, board: board.bytes };
  writeFileSync(stamp, `${JSON.stringify(record, null, 2)}\n`);
  // Dated when the build started: a source saved during the build makes the next start rebuild.
  utimesSync(stamp, new Date(started), new Date(started));
  return { ms: Date.now() - started, assets, board: board.bytes };
}

async function cli() {
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string' }, 'if-stale': { type: 'boolean' } } });
  const outDir = resolve(values['out-dir'] ?? join(ROOT, 'dist'));
  if (values['if-stale']) {
    const reason = staleReason(outDir);
    if (!reason) return;
    console.log(`ct-graphql: building (${reason})`);
  }
  try {
    const { ms, assets, board } = await build(outDir);
    const where = relative(process.cwd(), outDir) || '.';
    console.log(
      `ct-graphql: built ${where}/ in ${(ms / 1000).toFixed(1)} s (${assets} assets copied; board ${board.js} B JS, ${board.css} B CSS)`,
    );
  } catch (error) {
    console.error(`ct-graphql: build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

// Run as a script; imported (by a test), it only exports.
if (fileURLToPath(import.meta.url) === resolve(process.argv[1] ?? '')) await cli();
