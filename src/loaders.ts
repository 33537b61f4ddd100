// Per-request read layer over the CT client (DESIGN.md "Reading: loaders"): every GET deduplicated
// by path + query, lists priming the item loaders, 404 => null per key, bounded fan-out, and the
// clear/prime API writes use to keep the request's view current. One instance per request, never shared.
import DataLoader from 'dataloader';
import type { CtClient, CtQuery } from './ct/client.js';
import { CtHttpError } from './ct/errors.js';
import { boxPath, locationPath, voucherPath } from './ct/paths.js';
import type { CtBox, CtBoxList, CtLocation, CtLocationList, CtMe, CtVoucher, CtVoucherCodeList, CtVoucherList } from './ct/types.js';

export interface LoaderOptions {
  /** Most CT calls this request keeps in flight at once (default 8), so a page of 100 does not open 100 sockets. */
  concurrency?: number;
  /**
   * false: no deduplication, no priming, every read its own CT call (`CT_LOADERS=off`, the
   * benchmark baseline only). Default true.
   */
  cache?: boolean;
}

/** What the loaders saved this request, for metrics. */
export interface LoaderStats {
  /** Reads answered by a GET or item load already made (or in flight) in this request. */
  dedupeHits: number;
  /** Item loads answered by an object a list (or a write) had already returned. */
  primeHits: number;
}

export const DEFAULT_CONCURRENCY = 8;

export interface Loaders {
  readonly stats: LoaderStats;
  /** Deduplicated GET: the same path + query costs one CT call per request. */
  get<T>(path: string, query?: CtQuery): Promise<T>;
  /** `GET /me.json`. */
  me(): Promise<CtMe>;
  /** Keyed by slug or numeric id (CT accepts both); a location is cached under both. Missing => null. */
  readonly locationBySlug: DataLoader<string, CtLocation | null>;
  /** Keyed by box slug. Missing => null. */
  readonly boxBySlug: DataLoader<string, CtBox | null>;
  /** Keyed by `voucherKey(locationSlug, uniqueId)`. Missing => null. */
  readonly voucherByKey: DataLoader<string, CtVoucher | null>;
  /** One page of `GET /locations`; its items prime `locationBySlug`. */
  locationList(query: CtQuery): Promise<CtLocationList>;
  /** One page of `GET /boxes` (account-wide, or one location with `location_id`); primes `boxBySlug`. */
  boxList(query: CtQuery): Promise<CtBoxList>;
  /** One page of `GET /locations/{slug}/vouchers`; primes `voucherByKey`. */
  voucherList(locationSlug: string, query: CtQuery): Promise<CtVoucherList>;
  /** One page of `GET /locations/{slug}/vouchers/{uid}/codes`. */
  codeList(locationSlug: string, uniqueId: string | number, query: CtQuery): Promise<CtVoucherCodeList>;
  /** Put an object returned by a write into the cache (replacing what was there), so reading it back costs nothing. */
  primeLocation(location: CtLocation): void;
  primeBox(box: CtBox): void;
  primeVoucher(locationSlug: string, voucher: CtVoucher): void;
  /** Forget one object after a write changed or deleted it (under every key it is cached by). */
  clearLocation(slugOrId: string): void;
  clearBox(slug: string): void;
  clearVoucher(locationSlug: string, uniqueId: string | number): void;
  /** Forget every list page (a write can change membership, order and totals of any list). */
  clearLists(): void;
  /** Forget everything this request has read. */
  clearAll(): void;
}

/** The key of a voucher in `voucherByKey` and in its global ID: CT only addresses vouchers under their location. */
export function voucherKey(locationSlug: string, uniqueId: string | number): string {
  return `${locationSlug}/${uniqueId}`;
}

/** Splits a `voucherKey`; null when it is not one. Slugs contain no `/`, so the first `/` separates. */
export function parseVoucherKey(key: string): { locationSlug: string; uniqueId: string } | null {
  const at = key.indexOf('/');
  if (at <= 0 || at === key.length - 1) return null;
  return { locationSlug: key.slice(0, at), uniqueId: key.slice(at + 1) };
}

/** The dedup key of a GET: path plus the query sorted by name; absent (null/undefined) values are dropped. */
export function cacheKey(path: string, query: CtQuery = {}): string {
  const parts = Object.entries(cleanQuery(query))
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .sort();
  return parts.length === 0 ? path : `${path}?${parts.join('&')}`;
}

function cleanQuery(query: CtQuery): CtQuery {
  const out: CtQuery = {};
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof CtHttpError && error.status === 404;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** A counting semaphore; a released slot is handed straight to the next waiter so the bound is never exceeded. */
function createLimiter(max: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active < max) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/**
 * A DataLoader that counts repeated loads of a key (answered from its cache) for the stats;
 * everything else is DataLoader's own behaviour. Priming does not go through it: primed objects
 * wait in plain maps that the batch function reads first, which costs no promise per item.
 */
class TrackedLoader<V> extends DataLoader<string, V | null> {
  private readonly loaded = new Set<string>();
  constructor(
    batch: DataLoader.BatchLoadFn<string, V | null>,
    private readonly stats: LoaderStats,
    private readonly caching: boolean,
  ) {
    super(batch, { cache: caching, batch: caching });
  }
  override load(key: string): Promise<V | null> {
    if (this.caching) {
      if (this.loaded.has(key)) this.stats.dedupeHits++;
      else this.loaded.add(key);
    }
    return super.load(key);
  }
  override clear(key: string): this {
    if (this.loaded.delete(key)) super.clear(key);
    return this;
  }
  override clearAll(): this {
    this.loaded.clear();
    return super.clearAll();
  }
}

/** Lists of one kind still in flight, so an item load can wait for them to prime it instead of fetching it again. */
class InFlight {
  private readonly pending = new Set<Promise<unknown>>();
  track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const done = (): void => void this.pending.delete(promise);
    promise.then(done, done);
    return promise;
  }
  async settled(): Promise<void> {
    if (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

export function createLoaders(ct: CtClient, options: LoaderOptions = {}): Loaders {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  const caching = options.cache ?? true;
  const limit = createLimiter(concurrency);
  const stats: LoaderStats = { dedupeHits: 0, primeHits: 0 };

  // ---- generic GET, deduplicated by path + sorted query
  const requests = new Map<string, { path: string; query: CtQuery }>();
  const listKeys = new Set<string>();
  // CT has no batch endpoint: a "batch" is only the set of distinct GETs of one tick, each its own call.
  const getLoader = new DataLoader<string, unknown>(
    (keys) =>
      Promise.all(
        keys.map((key) => {
          const request = requests.get(key);
          if (!request) return Promise.resolve(new Error(`no request registered for ${key}`));
          return limit(() => ct.get<unknown>(request.path, request.query)).catch(asError);
        }),
      ),
    { cache: caching, batch: caching },
  );
  function get<T>(path: string, query: CtQuery = {}): Promise<T> {
    if (!caching) return limit(() => ct.get<T>(path, cleanQuery(query)));
    const key = cacheKey(path, query);
    if (requests.has(key)) stats.dedupeHits++;
    else requests.set(key, { path, query: cleanQuery(query) });
    return getLoader.load(key) as Promise<T>;
  }
  function getList<T>(path: string, query: CtQuery): Promise<T> {
    listKeys.add(cacheKey(path, query));
    return get<T>(path, query);
  }
  function forgetGet(path: string, query: CtQuery = {}): void {
    const key = cacheKey(path, query);
    getLoader.clear(key);
    requests.delete(key);
  }

  // ---- item loaders: one per kind, all alike but for the CT path a key addresses and the keys an object is cached by
  /**
   * `path`: the GET that loads the object `key` addresses; null when the key addresses none (answered
   * null, no call). `keysOf`: every key an object just loaded under `key` is cached by. `lists`: this
   * kind's lists in flight, which a load waits for since they may prime its key.
   */
  function createItemLoader<W>(kind: { path(key: string): string | null; keysOf(item: W, key: string): string[]; lists: InFlight }) {
    // Primed objects, read before fetching: they also answer loads that raced a priming list.
    const seen = new Map<string, W>();
    /** `loading`: the key this object was just loaded under, whose cache entry is already that load. */
    function prime(item: W, keys: string[], loading?: string): void {
      if (!caching) return;
      for (const key of keys) {
        seen.set(key, item);
        // Replace, not keep: the primed object (from a list or a write) is the newest this request has seen.
        if (key !== loading) loader.clear(key);
      }
    }
    const loader: DataLoader<string, W | null> = new TrackedLoader<W>(
      async (keys) => {
        if (caching) await kind.lists.settled();
        return Promise.all(
          keys.map(async (key): Promise<W | null | Error> => {
            const primed = seen.get(key);
            if (primed) {
              stats.primeHits++;
              return primed;
            }
            const path = kind.path(key);
            if (path === null) return null;
            try {
              const item = await get<W>(path);
              prime(item, kind.keysOf(item, key), key);
              return item;
            } catch (error) {
              return isNotFound(error) ? null : asError(error);
            }
          }),
        );
      },
      stats,
      caching,
    );
    /** Forget the object under `key`, and `path`, the GET that loads it (the caller's, not `kind.path`'s: it may refuse the key). */
    function clear(key: string, path: string): void {
      seen.delete(key);
      loader.clear(key);
      forgetGet(path);
    }
    function clearAll(): void {
      seen.clear();
      loader.clearAll();
    }
    return { loader, seen, prime, clear, clearAll };
  }

  // ---- locations: cached under slug and numeric id
  const locationLists = new InFlight();
  const locationKeys = (location: CtLocation): string[] => [location.slug, String(location.id)];
  const locations = createItemLoader<CtLocation>({
    // An empty key would address the list endpoint itself: no such object.
    path: (key) => (key === '' ? null : locationPath(key)),
    keysOf: locationKeys,
    lists: locationLists,
  });
  const primeLocation = (location: CtLocation): void => locations.prime(location, locationKeys(location));
  function clearLocation(slugOrId: string): void {
    const known = locations.seen.get(slugOrId);
    const keys = new Set([slugOrId, ...(known ? locationKeys(known) : [])]);
    for (const key of keys) locations.clear(key, locationPath(key));
  }

  // ---- boxes
  const boxLists = new InFlight();
  const boxes = createItemLoader<CtBox>({
    path: (key) => (key === '' ? null : boxPath(key)),
    keysOf: (box) => [box.slug],
    lists: boxLists,
  });
  const primeBox = (box: CtBox): void => boxes.prime(box, [box.slug]);
  const clearBox = (slug: string): void => boxes.clear(slug, boxPath(slug));

  // ---- vouchers, keyed by location slug + unique_id
  const voucherLists = new InFlight();
  const vouchers = createItemLoader<CtVoucher>({
    path: (key) => {
      const parsed = parseVoucherKey(key);
      return parsed ? voucherPath(parsed.locationSlug, parsed.uniqueId) : null;
    },
    // Only a key that parsed was loaded; the voucher is cached under the slug of the path it came from.
    keysOf: (voucher, key) => [voucherKey(parseVoucherKey(key)!.locationSlug, voucher.unique_id)],
    lists: voucherLists,
  });
  const primeVoucher = (locationSlug: string, voucher: CtVoucher): void =>
    vouchers.prime(voucher, [voucherKey(locationSlug, voucher.unique_id)]);
  const clearVoucher = (locationSlug: string, uniqueId: string | number): void =>
    vouchers.clear(voucherKey(locationSlug, uniqueId), voucherPath(locationSlug, uniqueId));

  function clearLists(): void {
    for (const key of listKeys) {
      getLoader.clear(key);
      requests.delete(key);
    }
    listKeys.clear();
  }

  return {
    stats,
    get,
    me: () => get<CtMe>('/me.json'),
    locationBySlug: locations.loader,
    boxBySlug: boxes.loader,
    voucherByKey: vouchers.loader,
    locationList: (query) =>
      locationLists.track(
        getList<CtLocationList>('/locations', query).then((list) => {
          for (const location of list.locations ?? []) primeLocation(location);
          return list;
        }),
      ),
    boxList: (query) =>
      boxLists.track(
        getList<CtBoxList>('/boxes', query).then((list) => {
          for (const box of list.boxes ?? []) primeBox(box);
          return list;
        }),
      ),
    voucherList: (locationSlug, query) =>
      voucherLists.track(
        getList<CtVoucherList>(`${locationPath(locationSlug)}/vouchers`, query).then((list) => {
          for (const voucher of list.vouchers ?? []) primeVoucher(locationSlug, voucher);
          return list;
        }),
      ),
    codeList: (locationSlug, uniqueId, query) => getList<CtVoucherCodeList>(`${voucherPath(locationSlug, uniqueId)}/codes`, query),
    primeLocation,
    primeBox,
    primeVoucher,
    clearLocation,
    clearBox,
    clearVoucher,
    clearLists,
    clearAll(): void {
      getLoader.clearAll();
      requests.clear();
      listKeys.clear();
      locations.clearAll();
      boxes.clearAll();
      vouchers.clearAll();
    },
  };
}
