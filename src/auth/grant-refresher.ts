// Refreshing the CT grant behind an API token, serialised across every instance. CT rotates the
// refresh token at each refresh and refuses the old one, so two instances refreshing one grant
// would sign it out. Per grant:
//   1. in process, one refresh per (grant, refresh token) at a time, its result kept `keepMs`
//      (a single flight: eight requests that hit a 401 together wait for one refresh);
//   2. across instances, the store's lock on the grant row (PostgreSQL FOR UPDATE, SQLite BEGIN
//      IMMEDIATE): under it the grant is read again; if its refresh token is no longer the one the
//      caller had, another request already refreshed and its result is returned; otherwise this
//      instance refreshes at CT and writes the new sealed grant before the lock goes.
// When CT refuses the refresh, the grant is marked as needing a new sign-in (committed, then the
// CtAuthError goes on to the caller, who answers UNAUTHENTICATED).
import { createHash, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { CtAuthError } from '../ct/errors.js';
import { refreshTokens, type OAuthSettings } from '../ct/oauth.js';
import type { Refresher } from '../ct/refresher.js';
import type { CtTokens } from '../ct/tokens.js';
import type { Store } from '../store/types.js';
import type { GrantBox } from './grant-box.js';

export interface RefreshedGrant {
  tokens: CtTokens;
  /** The grant as now stored, so a cache can tell it apart from what it held. */
  sealed: string;
}

export interface GrantRefresher {
  /** The CT client's Refresher for one request on this grant; `events` hears how it ended. */
  forGrant(grantId: string, events: { refreshed(result: RefreshedGrant): void; refused(): void }): Pick<Refresher, 'refresh' | 'stats'>;
  /** refreshes: made at CT by this instance; reused: answered by another's refresh (here or elsewhere); failures: refused or failed. */
  readonly stats: { refreshes: number; failures: number; reused: number };
}

export interface GrantRefresherOptions {
  store: () => Promise<Store>;
  box: () => Promise<GrantBox>;
  oauth: OAuthSettings;
  /** The refresh call itself; defaults to oauth.refreshTokens. */
  refreshFn?: (s: OAuthSettings, refreshToken: string) => Promise<CtTokens>;
  /** How long a finished refresh answers later callers with the same old refresh token in process. */
  keepMs?: number;
  now?: () => number;
}

type Outcome = { kind: 'fresh'; result: RefreshedGrant } | { kind: 'refused'; error: CtAuthError };

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createGrantRefresher(o: GrantRefresherOptions): GrantRefresher {
  const refreshFn = o.refreshFn ?? refreshTokens;
  const now = o.now ?? Date.now;
  const stats = { refreshes: 0, failures: 0, reused: 0 };
  // Keyed by grant and a digest of the old refresh token (never the token itself). An entry
  // evicted early only costs a trip to the store lock, which gives the same answer.
  const flights = new LRUCache<string, Promise<RefreshedGrant>>({ max: 10_000, ttl: o.keepMs ?? 60_000 });

  async function serialised(grantId: string, refreshToken: string): Promise<RefreshedGrant> {
    const store = await o.store();
    const box = await o.box();
    const outcome = await store.grants.withLock<Outcome>(grantId, async (grant, locked) => {
      if (grant === null) return { kind: 'refused', error: new CtAuthError('the API token was revoked') };
      if (grant.needsSignIn) return { kind: 'refused', error: new CtAuthError('CT refused this grant earlier; sign in again') };
      const stored = await box.open(grantId, grant.sealed);
      if (stored === null)
        return { kind: 'refused', error: new CtAuthError('the stored CT grant cannot be decrypted with the configured SESSION_SECRET') };
      if (!sameSecret(stored.refreshToken, refreshToken)) {
        // Someone refreshed since this caller read the grant: theirs is the current one.
        stats.reused++;
        return { kind: 'fresh', result: { tokens: stored, sealed: grant.sealed } };
      }
      let tokens: CtTokens;
      try {
        tokens = await refreshFn(o.oauth, refreshToken);
      } catch (error) {
        if (!(error instanceof CtAuthError)) throw error;
        await locked.markNeedsSignIn(now());
        return { kind: 'refused', error };
      }
      const sealed = await box.seal(grantId, tokens);
      await locked.update(sealed, now());
      stats.refreshes++;
      return { kind: 'fresh', result: { tokens, sealed } };
    });
    // Thrown after the transaction committed, so the needsSignIn mark is kept.
    if (outcome.kind === 'refused') throw outcome.error;
    return outcome.result;
  }

  function flight(grantId: string, refreshToken: string): Promise<RefreshedGrant> {
    const key = `${grantId}\n${createHash('sha256').update(refreshToken).digest('hex')}`;
    const known = flights.get(key);
    if (known) return known;
    const pending = serialised(grantId, refreshToken);
    flights.set(key, pending);
    pending.catch(() => {
      stats.failures++;
      // A failure is not kept: the next request may try again (CT may have been down briefly).
      if (flights.get(key) === pending) flights.delete(key);
    });
    return pending;
  }

  return {
    stats,
    forGrant(grantId, events) {
      return {
        stats,
        async refresh(refreshToken) {
          try {
            const result = await flight(grantId, refreshToken);
            events.refreshed(result);
            return { ...result.tokens };
          } catch (error) {
            if (error instanceof CtAuthError) events.refused();
            throw error;
          }
        },
      };
    },
  };
}
