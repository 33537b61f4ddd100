// createLoaders against a fake CT client: GET deduplication by path + query, lists priming the item
// loaders (also when the item load races the list), 404 => null and other errors at their own key,
// the concurrency bound, the clear/prime API for writes, and the `cache: false` baseline.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { CtClient, CtQuery } from '../../src/ct/client.js';
import { CtHttpError } from '../../src/ct/errors.js';
import type { CtBox, CtLocation } from '../../src/ct/types.js';
import { cacheKey, createLoaders } from '../../src/loaders.js';

const loc = (n: number): CtLocation => ({ id: String(1800 + n), slug: `loc-${n}`, location_name: `Location ${n}` });
const box = (n: number): CtBox => ({ id: 4500 + n, slug: `box-${n}`, location_slug: 'loc-1', location_id: 1801 });

/** A CT client whose GETs are answered by `answer`; records every call and the peak concurrency. */
function fakeCt(answer: (path: string, query: CtQuery) => unknown) {
  const calls: string[] = [];
  let active = 0;
  let peak = 0;
  const ct: CtClient = {
    async get<T>(path: string, query: CtQuery = {}): Promise<T> {
      calls.push(cacheKey(path, query));
      active++;
      peak = Math.max(peak, active);
      await sleep(1);
      active--;
      const value = answer(path, query);
      if (value instanceof Error) throw value;
      return value as T;
    },
    send: () => Promise.reject(new Error('reads only')),
    tokens: { accessToken: 'a', refreshToken: 'r', expiresAt: 0 },
    tokensChanged: false,
    stats: { calls: 0, retries: 0, replays401: 0 },
  };
  return { ct, calls, peak: () => peak };
}

const notFound = (): CtHttpError => new CtHttpError({ status: 404, method: 'GET' });

function standardCt() {
  return fakeCt((path, query) => {
    if (path === '/locations')
      return {
        locations: [loc(1), loc(2)],
        _links: { current_page: Number(query.page ?? 1), total_pages: 1, next_page: null, total_entries: 2 },
      };
    if (path === '/boxes')
      return { boxes: [box(1), box(2)], _links: { current_page: 1, total_pages: 1, next_page: null, total_entries: 2 } };
    const m = /^\/locations\/([^/]+)$/.exec(path);
    if (m)
      return m[1] === 'broken'
        ? new CtHttpError({ status: 500, method: 'GET' })
        : m[1]?.startsWith('loc-')
          ? loc(Number(m[1].slice(4)))
          : notFound();
    const b = /^\/boxes\/([^/]+)$/.exec(path);
    if (b) return b[1]?.startsWith('box-') ? box(Number(b[1].slice(4))) : notFound();
    return notFound();
  });
}

describe('createLoaders', () => {
  it('deduplicates GETs by path and query, whatever the order of the query keys', async () => {
    const { ct, calls } = standardCt();
    const loaders = createLoaders(ct);
    await Promise.all([
      loaders.get('/locations', { page: 1, per: 5 }),
      loaders.get('/locations', { per: 5, page: 1 }),
      loaders.get('/locations', { per: 5, page: 1, q: undefined }),
    ]);
    await loaders.get('/locations', { page: 1, per: 5 });
    expect(calls).toEqual(['/locations?page=1&per=5']);
    expect(loaders.stats.dedupeHits).toBe(3);
  });

  it('primes item loaders from lists, under the slug and the numeric id', async () => {
    const { ct, calls } = standardCt();
    const loaders = createLoaders(ct);
    await loaders.locationList({ page: 1, per: 2 });
    expect(await loaders.locationBySlug.load('loc-2')).toMatchObject({ slug: 'loc-2' });
    expect(await loaders.locationBySlug.load('1801')).toMatchObject({ slug: 'loc-1' });
    expect(calls).toEqual(['/locations?page=1&per=2']);
    expect(loaders.stats.primeHits).toBe(2);
  });

  it('lets an item load that races a list wait for it instead of fetching again', async () => {
    const { ct, calls } = standardCt();
    const loaders = createLoaders(ct);
    const [, location, b] = await Promise.all([
      loaders.locationList({ page: 1, per: 2 }),
      loaders.locationBySlug.load('loc-1'),
      Promise.all([loaders.boxList({ location_id: 'loc-1', page: 1, per: 10 }), loaders.boxBySlug.load('box-2')]),
    ]);
    expect(location).toMatchObject({ slug: 'loc-1' });
    expect(b[1]).toMatchObject({ slug: 'box-2' });
    expect(calls.sort()).toEqual(['/boxes?location_id=loc-1&page=1&per=10', '/locations?page=1&per=2']);
  });

  it('answers 404 with null and other failures with an error, each at its own key', async () => {
    const { ct, calls } = standardCt();
    const loaders = createLoaders(ct);
    const results = await Promise.allSettled([
      loaders.locationBySlug.load('loc-3'),
      loaders.locationBySlug.load('missing'),
      loaders.locationBySlug.load('broken'),
      loaders.locationBySlug.load(''),
    ]);
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { slug: 'loc-3' } });
    expect(results[1]).toEqual({ status: 'fulfilled', value: null });
    expect(results[2]).toMatchObject({ status: 'rejected', reason: { status: 500 } });
    expect(results[3]).toEqual({ status: 'fulfilled', value: null });
    // The empty key never reaches CT: it would address the list itself.
    expect(calls.sort()).toEqual(['/locations/broken', '/locations/loc-3', '/locations/missing']);
  });

  it('keeps at most `concurrency` CT calls in flight', async () => {
    const { ct, calls, peak } = standardCt();
    const loaders = createLoaders(ct, { concurrency: 3 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => loaders.boxBySlug.load(`box-${i}`)));
    expect(calls).toHaveLength(20);
    expect(peak()).toBe(3);
  });

  it('clears stale entries after writes and primes objects returned by writes', async () => {
    const { ct, calls } = standardCt();
    const loaders = createLoaders(ct);
    await loaders.locationBySlug.load('loc-1');
    await loaders.locationList({ page: 1, per: 2 });
    loaders.clearLocation('1801');
    loaders.clearLists();
    await loaders.locationBySlug.load('loc-1');
    await loaders.locationList({ page: 1, per: 2 });
    expect(calls).toEqual(['/locations/loc-1', '/locations?page=1&per=2', '/locations/loc-1', '/locations?page=1&per=2']);

    loaders.primeLocation(loc(9));
    loaders.primeBox(box(9));
    loaders.primeVoucher('loc-9', { unique_id: 77, batch_name: 'Lobby' });
    expect(await loaders.locationBySlug.load('1809')).toMatchObject({ slug: 'loc-9' });
    expect(await loaders.boxBySlug.load('box-9')).toMatchObject({ id: 4509 });
    expect(await loaders.voucherByKey.load('loc-9/77')).toMatchObject({ batch_name: 'Lobby' });
    expect(calls).toHaveLength(4);
    loaders.clearBox('box-9');
    loaders.clearVoucher('loc-9', 77);
    await loaders.boxBySlug.load('box-9');
    expect(await loaders.voucherByKey.load('loc-9/77')).toBeNull();
    expect(calls.slice(4)).toEqual(['/boxes/box-9', '/locations/loc-9/vouchers/77']);
  });

  it('lets a write replace an object already loaded (prime overwrites)', async () => {
    const { ct, calls } = standardCt();
    const loaders = createLoaders(ct);
    expect(await loaders.locationBySlug.load('loc-4')).toMatchObject({ location_name: 'Location 4' });
    loaders.primeLocation({ ...loc(4), location_name: 'Renamed' });
    expect(await loaders.locationBySlug.load('loc-4')).toMatchObject({ location_name: 'Renamed' });
    expect(await loaders.locationBySlug.load('1804')).toMatchObject({ location_name: 'Renamed' });
    expect(calls).toEqual(['/locations/loc-4']);
  });

  it('with cache: false makes every read its own CT call (the benchmark baseline)', async () => {
    const { ct, calls } = standardCt();
    const loaders = createLoaders(ct, { cache: false });
    await loaders.locationList({ page: 1, per: 2 });
    await Promise.all([loaders.locationBySlug.load('loc-1'), loaders.locationBySlug.load('loc-1')]);
    await loaders.get('/locations', { page: 1, per: 2 });
    expect(calls).toEqual(['/locations?page=1&per=2', '/locations/loc-1', '/locations/loc-1', '/locations?page=1&per=2']);
  });
});
