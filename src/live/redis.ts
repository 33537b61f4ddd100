// The coordinator over Redis (REDIS_URL): one poller per topic across every instance, events fanned
// out through pub/sub. Per topic (named by a digest, never by user or location), keys under
// ct-graphql:live:
//   lease:<topic>     the holder's id, SET NX PX leaseMs; every instance runs one script twice per
//                     interval (renew when ours, take when free): the holder keeps it as long as it
//                     ticks, and a holder that dies is replaced within leaseMs + half an interval;
//   snapshot:<topic>  the last poll's box states, so the next holder compares against them;
//   topic:<topic>     the pub/sub channel of the poll's findings;
// and `signout` (a channel: credentials whose streams end), `who:<sha256 of an access token>` (the
// CT user it belongs to, so a subscriber reconnecting elsewhere costs no second /me.json).
// A Redis command that fails is never fatal: the claim is `unknown` and the instance polls for its
// own subscribers until Redis answers again (more CT calls for a while, but no silent stream).
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BoxSnapshot } from './topics.js';
import type { Claim, Coordinator, SignOut, TopicMessage } from './coordinator.js';

export const LIVE_KEY_PREFIX = 'ct-graphql:live:';

// KEYS[1] lease; ARGV[1] holder, ARGV[2] ms. 1 renewed, 2 acquired, 0 held by another.
const CLAIM = `
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
if not holder then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end
return 0
`;
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** Only what is needed from pino; messages carry no token, user or location. */
export interface LiveLogger {
  warn(obj: object, msg: string): void;
}

export interface RedisCoordinatorOptions {
  /** Commands (shared with the refresher). */
  redis: Redis;
  /** A connection of its own for SUBSCRIBE (a subscribed connection takes no other command). */
  subscriber: Redis;
  /** Lease lifetime: how long a dead holder keeps its topics. */
  leaseMs: number;
  /** How long a snapshot outlives its last poll. */
  snapshotMs: number;
  /** Another instance saw a sign-out: its streams end here too. */
  onSignOut: (signOut: SignOut) => void;
  logger?: LiveLogger;
}

const SIGNOUT_CHANNEL = `${LIVE_KEY_PREFIX}signout`;
const channelOf = (topic: string): string => `${LIVE_KEY_PREFIX}topic:${topic}`;

export function redisCoordinator(o: RedisCoordinatorOptions): Coordinator {
  const { redis, subscriber, logger } = o;
  /** This instance, so it can skip what it published itself. */
  const instance = randomBytes(8).toString('hex');
  const handlers = new Map<string, Set<(message: TopicMessage) => void>>();
  /**
   * Channels Redis confirmed subscribing to. ioredis subscribes again after a reconnect only to
   * these, so a SUBSCRIBE that failed (Redis was down) is tried again at the next claim that works.
   */
  const confirmed = new Set<string>();
  let warnedAt = 0;

  function warn(message: string, error: unknown): void {
    const now = Date.now();
    if (now - warnedAt < 30_000) return;
    warnedAt = now;
    logger?.warn({ err: error instanceof Error ? error.message : String(error) }, message);
  }

  subscriber.on('message', (channel: string, text: string) => {
    let parsed: { from?: unknown; message?: TopicMessage; signOut?: Partial<SignOut> };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.from === instance) return;
    if (channel === SIGNOUT_CHANNEL) {
      const { credentialKey, accessDigest } = parsed.signOut ?? {};
      if (typeof credentialKey === 'string' && typeof accessDigest === 'string') o.onSignOut({ credentialKey, accessDigest });
      return;
    }
    const message = parsed.message;
    if (!message) return;
    for (const handler of handlers.get(channel) ?? []) handler(message);
  });
  async function confirm(channel: string): Promise<void> {
    if (confirmed.has(channel)) return;
    try {
      await subscriber.subscribe(channel);
      confirmed.add(channel);
    } catch (error) {
      // Tried again at the next claim; meanwhile claims fail too, and this instance polls by itself.
      warn('could not subscribe to a live channel in Redis', error);
    }
  }
  const signOutListening = confirm(SIGNOUT_CHANNEL);

  async function publish(channel: string, payload: object): Promise<void> {
    try {
      await redis.publish(channel, JSON.stringify({ from: instance, ...payload }));
    } catch (error) {
      warn('could not publish a live event in Redis; subscribers on other instances miss it', error);
    }
  }

  return {
    shared: true,
    async claim(topic, holder): Promise<Claim> {
      try {
        const reply = await redis.eval(CLAIM, 1, `${LIVE_KEY_PREFIX}lease:${topic}`, holder, String(o.leaseMs));
        // Redis answers again: a channel it could not be asked to deliver is asked for now, before this instance follows.
        await confirm(SIGNOUT_CHANNEL);
        if (handlers.has(channelOf(topic))) await confirm(channelOf(topic));
        return reply === 1 ? 'renewed' : reply === 2 ? 'acquired' : 'theirs';
      } catch (error) {
        warn('Redis is unavailable: polling CT for this instance’s own subscribers until it is back', error);
        return 'unknown';
      }
    },
    async release(topic, holder) {
      try {
        await redis.eval(RELEASE, 1, `${LIVE_KEY_PREFIX}lease:${topic}`, holder);
      } catch (error) {
        warn('could not release a live lease in Redis; it expires by itself', error);
      }
    },
    async loadSnapshot(topic) {
      try {
        const text = await redis.get(`${LIVE_KEY_PREFIX}snapshot:${topic}`);
        return text === null ? null : (JSON.parse(text) as BoxSnapshot);
      } catch (error) {
        warn('could not read a live snapshot from Redis; the next poll starts afresh', error);
        return null;
      }
    },
    async saveSnapshot(topic, snapshot) {
      try {
        await redis.set(`${LIVE_KEY_PREFIX}snapshot:${topic}`, JSON.stringify(snapshot), 'PX', o.snapshotMs);
      } catch (error) {
        warn('could not keep a live snapshot in Redis', error);
      }
    },
    publish: (topic, message) => publish(channelOf(topic), { message }),
    async listen(topic, handler) {
      const channel = channelOf(topic);
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
      }
      set.add(handler);
      await confirm(channel);
      return () => {
        const current = handlers.get(channel);
        if (!current?.delete(handler) || current.size > 0) return;
        handlers.delete(channel);
        confirmed.delete(channel);
        subscriber.unsubscribe(channel).catch(() => {});
      };
    },
    async signOut(signOut) {
      try {
        await redis.del(`${LIVE_KEY_PREFIX}who:${signOut.accessDigest}`);
      } catch (error) {
        warn('could not forget a signed-out identity in Redis; it expires with its access token', error);
      }
      await publish(SIGNOUT_CHANNEL, { signOut });
    },
    async identity(accessDigest) {
      try {
        return await redis.get(`${LIVE_KEY_PREFIX}who:${accessDigest}`);
      } catch {
        return null;
      }
    },
    async rememberIdentity(accessDigest, userKey, ttlMs) {
      try {
        await redis.set(`${LIVE_KEY_PREFIX}who:${accessDigest}`, userKey, 'PX', Math.max(1, Math.floor(ttlMs)));
      } catch {
        // Only a saving lost: another instance asks CT once.
      }
    },
    async close() {
      await signOutListening;
      handlers.clear();
    },
  };
}
