// The RFC 8628 device authorisation grant as a state machine over the store, without HTTP:
// start (device_code + user_code), look up and confirm a user code (single use), approve or deny
// once CT's sign-in ends, and poll (authorization_pending, slow_down, access_denied, expired_token,
// then the API token exactly once). Device and user codes are stored as hashes, so any instance
// can answer a poll and a leaked table row gives neither code away.
import { randomBytes } from 'node:crypto';
import type { CtTokens } from '../ct/tokens.js';
import type { ApiTokenScope, DeviceCodeRow, Store } from '../store/types.js';
import { secretHash } from './api-token-secret.js';
import type { ApiTokens } from './api-tokens.js';
import { formatUserCode, newUserCode, normalizeUserCode } from './user-code.js';

/** RFC 8628 `expires_in`: ten minutes to find a browser and sign in. */
export const DEVICE_CODE_LIFETIME_SECONDS = 600;
/** RFC 8628 `interval`: the least time between two polls, unless configured (DEVICE_POLL_INTERVAL_S). */
export const POLL_INTERVAL_SECONDS = 5;
/** RFC 8628 §3.5: each slow_down adds 5 seconds to the interval, for that poll and all later ones. */
const SLOW_DOWN_STEP_SECONDS = 5;
const SWEEP_EVERY_MS = 60_000;
export const DEFAULT_TOKEN_NAME = 'Device sign-in';

export interface StartedDeviceGrant {
  deviceCode: string;
  /** Formatted for people: WDJB-MJHT. */
  userCode: string;
  expiresIn: number;
  interval: number;
}

/** Why a user code cannot be used (for the person's page). */
export type UserCodeProblem = 'invalid' | 'expired' | 'used';

export type PollResult =
  | { token: { accessToken: string; scope: ApiTokenScope; expiresIn: number | null } }
  | { error: 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' | 'invalid_grant' };

export type ApprovalResult = { approved: { name: string; scope: ApiTokenScope } } | { problem: 'expired' | 'used' | 'failed' };

export interface DeviceGrants {
  start(o: { name: string | null; scope: ApiTokenScope; tokenLifetimeMs: number | null }): Promise<StartedDeviceGrant>;
  /** A user code as typed, ready to be confirmed, or why not. */
  lookup(userCode: string): Promise<{ row: DeviceCodeRow; userCode: string } | { problem: UserCodeProblem }>;
  /** pending -> confirmed: the person goes to CT's sign-in; the code cannot be used again. Returns the device code's hash. */
  confirm(userCode: string): Promise<{ deviceCodeHash: string; row: DeviceCodeRow } | { problem: UserCodeProblem }>;
  /** CT signed the person in: the grant waits for the device's next poll. `whoIs` asks CT for the account id. */
  approve(deviceCodeHash: string, tokens: CtTokens, whoIs: (tokens: CtTokens) => Promise<string>): Promise<ApprovalResult>;
  deny(deviceCodeHash: string): Promise<void>;
  poll(deviceCode: string): Promise<PollResult>;
}

export interface DeviceGrantsOptions {
  store: () => Promise<Store>;
  apiTokens: ApiTokens;
  /** The `interval` handed to devices; POLL_INTERVAL_SECONDS when not given. */
  pollIntervalSeconds?: number;
  now?: () => number;
  warn?: (what: string, details: Record<string, unknown>) => void;
}

export function createDeviceGrants(o: DeviceGrantsOptions): DeviceGrants {
  const now = o.now ?? Date.now;
  const warn = o.warn ?? (() => undefined);
  const pollInterval = o.pollIntervalSeconds ?? POLL_INTERVAL_SECONDS;
  let lastSweep = -Infinity;

  /** Expired codes go, and grants approved but never fetched are revoked: nobody can ever use them. */
  async function sweep(store: Store, at: number): Promise<void> {
    if (at - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = at;
    try {
      for (const grantId of await store.deviceCodes.deleteExpired(at)) await o.apiTokens.revokeGrant(grantId);
    } catch (error) {
      warn('could not clean up expired device codes', { err: error instanceof Error ? error.message : String(error) });
    }
  }

  async function lookup(userCode: string): Promise<{ row: DeviceCodeRow; userCode: string } | { problem: UserCodeProblem }> {
    const normalized = normalizeUserCode(userCode);
    if (normalized === null) return { problem: 'invalid' };
    const row = await (await o.store()).deviceCodes.byUserCode(secretHash(normalized));
    if (!row) return { problem: 'invalid' };
    if (now() >= row.expiresAt) return { problem: 'expired' };
    if (row.status !== 'pending') return { problem: 'used' };
    return { row, userCode: formatUserCode(normalized) };
  }

  return {
    async start({ name, scope, tokenLifetimeMs }) {
      const store = await o.store();
      const at = now();
      await sweep(store, at);
      const deviceCode = randomBytes(32).toString('base64url');
      // A clash of user codes among live ones is astronomically rare; the unique index refuses it, and a new code is drawn.
      for (let attempt = 0; ; attempt++) {
        const userCode = newUserCode();
        try {
          await store.deviceCodes.insert({
            deviceCodeHash: secretHash(deviceCode),
            userCodeHash: secretHash(normalizeUserCode(userCode)!),
            name,
            scope,
            tokenLifetimeMs,
            status: 'pending',
            intervalSeconds: pollInterval,
            createdAt: at,
            expiresAt: at + DEVICE_CODE_LIFETIME_SECONDS * 1000,
            lastPolledAt: null,
            grantId: null,
            ctUserId: null,
          });
          return { deviceCode, userCode, expiresIn: DEVICE_CODE_LIFETIME_SECONDS, interval: pollInterval };
        } catch (error) {
          if (attempt >= 2) throw error;
        }
      }
    },

    lookup,

    async confirm(userCode) {
      const found = await lookup(userCode);
      if ('problem' in found) return found;
      const store = await o.store();
      // Conditional: of two people (or tabs) confirming one code, only one goes on to CT.
      if (!(await store.deviceCodes.transition(found.row.deviceCodeHash, 'pending', 'confirmed'))) return { problem: 'used' };
      return { deviceCodeHash: found.row.deviceCodeHash, row: found.row };
    },

    async approve(deviceCodeHash, tokens, whoIs) {
      const store = await o.store();
      const row = await store.deviceCodes.byDeviceCode(deviceCodeHash);
      const problem = row?.status !== 'confirmed' ? 'used' : now() >= row.expiresAt ? 'expired' : null;
      if (problem || !row) {
        // The device will never fetch these tokens: take them back at CT at once.
        await o.apiTokens.revokeCtTokens(tokens);
        return { problem: problem ?? 'used' };
      }
      let ctUserId: string;
      try {
        ctUserId = await whoIs(tokens);
      } catch {
        await o.apiTokens.revokeCtTokens(tokens);
        return { problem: 'failed' };
      }
      const grantId = await o.apiTokens.createGrant(tokens, ctUserId);
      if (!(await store.deviceCodes.transition(deviceCodeHash, 'confirmed', 'approved', { grantId, ctUserId }))) {
        await o.apiTokens.revokeGrant(grantId);
        return { problem: 'used' };
      }
      return { approved: { name: row.name ?? DEFAULT_TOKEN_NAME, scope: row.scope } };
    },

    async deny(deviceCodeHash) {
      await (await o.store()).deviceCodes.transition(deviceCodeHash, 'confirmed', 'denied');
    },

    async poll(deviceCode) {
      const store = await o.store();
      const hash = secretHash(deviceCode);
      const row = await store.deviceCodes.byDeviceCode(hash);
      const at = now();
      if (!row || row.status === 'claimed') return { error: 'invalid_grant' };
      if (at >= row.expiresAt) return { error: 'expired_token' };
      if (row.status === 'denied') return { error: 'access_denied' };
      if (row.status === 'pending' || row.status === 'confirmed') {
        const early = row.lastPolledAt !== null && at - row.lastPolledAt < row.intervalSeconds * 1000;
        const interval = early ? row.intervalSeconds + SLOW_DOWN_STEP_SECONDS : row.intervalSeconds;
        await store.deviceCodes.recordPoll(hash, at, interval);
        return { error: early ? 'slow_down' : 'authorization_pending' };
      }
      // approved: the token is made now and handed out once; the claim and the token row are one transaction.
      const minted = o.apiTokens.mint({
        grantId: row.grantId!,
        ctUserId: row.ctUserId!,
        name: row.name ?? DEFAULT_TOKEN_NAME,
        scope: row.scope,
        lifetimeMs: row.tokenLifetimeMs,
      });
      if (!(await store.deviceCodes.claim(hash, minted.row))) return { error: 'invalid_grant' };
      return {
        token: {
          accessToken: minted.secret,
          scope: row.scope,
          expiresIn: row.tokenLifetimeMs === null ? null : Math.floor(row.tokenLifetimeMs / 1000),
        },
      };
    },
  };
}
