/**
 * Graceful shutdown (issue 16), on the compiled facade as production runs it: `node
 * dist/src/server.js` built in a fresh copy, so what is tested is what `npm start` serves, signal
 * handling included (tsx would put a loader between the signal and our handler). CT is a
 * simulator served by this test, behind a gate the test can close: CT calls that arrive while it
 * is closed wait there, so "in flight" is a fact the test sees, not a race it hopes to win.
 *
 * SIGTERM while 16 requests are in flight (held at the gate, then CT latency 200 ms, two CT
 * rounds each): a new connection is refused, /readyz answers 503 on a keep-alive connection opened
 * before the signal, every request completes with 200, and the process exits 0 (which it does
 * only when nothing had to be cut at the end of the grace period). A second signal exits at once
 * with 143 (unless it comes so soon after the first that it is the same one delivered twice).
 * In process, the grace period's end cuts a request that outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, DEMO, type Simulator } from '../../simulator/app.js';
import { serveSimulator } from '../../simulator/serve.js';
import { createSessionSealer } from '../../src/auth/session.js';
import { main, SAME_SIGNAL_MS } from '../../src/server.js';
import { simulatorUserId, TEST_SECRET } from '../harness.js';
import { freePort } from '../net.js';
import { build, childEnv, exited, freshClone, hasProc, until, watchOutput, type Clone } from './processes.js';

const GRACE_MS = 10_000;
/** Two CT rounds: a page of locations, then each location's boxes. */
const QUERY = '{ locations(first: 2) { nodes { name boxes(first: 1) { totalCount } } } }';

let sim: Simulator;
let ct: Awaited<ReturnType<typeof serveSimulator>>;
let token: string;
/** CT calls waiting at the closed gate; null while it is open. */
let held: Array<() => void> | null = null;

function closeGate(): void {
  held = [];
}

function openGate(): void {
  const waiting = held ?? [];
  held = null;
  for (const release of waiting) release();
}

const heldCalls = (): number => held?.length ?? 0;

beforeAll(async () => {
  sim = createSimulator();
  const gated: Simulator = Object.create(sim, {
    fetch: {
      value: async (input: Request | string | URL, init?: RequestInit) => {
        if (held) await new Promise<void>((release) => held!.push(release));
        return sim.fetch(input, init);
      },
    },
  });
  ct = await serveSimulator(gated, { port: 0, host: '127.0.0.1' });
  const issued = sim.control.issueTokens();
  const sealer = await createSessionSealer({ secrets: [TEST_SECRET], maxAgeSeconds: 3600 });
  token = (
    await sealer.seal(
      {
        accessToken: issued.access_token,
        refreshToken: issued.refresh_token,
        expiresAt: (issued.created_at + issued.expires_in) * 1000,
      },
      { ctUserId: simulatorUserId(sim) },
    )
  ).token;
});

afterAll(async () => {
  openGate();
  ct?.server.closeAllConnections();
  await new Promise((r) => ct?.server.close(r));
});

function facadeEnv(port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    CT_API_URL: `${ct.url}/api/v1`,
    CT_OAUTH_URL: ct.url,
    CT_CLIENT_ID: DEMO.clientId,
    CT_CLIENT_SECRET: DEMO.clientSecret,
    SESSION_SECRET: TEST_SECRET,
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
    ...extra,
  };
}

function query(base: string): Promise<Response> {
  return fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY }),
  });
}

/** GET over a given agent (fetch has no way to pin a request to an open socket). */
function get(url: string, agent: Agent): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves with the error code of a fresh TCP connection to `port` (or 'connected'). */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe.skipIf(!hasProc)('SIGTERM on the compiled facade', () => {
  let clone: Clone;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    clone = freshClone();
    build(clone.dir);
  });
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    clone?.remove();
  });

  async function start(extra: Record<string, string> = {}) {
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/src/server.js'], { cwd: clone.dir, env: childEnv(facadeEnv(port, extra)) });
    children.push(child);
    const output = watchOutput(child);
    await output.waitFor(/ct-graphql listening on/);
    return { child, output, port, base: `http://127.0.0.1:${port}` };
  }

  it('lets 16 requests in flight finish with 200, answers /readyz 503, refuses new connections, exits 0', async () => {
    const { child, output, port, base } = await start();
    // One keep-alive socket, opened (and left idle) before the signal: the only way to reach a
    // draining instance, since the listener closes at once.
    const probe = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await get(`${base}/readyz`, probe)).status).toBe(200);

      sim.control.setLatency(200);
      sim.resetLog();
      closeGate();
      const inFlight = Array.from({ length: 16 }, () => query(base));
      // Each request's first CT call waits at the gate: all 16 are inside the facade.
      await until(() => heldCalls() === 16);

      const signalled = performance.now();
      child.kill('SIGTERM');
      await output.waitFor(/shutting down: draining/);

      expect(await tryConnect(port)).toBe('ECONNREFUSED');
      const ready = await get(`${base}/readyz`, probe);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body)).toEqual({ status: 'unavailable', reason: 'DRAINING' });
      expect(ready.headers.connection).toBe('close');

      openGate();
      const responses = await Promise.all(inFlight);
      for (const response of responses) {
        expect(response.status).toBe(200);
        const body = (await response.json()) as { data: { locations: { nodes: unknown[] } }; errors?: unknown };
        expect(body.errors).toBeUndefined();
        expect(body.data.locations.nodes).toHaveLength(2);
      }

      expect(await exited(child)).toEqual({ code: 0, signal: null });
      expect(performance.now() - signalled).toBeLessThan(GRACE_MS);
      expect(output.text()).toMatch(/"cut":0,.*"msg":"shut down"/);
      // Two CT rounds each, all made after the signal: nothing was answered from a shortcut.
      expect(sim.apiCalls()).toHaveLength(16 * 3);
    } finally {
      probe.destroy();
      openGate();
      sim.control.setLatency(0);
    }
  });

  it('exits at once with 143 on a second SIGTERM', async () => {
    const { child, output, base } = await start();
    try {
      closeGate();
      const stuck = query(base).catch((error: unknown) => error);
      await until(() => heldCalls() > 0);
      child.kill('SIGTERM');
      await output.waitFor(/shutting down: draining/);
      // Closer together, two signals count as one (the same Ctrl-C from the terminal and from npm).
      await new Promise((r) => setTimeout(r, SAME_SIGNAL_MS + 100));
      child.kill('SIGTERM');
      expect(await exited(child)).toEqual({ code: 143, signal: null });
      expect(await stuck).toBeInstanceOf(Error);
    } finally {
      openGate();
      ct.server.closeAllConnections();
    }
  });
});

describe('the end of the grace period', () => {
  it('cuts a request that outlives it, and says so', async () => {
    const port = await freePort();
    const running = await main(facadeEnv(port, { SHUTDOWN_GRACE_MS: '100', LOG_LEVEL: 'silent' }));
    try {
      closeGate();
      const stuck = query(`http://127.0.0.1:${port}`).catch((error: unknown) => error);
      await until(() => heldCalls() > 0);
      expect(await running.close()).toEqual({ cut: 1 });
      expect(await stuck).toBeInstanceOf(Error);
    } finally {
      openGate();
      ct.server.closeAllConnections();
    }
  });
});
