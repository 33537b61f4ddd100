/**
 * Issue 12's acceptance with real processes: two compiled facades (`node dist/src/server.js`,
 * built once in a fresh copy) with the same SESSION_SECRET on ONE real PostgreSQL
 * (test/postgres.ts; skipped with a message when it is not installed), CT a simulator this test
 * serves on a loopback port. An API token is minted through the device flow over HTTP (started
 * and confirmed on one process, claimed on the other); then CT expires every access token three
 * times, and after each rotation requests go to both processes, one at a time alternately and
 * eight at once: every one succeeds, and the simulator's OAuth log shows exactly one refresh per
 * rotation. test/app/api-tokens-postgres.test.ts covers the same with two apps in one process.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/app.js';
import { serveSimulator } from '../../simulator/serve.js';
import { signInDevice } from '../device.js';
import { POSTGRES_MISSING, postgresBinaries, type PostgresServer, startPostgres } from '../postgres.js';
import { build, type Clone, freshClone, spawnFacade, stopProcesses } from './processes.js';

if (!postgresBinaries) console.warn(POSTGRES_MISSING);

const VIEWER = '{ viewer { username } }';

type Facade = Awaited<ReturnType<typeof spawnFacade>>;

/** The refreshes CT saw: every POST to its token endpoint (the log has no bodies; the device sign-in's exchange is before the reset). */
const refreshes = (sim: Simulator) => sim.log.filter((e) => e.method === 'POST' && e.path === '/oauth/token');

async function viewer(facade: Facade, token: string): Promise<{ status: number; body: { data?: any; errors?: unknown } }> {
  const response = await fetch(`${facade.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: VIEWER }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: unknown } };
}

describe.skipIf(!postgresBinaries)('two facade processes on one PostgreSQL', () => {
  let clone: Clone;
  let postgres: PostgresServer;
  let sim: Simulator;
  let ct: Awaited<ReturnType<typeof serveSimulator>>;
  const children: ChildProcess[] = [];

  async function startFacade(databaseUrl: string): Promise<Facade> {
    const facade = await spawnFacade(clone.dir, ct.url, { DATABASE_URL: databaseUrl }, (child) => children.push(child));
    // Registered before any sign-in: the device flow's callback comes back to this process.
    sim.control.registerRedirectUri(`${facade.base}/auth/callback`);
    return facade;
  }

  beforeAll(async () => {
    // The build and PostgreSQL's start are the slow part, and independent: side by side.
    clone = freshClone();
    const [server] = await Promise.all([startPostgres(), Promise.resolve().then(() => build(clone.dir))]);
    postgres = server;
    sim = createSimulator();
    ct = await serveSimulator(sim, { port: 0, host: '127.0.0.1' });
  }, 60_000);

  afterAll(async () => {
    await stopProcesses(children, ct);
    postgres?.stop();
    clone?.remove();
  });

  it('across three CT rotations, requests split between them all succeed with one refresh per rotation', async () => {
    const url = await postgres.createDatabase('facades');
    // Started together: both open the store and run its migrations at once, as a rolling deploy does.
    const [a, b] = await Promise.all([startFacade(url), startFacade(url)]);

    // The device flow over HTTP: started and confirmed on a, claimed on b (the device code is in the shared store).
    const started = await fetch(`${a.base}/auth/device`, { method: 'POST', body: new URLSearchParams({ name: 'two processes' }) });
    const device = (await started.json()) as { device_code: string; verification_uri_complete: string };
    const browser = { fetch: (request: Request) => fetch(request) };
    const page = await signInDevice(browser, browser, device.verification_uri_complete);
    expect(page.status).toBe(200);
    const claimed = await fetch(`${b.base}/auth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code }),
    });
    const { access_token: token } = (await claimed.json()) as { access_token: string };
    expect(token).toMatch(/^ctg_/);

    for (let rotation = 1; rotation <= 3; rotation++) {
      sim.control.expireAllTokens();
      sim.resetLog();
      const alternately = async () => {
        for (const facade of [a, b, a, b]) {
          const { status, body } = await viewer(facade, token);
          expect([status, body.errors], `rotation ${rotation}, ${facade.base}`).toEqual([200, undefined]);
          expect(body.data.viewer.username).toBe('demo');
        }
      };
      const concurrently = async () => {
        const answers = await Promise.all([a, b, a, b, a, b, a, b].map((facade) => viewer(facade, token)));
        for (const { status, body } of answers)
          expect([status, body], `rotation ${rotation}`).toEqual([
            200,
            expect.objectContaining({ data: { viewer: { username: 'demo' } } }),
          ]);
      };
      // The first requests after a rotation decide who refreshes: one at a time first (the other
      // process must learn the new grant from the store), or eight at once first (both race for it).
      if (rotation === 1) {
        await alternately();
        await concurrently();
      } else {
        await concurrently();
        await alternately();
      }
      expect(
        refreshes(sim).map((e) => e.status),
        `rotation ${rotation}`,
      ).toEqual([200]);
    }
  }, 60_000);
});
