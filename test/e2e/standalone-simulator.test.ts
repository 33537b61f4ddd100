/**
 * `npm run simulator` as a person runs it, then a facade started with exactly the environment it
 * printed (on a port the simulator never heard of, PUBLIC_URL left to its localhost default):
 * sign-in through the consent page works and the session reads the demo account. Also what
 * `npm start` prints first: the PUBLIC_URL links, then the bind address, labelled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEMO } from '../../simulator/app.js';
import { main } from '../../src/server.js';
import { submitConsent } from '../consent.js';
import { freePort } from '../net.js';
import { childEnv, exited, ROOT, watchOutput } from './processes.js';

describe('npm run simulator, and a facade pointed at it', () => {
  let simulator: ChildProcess | undefined;
  let facade: Awaited<ReturnType<typeof main>> | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    await facade?.close();
    if (simulator?.pid && simulator.exitCode === null) {
      // npm, its shell and tsx form one process group of their own (detached): end them together.
      process.kill(-simulator.pid, 'SIGTERM');
      await exited(simulator);
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the environment, and a facade on any local port signs in with it', async () => {
    const simPort = await freePort();
    simulator = spawn('npm', ['run', 'simulator'], { cwd: ROOT, detached: true, env: childEnv({ SIMULATOR_PORT: String(simPort) }) });
    const output = watchOutput(simulator);
    await output.waitFor(/^\s+npm start$/);
    const printed = Object.fromEntries([...output.text().matchAll(/^\s+(CT_[A-Z_]+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!]));
    expect(printed).toEqual({
      CT_API_URL: `http://127.0.0.1:${simPort}/api/v1`,
      CT_OAUTH_URL: `http://127.0.0.1:${simPort}`,
      CT_CLIENT_ID: DEMO.clientId,
      CT_CLIENT_SECRET: DEMO.clientSecret,
    });

    const port = await freePort();
    dataDir = await mkdtemp(join(tmpdir(), 'ctg-standalone-'));
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((text: unknown) => void lines.push(String(text)));
    try {
      facade = await main({ ...printed, PORT: String(port), LOG_LEVEL: 'warn', DATA_DIR: dataDir, SESSION_SECRET: 'x'.repeat(32) });
    } finally {
      log.mockRestore();
    }
    // The links a person should open come first, on PUBLIC_URL; the bind address after them, labelled.
    const banner = lines.join('\n').trim().split('\n');
    expect(banner.slice(0, 3)).toEqual([
      `playground:    http://localhost:${port}/graphql`,
      `sign in:       http://localhost:${port}/auth/login?redirect=/graphql`,
      `ct-graphql listening on http://127.0.0.1:${port} (bind address; open the links above)`,
    ]);

    const base = `http://127.0.0.1:${port}`;
    const login = await fetch(`${base}/auth/login`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const authorize = login.headers.get('location')!;
    expect(new URL(authorize).searchParams.get('redirect_uri')).toBe(`http://localhost:${port}/auth/callback`);
    const back = new URL(await submitConsent((request) => fetch(request, { redirect: 'manual' }), authorize));
    expect(back.origin).toBe(`http://localhost:${port}`);

    const stateCookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const callback = await fetch(`${base}${back.pathname}${back.search}`, { headers: { accept: 'application/json', cookie: stateCookie } });
    expect(callback.status).toBe(200);
    const { token } = (await callback.json()) as { token: string };
    const answer = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ viewer { username } }' }),
    });
    expect(await answer.json()).toMatchObject({ data: { viewer: { username: DEMO.username } } });
  }, 60_000);
});
