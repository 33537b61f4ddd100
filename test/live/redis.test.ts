// With REDIS_URL, two facade instances (separate apps, separate Redis connections) against a real
// redis-server and one simulator: one poller in all, whose findings reach the subscribers of both;
// the lease moves when its holder closes; a sign-out on one instance ends the session's streams on
// the other; who a session is, once learned, is known to both. (A holder that dies without
// releasing its lease: processes.test.ts.)
import { GraphQLClient } from 'graphql-request';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/app.js';
import type { App } from '../../src/app.js';
import { LIVE_KEY_PREFIX } from '../../src/live/redis.js';
import { createAppOver, FACADE_URL, type Harness, harnessOver, sessionFor } from '../harness.js';
import { freePort } from '../net.js';
import { BOX_STATE_CHANGED, boxListCalls, change, meCalls, reboot, watchedLocation } from './helpers.js';
import { hasRedis, startRedis } from '../redis.js';
import { openStream, type SseStream } from './sse.js';

const INTERVAL_MS = 100;

describe.skipIf(!hasRedis)('live data across instances (REDIS_URL, real redis-server)', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  let sim: Simulator;
  let clock: number;
  let apps: App[];

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    server?.child.kill('SIGKILL');
  });
  beforeEach(async () => {
    await redis.flushall();
    clock = Date.now();
    sim = createSimulator({ now: () => clock, rebootDurationMs: 60_000, redirectUris: [`${FACADE_URL}/auth/callback`] });
    apps = [];
  });
  afterEach(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  function instance(): App {
    const { app } = createAppOver(sim, { REDIS_URL: server.url, LIVE_POLL_INTERVAL_MS: String(INTERVAL_MS) });
    apps.push(app);
    return app;
  }

  const over = (app: App): Harness => harnessOver(sim, app);
  // Sealed without the CT account, as sessions were before they carried it.
  const login = (app: App): Promise<string> => sessionFor(app, sim, { withAccount: false });

  function subscribe(app: App, token: string, locationId: string): Promise<SseStream> {
    return openStream(
      (r) => app.fetch(r),
      { query: BOX_STATE_CHANGED, variables: { id: locationId } },
      { headers: { authorization: `Bearer ${token}` } },
    );
  }

  it('subscribers on both instances: one poller in all, and each change reaches every subscriber once', async () => {
    const [a, b] = [instance(), instance()];
    const token = await login(a);
    const watched = await watchedLocation(over(a), token);
    sim.resetLog();

    const onA = await subscribe(a, token, watched.locationId);
    const onB = await subscribe(b, token, watched.locationId);
    expect(a.live.stats.pollers.boxes + b.live.stats.pollers.boxes).toBe(1);
    const anyPoll = () => Promise.race([a.live.nextPoll(), b.live.nextPoll()]);
    for (let i = 0; i < 3; i++) await anyPoll();

    await reboot(over(b), token, watched.box.id);
    expect(change(await onA.nextResult())).toMatchObject({ previousState: 'ONLINE', box: { state: 'REBOOTING' } });
    expect(change(await onB.nextResult())).toMatchObject({ previousState: 'ONLINE', box: { state: 'REBOOTING' } });
    clock += 60_001;
    expect(change(await onB.nextResult())).toMatchObject({ previousState: 'REBOOTING', box: { state: 'ONLINE' } });
    expect(change(await onA.nextResult())).toMatchObject({ previousState: 'REBOOTING', box: { state: 'ONLINE' } });

    // Nothing twice: two more polls, then what is left in each stream is its end.
    await anyPoll();
    await anyPoll();
    await onA.close();
    await onB.close();
    expect(await onA.rest()).toEqual([]);
    expect(await onB.rest()).toEqual([]);
    // Every box-list call CT saw was one poll of one of the two, never both (close() waits for a poll in flight).
    await a.close();
    await b.close();
    expect(a.live.stats.polls.boxes + b.live.stats.polls.boxes).toBeGreaterThanOrEqual(7);
    expect(boxListCalls(over(a), watched.slug)).toBe(a.live.stats.pollCtCalls.boxes + b.live.stats.pollCtCalls.boxes);
  });

  it('the holder closing hands the lease over: the other instance polls on, from the states the first saw', async () => {
    const [a, b] = [instance(), instance()];
    const token = await login(a);
    const watched = await watchedLocation(over(a), token);
    await subscribe(a, token, watched.locationId);
    const onB = await subscribe(b, token, watched.locationId);
    expect(a.live.stats.pollers.boxes).toBe(1);
    // A dead holder's lease lapses within 1.5 intervals (followers look every half interval: polling resumes within two).
    const [leaseKey] = await redis.keys(`${LIVE_KEY_PREFIX}lease:*`);
    expect(await redis.pttl(leaseKey!)).toBeLessThanOrEqual(INTERVAL_MS * 1.5);

    // The reboot happens while nobody polls: the next holder still sees it as a change.
    await a.close();
    await reboot(over(b), token, watched.box.id);
    await b.live.nextPoll();
    expect(b.live.stats.pollers.boxes).toBe(1);
    expect(change(await onB.nextResult())).toMatchObject({ previousState: 'ONLINE', box: { state: 'REBOOTING' } });
    await onB.close();
  });

  it('a sign-out on one instance ends that session’s streams on the other', async () => {
    const [a, b] = [instance(), instance()];
    const token = await login(a);
    const watched = await watchedLocation(over(a), token);
    const onB = await subscribe(b, token, watched.locationId);
    const res = await a.fetch(new Request(`${FACADE_URL}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }));
    expect(res.status).toBe(204);
    expect(await onB.rest()).toEqual([{ event: 'complete', data: null }]);
    expect(b.live.stats.subscriptions.boxes).toBe(0);
    // B had learned who the session was; the sign-out made it forget, so subscribing there again asks CT (which refuses).
    const [refused] = await (await subscribe(b, token, watched.locationId)).rest();
    expect(refused?.data?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('who a session is in CT, learned on one instance, costs the other no /me.json', async () => {
    const [a, b] = [instance(), instance()];
    const token = await login(a);
    const watched = await watchedLocation(over(a), token);
    sim.resetLog();
    const onA = await subscribe(a, token, watched.locationId);
    const onB = await subscribe(b, token, watched.locationId);
    expect(meCalls(over(a))).toBe(1);
    expect(a.live.stats.identityLookups + b.live.stats.identityLookups).toBe(1);
    await onA.close();
    await onB.close();
  });
});

describe('live data when Redis cannot be reached', () => {
  it('each instance polls for its own subscribers (with a warning) instead of leaving them without events', async () => {
    let clock = Date.now();
    const sim = createSimulator({ now: () => clock, rebootDurationMs: 60_000, redirectUris: [`${FACADE_URL}/auth/callback`] });
    // Nothing listens there: every Redis command fails after its short timeout.
    const { app, logs } = createAppOver(sim, { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, LIVE_POLL_INTERVAL_MS: '20' });
    try {
      const issued = sim.control.issueTokens();
      const { token } = await (await app.sessions()).seal({
        accessToken: issued.access_token,
        refreshToken: issued.refresh_token,
        expiresAt: (issued.created_at + issued.expires_in) * 1000,
      });
      const harness = {
        sim,
        app,
        client: () =>
          new GraphQLClient(`${FACADE_URL}/graphql`, {
            fetch: (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init)),
            headers: { authorization: `Bearer ${token}` },
          }),
        ctCalls: () => sim.apiCalls(),
      } as unknown as Harness;
      const watched = await watchedLocation(harness, token);
      const stream = await openStream(
        (r) => app.fetch(r),
        { query: BOX_STATE_CHANGED, variables: { id: watched.locationId } },
        { headers: { authorization: `Bearer ${token}` } },
      );
      expect(stream.response.status).toBe(200);
      await reboot(harness, token, watched.box.id);
      expect(change(await stream.nextResult())).toMatchObject({ previousState: 'ONLINE', box: { state: 'REBOOTING' } });
      clock += 60_001;
      expect(change(await stream.nextResult())).toMatchObject({ previousState: 'REBOOTING', box: { state: 'ONLINE' } });
      expect(logs.join('\n')).toMatch(/"level":40[^\n]*Redis/);
      await stream.close();
    } finally {
      await app.close();
    }
  });
});
