/**
 * Helpers for the tests that run the facade as a real process: a fresh copy of the repository
 * (what a clone holds, with this checkout's node_modules linked in, and no dist/), the built
 * facade, lines awaited on a child's output, and Linux's /proc to see what a process really runs.
 */
import { spawn, spawnSync, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Server } from 'node:http';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO } from '../../simulator/app.js';
import { freePort } from '../net.js';
import { TEST_SECRET } from '../harness.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** What `npm start` and `npm run build` read; tests, bench and docs are not needed to serve. */
const CLONED = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts',
  'src',
  'simulator',
  'examples/board',
];

export interface Clone {
  dir: string;
  remove(): void;
}

/**
 * A temporary copy of the repository's sources, as a fresh clone has them (no dist/), with
 * node_modules linked to this checkout's: node resolves packages by walking up from dist/, so
 * the compiled facade finds the same dependencies the tests use. `extra`: more of the repository
 * (what `npm pack` ships beside dist/, such as README.md and schema.graphql).
 */
export function freshClone(extra: string[] = []): Clone {
  const dir = mkdtempSync(join(tmpdir(), 'ct-graphql-clone-'));
  for (const entry of [...CLONED, ...extra]) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `npm run build` in `dir` with the Node running the tests; throws with tsc's output on failure. */
export function build(dir: string): string {
  const run = spawnSync(process.execPath, [join(dir, 'scripts/build.mjs')], { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`build failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

/** The environment for a child, with the Node running the tests first on PATH (npm scripts call `node`). */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, ...extra };
  // Whatever the test runner put there must not reach the child: its command line is under test.
  delete env.NODE_OPTIONS;
  return env;
}

/**
 * A compiled facade (`node dist/src/server.js` in `dir`) on a free loopback port, pointed at the
 * simulator served at `ctUrl`, with the test secret and `extra` on top; resolves once it listens.
 * `track` gets the child at once, so a test can kill it even when it never comes up.
 */
export async function spawnFacade(
  dir: string,
  ctUrl: string,
  extra: Record<string, string>,
  track: (child: ChildProcess) => void,
): Promise<{ child: ChildProcess; base: string; output: ReturnType<typeof watchOutput> }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['dist/src/server.js'], {
    cwd: dir,
    env: childEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: base,
      CT_API_URL: `${ctUrl}/api/v1`,
      CT_OAUTH_URL: ctUrl,
      CT_CLIENT_ID: DEMO.clientId,
      CT_CLIENT_SECRET: DEMO.clientSecret,
      SESSION_SECRET: TEST_SECRET,
      LOG_LEVEL: 'info',
      ...extra,
    }),
  });
  track(child);
  const output = watchOutput(child);
  await output.waitFor(/ct-graphql listening on/);
  return { child, base, output };
}

/** Collects a child's stdout and stderr, and resolves when a line matching `pattern` appears. */
export function watchOutput(child: ChildProcess): { text(): string; waitFor(pattern: RegExp): Promise<string> } {
  let text = '';
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const waiter of [...waiters]) {
      const line = text.split('\n').find((l) => waiter.pattern.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return {
    text: () => text,
    waitFor(pattern) {
      const line = text.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolveLine, reject) => {
        waiters.push({ pattern, resolve: resolveLine });
        child.once('exit', (code) => reject(new Error(`process exited (${code}) before printing ${pattern}:\n${text}`)));
      });
    },
  };
}

/** What a finished command said and how it ended. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's output (after writing `stdin`, or nothing, to it) until it closes. */
export function finished(child: ChildProcessWithoutNullStreams, stdin = ''): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  child.stdin.end(stdin);
  return new Promise((resolveRun, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** The end of a test file that ran facade processes over a served simulator: what is still running is killed, the simulator closed. */
export async function stopProcesses(children: ChildProcess[], ct: { server: Server } | undefined): Promise<void> {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (!ct) return;
  ct.server.closeAllConnections();
  await new Promise((resolveClose) => ct.server.close(resolveClose));
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
}

/** Polls until `check` is true; the test's timeout bounds it. */
export async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 10));
}

export const hasProc = existsSync('/proc/self/cmdline');

/** A process's argv as the kernel holds it. */
export function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** A process's environment, as the kernel holds it. */
export function environ(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** Every process whose chain of parents leads to `pid`, from /proc/<pid>/stat. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The command may contain spaces and parentheses: the fields after the last ')' are fixed.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
    } catch {
      // The process ended while the list was read.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}
