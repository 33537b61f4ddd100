// @ts-check
/**
 * `npm run build` and the `prestart` check: compiles src/ and simulator/ (which `npm start`
 * embeds when CT_API_URL is unset) with plain tsc into dist/, copies the files that are not
 * TypeScript (the playground's boot.js and playground.css, located at run time next to their
 * module), and writes a build stamp.
 *
 *   node scripts/build.mjs [--out-dir DIR] [--if-stale]
 *
 * --if-stale builds only when the stamp is missing or older than any input (a file or folder
 * under src/ or simulator/, a tsconfig, package.json, this script); a folder's time changes when
 * a file in it is added, renamed or deleted, so those count too. Plain JavaScript on purpose: it
 * runs before anything is compiled, on every supported Node line, with no TypeScript loader.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['src', 'simulator'];
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
    ...SOURCE_DIRS.flatMap((dir) => walk(join(ROOT, dir))),
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
 * A clean build into `outDir`: tsc never deletes the output of a source that is gone.
 * @param {string} outDir
 */
export function build(outDir) {
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
  const stamp = join(outDir, STAMP);
  writeFileSync(stamp, `${JSON.stringify({ builtAt: new Date(started).toISOString(), node: process.version, assets }, null, 2)}\n`);
  // Dated when the build started: a source saved during the build makes the next start rebuild.
  utimesSync(stamp, new Date(started), new Date(started));
  return { ms: Date.now() - started, assets };
}

function cli() {
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string' }, 'if-stale': { type: 'boolean' } } });
  const outDir = resolve(values['out-dir'] ?? join(ROOT, 'dist'));
  if (values['if-stale']) {
    const reason = staleReason(outDir);
    if (!reason) return;
    console.log(`ct-graphql: building (${reason})`);
  }
  try {
    const { ms, assets } = build(outDir);
    console.log(`ct-graphql: built ${relative(process.cwd(), outDir) || '.'}/ in ${(ms / 1000).toFixed(1)} s (${assets} assets copied)`);
  } catch (error) {
    console.error(`ct-graphql: build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

// Run as a script; imported (by a test), it only exports.
if (fileURLToPath(import.meta.url) === resolve(process.argv[1] ?? '')) cli();
