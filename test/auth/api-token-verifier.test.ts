/**
 * The API-token verifier's cache against a store that fails on demand (a stand-in for our own
 * Store interface, over the real SQLite store): a known token keeps working while the store is
 * down and is re-checked once it is back; an unknown one is UNAVAILABLE, not INVALID; one store
 * read serves concurrent first requests; re-checks happen only after `recheckMs`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newApiTokenSecret, secretHash } from '../../src/auth/api-token-secret.js';
import { createApiTokenVerifier } from '../../src/auth/api-token-verifier.js';
import { createGrantBox } from '../../src/auth/grant-box.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';

const SECRET = 'verifier-test-secret-0123456789-abcdefghijkl';
const TOKENS = { accessToken: 'a'.repeat(64), refreshToken: 'b'.repeat(64), expiresAt: 1_900_000_000_000 };

describe('the API-token verifier', () => {
  let dir: string;
  let real: Store;
  let down: boolean;
  let reads: number;
  let store: Store;
  const clock = { now: 1_800_000_000_000 };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ct-graphql-verifier-'));
    real = await openStore({ databaseUrl: undefined, dataDir: dir });
    down = false;
    reads = 0;
    store = {
      ...real,
      apiTokens: {
        ...real.apiTokens,
        findByHash: async (hash) => {
          reads++;
          if (down) throw new Error('connection refused');
          return real.apiTokens.findByHash(hash);
        },
      },
    };
  });
  afterEach(async () => {
    await real.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function tokenInStore(): Promise<string> {
    const secret = newApiTokenSecret();
    const box = await createGrantBox([SECRET]);
    await real.grants.insert({
      id: 'g',
      ctUserId: '103',
      sealed: await box.seal('g', TOKENS),
      needsSignIn: false,
      createdAt: clock.now,
      updatedAt: clock.now,
    });
    await real.apiTokens.insert({
      id: 't',
      tokenHash: secretHash(secret),
      grantId: 'g',
      ctUserId: '103',
      name: 'n',
      scope: 'write',
      createdAt: clock.now,
      lastUsedAt: clock.now,
      expiresAt: null,
    });
    return secret;
  }

  const verifier = (errors: string[] = []) =>
    createApiTokenVerifier({
      store: async () => store,
      box: () => createGrantBox([SECRET]),
      now: () => clock.now,
      recheckMs: 5_000,
      onError: (what) => errors.push(what),
    });

  it('reads the store once for concurrent first uses, then not again until the re-check interval', async () => {
    const secret = await tokenInStore();
    const v = verifier();
    const checks = await Promise.all(Array.from({ length: 8 }, () => v.verify(secret)));
    for (const check of checks) expect(check).toMatchObject({ verified: { tokens: TOKENS, token: { id: 't' } } });
    expect(reads).toBe(1);
    clock.now += 4_999;
    await v.verify(secret);
    expect(reads).toBe(1);
    clock.now += 1;
    await v.verify(secret);
    expect(reads).toBe(2);
  });

  it('keeps a known token working while the store is down, and re-checks it when it is back', async () => {
    const secret = await tokenInStore();
    const errors: string[] = [];
    const v = verifier(errors);
    await v.verify(secret);
    down = true;
    clock.now += 5_000;
    expect(await v.verify(secret)).toMatchObject({ verified: { token: { id: 't' } } });
    expect(errors).toEqual(['the store could not be asked about an API token']);
    // The failed check counts as one: the dead store is not asked again by every request.
    expect(await v.verify(secret)).toMatchObject({ verified: {} });
    expect(reads).toBe(2);
    down = false;
    await real.grants.withLock('g', (_grant, locked) => locked.delete());
    clock.now += 5_000;
    expect(await v.verify(secret)).toEqual({ problem: 'INVALID' });
  });

  it('answers UNAVAILABLE for a token it never saw while the store is down, INVALID for garbage without asking', async () => {
    const secret = await tokenInStore();
    down = true;
    expect(await verifier().verify(secret)).toEqual({ problem: 'UNAVAILABLE' });
    reads = 0;
    expect(await verifier().verify('ctg_nope')).toEqual({ problem: 'INVALID' });
    expect(reads).toBe(0);
  });
});
