/**
 * API tokens for tests that are not about how a token is obtained: a CT grant issued by the
 * simulator, stored through the app's own API-token service (sealed, as the device flow stores
 * it), and a `ctg_` token on it. The device flow itself is tested end to end in
 * test/auth/device-flow.test.ts. Also: reading a grant's current CT tokens back out of the store.
 */
import { rmSync } from 'node:fs';
import type { Simulator } from '../simulator/app.js';
import type { App } from '../src/app.js';
import { createGrantBox } from '../src/auth/grant-box.js';
import { tokensFromResponse, type CtTokens } from '../src/ct/tokens.js';
import type { ApiTokenScope } from '../src/store/types.js';
import { CT_URL, TEST_SECRET } from './harness.js';

export interface IssuedApiToken {
  /** `ctg_…` */
  secret: string;
  id: string;
  grantId: string;
  ctUserId: string;
}

export async function issueApiToken(
  app: App,
  sim: Simulator,
  o: { username?: string; scope?: ApiTokenScope; name?: string; lifetimeMs?: number | null } = {},
): Promise<IssuedApiToken> {
  const issued = sim.control.issueTokens(o.username);
  const me = await sim.fetch(new Request(`${CT_URL}/api/v1/me.json`, { headers: { authorization: `Bearer ${issued.access_token}` } }));
  const ctUserId = String(((await me.json()) as { id: number }).id);
  const grantId = await app.apiTokens.createGrant(tokensFromResponse(issued), ctUserId);
  const minted = app.apiTokens.mint({
    grantId,
    ctUserId,
    name: o.name ?? 'test token',
    scope: o.scope ?? 'write',
    lifetimeMs: o.lifetimeMs ?? null,
  });
  await (await app.store.get()).apiTokens.insert(minted.row);
  sim.resetLog();
  return { secret: minted.secret, id: minted.row.id, grantId, ctUserId };
}

/** The CT tokens a grant holds right now, opened from the store with the test secret. */
export async function grantTokens(app: App, grantId: string): Promise<CtTokens | null> {
  const grant = await (await app.store.get()).grants.get(grantId);
  if (!grant) return null;
  return (await createGrantBox([TEST_SECRET])).open(grantId, grant.sealed);
}

/** Closes the app (its store) and deletes its DATA_DIR. */
export async function disposeApp(app: App, dataDir: string): Promise<void> {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
