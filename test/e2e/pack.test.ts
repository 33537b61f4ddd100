/**
 * The package as a user gets it (issue 12): `npm pack` in a fresh copy of the repository (its
 * prepack builds dist/), the tarball installed into an empty folder with `npm install` (from the
 * npm cache where it can, else the registry), then plain node there: `npx ct-graphql --help`,
 * `ct-graphql query` with CT_GRAPHQL_TOKEN against a facade on a real port, a `.mjs` script that
 * imports `ct-graphql/client`, and a TypeScript script typechecked against the shipped `.d.ts`.
 * Skips with a message when the registry cannot be reached; CT_GRAPHQL_PACK_TEST=0 skips it too.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../api-tokens.js';
import { type FacadeOnPort, startFacadeOnPort } from '../cli/facade.js';
import { childEnv, type Clone, finished, freshClone, ROOT, type Run } from './processes.js';

/** Asynchronous on purpose: the facade these commands call answers from this same process. */
function run(command: string, args: string[], cwd: string, extra: Record<string, string> = {}): Promise<Run> {
  return finished(spawn(command, args, { cwd, env: childEnv({ npm_config_update_notifier: 'false', ...extra }) }));
}

const OFFLINE = /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH)|network/;
const MINUTES = 60_000;

describe.skipIf(process.env.CT_GRAPHQL_PACK_TEST === '0')('the npm pack tarball, installed in an empty folder', () => {
  let clone: Clone;
  let work: string;
  let app: string;
  let facade: FacadeOnPort;
  let installed: Run | null = null;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    clone = freshClone(['README.md', 'schema.graphql']);
    work = mkdtempSync(join(tmpdir(), 'ct-graphql-pack-'));
    app = join(work, 'app');
    facade = await startFacadeOnPort();
  });
  afterAll(async () => {
    clone?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
    await facade?.close();
    if (Object.keys(timings).length) console.log(`pack test: ${JSON.stringify(timings)}`);
  });

  it('packs the compiled command, the client with its types and schema.graphql, and nothing else', { timeout: 3 * MINUTES }, async () => {
    let started = performance.now();
    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], clone.dir);
    timings.packSeconds = Math.round((performance.now() - started) / 100) / 10;
    expect(packed.code, packed.stderr).toBe(0);
    // npm prints prepack's build lines before its JSON.
    const [manifest] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const files = manifest!.files.map((f) => f.path);
    for (const path of [
      'dist/src/cli/main.js',
      'dist/src/sdk.js',
      'dist/src/sdk.d.ts',
      'dist/src/server.js',
      'schema.graphql',
      'README.md',
      // The /board example's build, so an installed facade serves /board too.
      'dist/board/index.html',
      'dist/board/assets/board.js',
      'dist/board/persisted-documents.json',
    ]) {
      expect(files).toContain(path);
    }
    expect(files.filter((path) => !/^(dist\/(src|simulator|board)\/|schema\.graphql$|README\.md$|package\.json$)/.test(path))).toEqual([]);

    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'pack-check', private: true, type: 'module' }, null, 2)}\n`);
    started = performance.now();
    installed = await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, manifest!.filename)],
      app,
    );
    timings.installSeconds = Math.round((performance.now() - started) / 100) / 10;
  });

  it('npx ct-graphql --help, and ct-graphql query with CT_GRAPHQL_TOKEN, with plain node', { timeout: MINUTES }, async (ctx) => {
    if (!installed) return ctx.skip('the tarball was not packed');
    if (installed.code !== 0 && OFFLINE.test(installed.stderr))
      return ctx.skip(`npm install could not reach the registry:\n${installed.stderr}`);
    expect(installed.code, installed.stderr).toBe(0);

    // npm_config_yes=false: never fetch a package of that name from the registry if ours were missing.
    const help = await run('npx', ['ct-graphql', '--help'], app, { npm_config_yes: 'false' });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/Usage: ct-graphql/);
    for (const command of ['login', 'logout', 'whoami', 'tokens', 'query']) expect(help.stdout).toContain(command);

    const token = await issueApiToken(facade.app, facade.sim, { name: 'installed package' });
    const bin = join(app, 'node_modules', '.bin', 'ct-graphql');
    const query = await run(bin, ['query', '{ viewer { username } }'], app, {
      CT_GRAPHQL_URL: facade.base,
      CT_GRAPHQL_TOKEN: token.secret,
    });
    expect([query.code, query.stdout, query.stderr]).toEqual([0, '{"viewer":{"username":"demo"}}\n', '']);
  });

  it('a plain .mjs script imports ct-graphql/client; a TypeScript one typechecks against its .d.ts', { timeout: MINUTES }, async (ctx) => {
    if (installed?.code !== 0) return ctx.skip('the package is not installed (see the test before)');
    const token = await issueApiToken(facade.app, facade.sim, { name: 'script' });
    writeFileSync(
      join(app, 'script.mjs'),
      [
        "import { createCtGraphQLClient } from 'ct-graphql/client';",
        "const ct = createCtGraphQLClient({ url: process.env.CT_GRAPHQL_URL + '/graphql', token: process.env.CT_GRAPHQL_TOKEN });",
        "console.log(JSON.stringify(await ct.client.request('{ viewer { username } }')));",
        '',
      ].join('\n'),
    );
    const script = await run(process.execPath, ['script.mjs'], app, { CT_GRAPHQL_URL: facade.base, CT_GRAPHQL_TOKEN: token.secret });
    expect([script.code, script.stdout, script.stderr]).toEqual([0, '{"viewer":{"username":"demo"}}\n', '']);

    // What a script's codegen points at ships with the package, also by its export name.
    const schema = join(app, 'node_modules', 'ct-graphql', 'schema.graphql');
    expect(existsSync(schema)).toBe(true);
    const resolve =
      "import { createRequire } from 'node:module'; console.log(createRequire(import.meta.url).resolve('ct-graphql/schema.graphql'));";
    const resolved = await run(process.execPath, ['--input-type=module', '-e', resolve], app);
    expect([resolved.code, resolved.stdout.trim()]).toEqual([0, realpathSync(schema)]);
    expect(readFileSync(schema, 'utf8')).toBe(readFileSync(join(ROOT, 'schema.graphql'), 'utf8'));

    writeFileSync(
      join(app, 'check.ts'),
      [
        "import { createCtGraphQLClient, type CtGraphQLClient } from 'ct-graphql/client';",
        "const ct: CtGraphQLClient = createCtGraphQLClient({ url: 'http://localhost:4000/graphql', token: 'ctg_x' });",
        'export const next: string = ct.token();',
        '// @ts-expect-error the options need a url',
        "createCtGraphQLClient({ token: 'ctg_x' });",
        '',
      ].join('\n'),
    );
    const compilerOptions = {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      noEmit: true,
      lib: ['es2022', 'dom'],
      types: [],
    };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['check.ts'] }));
    const tsc = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app);
    expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
  });
});
