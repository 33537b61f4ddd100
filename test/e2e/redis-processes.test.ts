/**
 * Issue 16's budget acceptance with real processes: two compiled facades (`node dist/src/server.js`,
 * built once in a fresh copy) with the same SESSION_SECRET sharing ONE real redis-server
 * (test/redis.ts; skipped when it is not installed), RATE_LIMIT_CT_CALLS=6, CT a simulator this
 * test serves on a loopback port. One user's requests, alternately to both, stop at the budget in
 * total (not twice it), and the refusals carry Retry-After and reach no CT.
 * test/app/ct-budget.test.ts covers the same with two apps in one process.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/app.js';
import { serveSimulator } from '../../simulator/serve.js';
import { createSessionSealer } from '../../src/auth/session.js';
import { loadCtData } from '../graphql/ct-data.js';
import { simulatorUserId, TEST_SECRET } from '../harness.js';
import { hasRedis, startRedis } from '../redis.js';
import { build, type Clone, freshClone, spawnFacade, stopProcesses } from './processes.js';

const LIMIT = 6;
/** One CT call, estimated at one. */
const ONE_CALL = 'query One($slug: String!) { location(slug: $slug) { name } }';

type Facade = Awaited<ReturnType<typeof spawnFacade>>;

describe.skipIf(!hasRedis)('two facade processes sharing one redis-server: the CT-call budget', () => {
  let clone: Clone;
  let redis: { child: ChildProcess; url: string };
  let sim: Simulator;
  let ct: Awaited<ReturnType<typeof serveSimulator>>;
  const children: ChildProcess[] = [];

  async function startFacade(): Promise<Facade> {
    return spawnFacade(
      clone.dir,
      ct.url,
      {
        REDIS_URL: redis.url,
        RATE_LIMIT_CT_CALLS: String(LIMIT),
        // Each its own embedded store: only Redis is shared, so only Redis can make the budget one.
        DATA_DIR: mkdtempSync(join(clone.dir, 'data-')),
      },
      (child) => children.push(child),
    );
  }

  beforeAll(async () => {
    // The build and redis-server's start are independent: side by side.
    clone = freshClone();
    const [server] = await Promise.all([startRedis(), Promise.resolve().then(() => build(clone.dir))]);
    redis = server;
    sim = createSimulator();
    ct = await serveSimulator(sim, { port: 0, host: '127.0.0.1' });
  }, 60_000);

  afterAll(async () => {
    await stopProcesses(children, ct);
    redis?.child.kill('SIGKILL');
    clone?.remove();
  });

  it("stops a user's requests alternating over both at the budget in total; a refusal has Retry-After, costs no CT call", async () => {
    const [a, b] = await Promise.all([startFacade(), startFacade()]);
    // A session sealed with the shared SESSION_SECRET, as /auth/callback seals it (its CT account included).
    const issued = sim.control.issueTokens();
    const sealer = await createSessionSealer({ secrets: [TEST_SECRET], maxAgeSeconds: 3600 });
    const { token } = await sealer.seal(
      { accessToken: issued.access_token, refreshToken: issued.refresh_token, expiresAt: (issued.created_at + issued.expires_in) * 1000 },
      { ctUserId: simulatorUserId(sim) },
    );
    const slug = (await loadCtData(sim)).locations[0]!.slug;
    sim.resetLog();

    const post = (facade: Facade) =>
      fetch(`${facade.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: ONE_CALL, variables: { slug } }),
      });

    const statuses: number[] = [];
    for (let i = 0; i < 2 * LIMIT; i++) {
      const facade = i % 2 === 0 ? a : b;
      const callsBefore = sim.apiCalls().length;
      const response = await post(facade);
      statuses.push(response.status);
      const body = (await response.json()) as { errors?: Array<{ extensions: { code: string; retryAfter: number } }> };
      if (response.status === 429) {
        expect(body.errors?.[0]?.extensions.code).toBe('RATE_LIMITED');
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(Number(response.headers.get('retry-after'))).toBe(body.errors?.[0]?.extensions.retryAfter);
        // Refused before any CT call.
        expect(sim.apiCalls().length).toBe(callsBefore);
      }
    }
    // The budget once in total over both processes, not once per process.
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(200), ...Array<number>(LIMIT).fill(429)]);
    expect(sim.apiCalls()).toHaveLength(LIMIT);
  }, 60_000);
});
