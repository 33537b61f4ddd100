// Process-wide refresh coordinator: one refresh per refresh token at a time (single flight), and
// the new tokens kept for a while under sha256(old refresh token), because CT rotates refresh
// tokens and a second request still carrying the old session would otherwise get invalid_grant.
// Kept results form a chain (rt0 -> rt1 -> rt2 when a session was refreshed twice within keepMs);
// CT revokes the old pair at each rotation, so only the newest link is alive: a reused result is
// followed to it, and sign-out follows it to find what to revoke.

import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { refreshTokens, type OAuthSettings } from './oauth.js';
import type { CtTokens } from './tokens.js';

export interface Refresher {
  /** The newest tokens for this refresh token: refreshed at CT, or taken from a kept result and the chain after it. */
  refresh(refreshToken: string): Promise<CtTokens>;
  /**
   * For sign-out: drops the kept results from this refresh token on, so no session can be moved on
   * through them any more, and answers the newest tokens they led to (null when nothing was kept),
   * which are the ones still alive at CT. Never rejects.
   */
  forget(refreshToken: string): Promise<CtTokens | null>;
  readonly stats: { refreshes: number; failures: number; reused: number };
}

/**
 * Results kept outside this process (other instances', in Redis). Both calls answer null or
 * nothing on trouble instead of rejecting: a chain that cannot be read is just shorter.
 */
export interface KeptElsewhere {
  get(refreshToken: string): Promise<CtTokens | null>;
  drop(refreshToken: string): Promise<void>;
}

/**
 * How many kept results are followed after the first one. Each hop is a refresh inside keepMs, so
 * more than a few only happen with tokens that live less than a minute; the bound keeps a lookup
 * from wandering.
 */
export const MAX_HOPS = 4;

/** Follows kept results from `tokens` to the newest one, at most MAX_HOPS steps. */
export async function followChain(tokens: CtTokens, keptAfter: (refreshToken: string) => Promise<CtTokens | null>): Promise<CtTokens> {
  let newest = tokens;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const next = await keptAfter(newest.refreshToken);
    if (next === null) break;
    newest = next;
  }
  return newest;
}

export interface RefresherOptions {
  /** How long a successful result stays reusable; DESIGN.md asks for at least 60 s. */
  keepMs?: number;
  /** Memory bound on kept results: the least recently used go first once exceeded. */
  maxEntries?: number;
  /** Clock (epoch ms); tests move it instead of waiting. */
  now?: () => number;
  /** The refresh call itself; defaults to oauth.refreshTokens (tests and a shared store may wrap it). */
  refreshFn?: (s: OAuthSettings, refreshToken: string) => Promise<CtTokens>;
  /** Where other instances keep their results, so a chain can continue there. */
  elsewhere?: KeptElsewhere;
}

/** The map key: a digest, so the raw refresh token never sits in a key that could be dumped or logged. */
function keyOf(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('hex');
}

export function createRefresher(s: OAuthSettings, opts: RefresherOptions = {}): Refresher {
  const keepMs = opts.keepMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const refreshFn = opts.refreshFn ?? refreshTokens;
  // Two homes, because they obey different rules: a refresh in flight must never be dropped
  // (forgetting it would let a second request refresh the same token, and CT would refuse one of
  // them), while finished results expire after keepMs and are bounded in number.
  const inFlight = new Map<string, Promise<CtTokens>>();
  // ttlResolution 0: the injected clock is read on every look-up, never cached by a timer.
  const kept = new LRUCache<string, CtTokens>({ max: opts.maxEntries ?? 10_000, ttl: keepMs, ttlResolution: 0, perf: { now } });
  const stats = { refreshes: 0, failures: 0, reused: 0 };

  /** The result kept for this refresh token (waiting for it when in flight), here or elsewhere; null when none or it failed. */
  async function keptAfter(refreshToken: string): Promise<CtTokens | null> {
    const key = keyOf(refreshToken);
    const pending = inFlight.get(key);
    if (pending !== undefined) return pending.catch(() => null);
    const result = kept.get(key);
    if (result !== undefined) return result;
    return opts.elsewhere ? opts.elsewhere.get(refreshToken) : null;
  }

  function refresh(refreshToken: string): Promise<CtTokens> {
    const key = keyOf(refreshToken);
    const pending = inFlight.get(key);
    // Joining a refresh in flight gets what CT just issued.
    if (pending !== undefined) {
      stats.reused++;
      return pending.then(copy);
    }
    // A result kept from earlier may have been refreshed again since, and its access token is
    // then revoked already: follow the chain to the newest.
    const result = kept.get(key);
    if (result !== undefined) {
      stats.reused++;
      return followChain(result, keptAfter).then(copy);
    }
    stats.refreshes++;
    const promise = refreshFn(s, refreshToken);
    inFlight.set(key, promise);
    promise.then(
      (tokens) => {
        inFlight.delete(key);
        kept.set(key, tokens);
      },
      () => {
        // Not kept: the next caller may try again (a transient failure must not pin the session).
        stats.failures++;
        inFlight.delete(key);
      },
    );
    return promise.then(copy);
  }

  async function forget(refreshToken: string): Promise<CtTokens | null> {
    let newest: CtTokens | null = null;
    let current = refreshToken;
    // The first link and MAX_HOPS after it, as refresh follows.
    for (let hop = 0; hop <= MAX_HOPS; hop++) {
      const key = keyOf(current);
      const pending = inFlight.get(key);
      const result = kept.get(key);
      // Dropped before waiting, so a request arriving meanwhile cannot be handed this chain.
      kept.delete(key);
      let next: CtTokens | null;
      if (pending !== undefined) {
        next = await pending.catch(() => null);
        kept.delete(key);
      } else {
        next = result ?? (await opts.elsewhere?.get(current)) ?? null;
      }
      await opts.elsewhere?.drop(current);
      if (next === null) break;
      newest = next;
      current = next.refreshToken;
    }
    return newest === null ? null : copy(newest);
  }

  return { refresh, forget, stats };
}

/** Each caller gets its own object, so one client cannot alter what another receives. */
function copy(t: CtTokens): CtTokens {
  return { ...t };
}
