/**
 * The idempotency_records repository on both engines (SQLite in a temporary directory, a real
 * PostgreSQL from test/postgres.ts, skipped with a message when it is not installed): one record per
 * CT user and key, inserted once, taken over by one retry only, finished only by the attempt that
 * holds it, and purged after its 24 hours.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { IdempotencyRecordRow, Store } from '../../src/store/types.js';
import { POSTGRES_MISSING, postgresBinaries, startPostgres, type PostgresServer } from '../postgres.js';

if (!postgresBinaries) console.warn(POSTGRES_MISSING);

const T0 = 1_800_000_000_000;
const LEASE = 60_000;
const DAY = 86_400_000;

function record(key: string, o: Partial<IdempotencyRecordRow> = {}): IdempotencyRecordRow {
  return {
    ctUserId: '103',
    key,
    fingerprint: `fp-${key}`,
    status: 'running',
    response: null,
    attempts: 1,
    firstStartedAt: T0,
    leaseUntil: T0 + LEASE,
    expiresAt: T0 + DAY,
    ...o,
  };
}

let pgServer: PostgresServer | undefined;
const dirs: string[] = [];
afterAll(() => {
  pgServer?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const engines = [
  {
    name: 'sqlite',
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'ct-graphql-idem-'));
      dirs.push(dir);
      return openStore({ databaseUrl: undefined, dataDir: dir });
    },
  },
  {
    name: 'postgres',
    open: async () => {
      pgServer ??= await startPostgres();
      return openStore({ databaseUrl: await pgServer.createDatabase('idempotency_rows'), dataDir: '/nonexistent' });
    },
  },
] as const;

describe.each(engines)('idempotency records on $name', (engine) => {
  const skip = engine.name === 'postgres' && !postgresBinaries;
  let store: Store;
  beforeAll(async () => {
    if (!skip) store = await engine.open();
  });
  afterAll(async () => {
    await store?.close();
  });

  it.skipIf(skip)('inserts a key once per CT user; another user may use the same key', async () => {
    expect(await store.idempotency.insert(record('k1'))).toBe(true);
    expect(await store.idempotency.insert(record('k1', { fingerprint: 'other' }))).toBe(false);
    expect(await store.idempotency.insert(record('k1', { ctUserId: '211' }))).toBe(true);
    expect(await store.idempotency.get('103', 'k1')).toEqual(record('k1'));
    expect((await store.idempotency.get('211', 'k1'))?.ctUserId).toBe('211');
    expect(await store.idempotency.get('103', 'unknown')).toBeNull();
  });

  it.skipIf(skip)('finishes only the attempt that holds the record, keeping the response of a done one', async () => {
    await store.idempotency.insert(record('k2'));
    await store.idempotency.finish('103', 'k2', 2, 'done', '{"data":{}}');
    expect((await store.idempotency.get('103', 'k2'))?.status).toBe('running');
    await store.idempotency.finish('103', 'k2', 1, 'done', '{"data":{}}');
    expect(await store.idempotency.get('103', 'k2')).toMatchObject({ status: 'done', response: '{"data":{}}' });
    await store.idempotency.insert(record('k3'));
    await store.idempotency.finish('103', 'k3', 1, 'incomplete', '{"ignored":true}');
    expect(await store.idempotency.get('103', 'k3')).toMatchObject({ status: 'incomplete', response: null });
  });

  it.skipIf(skip)('lets one retry take over an incomplete record or a lapsed lease, never a live one or a done one', async () => {
    await store.idempotency.insert(record('k4'));
    expect(await store.idempotency.takeOver('103', 'k4', 1, T0 + 1_000, T0 + 1_000 + LEASE)).toBe(false); // lease still live
    const lapsed = T0 + LEASE;
    const both = await Promise.all([
      store.idempotency.takeOver('103', 'k4', 1, lapsed, lapsed + LEASE),
      store.idempotency.takeOver('103', 'k4', 1, lapsed, lapsed + LEASE),
    ]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await store.idempotency.get('103', 'k4')).toMatchObject({ status: 'running', attempts: 2, leaseUntil: lapsed + LEASE });

    await store.idempotency.finish('103', 'k4', 2, 'incomplete', null);
    expect(await store.idempotency.takeOver('103', 'k4', 2, lapsed, lapsed + LEASE)).toBe(true);
    await store.idempotency.finish('103', 'k4', 3, 'done', '{}');
    expect(await store.idempotency.takeOver('103', 'k4', 3, T0 + DAY, T0 + DAY + LEASE)).toBe(false);
    // A done record only when asked (its response can no longer be read), and still by one retry only.
    expect(await store.idempotency.takeOver('103', 'k4', 2, T0, T0 + LEASE, true)).toBe(false);
    expect(await store.idempotency.takeOver('103', 'k4', 3, T0, T0 + LEASE, true)).toBe(true);
    expect(await store.idempotency.get('103', 'k4')).toMatchObject({ status: 'running', attempts: 4, response: null });
  });

  it.skipIf(skip)('removes a record only at the attempt given, and purges expired ones', async () => {
    await store.idempotency.insert(record('k5'));
    await store.idempotency.remove('103', 'k5', 2);
    expect(await store.idempotency.get('103', 'k5')).not.toBeNull();
    await store.idempotency.remove('103', 'k5', 1);
    expect(await store.idempotency.get('103', 'k5')).toBeNull();

    await store.idempotency.insert(record('old', { expiresAt: T0 - 1 }));
    await store.idempotency.insert(record('fresh', { expiresAt: T0 + DAY }));
    expect(await store.idempotency.deleteExpired(T0)).toBeGreaterThanOrEqual(1);
    expect(await store.idempotency.get('103', 'old')).toBeNull();
    expect(await store.idempotency.get('103', 'fresh')).not.toBeNull();
  });

  it.skipIf(skip)('keeps keys of up to 255 characters and large responses as they are', async () => {
    const key = 'k'.repeat(255);
    const response = JSON.stringify({ data: { text: 'é'.repeat(200_000) } });
    await store.idempotency.insert(record(key));
    await store.idempotency.finish('103', key, 1, 'done', response);
    expect((await store.idempotency.get('103', key))?.response).toBe(response);
  });
});
