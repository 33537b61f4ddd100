// A CT grant (access + refresh token) sealed for the store: compact JWE (dir + A256GCM) under a key
// derived from SESSION_SECRET with its own HKDF purpose, so a sealed grant never opens as a session
// and the other way round. Rotation as for sessions: the first secret seals, every secret opens.
// The grant's id is sealed inside and checked on opening, so a sealed value copied onto another
// row opens to nothing.
import { createJweBox } from '../jwe.js';
import type { CtTokens } from '../ct/tokens.js';

export interface GrantBox {
  seal(grantId: string, tokens: CtTokens): Promise<string>;
  /** Null when no configured secret opens it, or it belongs to another grant. Never throws. */
  open(grantId: string, sealed: string): Promise<CtTokens | null>;
}

// Part of the stored format: changing it makes every stored grant unreadable.
const GRANT_INFO = 'ct-graphql ct grant v1';
/**
 * A grant at rest has no expiry of its own (CT decides when its tokens die), but the JWE box checks
 * `exp`; every refresh re-seals, so this only bounds a grant nobody used for a century.
 */
const SEALED_LIFETIME_SECONDS = 100 * 365 * 24 * 3600;

export async function createGrantBox(secrets: readonly string[], now: () => number = Date.now): Promise<GrantBox> {
  const box = await createJweBox(secrets, GRANT_INFO, now);
  return {
    seal(grantId, tokens) {
      const iat = Math.floor(now() / 1000);
      return box.seal(
        { g: grantId, ct: { a: tokens.accessToken, r: tokens.refreshToken, e: tokens.expiresAt } },
        { iat, exp: iat + SEALED_LIFETIME_SECONDS },
      );
    },
    async open(grantId, sealed) {
      const opened = await box.open(sealed);
      if (opened.payload === null || opened.payload.g !== grantId) return null;
      const ct = opened.payload.ct as Record<string, unknown> | undefined;
      if (typeof ct !== 'object' || ct === null) return null;
      const { a, r, e } = ct;
      if (typeof a !== 'string' || typeof r !== 'string' || typeof e !== 'number' || !a || !r) return null;
      return { accessToken: a, refreshToken: r, expiresAt: e };
    },
  };
}
