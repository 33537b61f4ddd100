// Process-wide refresh coordinator: one refresh per refresh token at a time (single flight), and
// the new tokens kept for a while under sha256(old refresh token), because CT rotates refresh
// tokens and a second request still carrying the old session would otherwise get invalid_grant.
// Kept results form a chain (rt0 -> rt1 -> rt2 when a session was refreshed twice within keepMs);
// CT revokes the old pair at each rotation, so only the newest link is alive: a reused result is
// followed to it, and sign-out follows it to find what to revoke.

import { createHash } from 'node:crypto';
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
  /** Memory bound: the oldest entries go first once exceeded. */
  maxEntries?: number;
  /** Clock (epoch ms); tests move it instead of waiting. */
  now?: () => number;
  /** The refresh call itself; defaults to oauth.refreshTokens (tests and a shared store may wrap it). */
  refreshFn?: (s: OAuthSettings, refreshToken: string) => Promise<CtTokens>;
  /** Where other instances keep their results, so a chain can continue there. */
  elsewhere?: KeptElsewhere;
}

interface Entry {
  promise: Promise<CtTokens>;
  /** Infinity while the refresh is in flight: an in-flight entry must never be swept. */
  expiresAt: number;
}

const SWEEP_EVERY_MS = 1000;

/** The map key: a digest, so the raw refresh token never sits in a key that could be dumped or logged. */
function keyOf(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('hex');
}

export function createRefresher(s: OAuthSettings, opts: RefresherOptions = {}): Refresher {
  const keepMs = opts.keepMs ?? 60_000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const refreshFn = opts.refreshFn ?? refreshTokens;
  const entries = new Map<string, Entry>();
  const stats = { refreshes: 0, failures: 0, reused: 0 };
  let lastSweep = 0;

  function sweep(t: number): void {
    if (t - lastSweep < SWEEP_EVERY_MS && entries.size <= maxEntries) return;
    lastSweep = t;
    for (const [key, entry] of entries) if (entry.expiresAt <= t) entries.delete(key);
    // Still too many (a burst of distinct sessions): drop the oldest finished ones (Map iterates
    // in insertion order). A refresh still in flight is never dropped: forgetting it would let a
    // second request refresh the same token, and CT would refuse one of them.
    for (const [key, entry] of entries) {
      if (entries.size <= maxEntries) break;
      if (entry.expiresAt !== Infinity) entries.delete(key);
    }
  }

  /** The result kept for this refresh token (waiting for it when in flight), here or elsewhere; null when none or it failed. */
  async function keptAfter(refreshToken: string): Promise<CtTokens | null> {
    const entry = entries.get(keyOf(refreshToken));
    if (entry !== undefined && entry.expiresAt > now()) return entry.promise.catch(() => null);
    return opts.elsewhere ? opts.elsewhere.get(refreshToken) : null;
  }

  function refresh(refreshToken: string): Promise<CtTokens> {
    const t = now();
    sweep(t);
    const key = keyOf(refreshToken);
    const existing = entries.get(key);
    if (existing !== undefined && existing.expiresAt > t) {
      stats.reused++;
      // Joining a refresh in flight gets what CT just issued. A result kept from earlier may have
      // been refreshed again since, and its access token is then revoked already.
      if (existing.expiresAt === Infinity) return existing.promise.then(copy);
      return existing.promise.then((kept) => followChain(kept, keptAfter)).then(copy);
    }
    stats.refreshes++;
    const entry: Entry = { promise: refreshFn(s, refreshToken), expiresAt: Infinity };
    entries.set(key, entry);
    entry.promise.then(
      () => {
        entry.expiresAt = now() + keepMs;
      },
      () => {
        // Not cached: the next caller may try again (a transient failure must not pin the session).
        stats.failures++;
        if (entries.get(key) === entry) entries.delete(key);
      },
    );
    return entry.promise.then(copy);
  }

  async function forget(refreshToken: string): Promise<CtTokens | null> {
    let newest: CtTokens | null = null;
    let current = refreshToken;
    // The first link and MAX_HOPS after it, as refresh follows.
    for (let hop = 0; hop <= MAX_HOPS; hop++) {
      const key = keyOf(current);
      const entry = entries.get(key);
      // Dropped before waiting, so a request arriving meanwhile cannot be handed this chain.
      entries.delete(key);
      const next = entry !== undefined ? await entry.promise.catch(() => null) : ((await opts.elsewhere?.get(current)) ?? null);
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
