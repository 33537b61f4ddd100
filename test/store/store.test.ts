/**
 * The store's repositories against both engines: SQLite in a temporary directory and a real
 * PostgreSQL started by test/postgres.ts (skipped with a message when it is not installed). The
 * same cases run on both, so a query that only one engine understands fails here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { ApiTokenRow, DeviceCodeRow, GrantRow, Store } from '../../src/store/types.js';
import { POSTGRES_MISSING, postgresBinaries, startPostgres, type PostgresServer } from '../postgres.js';

if (!postgresBinaries) console.warn(POSTGRES_MISSING);

interface EngineUnderTest {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty store location; open it as many times as a test needs. */
  fresh(): Promise<{ databaseUrl: string | undefined; dataDir: string }>;
}

const sqliteDirs: string[] = [];
let pgServer: PostgresServer | undefined;
let databases = 0;

const engines: EngineUnderTest[] = [
  {
    name: 'sqlite',
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), 'ct-graphql-store-'));
      sqliteDirs.push(dir);
      return { databaseUrl: undefined, dataDir: dir };
    },
  },
  {
    name: 'postgres',
    async fresh() {
      pgServer ??= await startPostgres();
      databases += 1;
      return { databaseUrl: await pgServer.createDatabase(`store_${databases}`), dataDir: '/nonexistent' };
    },
  },
];

afterAll(() => {
  pgServer?.stop();
  for (const dir of sqliteDirs) rmSync(dir, { recursive: true, force: true });
});

const T0 = 1_800_000_000_000;

function grant(id: string, o: Partial<GrantRow> = {}): GrantRow {
  return { id, ctUserId: '103', sealed: `sealed-${id}`, needsSignIn: false, createdAt: T0, updatedAt: T0, ...o };
}

function token(id: string, grantId: string, o: Partial<ApiTokenRow> = {}): ApiTokenRow {
  return {
    id,
    tokenHash: `hash-${id}`,
    grantId,
    ctUserId: '103',
    name: `token ${id}`,
    scope: 'write',
    createdAt: T0,
    lastUsedAt: null,
    expiresAt: null,
    ...o,
  };
}

function device(hash: string, o: Partial<DeviceCodeRow> = {}): DeviceCodeRow {
  return {
    deviceCodeHash: hash,
    userCodeHash: `user-${hash}`,
    name: null,
    scope: 'write',
    tokenLifetimeMs: null,
    status: 'pending',
    intervalSeconds: 5,
    createdAt: T0,
    expiresAt: T0 + 600_000,
    lastPolledAt: null,
    grantId: null,
    ctUserId: null,
    ...o,
  };
}

/** A promise and the function that resolves it: lets a test hold a lock for as long as it likes. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe.each(engines)('store on $name', (engine) => {
  const skip = engine.name === 'postgres' && !postgresBinaries;
  let store: Store;
  const opened: Store[] = [];
  async function open(location?: { databaseUrl: string | undefined; dataDir: string }): Promise<Store> {
    const s = await openStore(location ?? (await engine.fresh()));
    opened.push(s);
    return s;
  }

  beforeAll(async () => {
    if (skip) return;
    store = await open();
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
  });

  it.skipIf(skip)('applies its migrations once: opening the same location again keeps the data', async () => {
    const location = await engine.fresh();
    const first = await open(location);
    expect(first.engine).toBe(engine.name);
    await first.grants.insert(grant('kept'));
    const second = await open(location);
    expect((await second.grants.get('kept'))?.sealed).toBe('sealed-kept');
  });

  it.skipIf(skip)('stores grants and tokens as plain rows and finds a token by its hash with its grant', async () => {
    await store.grants.insert(grant('g1'));
    await store.apiTokens.insert(token('t1', 'g1', { scope: 'read', expiresAt: T0 + 1000 }));
    expect(await store.apiTokens.findByHash('hash-t1')).toEqual({
      token: token('t1', 'g1', { scope: 'read', expiresAt: T0 + 1000 }),
      grant: grant('g1'),
    });
    expect(await store.apiTokens.findByHash('hash-unknown')).toBeNull();
    expect(await store.apiTokens.get('t1')).toEqual(token('t1', 'g1', { scope: 'read', expiresAt: T0 + 1000 }));
  });

  it.skipIf(skip)("lists a CT user's tokens newest first with needsSignIn, and only theirs", async () => {
    await store.grants.insert(grant('g-list-1'));
    await store.grants.insert(grant('g-list-2', { needsSignIn: true }));
    await store.grants.insert(grant('g-list-3', { ctUserId: '211' }));
    await store.apiTokens.insert(token('list-1', 'g-list-1', { ctUserId: 'lister', createdAt: T0 + 1 }));
    await store.apiTokens.insert(token('list-2', 'g-list-2', { ctUserId: 'lister', createdAt: T0 + 2 }));
    await store.apiTokens.insert(token('list-3', 'g-list-3', { ctUserId: 'someone-else' }));
    const listed = await store.apiTokens.listByCtUser('lister');
    expect(listed.map((l) => [l.token.id, l.needsSignIn])).toEqual([
      ['list-2', true],
      ['list-1', false],
    ]);
  });

  it.skipIf(skip)('touch only moves lastUsedAt forward', async () => {
    await store.grants.insert(grant('g-touch'));
    await store.apiTokens.insert(token('touch', 'g-touch'));
    await store.apiTokens.touch('touch', T0 + 60_000);
    await store.apiTokens.touch('touch', T0 + 30_000);
    expect((await store.apiTokens.get('touch'))?.lastUsedAt).toBe(T0 + 60_000);
  });

  it.skipIf(skip)('withLock: a second locker waits for the first to commit and then sees its write', async () => {
    await store.grants.insert(grant('g-lock'));
    const events: string[] = [];
    const held = gate();
    const entered = gate();
    const first = store.grants.withLock('g-lock', async (row, locked) => {
      events.push(`first read ${row?.sealed}`);
      entered.open();
      await held.opened;
      await locked.update('sealed-by-first', T0 + 5);
      events.push('first wrote');
    });
    await entered.opened;
    const second = store.grants.withLock('g-lock', async (row) => {
      events.push(`second read ${row?.sealed}`);
      return row?.updatedAt;
    });
    // Give the second locker every chance to run early: it must still be waiting for the lock.
    await new Promise((resolve) => setTimeout(resolve, 100));
    events.push('releasing');
    held.open();
    await first;
    expect(await second).toBe(T0 + 5);
    expect(events).toEqual(['first read sealed-g-lock', 'releasing', 'first wrote', 'second read sealed-by-first']);
  });

  it.skipIf(skip)('withLock rolls back when its function throws, and deletes a grant with its tokens', async () => {
    await store.grants.insert(grant('g-roll'));
    await store.apiTokens.insert(token('roll', 'g-roll'));
    await expect(
      store.grants.withLock('g-roll', async (_row, locked) => {
        await locked.markNeedsSignIn(T0 + 1);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await store.grants.get('g-roll'))?.needsSignIn).toBe(false);
    await store.grants.withLock('g-roll', (_row, locked) => locked.markNeedsSignIn(T0 + 2));
    expect((await store.grants.get('g-roll'))?.needsSignIn).toBe(true);
    await store.grants.withLock('g-roll', (_row, locked) => locked.update('fresh', T0 + 3));
    expect(await store.grants.get('g-roll')).toMatchObject({ sealed: 'fresh', needsSignIn: false, updatedAt: T0 + 3 });
    await store.grants.withLock('g-roll', (_row, locked) => locked.delete());
    expect(await store.grants.get('g-roll')).toBeNull();
    expect(await store.apiTokens.get('roll')).toBeNull();
    expect(await store.grants.withLock('g-roll', async (row) => row)).toBeNull();
  });

  it.skipIf(skip)('device codes: a state change happens once however many race for it; a claim inserts one token', async () => {
    await store.deviceCodes.insert(device('d1'));
    expect(await store.deviceCodes.byUserCode('user-d1')).toEqual(device('d1'));
    const confirms = await Promise.all([1, 2, 3].map(() => store.deviceCodes.transition('d1', 'pending', 'confirmed')));
    expect(confirms.filter(Boolean)).toHaveLength(1);
    await store.grants.insert(grant('g-device'));
    expect(await store.deviceCodes.transition('d1', 'confirmed', 'approved', { grantId: 'g-device', ctUserId: '103' })).toBe(true);
    await store.deviceCodes.recordPoll('d1', T0 + 7, 10);
    expect(await store.deviceCodes.byDeviceCode('d1')).toMatchObject({
      status: 'approved',
      grantId: 'g-device',
      ctUserId: '103',
      lastPolledAt: T0 + 7,
      intervalSeconds: 10,
    });
    const claims = await Promise.all(['c1', 'c2', 'c3'].map((id) => store.deviceCodes.claim('d1', token(id, 'g-device'))));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const tokens = await Promise.all(['c1', 'c2', 'c3'].map((id) => store.apiTokens.get(id)));
    expect(tokens.filter((t) => t !== null)).toHaveLength(1);
    expect((await store.deviceCodes.byDeviceCode('d1'))?.status).toBe('claimed');
  });

  it.skipIf(skip)('deleteExpired removes expired codes and names the grants nobody claimed', async () => {
    const s = await open();
    await s.grants.insert(grant('g-orphan'));
    await s.deviceCodes.insert(device('old-approved', { expiresAt: T0, status: 'approved', grantId: 'g-orphan', ctUserId: '103' }));
    await s.deviceCodes.insert(device('old-pending', { expiresAt: T0 }));
    await s.deviceCodes.insert(device('live', { expiresAt: T0 + 10_000 }));
    expect(await s.deviceCodes.deleteExpired(T0 + 1)).toEqual(['g-orphan']);
    expect(await s.deviceCodes.byDeviceCode('old-approved')).toBeNull();
    expect(await s.deviceCodes.byDeviceCode('old-pending')).toBeNull();
    expect(await s.deviceCodes.byDeviceCode('live')).not.toBeNull();
  });
});

describe.skipIf(!postgresBinaries)('store on postgres, two instances', () => {
  it('a grant locked by one instance (its own pool) waits for the other to commit', async () => {
    const location = await engines[1]!.fresh();
    const a = await openStore(location);
    const b = await openStore(location);
    try {
      await a.grants.insert(grant('shared'));
      const held = gate();
      const entered = gate();
      const events: string[] = [];
      const first = a.grants.withLock('shared', async (_row, locked) => {
        entered.open();
        await held.opened;
        await locked.update('by-a', T0 + 9);
        events.push('a wrote');
      });
      await entered.opened;
      const second = b.grants.withLock('shared', async (row) => {
        events.push(`b read ${row?.sealed}`);
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      events.push('releasing');
      held.open();
      await Promise.all([first, second]);
      expect(events).toEqual(['releasing', 'a wrote', 'b read by-a']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
