// The refresh coordinator shared through Redis (REDIS_URL, DESIGN.md "Scale-out"): two facade
// instances serving the same user must never both refresh one refresh token, because CT rotates
// refresh tokens and the second refresh would get invalid_grant and sign the user out.
//
// Per old refresh token, key = ct-graphql:refresh:<sha256 hex> (never the raw token):
//   1. one script reads the kept result under the key and, when there is none, takes
//      <key>:lock (SET NX PX lockMs). Atomic, so a holder that stores its result and releases
//      between a separate read and SET NX cannot cause a second refresh;
//   2. a kept result => reuse it (and follow the chain of kept results to the newest);
//   3. the lock taken => this instance refreshes at CT, stores the result under the key for
//      keepMs (sealed as a JWE with a key derived from SESSION_SECRET, jwe.ts), releases the lock;
//   4. else another instance is refreshing: poll the same script until its result appears, or its
//      lock lapses without one (it failed) and this instance takes it and tries itself; no result
//      in time => CtUnavailableError (CT trouble, not a sign-out).
// In front of it sits the in-process refresher (one promise per token inside an instance, and its
// kept results). When Redis cannot be reached before any lock was seen, the call falls back to
// refreshing in process, with a warning, so a Redis outage does not sign everyone out. Once a lock
// was seen it never does: the holder may be rotating the token at that moment.

import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { CtUnavailableError } from './errors.js';
import { refreshTokens, type OAuthSettings } from './oauth.js';
import { createRefresher, followChain, type Refresher } from './refresher.js';
import type { CtTokens } from './tokens.js';
import { checkSecrets, createJweBox } from '../jwe.js';

/** The few Redis commands used; an ioredis client satisfies it. */
export interface SharedRefresherRedis {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
  set(key: string, value: string, px: 'PX', ms: number): Promise<'OK'>;
  del(...keys: string[]): Promise<number>;
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>;
}

/** Only what is needed from pino; messages carry no token. */
export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

export interface SharedRefresherOptions {
  redis: SharedRefresherRedis;
  /** SESSION_SECRET entries: the first encrypts the stored results, any decrypts (rotation). */
  secrets: readonly string[];
  /** How long a result stays in Redis (and in process); DESIGN.md asks for at least 60 s. */
  keepMs?: number;
  /** Lifetime of the refresh lock, and how long a waiting instance polls; must outlast one CT refresh call. */
  lockMs?: number;
  /** Poll interval of a waiting instance. */
  pollMs?: number;
  logger?: WarnLogger;
  /** The refresh call itself; defaults to oauth.refreshTokens. */
  refreshFn?: (s: OAuthSettings, refreshToken: string) => Promise<CtTokens>;
}

export const REDIS_KEY_PREFIX = 'ct-graphql:refresh:';

// KEYS[1] result, KEYS[2] lock; ARGV[1] our lock value, ARGV[2] lockMs. Answers {'kept', sealed},
// {'mine'} or {'wait', holder}.
const CLAIM = `
local kept = redis.call('get', KEYS[1])
if kept then return {'kept', kept} end
if redis.call('set', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return {'mine'} end
return {'wait', redis.call('get', KEYS[2]) or ''}
`;

// Deletes the lock only when it still holds our value (it may have expired and been taken over).
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** A Redis command failed (unreachable, timed out). */
class RedisTrouble extends Error {}

type Claim = { kind: 'kept'; tokens: CtTokens } | { kind: 'mine' } | { kind: 'wait'; holder: string };

function keyOf(refreshToken: string): string {
  return REDIS_KEY_PREFIX + createHash('sha256').update(refreshToken).digest('hex');
}

export function createSharedRefresher(s: OAuthSettings, o: SharedRefresherOptions): Refresher {
  const keepMs = Math.max(o.keepMs ?? 60_000, 1);
  const lockMs = o.lockMs ?? s.timeoutMs + 5_000;
  const pollMs = o.pollMs ?? 50;
  const refreshFn = o.refreshFn ?? refreshTokens;
  const { redis, logger } = o;
  const box = createBox(o.secrets, keepMs);
  const counts = { refreshes: 0, reused: 0 };

  async function cmd<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (error) {
      throw new RedisTrouble(error instanceof Error ? error.message : String(error));
    }
  }

  function warn(message: string, error: unknown): void {
    // Only the Redis error's own text (ioredis: "connect ECONNREFUSED ...", "Command timed out"): no token, no value.
    logger?.warn({ err: error instanceof Error ? error.message : String(error) }, message);
  }

  async function claim(key: string, id: string): Promise<Claim> {
    const reply = await cmd(redis.eval(CLAIM, 2, key, `${key}:lock`, id, String(lockMs)));
    const [kind, value] = Array.isArray(reply) ? (reply as unknown[]) : [];
    if (kind === 'mine') return { kind };
    if (kind === 'kept' && typeof value === 'string') {
      const tokens = await box.open(value, key);
      if (tokens !== null) return { kind, tokens };
      logger?.warn({}, 'a shared refresh result could not be decrypted (does SESSION_SECRET differ between instances?)');
      // Unreadable here, so as good as absent: refresh as if nothing were kept, and CT decides.
      return (await lock(key, id)) ? { kind: 'mine' } : { kind: 'wait', holder: '' };
    }
    return { kind: 'wait', holder: typeof value === 'string' ? value : '' };
  }

  async function lock(key: string, id: string): Promise<boolean> {
    return (await cmd(redis.set(`${key}:lock`, id, 'PX', lockMs, 'NX'))) === 'OK';
  }

  /** This instance holds the lock: refresh at CT, publish the result, release. Redis errors from here on are not fatal. */
  async function lead(key: string, id: string, refreshToken: string): Promise<CtTokens> {
    counts.refreshes++;
    let tokens: CtTokens;
    try {
      tokens = await refreshFn(s, refreshToken);
    } catch (error) {
      // Nothing stored: the lock goes at once, so a waiting instance learns of the failure now.
      await release(key, id);
      throw error;
    }
    try {
      await redis.set(key, await box.seal(tokens, key), 'PX', keepMs);
    } catch (error) {
      warn('could not store a refresh result in Redis; other instances may not see it', error);
    }
    await release(key, id);
    return tokens;
  }

  async function release(key: string, id: string): Promise<void> {
    try {
      await redis.eval(RELEASE, 1, `${key}:lock`, id);
    } catch (error) {
      warn('could not release a refresh lock in Redis; it expires by itself', error);
    }
  }

  /**
   * Another instance holds the lock: wait for its result. Redis trouble here is waited out, never
   * answered by refreshing in process, since the holder may be rotating this very token.
   */
  async function follow(key: string, id: string, refreshToken: string, holder: string): Promise<CtTokens> {
    let deadline = Date.now() + lockMs;
    while (Date.now() < deadline) {
      await sleep(pollMs);
      let seen: Claim;
      try {
        seen = await claim(key, id);
      } catch (error) {
        if (error instanceof RedisTrouble) continue;
        throw error;
      }
      if (seen.kind === 'kept') {
        counts.reused++;
        return seen.tokens;
      }
      // The holder gave up without a result (CT refused or failed) and the lock is ours now: try once ourselves.
      if (seen.kind === 'mine') return lead(key, id, refreshToken);
      if (seen.holder !== holder) {
        // The lock lapsed and another instance took it over: it gets its own lockMs.
        holder = seen.holder;
        deadline = Date.now() + lockMs;
      }
    }
    throw new CtUnavailableError({
      code: 'ERR_CT_TIMEOUT',
      outcomeUnknown: false,
      message: 'another instance did not finish refreshing the session in time',
    });
  }

  async function shared(_s: OAuthSettings, refreshToken: string): Promise<CtTokens> {
    const key = keyOf(refreshToken);
    const id = randomBytes(16).toString('hex');
    let first: Claim;
    try {
      first = await claim(key, id);
    } catch (error) {
      if (!(error instanceof RedisTrouble)) throw error;
      // No lock was seen: no other instance is known to be refreshing this token.
      warn('Redis is unavailable; refreshing the session in this process only', error);
      counts.refreshes++;
      return refreshFn(s, refreshToken);
    }
    if (first.kind === 'kept') {
      counts.reused++;
      return followChain(first.tokens, keptInRedis);
    }
    if (first.kind === 'mine') return lead(key, id, refreshToken);
    return follow(key, id, refreshToken, first.holder);
  }

  async function keptInRedis(refreshToken: string): Promise<CtTokens | null> {
    const key = keyOf(refreshToken);
    try {
      const sealed = await redis.get(key);
      return sealed === null ? null : await box.open(sealed, key);
    } catch (error) {
      warn('could not read a kept refresh result from Redis', error);
      return null;
    }
  }

  async function dropInRedis(refreshToken: string): Promise<void> {
    try {
      await redis.del(keyOf(refreshToken));
    } catch (error) {
      warn('could not drop a kept refresh result in Redis; it expires by itself', error);
    }
  }

  // In front: one promise per refresh token within this instance, and its results kept for keepMs.
  const local = createRefresher(s, { keepMs, refreshFn: shared, elsewhere: { get: keptInRedis, drop: dropInRedis } });
  const stats = {
    /** Refreshes this instance made at CT. */
    get refreshes() {
      return counts.refreshes;
    },
    get failures() {
      return local.stats.failures;
    },
    /** Results reused: from this process, or from another instance through Redis. */
    get reused() {
      return local.stats.reused + counts.reused;
    },
  };
  return { refresh: (refreshToken) => local.refresh(refreshToken), forget: (refreshToken) => local.forget(refreshToken), stats };
}

/**
 * The ioredis client for REDIS_URL, tuned to fail fast: a command waits at most commandTimeoutMs
 * (queued while connecting included), so a Redis outage costs a refresh one short wait, then the
 * in-process fallback (or, once another instance's lock was seen, UPSTREAM_UNAVAILABLE).
 * Connection errors are logged (rate-limited), never thrown.
 */
export function createRedisClient(url: string, o: { logger?: WarnLogger; commandTimeoutMs?: number } = {}): Redis {
  const client = new Redis(url, {
    commandTimeout: o.commandTimeoutMs ?? 1000,
    connectTimeout: 2000,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
  });
  let warnedAt = 0;
  client.on('error', (error: Error) => {
    const now = Date.now();
    if (now - warnedAt < 30_000) return;
    warnedAt = now;
    o.logger?.warn({ err: error.message }, 'Redis connection error (REDIS_URL); refreshes fall back to this process until it is back');
  });
  return client;
}

/** Closes a client from createRedisClient: QUIT when connected, otherwise just drop the socket. */
export async function closeRedisClient(client: Redis): Promise<void> {
  try {
    if (client.status === 'ready') {
      await client.quit();
      return;
    }
  } catch {
    // fall through
  }
  client.disconnect();
}

interface Box {
  seal(tokens: CtTokens, key: string): Promise<string>;
  /** Null when no configured secret opens it, it was sealed for another key, or it is not a token set. */
  open(sealed: string, key: string): Promise<CtTokens | null>;
}

/**
 * The shared JWE box (jwe.ts) under its own HKDF purpose. The Redis key is sealed inside, so a
 * value cannot be moved to another key; the JWE's own expiry matches the key's lifetime in Redis.
 */
function createBox(secrets: readonly string[], keepMs: number): Box {
  checkSecrets(secrets);
  const box = createJweBox(secrets, 'ct-graphql refresh result v2', Date.now);
  // Surfaced by the first seal or open; never an unhandled rejection at start-up.
  box.catch(() => undefined);
  return {
    async seal(tokens, key) {
      const iat = Math.floor(Date.now() / 1000);
      return (await box).seal(
        { k: key, a: tokens.accessToken, r: tokens.refreshToken, e: tokens.expiresAt },
        { iat, exp: iat + Math.ceil(keepMs / 1000) },
      );
    },
    async open(sealed, key) {
      const { payload } = await (await box).open(sealed);
      if (payload === null || payload.k !== key) return null;
      const { a, r, e } = payload;
      if (typeof a !== 'string' || typeof r !== 'string' || typeof e !== 'number') return null;
      return { accessToken: a, refreshToken: r, expiresAt: e };
    },
  };
}
