// The CT-call budget's counter on its own (src/budget.ts), in process and on a real redis-server:
// a reservation takes only what fits, settling moves it to the real count, a charge counts past
// the limit, a window ends on the clock, and a Redis outage falls back to counting in process.
import type { ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_KEY_PREFIX, createCtBudget, type BudgetRedis, type CtBudget, setRateLimitHeaders } from '../src/budget.js';
import { closeRedisClient, createRedisClient } from '../src/ct/shared-refresher.js';
import { freePort } from './net.js';
import { hasRedis, startRedis } from './redis.js';

if (!hasRedis) console.warn('budget tests on Redis SKIPPED: no redis-server binary on PATH (apt-get install redis-server)');

let redisServer: { child: ChildProcess; url: string } | undefined;
const clients: Redis[] = [];
beforeAll(async () => {
  if (hasRedis) redisServer = await startRedis();
});
afterAll(async () => {
  for (const client of clients) await closeRedisClient(client);
  redisServer?.child.kill();
});

let accounts = 0;
/** An account no other test has used: windows live in the one Redis the file shares. */
const freshAccount = () => `account-${++accounts}-${Date.now()}`;

function redisClient(): Redis {
  const client = createRedisClient(redisServer!.url);
  clients.push(client);
  return client;
}

const kinds: Array<[string, boolean, (o: { limit: number; windowMs?: number; now?: () => number }) => CtBudget]> = [
  ['in process', true, (o) => createCtBudget(o)],
  ['on Redis', hasRedis, (o) => createCtBudget({ ...o, redis: redisClient() })],
];

for (const [kind, available, make] of kinds) {
  describe.skipIf(!available)(`the CT-call budget ${kind}`, () => {
    it('reserves what fits, refuses what does not without spending it, and a smaller request still fits', async () => {
      const budget = make({ limit: 10 });
      const account = freshAccount();
      const first = await budget.reserve(account, 7);
      expect(first.granted).toBe(true);
      const refused = await budget.reserve(account, 4);
      expect(refused).toMatchObject({ granted: false, state: { limit: 10, remaining: 3 } });
      const fits = await budget.reserve(account, 3);
      expect(fits).toMatchObject({ granted: true, reservation: { state: { remaining: 0 } } });
    });

    it('settles a reservation to the calls really made, in both directions, never reporting less than 0 left', async () => {
      const budget = make({ limit: 10 });
      const account = freshAccount();
      const reserved = await budget.reserve(account, 6);
      if (!reserved.granted) throw new Error('refused');
      expect((await budget.settle(reserved.reservation, 2)).remaining).toBe(8);
      const again = await budget.reserve(account, 8);
      if (!again.granted) throw new Error('refused');
      // Retries made more calls than the estimate: counted, and the account is at 0, not below.
      expect((await budget.settle(again.reservation, 11)).remaining).toBe(0);
      expect((await budget.reserve(account, 0)).granted).toBe(true);
      expect(await budget.reserve(account, 1)).toMatchObject({ granted: false });
    });

    it('charges calls already made even past the limit (a poll happened), and keeps accounts apart', async () => {
      const budget = make({ limit: 5 });
      const [one, other] = [freshAccount(), freshAccount()];
      expect((await budget.charge(one, 4)).remaining).toBe(1);
      expect((await budget.charge(one, 4)).remaining).toBe(0);
      expect(await budget.reserve(one, 1)).toMatchObject({ granted: false });
      expect(await budget.reserve(other, 5)).toMatchObject({ granted: true, reservation: { state: { remaining: 0 } } });
    });

    it('reports the window end in whole seconds, the same for every answer of one window', async () => {
      const budget = make({ limit: 100 });
      const account = freshAccount();
      const first = (await budget.charge(account, 1)).resetAt;
      const second = (await budget.charge(account, 1)).resetAt;
      expect(first % 1000).toBe(0);
      expect(second).toBe(first);
      expect(first).toBeGreaterThan(Date.now());
      expect(first).toBeLessThanOrEqual(Date.now() + 61_000);
    });
  });
}

describe('the CT-call budget window (in process, with a test clock)', () => {
  it('starts with the first call, gives the whole limit back when it ends, and ignores a settlement from the old window', async () => {
    let now = 1_000_000;
    const budget = createCtBudget({ limit: 3, windowMs: 60_000, now: () => now });
    const reserved = await budget.reserve('a', 3);
    if (!reserved.granted) throw new Error('refused');
    expect(reserved.reservation.state).toMatchObject({ remaining: 0, msLeft: 60_000 });
    now += 59_999;
    expect(await budget.reserve('a', 1)).toMatchObject({ granted: false, state: { msLeft: 1 } });
    now += 1;
    // The operation of the old window settles late: its refund belongs to a count that is gone.
    expect(await budget.settle(reserved.reservation, 0)).toMatchObject({ remaining: 3, msLeft: 60_000 });
    expect(await budget.reserve('a', 3)).toMatchObject({ granted: true });
  });

  it('writes the IETF draft RateLimit fields in structured-field syntax', () => {
    const headers = new Headers();
    setRateLimitHeaders(headers, { limit: 1200, remaining: 1150, resetAt: 0, windowMs: 60_000, msLeft: 41_200 });
    expect(headers.get('ratelimit-policy')).toBe('"ct-calls";q=1200;w=60');
    expect(headers.get('ratelimit')).toBe('"ct-calls";r=1150;t=42');
  });
});

describe.skipIf(!hasRedis)('the CT-call budget on Redis, shared and failing', () => {
  it('two clients (two instances) count one window per account', async () => {
    const [one, two] = [createCtBudget({ limit: 4, redis: redisClient() }), createCtBudget({ limit: 4, redis: redisClient() })];
    const account = freshAccount();
    expect(await one.reserve(account, 2)).toMatchObject({ granted: true });
    expect(await two.reserve(account, 2)).toMatchObject({ granted: true, reservation: { state: { remaining: 0 } } });
    expect(await one.reserve(account, 1)).toMatchObject({ granted: false });
    expect(await two.reserve(account, 1)).toMatchObject({ granted: false });
    // One key per account, with the window's end as its expiry: nothing outlives the window.
    const keys = await redisClient().keys(`${BUDGET_KEY_PREFIX}*`);
    expect(keys.length).toBeGreaterThan(0);
    const ttl = await redisClient().pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('counts in process while Redis does not answer, and says so once', async () => {
    const down = createRedisClient(`redis://127.0.0.1:${await freePort()}`, { commandTimeoutMs: 200 });
    clients.push(down);
    const warnings: string[] = [];
    const budget = createCtBudget({ limit: 2, redis: down as BudgetRedis, warn: (message) => warnings.push(message) });
    expect(await budget.reserve('a', 2)).toMatchObject({ granted: true });
    expect(await budget.reserve('a', 1)).toMatchObject({ granted: false });
    expect(warnings).toHaveLength(1);
  });
});
