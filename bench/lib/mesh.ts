// The GraphQL Mesh peer: installs bench/mesh on first use (its own package.json, not the project's
// npm ci), composes the supergraph from openapi.json against a given CT API base, and serves it
// with the Hive gateway runtime as a child process on a free loopback port.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/net.js';
import { spawnServer, type Spawned } from './proc.js';

export const MESH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'mesh');
const SUPERGRAPH = join(MESH_DIR, '.work', 'supergraph.graphql');

export interface MeshInstall {
  installed: boolean;
  seconds: number;
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    // Drop the npm_* variables of the enclosing `npm run bench`, so the nested npm works on bench/mesh alone.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
    const child = spawn(command, args, { cwd, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${out.slice(-3000)}`));
    });
  });
}

/** `npm install` inside bench/mesh when its node_modules is missing (the npm registry only). */
export async function ensureMeshInstalled(log: (line: string) => void = () => {}): Promise<MeshInstall> {
  if (existsSync(join(MESH_DIR, 'node_modules', '@graphql-hive', 'gateway-runtime', 'package.json'))) {
    return { installed: false, seconds: 0 };
  }
  log('installing GraphQL Mesh into bench/mesh/node_modules (first run only) ...');
  const started = performance.now();
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], MESH_DIR);
  return { installed: true, seconds: (performance.now() - started) / 1000 };
}

/** Writes bench/mesh/.work/supergraph.graphql for the CT API at `apiUrl` (e.g. http://127.0.0.1:N/api/v1). */
export async function composeSupergraph(apiUrl: string): Promise<string> {
  mkdirSync(dirname(SUPERGRAPH), { recursive: true });
  await run(join(MESH_DIR, 'node_modules', '.bin', 'mesh-compose'), ['-o', SUPERGRAPH], MESH_DIR, {
    MESH_CT_API_URL: apiUrl,
  });
  return SUPERGRAPH;
}

export interface MeshServer {
  /** The GraphQL endpoint. */
  url: string;
  pid: number;
  process: Spawned;
  stop(): Promise<void>;
}

/** Installs if needed, composes against `apiUrl`, serves on a free port; resolves once it answers. */
export async function startMesh(apiUrl: string, log?: (line: string) => void): Promise<MeshServer & { install: MeshInstall }> {
  const install = await ensureMeshInstalled(log);
  const supergraph = await composeSupergraph(apiUrl);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const spawned = await spawnServer({
    name: 'mesh',
    command: process.execPath,
    args: ['serve.mjs', supergraph, String(port)],
    cwd: MESH_DIR,
    env: { MESH_LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    readyUrl: `${base}/healthcheck`,
  });
  // The gateway loads the supergraph lazily: one trivial query makes it ready before timing starts.
  const warm = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  await warm.arrayBuffer();
  return { url: `${base}/graphql`, pid: spawned.pid, process: spawned, stop: () => spawned.stop(), install };
}
