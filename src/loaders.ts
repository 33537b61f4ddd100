// Per-request read layer over the CT client (DESIGN.md "Reading: loaders"): every GET deduplicated
// by path + query, lists priming the item loaders, 404 => null per key, bounded fan-out, and the
// clear/prime API writes use to keep the request's view current. One instance per request, never shared.
import DataLoader from 'dataloader';
import type { CtClient, CtQuery } from './ct/client.js';
import { CtHttpError } from './ct/errors.js';
import type {
  CtBox,
  CtBoxList,
  CtLocation,
  CtLocationList,
  CtMe,
  CtVoucher,
  CtVoucherCodeList,
  CtVoucherList,
} from './ct/types.js';

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

const seg = encodeURIComponent;

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

  // ---- locations: cached under slug and numeric id; `seen` answers loads that raced a priming list
  const seenLocations = new Map<string, CtLocation>();
  const locationLists = new InFlight();
  const locationKeys = (location: CtLocation): string[] => [location.slug, String(location.id)];
  /** `loading`: the key this object was just loaded under, whose cache entry is already that load. */
  function primeLocation(location: CtLocation, loading?: string): void {
    if (!caching) return;
    for (const key of locationKeys(location)) {
      seenLocations.set(key, location);
      // Replace, not keep: the primed object (from a list or a write) is the newest this request has seen.
      if (key !== loading) locationBySlug.clear(key);
    }
  }
  const locationBySlug: DataLoader<string, CtLocation | null> = new TrackedLoader<CtLocation>(async (keys) => {
    if (caching) await locationLists.settled();
    return Promise.all(
      keys.map(async (key): Promise<CtLocation | null | Error> => {
        const seen = seenLocations.get(key);
        if (seen) {
          stats.primeHits++;
          return seen;
        }
        // An empty key would address the list endpoint itself: no such object.
        if (key === '') return null;
        try {
          const location = await get<CtLocation>(`/locations/${seg(key)}`);
          primeLocation(location, key);
          return location;
        } catch (error) {
          return isNotFound(error) ? null : asError(error);
        }
      }),
    );
  }, stats, caching);
  function clearLocation(slugOrId: string): void {
    const known = seenLocations.get(slugOrId);
    const keys = new Set([slugOrId, ...(known ? locationKeys(known) : [])]);
    for (const key of keys) {
      seenLocations.delete(key);
      locationBySlug.clear(key);
      forgetGet(`/locations/${seg(key)}`);
    }
  }

  // ---- boxes
  const seenBoxes = new Map<string, CtBox>();
  const boxLists = new InFlight();
  function primeBox(box: CtBox, loading?: string): void {
    if (!caching) return;
    seenBoxes.set(box.slug, box);
    if (box.slug !== loading) boxBySlug.clear(box.slug);
  }
  const boxBySlug: DataLoader<string, CtBox | null> = new TrackedLoader<CtBox>(async (keys) => {
    if (caching) await boxLists.settled();
    return Promise.all(
      keys.map(async (key): Promise<CtBox | null | Error> => {
        const seen = seenBoxes.get(key);
        if (seen) {
          stats.primeHits++;
          return seen;
        }
        if (key === '') return null;
        try {
          const box = await get<CtBox>(`/boxes/${seg(key)}`);
          primeBox(box, key);
          return box;
        } catch (error) {
          return isNotFound(error) ? null : asError(error);
        }
      }),
    );
  }, stats, caching);
  function clearBox(slug: string): void {
    seenBoxes.delete(slug);
    boxBySlug.clear(slug);
    forgetGet(`/boxes/${seg(slug)}`);
  }

  // ---- vouchers, keyed by location slug + unique_id
  const seenVouchers = new Map<string, CtVoucher>();
  const voucherLists = new InFlight();
  function primeVoucher(locationSlug: string, voucher: CtVoucher, loading?: string): void {
    if (!caching) return;
    const key = voucherKey(locationSlug, voucher.unique_id);
    seenVouchers.set(key, voucher);
    if (key !== loading) voucherByKey.clear(key);
  }
  const voucherByKey: DataLoader<string, CtVoucher | null> = new TrackedLoader<CtVoucher>(async (keys) => {
    if (caching) await voucherLists.settled();
    return Promise.all(
      keys.map(async (key): Promise<CtVoucher | null | Error> => {
        const seen = seenVouchers.get(key);
        if (seen) {
          stats.primeHits++;
          return seen;
        }
        const parsed = parseVoucherKey(key);
        if (!parsed) return null;
        try {
          const voucher = await get<CtVoucher>(`/locations/${seg(parsed.locationSlug)}/vouchers/${seg(parsed.uniqueId)}`);
          primeVoucher(parsed.locationSlug, voucher, key);
          return voucher;
        } catch (error) {
          return isNotFound(error) ? null : asError(error);
        }
      }),
    );
  }, stats, caching);
  function clearVoucher(locationSlug: string, uniqueId: string | number): void {
    const key = voucherKey(locationSlug, uniqueId);
    seenVouchers.delete(key);
    voucherByKey.clear(key);
    forgetGet(`/locations/${seg(locationSlug)}/vouchers/${seg(String(uniqueId))}`);
  }

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
    locationBySlug,
    boxBySlug,
    voucherByKey,
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
        getList<CtVoucherList>(`/locations/${seg(locationSlug)}/vouchers`, query).then((list) => {
          for (const voucher of list.vouchers ?? []) primeVoucher(locationSlug, voucher);
          return list;
        }),
      ),
    codeList: (locationSlug, uniqueId, query) =>
      getList<CtVoucherCodeList>(`/locations/${seg(locationSlug)}/vouchers/${seg(String(uniqueId))}/codes`, query),
    primeLocation: (location) => primeLocation(location),
    primeBox: (box) => primeBox(box),
    primeVoucher: (locationSlug, voucher) => primeVoucher(locationSlug, voucher),
    clearLocation,
    clearBox,
    clearVoucher,
    clearLists,
    clearAll(): void {
      getLoader.clearAll();
      requests.clear();
      listKeys.clear();
      for (const [seen, loader] of [
        [seenLocations, locationBySlug],
        [seenBoxes, boxBySlug],
        [seenVouchers, voucherByKey],
      ] as const) {
        seen.clear();
        loader.clearAll();
      }
    },
  };
}
