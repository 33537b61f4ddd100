// Session tokens: the caller's CT tokens sealed in an encrypted JWT (compact JWE, dir + A256GCM), so the
// facade stores nothing and a leaked token reveals nothing. Also seals the OAuth state cookie, because
// both need the configured secrets and only the sealer holds the keys derived from them.
import { LRUCache } from 'lru-cache';
import { createJweBox } from '../jwe.js';
import { OAUTH_STATE_MAX_AGE_SECONDS, SESSION_COOKIE, readCookie } from './cookies.js';
import type { CtTokens } from '../ct/tokens.js';

export interface Session {
  tokens: CtTokens;
  iat: number;
  exp: number /* epoch s */;
  /**
   * The CT account (its /me.json id) the tokens belong to, learnt once at sign-in and carried over
   * every re-seal: a key for that account (the CT-call budget) that survives CT's token rotations
   * and costs no CT call per request. Null in sessions sealed before it was added.
   */
  ctUserId: string | null;
}
export type OpenResult = { session: Session } | { session: null; reason: 'MISSING' | 'INVALID' | 'EXPIRED' };

/**
 * One sign-in attempt, carried through CT's consent page in the ct_oauth cookie. `device`: the
 * hash of the device code this sign-in approves (a device sign-in makes no browser session).
 */
export interface OAuthState {
  state: string;
  codeVerifier: string;
  redirect: string;
  device?: string;
}

export interface SessionSealer {
  /**
   * opts.exp (epoch s): a re-sealed session keeps the exp of the one it replaces, so refreshes never
   * extend a session. opts.ctUserId: the CT account the tokens belong to, when known.
   */
  seal(tokens: CtTokens, opts?: { exp?: number; ctUserId?: string | null }): Promise<{ token: string; expiresAt: Date }>;
  /** Never throws. */
  open(token: string | null): Promise<OpenResult>;
  /** Seals an OAuth state for the ct_oauth cookie; 10-minute life, key separate from the session key. */
  sealOAuthState(state: OAuthState): Promise<string>;
  /** Never throws; null for a missing, forged or expired state. */
  openOAuthState(token: string | null): Promise<OAuthState | null>;
}

// The HKDF info strings are part of the token format: changing one invalidates every outstanding token.
const SESSION_INFO = 'ct-graphql session v1';
const OPENED_CACHE_SIZE = 5_000;
const OAUTH_STATE_INFO = 'ct-graphql oauth state v1';

export async function createSessionSealer(o: {
  secrets: string[];
  maxAgeSeconds: number;
  /** Clock in ms, for tests; defaults to Date.now. */
  now?: () => number;
}): Promise<SessionSealer> {
  if (!Number.isFinite(o.maxAgeSeconds) || o.maxAgeSeconds <= 0) {
    throw new Error('session maxAgeSeconds must be a positive number');
  }
  const now = o.now ?? Date.now;
  const nowSeconds = () => Math.floor(now() / 1000);
  const sessions = await createJweBox(o.secrets, SESSION_INFO, now);
  const states = await createJweBox(o.secrets, OAUTH_STATE_INFO, now);
  // Automation sends the same token on every request, and decrypting it was the largest fixed
  // cost per request. A token string always opens to the same session, so the result is kept
  // (least recently used dropped first) and only its expiry is checked again on a hit.
  const opened = new LRUCache<string, Session>({ max: OPENED_CACHE_SIZE });

  return {
    async seal(tokens, opts) {
      const iat = nowSeconds();
      const exp = opts?.exp ?? iat + Math.floor(o.maxAgeSeconds);
      // Short claim names: the cookie must stay well under 4 KB with two CT tokens inside.
      const claims: Record<string, unknown> = { ct: { a: tokens.accessToken, r: tokens.refreshToken, e: tokens.expiresAt } };
      if (opts?.ctUserId) claims.u = opts.ctUserId;
      const token = await sessions.seal(claims, { iat, exp });
      return { token, expiresAt: new Date(exp * 1000) };
    },

    async open(token) {
      if (token === null || token === '') return { session: null, reason: 'MISSING' };
      const known = opened.get(token);
      if (known && known.exp > nowSeconds()) return { session: known };
      if (known) opened.delete(token);
      const result = await sessions.open(token);
      if (result.payload === null) return { session: null, reason: result.reason };
      const { ct, iat, exp, u } = result.payload;
      const tokens = readTokens(ct);
      // Authenticated but malformed only happens with a bug or a changed format: treat as no session.
      if (!tokens) return { session: null, reason: 'INVALID' };
      const session = { tokens, iat, exp, ctUserId: typeof u === 'string' && u !== '' ? u : null };
      opened.set(token, session);
      return { session };
    },

    async sealOAuthState(s) {
      const iat = nowSeconds();
      const claims: Record<string, unknown> = { s: s.state, v: s.codeVerifier, r: s.redirect };
      if (s.device !== undefined) claims.d = s.device;
      return states.seal(claims, { iat, exp: iat + OAUTH_STATE_MAX_AGE_SECONDS });
    },

    async openOAuthState(token) {
      if (!token) return null;
      const opened = await states.open(token);
      if (opened.payload === null) return null;
      const { s, v, r, d } = opened.payload;
      if (typeof s !== 'string' || typeof v !== 'string' || typeof r !== 'string' || !s) return null;
      if (d !== undefined && (typeof d !== 'string' || !d)) return null;
      return { state: s, codeVerifier: v, redirect: r, ...(d === undefined ? {} : { device: d }) };
    },
  };
}

function readTokens(ct: unknown): CtTokens | null {
  if (typeof ct !== 'object' || ct === null) return null;
  const { a, r, e } = ct as Record<string, unknown>;
  if (typeof a !== 'string' || typeof r !== 'string' || typeof e !== 'number' || !a || !r) return null;
  return { accessToken: a, refreshToken: r, expiresAt: e };
}

/**
 * The caller's session token: `Authorization: Bearer` first (automation), else the ct_session cookie
 * (browsers). An Authorization header with another scheme is ignored, not an error.
 */
export function readSessionToken(request: Request): string | null {
  return sessionTokenOf(request)?.token ?? null;
}

/** The session token and where it came from: CSRF rules apply to the cookie only. */
export function sessionTokenOf(request: Request): { token: string; from: 'bearer' | 'cookie' } | null {
  const auth = request.headers.get('authorization');
  if (auth) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(auth);
    if (m?.[1]) return { token: m[1], from: 'bearer' };
  }
  const cookie = readCookie(request, SESSION_COOKIE);
  return cookie ? { token: cookie, from: 'cookie' } : null;
}
