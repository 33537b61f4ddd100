// The CT simulator as its own process for the benchmark (so its work is not charged to the load
// generator or to a server), and a client for its /__sim/* control API over HTTP.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/net.js';
import { spawnServer, type Spawned } from './proc.js';

export const REPO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface SimulatorControl {
  /** Base URL: /api/v1, /oauth and /__sim share it. */
  url: string;
  pid: number;
  setLatency(ms: number): Promise<void>;
  registerRedirectUri(uri: string): Promise<void>;
  resetLog(): Promise<void>;
  /** How many /api/ requests arrived since the last reset. */
  apiCallCount(): Promise<number>;
  stop(): Promise<void>;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`simulator ${method} ${path} answered HTTP ${res.status}: ${text.slice(0, 200)}`);
  return text === '' ? null : (JSON.parse(text) as unknown);
}

export async function startSimulator(): Promise<SimulatorControl> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const spawned: Spawned = await spawnServer({
    name: 'simulator',
    command: process.execPath,
    args: ['--import', 'tsx', 'simulator/server.ts'],
    cwd: REPO_DIR,
    env: { SIMULATOR_PORT: String(port), SIMULATOR_HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    readyUrl: `${url}/__sim`,
  });
  return {
    url,
    pid: spawned.pid,
    setLatency: async (ms) => void (await call(url, 'POST', '/__sim/latency', { ms })),
    registerRedirectUri: async (uri) => void (await call(url, 'POST', '/__sim/redirect-uris', { uri })),
    resetLog: async () => void (await call(url, 'DELETE', '/__sim/log')),
    apiCallCount: async () => ((await call(url, 'GET', '/__sim/log')) as { apiCalls: number }).apiCalls,
    stop: () => spawned.stop(),
  };
}
