// The caller's CT OAuth tokens as the facade keeps them, and the parser of CT's token response
// (code exchange and refresh answer the same shape, ct-api.md §2 and §5.6).

import { CtHttpError } from './errors.js';

export interface CtTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms after which CT no longer accepts the access token (it may stop earlier, see the 401 path). */
  expiresAt: number;
}

// CT documents 7200 s; a response without expires_in (Doorkeeper's "never expires") still gets a
// finite lifetime so the value survives JSON sealing and a refresh is attempted eventually.
const DEFAULT_LIFETIME_SECONDS = 7200;

function malformed(): CtHttpError {
  // 502: we are the gateway, and the upstream answered with something that is not a token response.
  return new CtHttpError({ status: 502, method: 'POST', code: 'ERR_CT_SERVER', message: 'CT returned a malformed token response' });
}

function positiveNumber(v: unknown): number | null {
  const n = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : null;
}

/**
 * Validates a token response and computes `expiresAt` = (created_at || now) + expires_in, in ms.
 * `now` is epoch ms. A created_at ahead of our clock is clamped to now, so clock skew can only
 * make us refresh early, never late. `fallbackRefreshToken` covers a refresh that does not rotate.
 */
export function tokensFromResponse(json: unknown, now: number = Date.now(), fallbackRefreshToken?: string): CtTokens {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw malformed();
  const r = json as Record<string, unknown>;
  const accessToken = r['access_token'];
  const refreshToken = r['refresh_token'] ?? fallbackRefreshToken;
  const tokenType = r['token_type'];
  if (typeof accessToken !== 'string' || accessToken.length === 0) throw malformed();
  if (typeof refreshToken !== 'string' || refreshToken.length === 0) throw malformed();
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) throw malformed();
  const expiresIn = r['expires_in'] === undefined || r['expires_in'] === null ? DEFAULT_LIFETIME_SECONDS : positiveNumber(r['expires_in']);
  if (expiresIn === null) throw malformed();
  const createdAt = positiveNumber(r['created_at']);
  const issuedAt = createdAt === null ? now : Math.min(createdAt * 1000, now);
  return { accessToken, refreshToken, expiresAt: Math.round(issuedAt + expiresIn * 1000) };
}
