// The refresh coordinator shared through Redis (REDIS_URL, DESIGN.md "Scale-out"): two facade
// instances serving the same user must never both refresh one refresh token, because CT rotates
// refresh tokens and the second refresh would get invalid_grant and sign the user out.
//
// Per old refresh token, key = ct-graphql:refresh:<sha256 hex> (never the raw token):
//   1. a result under the key => reuse it;
//   2. else SET <key>:lock NX PX lockMs => this instance refreshes at CT, stores the result under
//      the key for keepMs (encrypted: AES-256-GCM, key from SESSION_SECRET by HKDF), releases the lock;
//   3. else another instance is refreshing: poll for its result; if its lock goes away without a
//      result (it failed), try once to take the lock and refresh here; no result in time =>
//      CtUnavailableError (CT trouble, not a sign-out).
// In front of it sits the in-process refresher (one promise per token inside an instance, and its
// kept results). When Redis cannot be reached, the call falls back to refreshing in process,
// with a warning, so a Redis outage does not sign everyone out.

import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { CtUnavailableError } from './errors.js';
import { refreshTokens, type OAuthSettings } from './oauth.js';
import { createRefresher, type Refresher } from './refresher.js';
import type { CtTokens } from './tokens.js';

/** The few Redis commands used; an ioredis client satisfies it. */
export interface SharedRefresherRedis {
  mget(...keys: string[]): Promise<Array<string | null>>;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>;
  set(key: string, value: string, px: 'PX', ms: number): Promise<'OK'>;
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

// Deletes the lock only when it still holds our value (it may have expired and been taken over).
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** A Redis command failed (unreachable, timed out): the caller falls back to refreshing in process. */
class RedisTrouble extends Error {}

export function createSharedRefresher(s: OAuthSettings, o: SharedRefresherOptions): Refresher {
  const keepMs = Math.max(o.keepMs ?? 60_000, 1);
  const lockMs = o.lockMs ?? s.timeoutMs + 5_000;
  const pollMs = o.pollMs ?? 50;
  const refreshFn = o.refreshFn ?? refreshTokens;
  const { redis, logger } = o;
  const box = createBox(o.secrets);
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

  /** [result, lock holder] in one round trip. */
  async function look(key: string): Promise<{ result: CtTokens | null; locked: boolean }> {
    const [sealed, lock] = await cmd(redis.mget(key, `${key}:lock`));
    let result: CtTokens | null = null;
    if (sealed != null) {
      result = box.open(sealed, key);
      if (result === null)
        logger?.warn({}, 'a shared refresh result could not be decrypted (does SESSION_SECRET differ between instances?)');
    }
    return { result, locked: lock != null };
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
      await redis.set(key, box.seal(tokens, key), 'PX', keepMs);
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

  /** Another instance holds the lock: wait for its result. */
  async function follow(key: string, id: string, refreshToken: string): Promise<CtTokens> {
    let deadline = Date.now() + lockMs;
    let tried = false;
    while (Date.now() < deadline) {
      await sleep(pollMs);
      const seen = await look(key);
      if (seen.result !== null) {
        counts.reused++;
        return seen.result;
      }
      if (!seen.locked) {
        // The other instance gave up without a result (CT refused or failed): try once ourselves.
        if (tried) break;
        tried = true;
        if (await lock(key, id)) return lead(key, id, refreshToken);
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
    const key = REDIS_KEY_PREFIX + createHash('sha256').update(refreshToken).digest('hex');
    try {
      const seen = await look(key);
      if (seen.result !== null) {
        counts.reused++;
        return seen.result;
      }
      const id = randomBytes(16).toString('hex');
      if (await lock(key, id)) return await lead(key, id, refreshToken);
      return await follow(key, id, refreshToken);
    } catch (error) {
      if (!(error instanceof RedisTrouble)) throw error;
      warn('Redis is unavailable; refreshing the session in this process only', error);
      counts.refreshes++;
      return refreshFn(s, refreshToken);
    }
  }

  // In front: one promise per refresh token within this instance, and its results kept for keepMs.
  const local = createRefresher(s, { keepMs, refreshFn: shared });
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
  return { refresh: (refreshToken) => local.refresh(refreshToken), stats };
}

/**
 * The ioredis client for REDIS_URL, tuned to fail fast: a command waits at most commandTimeoutMs
 * (queued while connecting included), so a Redis outage costs a refresh one short wait, then the
 * in-process fallback. Connection errors are logged (rate-limited), never thrown.
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
  seal(tokens: CtTokens, key: string): string;
  /** Null when no configured secret opens it, or it is not a token set. */
  open(sealed: string, key: string): CtTokens | null;
}

/**
 * AES-256-GCM under a key derived (HKDF-SHA256) from SESSION_SECRET, with the Redis key as
 * associated data, so a value cannot be moved to another key. Format: v1.<iv>.<ciphertext>.<tag>.
 */
function createBox(secrets: readonly string[]): Box {
  if (secrets.length === 0) throw new Error('createSharedRefresher: at least one secret is required');
  const keys = secrets.map((secret) => Buffer.from(hkdfSync('sha256', secret, 'ct-graphql', 'ct-graphql refresh result v1', 32)));
  const sealKey = keys[0]!;
  return {
    seal(tokens, key) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', sealKey, iv);
      cipher.setAAD(Buffer.from(key));
      const body = Buffer.concat([
        cipher.update(JSON.stringify({ a: tokens.accessToken, r: tokens.refreshToken, e: tokens.expiresAt })),
        cipher.final(),
      ]);
      return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed, key) {
      const [version, iv, body, tag] = sealed.split('.');
      if (version !== 'v1' || iv === undefined || body === undefined || tag === undefined) return null;
      for (const k of keys) {
        try {
          const decipher = createDecipheriv('aes-256-gcm', k, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
          decipher.setAAD(Buffer.from(key));
          decipher.setAuthTag(Buffer.from(tag, 'base64url'));
          const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
          const v = JSON.parse(text) as { a?: unknown; r?: unknown; e?: unknown };
          if (typeof v.a !== 'string' || typeof v.r !== 'string' || typeof v.e !== 'number') return null;
          return { accessToken: v.a, refreshToken: v.r, expiresAt: v.e };
        } catch {
          // not this key
        }
      }
      return null;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
