// The Redis-shared refresher (REDIS_URL) against a real redis-server started by this file, with
// the simulator injected as CT: two "instances" (separate refreshers, separate Redis connections)
// never refresh one refresh token twice. Skips only when the redis-server binary is absent.

import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, DEMO, type Simulator } from '../../simulator/app.js';
import type { App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { CtAuthError, CtUnavailableError } from '../../src/ct/errors.js';
import { refreshTokens, type OAuthSettings } from '../../src/ct/oauth.js';
import {
  closeRedisClient,
  createRedisClient,
  createSharedRefresher,
  REDIS_KEY_PREFIX,
  type SharedRefresherOptions,
} from '../../src/ct/shared-refresher.js';
import { tokensFromResponse, type CtTokens } from '../../src/ct/tokens.js';
import { createAppOver, CT_URL, FACADE_URL, TEST_SECRET } from '../harness.js';
import { freePort } from '../net.js';
import { hasRedis, startRedis } from '../redis.js';
import { OAUTH_URL, rejection, simFetch } from './helpers.js';

if (!hasRedis) console.warn('shared-refresher tests SKIPPED: no redis-server binary on PATH (apt-get install redis-server)');

/** A promise a test settles from outside, to line two instances up at one exact point. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Both sides of a race are awaited before judging; a rejection then fails the test with its own error. */
function fulfilled<T>(r: PromiseSettledResult<T>): T {
  if (r.status === 'rejected') throw r.reason;
  return r.value;
}

const COMMANDS = new Set(['get', 'mget', 'set', 'eval', 'evalsha', 'del']);

/**
 * A real Redis connection whose commands (numbered from 1) pass through `around`: the way to put a
 * Redis timeout, or another instance's progress, at one exact point of an instance's work.
 */
function hooked(redis: Redis, around: (n: number, run: () => Promise<unknown>) => Promise<unknown>): Redis {
  let n = 0;
  return new Proxy(redis, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !COMMANDS.has(prop) || typeof value !== 'function') return value;
      return (...args: unknown[]) => around(++n, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

const tokenPosts = (sim: Simulator) => sim.log.filter((e) => e.method === 'POST' && e.path === '/oauth/token').length;
const keyOf = (refreshToken: string) => REDIS_KEY_PREFIX + createHash('sha256').update(refreshToken).digest('hex');

describe.skipIf(!hasRedis)('createSharedRefresher (real redis-server)', () => {
  let redisServer: { child: ChildProcess; url: string };
  const clients: Redis[] = [];
  let sim: Simulator;
  let oauth: OAuthSettings;
  let tokens: CtTokens;
  let warnings: string[];

  /** A fresh Redis connection: one per simulated facade instance. */
  function connect(url = redisServer.url): Redis {
    const client = createRedisClient(url, { logger: { warn: (obj, msg) => warnings.push(`${msg} ${JSON.stringify(obj)}`) } });
    clients.push(client);
    return client;
  }
  function instance(o: Partial<SharedRefresherOptions> = {}) {
    return createSharedRefresher(oauth, {
      redis: connect(),
      secrets: [TEST_SECRET],
      logger: { warn: (obj, msg) => warnings.push(`${msg} ${JSON.stringify(obj)}`) },
      ...o,
    });
  }

  beforeAll(async () => {
    redisServer = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => closeRedisClient(c)));
    redisServer?.child.kill('SIGKILL');
  });
  beforeEach(async () => {
    sim = createSimulator({ latencyMs: 30 });
    oauth = { oauthUrl: OAUTH_URL, clientId: DEMO.clientId, clientSecret: DEMO.clientSecret, fetch: simFetch(sim), timeoutMs: 5000 };
    tokens = tokensFromResponse(sim.control.issueTokens());
    warnings = [];
    await connect().flushall();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => closeRedisClient(c)));
  });

  it('two instances refreshing one token concurrently make one CT call and get the same new tokens', async () => {
    const a = instance();
    const b = instance();
    const results = await Promise.all([
      a.refresh(tokens.refreshToken),
      b.refresh(tokens.refreshToken),
      a.refresh(tokens.refreshToken),
      b.refresh(tokens.refreshToken),
    ]);
    expect(tokenPosts(sim)).toBe(1);
    expect(new Set(results.map((t) => `${t.accessToken}/${t.refreshToken}`)).size).toBe(1);
    expect(results[0]?.accessToken).not.toBe(tokens.accessToken);
    expect(results[0]?.refreshToken).not.toBe(tokens.refreshToken);
    expect(a.stats.refreshes + b.stats.refreshes).toBe(1);
    expect(a.stats.reused + b.stats.reused).toBe(3);
    expect(warnings).toEqual([]);
  });

  it('a later refresh of the same old token from any instance within keepMs reuses the result', async () => {
    const first = await instance().refresh(tokens.refreshToken);
    const other = instance(); // a fresh process: nothing kept locally
    const again = await other.refresh(tokens.refreshToken);
    expect(again).toEqual(first);
    expect(tokenPosts(sim)).toBe(1);
    expect(other.stats).toEqual({ refreshes: 0, failures: 0, reused: 1 });
    const ttl = await connect().pttl(keyOf(tokens.refreshToken));
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('a CT refusal is CtAuthError on both instances and nothing is cached', async () => {
    sim.control.revokeAllTokens();
    const a = instance();
    const b = instance();
    const [ea, eb] = await Promise.all([rejection(a.refresh(tokens.refreshToken)), rejection(b.refresh(tokens.refreshToken))]);
    expect(ea).toBeInstanceOf(CtAuthError);
    expect(eb).toBeInstanceOf(CtAuthError);
    expect(await connect().keys('ct-graphql:*')).toEqual([]);
    expect(a.stats.failures + b.stats.failures).toBe(2);
  });

  it('Redis holds neither the old refresh token nor the new tokens in clear', async () => {
    const fresh = await instance().refresh(tokens.refreshToken);
    const redis = connect();
    const keys = await redis.keys('*');
    expect(keys).toEqual([keyOf(tokens.refreshToken)]);
    const stored = (await redis.get(keys[0] ?? '')) ?? '';
    // A compact JWE (dir + A256GCM), the same sealing as session tokens.
    const parts = stored.split('.');
    expect(parts).toHaveLength(5);
    expect(JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'))).toMatchObject({ alg: 'dir', enc: 'A256GCM' });
    for (const secret of [tokens.refreshToken, tokens.accessToken, fresh.accessToken, fresh.refreshToken]) {
      expect(keys[0]).not.toContain(secret);
      expect(stored).not.toContain(secret);
      expect(Buffer.from(parts[3] ?? '', 'base64url').toString('latin1')).not.toContain(secret);
    }
    // Another secret cannot open it: such an instance refreshes itself (and CT refuses the rotated token).
    const foreign = instance({ secrets: ['another-secret-of-at-least-32-bytes-000000'] });
    expect(await rejection(foreign.refresh(tokens.refreshToken))).toBeInstanceOf(CtAuthError);
    // A second secret (rotation) still opens it.
    const rotated = instance({ secrets: ['the-new-first-secret-of-at-least-32-bytes', TEST_SECRET] });
    expect(await rotated.refresh(tokens.refreshToken)).toEqual(fresh);
  });

  it('a lock left by a dead instance expires and the waiting instance refreshes itself', async () => {
    await connect().set(`${keyOf(tokens.refreshToken)}:lock`, 'dead-instance', 'PX', 300);
    const fresh = await instance({ lockMs: 2000 }).refresh(tokens.refreshToken);
    expect(fresh.accessToken).not.toBe(tokens.accessToken);
    expect(tokenPosts(sim)).toBe(1);
  });

  it('a lock that outlives lockMs without a result is CtUnavailableError, not a sign-out', async () => {
    await connect().set(`${keyOf(tokens.refreshToken)}:lock`, 'slow-instance', 'PX', 10_000);
    const e = await rejection(instance({ lockMs: 300 }).refresh(tokens.refreshToken));
    expect(e).toBeInstanceOf(CtUnavailableError);
    expect(tokenPosts(sim)).toBe(0);
  });

  it('a result kept in Redis that another instance refreshed again leads to the newest tokens', async () => {
    const a = instance();
    const b = instance();
    const t1 = await a.refresh(tokens.refreshToken);
    const t2 = await b.refresh(t1.refreshToken);
    // A fresh instance finds rt0 -> rt1 in Redis, and A its own kept rt0 -> rt1: both go on to rt2.
    expect(await instance().refresh(tokens.refreshToken)).toEqual(t2);
    expect(await a.refresh(tokens.refreshToken)).toEqual(t2);
    expect(tokenPosts(sim)).toBe(2);
  });

  it('forget on another instance follows the chain through Redis, drops it and answers the newest tokens', async () => {
    const a = instance();
    const t1 = await a.refresh(tokens.refreshToken);
    const t2 = await instance().refresh(t1.refreshToken);
    expect(await instance().forget(tokens.refreshToken)).toEqual(t2);
    expect(await connect().exists(keyOf(tokens.refreshToken), keyOf(t1.refreshToken))).toBe(0);
    expect(warnings).toEqual([]);
  });

  /** An instance whose refresh at CT waits, after taking the lock, until the test opens `gate`. */
  function holder() {
    const atCt = deferred();
    const gate = deferred();
    const refresher = instance({
      refreshFn: async (s, refreshToken) => {
        atCt.resolve();
        await gate.promise;
        return refreshTokens(s, refreshToken);
      },
    });
    return { refresher, atCt: atCt.promise, open: gate.resolve };
  }

  it("a Redis timeout while following another instance's lock does not make the waiter refresh the same token", async () => {
    const a = holder();
    const timedOut = deferred();
    const b = instance({
      pollMs: 10,
      // The second command is B's first look while A holds the lock.
      redis: hooked(connect(), (n, run) => {
        if (n !== 2) return run();
        timedOut.resolve();
        return Promise.reject(new Error('Command timed out'));
      }),
    });
    const pa = a.refresher.refresh(tokens.refreshToken);
    await a.atCt;
    const pb = b.refresh(tokens.refreshToken);
    await timedOut.promise;
    a.open();
    const [ra, rb] = (await Promise.allSettled([pa, pb])).map(fulfilled);
    expect(rb).toEqual(ra);
    expect(tokenPosts(sim)).toBe(1);
    expect(b.stats.refreshes).toBe(0);
  });

  it("a holder that publishes and releases between the waiter's look and its lock attempt: the waiter reuses the result", async () => {
    const a = holder();
    const pa = a.refresher.refresh(tokens.refreshToken);
    await a.atCt;
    const b = instance({
      pollMs: 10,
      redis: hooked(connect(), async (n, run) => {
        const result = await run();
        if (n === 1) {
          // Right after B's first look, A finishes: result stored, lock released.
          a.open();
          await pa.catch(() => undefined);
        }
        return result;
      }),
    });
    const [ra, rb] = (await Promise.allSettled([pa, b.refresh(tokens.refreshToken)])).map(fulfilled);
    expect(rb).toEqual(ra);
    expect(tokenPosts(sim)).toBe(1);
    expect(b.stats.refreshes).toBe(0);
  });

  it('with Redis unreachable, the refresh falls back to this process and succeeds, with a warning and no token', async () => {
    const down = `redis://127.0.0.1:${await freePort()}`;
    const r = instance({ redis: connect(down) });
    const results = await Promise.all([r.refresh(tokens.refreshToken), r.refresh(tokens.refreshToken)]);
    expect(results[0]?.accessToken).not.toBe(tokens.accessToken);
    expect(results[1]).toEqual(results[0]);
    expect(tokenPosts(sim)).toBe(1);
    expect(warnings.some((w) => w.includes('Redis is unavailable'))).toBe(true);
    const text = warnings.join('\n');
    for (const secret of [tokens.refreshToken, tokens.accessToken, results[0]?.accessToken ?? '', results[0]?.refreshToken ?? ''])
      expect(text).not.toContain(secret);
  });
});

describe.skipIf(!hasRedis)('two apps with one REDIS_URL', () => {
  let redisServer: { child: ChildProcess; url: string };
  const apps: App[] = [];

  beforeAll(async () => {
    redisServer = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    redisServer?.child.kill('SIGKILL');
  });

  it('the same expired session on both at once: one refresh at CT, both requests succeed', async () => {
    const sim = createSimulator({ latencyMs: 20, redirectUris: [`${FACADE_URL}/auth/callback`] });
    const first = createAppOver(sim, { REDIS_URL: redisServer.url });
    const second = createAppOver(sim, { REDIS_URL: redisServer.url });
    expect(first.config.redisUrl).toBe(redisServer.url);
    const one = first.app;
    const two = second.app;
    apps.push(one, two);

    const issued = sim.control.issueTokens();
    const { token } = await (await one.sessions()).seal({
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
      expiresAt: (issued.created_at + issued.expires_in) * 1000,
    });
    sim.control.expireAllTokens();
    sim.resetLog();

    const post = (app: App) =>
      app.fetch(
        new Request(`${FACADE_URL}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ viewer { username } }' }),
        }),
      );
    const responses = await Promise.all([post(one), post(two), post(one), post(two)]);
    for (const res of responses) {
      const body = await res.json();
      expect(body.data?.viewer?.username, JSON.stringify(body)).toBeTruthy();
      expect(res.headers.get('x-session-token')).toBeTruthy();
    }
    expect(tokenPosts(sim)).toBe(1);
    expect(one.refresher.stats.refreshes + two.refresher.stats.refreshes).toBe(1);
    const text = [...first.logs, ...second.logs].join('\n');
    expect(text).not.toContain(issued.refresh_token);
    expect(text).not.toContain(issued.access_token);
  });

  it('sign-out on one instance with the older session revokes the grant the other instance refreshed', async () => {
    const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
    const one = createAppOver(sim, { REDIS_URL: redisServer.url }).app;
    const two = createAppOver(sim, { REDIS_URL: redisServer.url }).app;
    apps.push(one, two);
    const sealer = await one.sessions();
    const issued = sim.control.issueTokens();
    const s0 = (
      await sealer.seal({
        accessToken: issued.access_token,
        refreshToken: issued.refresh_token,
        expiresAt: (issued.created_at + issued.expires_in) * 1000,
      })
    ).token;
    sim.control.expireAllTokens();
    const ask = async (app: App, session: string) => {
      const res = await app.fetch(
        new Request(`${FACADE_URL}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${session}` },
          body: JSON.stringify({ query: '{ viewer { username } }' }),
        }),
      );
      return { res, body: await res.json() };
    };

    const refreshed = await ask(two, s0);
    expect(refreshed.body.data.viewer.username).toBe(DEMO.username);
    const s1 = refreshed.res.headers.get('x-session-token')!;
    const newest = (await sealer.open(s1)).session!.tokens;

    const logout = await one.fetch(
      new Request(`${FACADE_URL}/auth/logout`, { method: 'POST', headers: { cookie: `ct_session=${s0}`, 'x-csrf-protection': '1' } }),
    );
    expect(logout.status).toBe(204);
    const me = await sim.fetch(new Request(`${CT_URL}/api/v1/me.json`, { headers: { authorization: `Bearer ${newest.accessToken}` } }));
    expect(me.status).toBe(401);

    for (const app of [one, two]) {
      for (const session of [s0, s1]) {
        const { res, body } = await ask(app, session);
        expect(body.data?.viewer ?? null).toBeNull();
        expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(res.headers.get('x-session-token')).toBeNull();
      }
    }
    // The kept result is gone from Redis too: nothing can hand S0 a newer pair any more.
    const redis = createRedisClient(redisServer.url);
    try {
      expect(await redis.exists(keyOf(issued.refresh_token), keyOf(newest.refreshToken))).toBe(0);
    } finally {
      await closeRedisClient(redis);
    }
  });
});

describe('REDIS_URL in the config', () => {
  it('accepts redis:// and rediss:// URLs, refuses anything else without echoing it, and is unset by default', () => {
    expect(loadConfig({}).redisUrl).toBeUndefined();
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/0' }).redisUrl).toBe('redis://127.0.0.1:6379/0');
    expect(loadConfig({ REDIS_URL: 'rediss://:pw@cache.example:6380' }).redisUrl).toBe('rediss://:pw@cache.example:6380');
    for (const bad of ['http://cache.example', 'cache.example:6379', 'redis://', 'redis:/x']) {
      expect(() => loadConfig({ REDIS_URL: bad })).toThrow(/REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    }
    expect(() => loadConfig({ REDIS_URL: 'http://user:hunter2@x' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});
