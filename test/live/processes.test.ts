// Facade processes over real sockets: `src/server.ts` run by node as a child, the simulator served on
// a port by this process. With REDIS_URL, a child holding a topic's lease is killed (SIGKILL: no
// release, its Redis connections die with it) and the in-process instance resumes polling for its
// own subscribers. Without Redis, SIGTERM ends an open stream cleanly and the process exits 0; a
// client that disconnects leaves its poller.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, DEMO, type Simulator } from '../../simulator/app.js';
import { serveSimulator } from '../../simulator/serve.js';
import type { App } from '../../src/app.js';
import { createAppOver, FACADE_URL, type Harness, harnessOver, sessionFor, TEST_SECRET } from '../harness.js';
import { freePort } from '../net.js';
import { BOX_STATE_CHANGED, boxListCalls, change, reboot, watchedLocation } from './helpers.js';
import { hasRedis, startRedis } from '../redis.js';
import { openStream } from './sse.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Long enough that a child busy starting up (tsx) still renews its lease well within it.
const INTERVAL_MS = 250;

interface Child {
  process: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output(): string;
  metric(line: string): Promise<number>;
}

let clock = Date.now();
let sim: Simulator;
let simServer: Awaited<ReturnType<typeof serveSimulator>>;
const children: Child[] = [];
const apps: App[] = [];

beforeAll(async () => {
  sim = createSimulator({ now: () => clock, rebootDurationMs: 60_000, redirectUris: [`${FACADE_URL}/auth/callback`] });
  simServer = await serveSimulator(sim, { port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  for (const child of children) child.process.kill('SIGKILL');
  await Promise.all(apps.map((app) => app.close()));
  await new Promise<void>((resolve) => simServer.server.close(() => resolve()));
});

/** `node --import tsx src/server.ts` against the served simulator; resolves once /healthz answers. */
async function startFacade(env: Record<string, string>): Promise<Child> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: FACADE_URL,
      CT_API_URL: `${simServer.url}/api/v1`,
      CT_OAUTH_URL: simServer.url,
      CT_CLIENT_ID: DEMO.clientId,
      CT_CLIENT_SECRET: DEMO.clientSecret,
      SESSION_SECRET: TEST_SECRET,
      LOG_LEVEL: 'warn',
      LIVE_POLL_INTERVAL_MS: String(INTERVAL_MS),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output += String(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const started: Child = {
    process: child,
    url,
    exited,
    output: () => output,
    async metric(line) {
      const text = await (await fetch(`${url}/metrics`)).text();
      return Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1]);
    },
  };
  children.push(started);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the facade exited before it was ready:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return started;
    } catch {
      // not listening yet
    }
    if (i > 300) throw new Error(`the facade did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function inProcess(env: Record<string, string>): App {
  const { app } = createAppOver(sim, { LIVE_POLL_INTERVAL_MS: String(INTERVAL_MS), ...env });
  apps.push(app);
  return app;
}

const over = (app: App): Harness => harnessOver(sim, app);
// Sealed without the CT account, as sessions were before they carried it.
const login = (app: App): Promise<string> => sessionFor(app, sim, { withAccount: false });

function overSocket(child: Child, token: string, locationId: string, signal?: AbortSignal) {
  return openStream(
    fetch,
    { query: BOX_STATE_CHANGED, variables: { id: locationId } },
    { url: `${child.url}/graphql`, headers: { authorization: `Bearer ${token}` }, ...(signal ? { signal } : {}) },
  );
}

describe.skipIf(!hasRedis)('two facade processes with one redis-server', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => {
    redis?.child.kill('SIGKILL');
  });

  it('one poller in all; kill the lease holder and the other process resumes polling for its subscribers', async () => {
    const holder = await startFacade({ REDIS_URL: redis.url });
    const other = inProcess({ REDIS_URL: redis.url });
    const token = await login(other);
    const watched = await watchedLocation(over(other), token);
    sim.resetLog();

    // The child takes the lease (its subscriber's stream starts after its baseline poll), the in-process instance follows.
    const onChild = await overSocket(holder, token, watched.locationId);
    expect(onChild.response.status).toBe(200);
    expect(onChild.response.headers.get('x-accel-buffering')).toBe('no');
    expect(onChild.response.headers.get('connection')).toBe('close');
    const onOther = await openStream(
      (r) => other.fetch(r),
      { query: BOX_STATE_CHANGED, variables: { id: watched.locationId } },
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(await holder.metric('ct_graphql_live_pollers{kind="boxes"}')).toBe(1);
    expect(other.live.stats.pollers.boxes).toBe(0);

    await reboot(over(other), token, watched.box.id);
    expect(change(await onChild.nextResult())).toMatchObject({ previousState: 'ONLINE', box: { state: 'REBOOTING' } });
    expect(change(await onOther.nextResult())).toMatchObject({ previousState: 'ONLINE', box: { state: 'REBOOTING' } });
    expect(other.live.stats.polls.boxes).toBe(0);

    holder.process.kill('SIGKILL');
    await holder.exited;
    // The lease lapses within 1.5 intervals, the follower looks every half interval: it polls on.
    const polled = other.live.stats.polls.boxes;
    const called = boxListCalls(over(other), watched.slug);
    await other.live.nextPoll();
    await other.live.nextPoll();
    expect(other.live.stats.pollers.boxes).toBe(1);
    expect(other.live.stats.polls.boxes).toBeGreaterThanOrEqual(polled + 2);
    expect(boxListCalls(over(other), watched.slug)).toBeGreaterThanOrEqual(called + 2);
    clock += 60_001;
    expect(change(await onOther.nextResult())).toMatchObject({ previousState: 'REBOOTING', box: { state: 'ONLINE' } });
    await onOther.close();
  });
});

describe('a facade process without Redis', () => {
  it('SIGTERM ends an open stream cleanly (complete) and the process exits 0', async () => {
    const child = await startFacade({});
    const signer = inProcess({});
    const token = await login(signer);
    const watched = await watchedLocation(over(signer), token);
    const stream = await overSocket(child, token, watched.locationId);
    expect(stream.response.status).toBe(200);
    child.process.kill('SIGTERM');
    expect(await stream.rest()).toEqual([{ event: 'complete', data: null }]);
    expect(await child.exited).toBe(0);
  });

  it('a client that disconnects leaves: the poller stops with it', async () => {
    const child = await startFacade({});
    const signer = inProcess({});
    const token = await login(signer);
    const watched = await watchedLocation(over(signer), token);
    const aborter = new AbortController();
    const stream = await overSocket(child, token, watched.locationId, aborter.signal);
    await stream.untilComments(1);
    expect(await child.metric('ct_graphql_live_subscriptions{kind="boxes"}')).toBe(1);
    aborter.abort();
    for (let i = 0; (await child.metric('ct_graphql_live_pollers{kind="boxes"}')) !== 0; i++) {
      if (i > 100) throw new Error('the poller did not stop after the client left');
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    }
    expect(await child.metric('ct_graphql_live_subscriptions{kind="boxes"}')).toBe(0);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });
});
