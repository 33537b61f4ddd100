/**
 * The compiled start (issue 16): in a fresh copy of the repository (no dist/), `npm start` builds
 * with tsc and serves dist/ with plain node. Checked from the outside, through /proc: the serving
 * process is node on dist/src/server.js with no TypeScript loader in its arguments or NODE_OPTIONS,
 * and it is the Node that runs these tests. The playground's own files (copied by the build) and
 * GraphiQL's (read from node_modules) are served from dist/. Ctrl-C (SIGINT to the process group,
 * which npm forwards once more) while a request is in flight shuts it down gracefully, once: the
 * request completes and the exit code is 0.
 * Then the build stamp: an unchanged tree is not rebuilt; an added or a deleted source file is.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../net.js';
import { childEnv, cmdline, descendants, environ, exited, freshClone, hasProc, ROOT, until, watchOutput, type Clone } from './processes.js';

const LOADER = /tsx|--import|--loader|--require|strip-types|transform-types/;

describe.skipIf(!hasProc)('npm start in a fresh clone', () => {
  let clone: Clone;
  beforeAll(() => {
    clone = freshClone();
  });
  afterAll(() => clone?.remove());

  it('builds dist/ and serves it with plain node, which Ctrl-C ends gracefully with 0', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // A process group of its own, as a terminal gives `npm start`, so the test can press Ctrl-C.
    const npm = spawn('npm', ['start'], {
      cwd: clone.dir,
      detached: true,
      env: childEnv({ PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: base, LOG_LEVEL: 'info' }),
    });
    try {
      const output = watchOutput(npm);
      await output.waitFor(/ct-graphql listening on/);
      expect(output.text()).toContain('building (dist/ has no build yet)');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);

      const tree = [npm.pid!, ...descendants(npm.pid!)];
      const server = tree.find((pid) => cmdline(pid).some((arg) => arg.endsWith('server.js')));
      expect(server, `no server.js process among ${tree.map((pid) => cmdline(pid).join(' ')).join(' | ')}`).toBeDefined();
      const argv = cmdline(server!);
      expect(basename(argv[0]!)).toBe('node');
      expect(argv.slice(1)).toEqual(['dist/src/server.js']);
      expect(realpathSync(`/proc/${server}/exe`)).toBe(realpathSync(process.execPath));
      expect(environ(server!).NODE_OPTIONS ?? '').not.toMatch(LOADER);
      for (const pid of tree) expect(cmdline(pid).join(' ')).not.toMatch(LOADER);

      // Our files beside the compiled module, GraphiQL's from node_modules, and the page using both.
      const boot = await fetch(`${base}/graphql/assets/boot.js`);
      expect(boot.status).toBe(200);
      expect(await boot.text()).toBe(readFileSync(join(ROOT, 'src/playground/boot.js'), 'utf8'));
      expect((await fetch(`${base}/graphql/assets/playground.css`)).status).toBe(200);
      const bundle = await fetch(`${base}/graphql/assets/yoga-graphiql.umd.js`);
      expect(bundle.status).toBe(200);
      expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
      const page = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('/graphql/assets/boot.js');

      // A request in flight, so the shutdown outlasts the duplicate SIGINT: /readyz's first CT
      // ping, slowed down by the embedded simulator's latency switch.
      const simulator = /CT simulator:\s+(http:\/\/\S+)/.exec(output.text())?.[1];
      expect(simulator, output.text()).toBeDefined();
      await fetch(`${simulator}/__sim/latency`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ms: 500 }),
      });
      const ready = fetch(`${base}/readyz`);
      await until(async () =>
        ((await (await fetch(`${simulator}/__sim/log`)).json()) as { log: Array<{ path: string }> }).log.some((e) =>
          e.path.includes('/ping'),
        ),
      );

      process.kill(-npm.pid!, 'SIGINT');
      expect((await ready).status).toBe(200);
      expect(await exited(npm)).toEqual({ code: 0, signal: null });
      // SIGINT reached node from the group and from npm (twice, unless the kernel merged them):
      // one graceful shutdown, no abrupt exit.
      expect(output.text().match(/shutting down: draining/g)).toHaveLength(1);
      expect(output.text()).toMatch(/"cut":0,.*"msg":"shut down"/);
      expect(output.text()).not.toContain('second signal');
    } finally {
      if (npm.exitCode === null && npm.signalCode === null) process.kill(-npm.pid!, 'SIGKILL');
    }
  });

  it('rebuilds only when a source changed, and a rebuild drops what a deleted source left', () => {
    const ifStale = () => {
      const run = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: clone.dir, encoding: 'utf8', env: childEnv({}) });
      expect(run.status, run.stderr).toBe(0);
      return run.stdout;
    };
    const asset = join(clone.dir, 'src/playground/extra.txt');
    const built = join(clone.dir, 'dist/src/playground/extra.txt');

    expect(ifStale()).toBe('');
    writeFileSync(asset, 'added after the build');
    expect(ifStale()).toMatch(/building \(src\/playground(\/extra\.txt)? changed since the last build\)/);
    expect(existsSync(built)).toBe(true);
    expect(ifStale()).toBe('');
    rmSync(asset);
    expect(ifStale()).toMatch(/building \(src\/playground changed since the last build\)/);
    expect(existsSync(built)).toBe(false);

    // The /board example is an input too: an edit to it rebuilds dist/board/.
    expect(existsSync(join(clone.dir, 'dist/board/assets/board.js'))).toBe(true);
    const css = join(clone.dir, 'examples/board/board.css');
    writeFileSync(css, `${readFileSync(css, 'utf8')}\n.added-after-the-build { color: red; }\n`);
    expect(ifStale()).toMatch(/building \(examples\/board\/board\.css changed since the last build\)/);
    expect(readFileSync(join(clone.dir, 'dist/board/assets/board.css'), 'utf8')).toContain('.added-after-the-build');
  });
});
