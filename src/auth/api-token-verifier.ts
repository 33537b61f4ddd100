// Opening an API token on the hot path. The store is the truth, but a round trip per request would
// cost more than the rest of a typical request, so each instance keeps the tokens it verified
// recently (LRU by token hash: the row, the opened CT grant) and re-reads a token from the store
// only when its entry is older than `recheckMs`: a revocation on another instance takes effect here
// within that time; on this instance, at once (`forget`). lastUsedAt is written at most once per
// `touchEveryMs` per token, in the background, never on the request's path.
import { LRUCache } from 'lru-cache';
import { isWellFormedApiToken, secretHash } from './api-token-secret.js';
import type { GrantBox } from './grant-box.js';
import type { CtTokens } from '../ct/tokens.js';
import type { ApiTokenRow, Store } from '../store/types.js';

/** UNAVAILABLE: the store could not be asked, and this instance has never seen the token. */
export type ApiTokenProblem = 'INVALID' | 'EXPIRED' | 'NEEDS_SIGN_IN' | 'UNAVAILABLE';

export interface VerifiedApiToken {
  token: ApiTokenRow;
  /** The grant's CT tokens as this instance last saw them. */
  tokens: CtTokens;
}

export type ApiTokenCheck = { verified: VerifiedApiToken } | { problem: ApiTokenProblem };

export interface ApiTokenVerifier {
  verify(secret: string): Promise<ApiTokenCheck>;
  /** A refresh of this token's grant finished (here or on another instance): use these from now on. */
  refreshed(tokenHash: string, tokens: CtTokens, sealed: string): void;
  /** CT refused the grant: refuse the token here without asking the store or CT again. */
  needsSignIn(tokenHash: string): void;
  forget(tokenHash: string): void;
  /** Waits for the background lastUsedAt writes (before the store closes). */
  flush(): Promise<void>;
}

export interface VerifierOptions {
  store: () => Promise<Store>;
  box: () => Promise<GrantBox>;
  /** Clock in ms. */
  now?: () => number;
  /** How old a cached token may be before the store is asked again (revocation delay across instances). */
  recheckMs?: number;
  /** lastUsedAt granularity. */
  touchEveryMs?: number;
  /** Tokens kept per instance. */
  maxEntries?: number;
  /** Told when a background write fails (never with a token). */
  onError?: (what: string, error: unknown) => void;
}

interface Entry {
  token: ApiTokenRow;
  needsSignIn: boolean;
  /** The sealed grant as read (or written) last: unchanged in the store => no need to open it again. */
  sealed: string;
  tokens: CtTokens;
  checkedAt: number;
  touching: boolean;
}

export function createApiTokenVerifier(o: VerifierOptions): ApiTokenVerifier {
  const now = o.now ?? Date.now;
  const recheckMs = o.recheckMs ?? 5_000;
  const touchEveryMs = o.touchEveryMs ?? 60_000;
  const entries = new LRUCache<string, Entry>({ max: o.maxEntries ?? 10_000 });
  // One store read per token at a time, however many requests arrive with it at once.
  const loading = new Map<string, Promise<Entry | null>>();
  const touches = new Set<Promise<void>>();

  async function load(hash: string, previous: Entry | undefined): Promise<Entry | null> {
    const store = await o.store();
    const found = await store.apiTokens.findByHash(hash);
    if (!found) {
      entries.delete(hash);
      return null;
    }
    let tokens = previous?.sealed === found.grant.sealed ? previous.tokens : null;
    if (tokens === null) {
      tokens = await (await o.box()).open(found.grant.id, found.grant.sealed);
      if (tokens === null) {
        // Sealed under a secret this instance does not have (SESSION_SECRET differs or was dropped).
        o.onError?.("an API token's CT grant could not be decrypted (is SESSION_SECRET the same on every instance?)", null);
        entries.delete(hash);
        return null;
      }
    }
    const entry: Entry = {
      token: found.token,
      needsSignIn: found.grant.needsSignIn,
      sealed: found.grant.sealed,
      tokens,
      checkedAt: now(),
      touching: false,
    };
    entries.set(hash, entry);
    return entry;
  }

  function current(hash: string): Promise<Entry | null> {
    const cached = entries.get(hash);
    if (cached && now() - cached.checkedAt < recheckMs) return Promise.resolve(cached);
    let pending = loading.get(hash);
    if (!pending) {
      pending = load(hash, cached)
        .catch((error: unknown) => {
          // The store is down: a token this instance knows keeps working on what it knew (a
          // revocation waits for the store to come back); an unknown one cannot be checked.
          o.onError?.('the store could not be asked about an API token', error);
          if (!cached) throw error;
          // Asked again after another re-check interval, so one request per interval waits for a dead store, not all.
          cached.checkedAt = now();
          return cached;
        })
        .finally(() => loading.delete(hash));
      loading.set(hash, pending);
    }
    return pending;
  }

  function touch(entry: Entry, at: number): void {
    if (entry.touching || (entry.token.lastUsedAt !== null && at - entry.token.lastUsedAt < touchEveryMs)) return;
    entry.touching = true;
    const id = entry.token.id;
    const write = o
      .store()
      .then((store) => store.apiTokens.touch(id, at))
      .then(
        () => {
          entry.token = { ...entry.token, lastUsedAt: at };
        },
        (error: unknown) => o.onError?.("could not record an API token's last use", error),
      )
      .finally(() => {
        entry.touching = false;
        touches.delete(write);
      });
    touches.add(write);
  }

  return {
    async verify(secret) {
      if (!isWellFormedApiToken(secret)) return { problem: 'INVALID' };
      let entry: Entry | null;
      try {
        entry = await current(secretHash(secret));
      } catch {
        return { problem: 'UNAVAILABLE' };
      }
      if (!entry) return { problem: 'INVALID' };
      const at = now();
      if (entry.token.expiresAt !== null && entry.token.expiresAt <= at) return { problem: 'EXPIRED' };
      if (entry.needsSignIn) return { problem: 'NEEDS_SIGN_IN' };
      touch(entry, at);
      return { verified: { token: entry.token, tokens: { ...entry.tokens } } };
    },
    refreshed(hash, tokens, sealed) {
      const entry = entries.get(hash);
      if (entry) Object.assign(entry, { tokens: { ...tokens }, sealed, needsSignIn: false });
    },
    needsSignIn(hash) {
      const entry = entries.get(hash);
      if (entry) entry.needsSignIn = true;
    },
    forget(hash) {
      entries.delete(hash);
    },
    async flush() {
      await Promise.all([...touches]);
    },
  };
}
