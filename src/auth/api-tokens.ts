// API tokens as the rest of the facade uses them: verify one (hot path, api-token-verifier.ts),
// the Refresher for its grant (grant-refresher.ts), list a CT user's tokens, revoke one (and its
// CT grant at CT), and mint grants and tokens for a new sign-in (the device flow). The store is
// reached lazily through `store()`: nothing here opens it until an API token is actually used.
import { randomUUID } from 'node:crypto';
import { revokeToken, type OAuthSettings } from '../ct/oauth.js';
import type { Refresher } from '../ct/refresher.js';
import type { CtTokens } from '../ct/tokens.js';
import type { ApiTokenRow, ApiTokenScope, Store } from '../store/types.js';
import { newApiTokenSecret, secretHash } from './api-token-secret.js';
import { createApiTokenVerifier, type ApiTokenCheck, type VerifiedApiToken } from './api-token-verifier.js';
import { createGrantBox, type GrantBox } from './grant-box.js';
import { createGrantRefresher, type GrantRefresher } from './grant-refresher.js';

/** An API token as its owner may see it: never the secret, never the grant. */
export interface ApiTokenInfo {
  id: string;
  name: string;
  scope: ApiTokenScope;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  needsSignIn: boolean;
}

export interface NewApiToken {
  /** `ctg_…`: shown once, to whoever asked for it; only its hash is kept. */
  secret: string;
  row: ApiTokenRow;
}

export interface ApiTokens {
  verify(secret: string): Promise<ApiTokenCheck>;
  /** The CT client's Refresher for a request made with this token. */
  refresherFor(verified: VerifiedApiToken): Pick<Refresher, 'refresh' | 'stats'>;
  list(ctUserId: string): Promise<ApiTokenInfo[]>;
  /** One of the CT user's tokens, or null (unknown, or another user's). */
  get(id: string, ctUserId: string): Promise<ApiTokenInfo | null>;
  /** Deletes the token (only the CT user's own) and revokes its CT grant at CT; false when there was no such token. */
  revoke(id: string, ctUserId: string): Promise<boolean>;
  /** The same, for the token presented as a credential (sign-out with an API token). */
  revokeSecret(secret: string): Promise<boolean>;
  /** Stores a new CT grant (sealed) for a CT user; returns its id. */
  createGrant(tokens: CtTokens, ctUserId: string): Promise<string>;
  /** Revokes a grant nobody holds a token for (an abandoned device sign-in), at CT and in the store. */
  revokeGrant(grantId: string): Promise<void>;
  /** Revokes CT tokens that never became a grant (a device sign-in that could not finish). */
  revokeCtTokens(tokens: CtTokens): Promise<void>;
  /** A token row and its secret for a grant; the caller inserts the row (the device flow does it atomically with its claim). */
  mint(o: { grantId: string; ctUserId: string; name: string; scope: ApiTokenScope; lifetimeMs: number | null }): NewApiToken;
  readonly refreshStats: GrantRefresher['stats'];
  /** Waits for background writes; call before closing the store. */
  flush(): Promise<void>;
}

export interface ApiTokensOptions {
  store: () => Promise<Store>;
  secrets: readonly string[];
  oauth: OAuthSettings;
  now?: () => number;
  recheckMs?: number;
  /** Failures that only cost a log line (a CT revocation, a lastUsedAt write); never given a token. */
  warn?: (what: string, details: Record<string, unknown>) => void;
}

function info(token: ApiTokenRow, needsSignIn: boolean): ApiTokenInfo {
  return {
    id: token.id,
    name: token.name,
    scope: token.scope,
    createdAt: new Date(token.createdAt),
    lastUsedAt: token.lastUsedAt === null ? null : new Date(token.lastUsedAt),
    expiresAt: token.expiresAt === null ? null : new Date(token.expiresAt),
    needsSignIn,
  };
}

/** Only the stable `code` of a CtError goes into a log line. */
function errorCode(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'unknown';
}

export function createApiTokens(o: ApiTokensOptions): ApiTokens {
  const now = o.now ?? Date.now;
  const warn = o.warn ?? (() => undefined);
  let boxPromise: Promise<GrantBox> | null = null;
  const box = () => (boxPromise ??= createGrantBox(o.secrets, now));
  const verifier = createApiTokenVerifier({
    store: o.store,
    box,
    now,
    ...(o.recheckMs === undefined ? {} : { recheckMs: o.recheckMs }),
    onError: (what, error) => warn(what, error === null ? {} : { ctError: errorCode(error) }),
  });
  const refresher = createGrantRefresher({ store: o.store, box, oauth: o.oauth, now });

  /** Refresh token first: it is the long-lived one that could mint new access tokens. */
  async function revokeAtCt(tokens: CtTokens): Promise<void> {
    for (const [kind, token] of [
      ['refresh', tokens.refreshToken],
      ['access', tokens.accessToken],
    ] as const) {
      try {
        await revokeToken(o.oauth, token);
      } catch (error) {
        warn("CT did not confirm the revocation of an API token's grant", { tokenKind: kind, ctError: errorCode(error) });
      }
    }
  }

  /** Deletes a grant and its tokens under the grant's lock (so no refresh is half done), then revokes it at CT. */
  async function deleteGrant(store: Store, grantId: string): Promise<void> {
    const sealed = await store.grants.withLock(grantId, async (grant, locked) => {
      if (grant === null) return null;
      await locked.delete();
      return grant.sealed;
    });
    if (sealed === null) return;
    const tokens = await (await box()).open(grantId, sealed);
    if (tokens) await revokeAtCt(tokens);
  }

  async function revokeRow(store: Store, token: ApiTokenRow): Promise<void> {
    // Forgotten here first: on this instance the token stops working before CT is even asked.
    verifier.forget(token.tokenHash);
    await deleteGrant(store, token.grantId);
  }

  return {
    verify: (secret) => verifier.verify(secret),

    refresherFor(verified) {
      const hash = verified.token.tokenHash;
      return refresher.forGrant(verified.token.grantId, {
        refreshed: (result) => verifier.refreshed(hash, result.tokens, result.sealed),
        refused: () => verifier.needsSignIn(hash),
      });
    },

    async list(ctUserId) {
      const store = await o.store();
      return (await store.apiTokens.listByCtUser(ctUserId)).map((l) => info(l.token, l.needsSignIn));
    },

    async get(id, ctUserId) {
      const store = await o.store();
      const token = await store.apiTokens.get(id);
      if (!token || token.ctUserId !== ctUserId) return null;
      const grant = await store.grants.get(token.grantId);
      return info(token, grant?.needsSignIn ?? false);
    },

    async revoke(id, ctUserId) {
      const store = await o.store();
      const token = await store.apiTokens.get(id);
      if (!token || token.ctUserId !== ctUserId) return false;
      await revokeRow(store, token);
      return true;
    },

    async revokeSecret(secret) {
      const store = await o.store();
      const found = await store.apiTokens.findByHash(secretHash(secret));
      if (!found) return false;
      await revokeRow(store, found.token);
      return true;
    },

    async createGrant(tokens, ctUserId) {
      const store = await o.store();
      const id = randomUUID();
      const at = now();
      await store.grants.insert({
        id,
        ctUserId,
        sealed: await (await box()).seal(id, tokens),
        needsSignIn: false,
        createdAt: at,
        updatedAt: at,
      });
      return id;
    },

    async revokeGrant(grantId) {
      await deleteGrant(await o.store(), grantId);
    },

    revokeCtTokens: revokeAtCt,

    mint({ grantId, ctUserId, name, scope, lifetimeMs }) {
      const secret = newApiTokenSecret();
      const at = now();
      const row: ApiTokenRow = {
        id: randomUUID(),
        tokenHash: secretHash(secret),
        grantId,
        ctUserId,
        name,
        scope,
        createdAt: at,
        lastUsedAt: null,
        expiresAt: lifetimeMs === null ? null : at + lifetimeMs,
      };
      return { secret, row };
    },

    refreshStats: refresher.stats,
    flush: () => verifier.flush(),
  };
}
