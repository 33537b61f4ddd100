// Per-request read layer over the CT client (DESIGN.md "Reading: loaders"): every CT read deduplicated
// by path + query, lists priming the item loaders, 404 => null per key, bounded fan-out, and the
// clear/prime API writes use to keep the request's view current. Reached through domain-named methods
// (`location(slug)`, `boxesPage(filter, page)`); which CT route serves each is src/ct/resources/' business.
// One instance per request, never shared.
import DataLoader from 'dataloader';
import type { CtClient, CtQuery } from './ct/client.js';
import { CtHttpError } from './ct/errors.js';
import type { Page, PageRequest } from './ct/paging.js';
import { boxReads } from './ct/resources/boxes.js';
import { codeReads } from './ct/resources/codes.js';
import { locationReads } from './ct/resources/locations.js';
import { meReads } from './ct/resources/me.js';
import type { CtRead } from './ct/resources/read.js';
import { splashPageReads } from './ct/resources/splash-pages.js';
import { voucherReads } from './ct/resources/vouchers.js';
import type { BoxFilter, BoxModel } from './domain/box.js';
import type { LocationFilter, LocationModel, LocationPick, LocationStatsModel } from './domain/location.js';
import type { SplashPageList } from './domain/splash-page.js';
import type { ViewerModel } from './domain/viewer.js';
import type { VoucherCodeFilter, VoucherCodeModel, VoucherCodeSearch, VoucherFilter, VoucherModel } from './domain/voucher.js';

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
  /** The signed-in account. */
  viewer(): Promise<ViewerModel>;
  /** By slug or numeric id (CT accepts both); a location is cached under both. Missing => null. */
  location(slugOrId: string): Promise<LocationModel | null>;
  /** By slug. Missing => null. */
  box(slug: string): Promise<BoxModel | null>;
  /** By its location's slug and its unique id (CT addresses a batch only under its location). Missing => null. */
  voucher(locationSlug: string, uniqueId: string | number): Promise<VoucherModel | null>;
  /** One page of the account's locations; its items prime `location`. */
  locationsPage(filter: LocationFilter, page: PageRequest): Promise<Page<LocationModel>>;
  /** One page of boxes (account-wide, or one location's); its items prime `box`. */
  boxesPage(filter: BoxFilter, page: PageRequest): Promise<Page<BoxModel>>;
  /** One page of a location's voucher batches; its items prime `voucher`. */
  vouchersPage(locationSlug: string, filter: VoucherFilter, page: PageRequest): Promise<Page<VoucherModel>>;
  /** One page of a batch's codes. */
  voucherCodesPage(
    locationSlug: string,
    uniqueId: string | number,
    filter: VoucherCodeFilter,
    page: PageRequest,
  ): Promise<Page<VoucherCodeModel>>;
  /** Locations as CT's pickers list them, searched by name: where CT surely tells a location's `uniqueId`. */
  locationPicks(name: string): Promise<LocationPick[]>;
  /** The account's locations named exactly `name` (at most 100); they prime `location`. */
  locationsNamed(name: string): Promise<LocationModel[]>;
  /** A location's voucher batches named exactly `name` (at most 100); they prime `voucher`. */
  vouchersNamed(locationSlug: string, name: string): Promise<VoucherModel[]>;
  /** The account's box with this MAC, or null; it primes `box`. */
  boxWithMac(mac: string): Promise<BoxModel | null>;
  /**
   * Runs one CT call that is not a read (a write) within this request's bound on concurrent CT calls,
   * which the reads share: a bulk mutation's writes and reads together never exceed it.
   */
  throttle<T>(call: () => Promise<T>): Promise<T>;
  /** A location's stats (box counts by state). Missing location => null. */
  locationStats(slugOrId: string): Promise<LocationStatsModel | null>;
  /** A location's splash pages. Missing location => null. */
  splashPages(locationSlug: string): Promise<SplashPageList | null>;
  /** Whether CT reaches the box right now: one live ping per box per request. Missing box => null. */
  boxReachable(slug: string): Promise<boolean | null>;
  /** One page of the account's codes across every batch and location. */
  voucherCodeSearchPage(filter: VoucherCodeSearch, page: PageRequest): Promise<Page<VoucherCodeModel>>;
  /** The batch at a location holding the code `username` (primes `voucher`); null when none does. */
  voucherHoldingCode(locationSlug: string, username: string): Promise<VoucherModel | null>;
  /** Put an object returned by a write into the cache (replacing what was there), so reading it back costs nothing. */
  primeLocation(location: LocationModel): void;
  primeBox(box: BoxModel): void;
  primeVoucher(voucher: VoucherModel): void;
  /** Forget one object after a write changed or deleted it (under every key it is cached by). */
  clearLocation(slugOrId: string): void;
  clearBox(slug: string): void;
  clearVoucher(locationSlug: string, uniqueId: string | number): void;
  /** Forget every list page (a write can change membership, order and totals of any list). */
  clearLists(): void;
  /** Forget everything this request has read. */
  clearAll(): void;
}

/** The dedup key of a read: path plus the query sorted by name; absent (null/undefined) values are dropped. */
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

function isNotFound(error: unknown): boolean {
  return error instanceof CtHttpError && error.status === 404;
}

/** A read whose 404 means "no such object" (null), not a failure. */
async function orNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
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

/**
 * At most `max` tasks at once; the others start in call order as slots free up. A slot passes
 * straight to the next waiter. (p-limit did the same with four promises and a queue hop per call,
 * even under the limit: 1.4 % of the flat list's profile, bench/README.md.)
 */
function createLimiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return async (task) => {
    if (active < max) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      release();
    }
  };
}

/** A voucher's key in its item loader: private to this module (a global ID is another matter, see schema/ids.ts). */
const voucherCacheKey = (locationSlug: string, uniqueId: string | number): string => JSON.stringify([locationSlug, String(uniqueId)]);

export function createLoaders(ct: CtClient, options: LoaderOptions = {}): Loaders {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  const caching = options.cache ?? true;
  const limit = createLimiter(concurrency);
  const stats: LoaderStats = { dedupeHits: 0, primeHits: 0 };
  const fetchRead = <T>(read: CtRead<T>): Promise<T> => limit(() => ct.get<unknown>(read.path, cleanQuery(read.query))).then(read.parse);

  // ---- every read, deduplicated by path + sorted query
  const requests = new Map<string, CtRead<unknown>>();
  const listKeys = new Set<string>();
  // CT has no batch endpoint: a "batch" is only the set of distinct GETs of one tick, each its own call.
  const readLoader = new DataLoader<string, unknown>(
    (keys) =>
      Promise.all(
        keys.map((key) => {
          const request = requests.get(key);
          if (!request) return Promise.resolve(new Error(`no request registered for ${key}`));
          return fetchRead(request).catch(asError);
        }),
      ),
    { cache: caching, batch: caching },
  );
  function read<T>(request: CtRead<T>): Promise<T> {
    if (!caching) return fetchRead(request);
    const key = cacheKey(request.path, request.query);
    if (requests.has(key)) stats.dedupeHits++;
    else requests.set(key, request);
    return readLoader.load(key) as Promise<T>;
  }
  function readList<T>(request: CtRead<T>): Promise<T> {
    listKeys.add(cacheKey(request.path, request.query));
    return read(request);
  }
  function forget(request: CtRead<unknown>): void {
    const key = cacheKey(request.path, request.query);
    readLoader.clear(key);
    requests.delete(key);
  }

  // ---- item loaders: one per kind, all alike but for the read a key names and the keys an object is cached by
  /**
   * `read`: the read of the object `key` names; null when the key names none (answered null, no
   * call). `keysOf`: every key an object is cached by. `lists`: this kind's lists in flight, which a
   * load waits for since they may prime its key.
   */
  function createItemLoader<W>(kind: { read(key: string): CtRead<W> | null; keysOf(item: W): string[]; lists: InFlight }) {
    // Primed objects, read before fetching: they also answer loads that raced a priming list.
    const seen = new Map<string, W>();
    /** `loading`: the key this object was just loaded under, whose cache entry is already that load. */
    function prime(item: W, loading?: string): void {
      if (!caching) return;
      for (const key of kind.keysOf(item)) {
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
            const request = kind.read(key);
            if (request === null) return null;
            try {
              const item = await read(request);
              prime(item, key);
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
    /** Forget the object under `key`, and the read that loads it. */
    function clear(key: string): void {
      seen.delete(key);
      loader.clear(key);
      const request = kind.read(key);
      if (request) forget(request);
    }
    function clearAll(): void {
      seen.clear();
      loader.clearAll();
    }
    return { loader, seen, prime, clear, clearAll };
  }

  // ---- locations: cached under slug and numeric id
  const locationLists = new InFlight();
  const locations = createItemLoader<LocationModel>({
    read: locationReads.one,
    keysOf: (location) => [location.slug, location.legacyId],
    lists: locationLists,
  });
  const primeLocation = (location: LocationModel): void => locations.prime(location);
  function clearLocation(slugOrId: string): void {
    const known = locations.seen.get(slugOrId);
    const keys = new Set([slugOrId, ...(known ? [known.slug, known.legacyId] : [])]);
    for (const key of keys) locations.clear(key);
  }

  // ---- boxes
  const boxLists = new InFlight();
  const boxes = createItemLoader<BoxModel>({ read: boxReads.one, keysOf: (box) => [box.slug], lists: boxLists });
  const primeBox = (box: BoxModel): void => boxes.prime(box);

  // ---- vouchers, keyed by location slug + unique id
  const voucherLists = new InFlight();
  const vouchers = createItemLoader<VoucherModel>({
    read: (key) => {
      const [locationSlug, uniqueId] = JSON.parse(key) as [string, string];
      return voucherReads.one(locationSlug, uniqueId);
    },
    // Cached under the slug of the path it was read at, which the model carries.
    keysOf: (voucher) => [voucherCacheKey(voucher.locationSlug, voucher.uniqueId)],
    lists: voucherLists,
  });
  const primeVoucher = (voucher: VoucherModel): void => vouchers.prime(voucher);

  function clearLists(): void {
    for (const key of listKeys) {
      readLoader.clear(key);
      requests.delete(key);
    }
    listKeys.clear();
  }

  return {
    stats,
    viewer: () => read(meReads.viewer()),
    location: (slugOrId) => locations.loader.load(slugOrId),
    box: (slug) => boxes.loader.load(slug),
    voucher: (locationSlug, uniqueId) => vouchers.loader.load(voucherCacheKey(locationSlug, uniqueId)),
    locationsPage: (filter, page) =>
      locationLists.track(
        readList(locationReads.page(filter, page)).then((list) => {
          for (const location of list.items) primeLocation(location);
          return list;
        }),
      ),
    boxesPage: (filter, page) =>
      boxLists.track(
        readList(boxReads.page(filter, page)).then((list) => {
          for (const box of list.items) primeBox(box);
          return list;
        }),
      ),
    vouchersPage: (locationSlug, filter, page) =>
      voucherLists.track(
        readList(voucherReads.page(locationSlug, filter, page)).then((list) => {
          for (const voucher of list.items) primeVoucher(voucher);
          return list;
        }),
      ),
    voucherCodesPage: (locationSlug, uniqueId, filter, page) => readList(voucherReads.codesPage(locationSlug, uniqueId, filter, page)),
    locationPicks: (name) => read(locationReads.pickerList(name)),
    locationsNamed: (name) =>
      locationLists.track(
        readList(locationReads.named(name)).then((found) => {
          for (const location of found) primeLocation(location);
          return found;
        }),
      ),
    vouchersNamed: (locationSlug, name) =>
      voucherLists.track(
        readList(voucherReads.named(locationSlug, name)).then((found) => {
          for (const voucher of found) primeVoucher(voucher);
          return found;
        }),
      ),
    boxWithMac: (mac) =>
      boxLists.track(
        readList(boxReads.byMac(mac)).then((found) => {
          if (found) primeBox(found);
          return found;
        }),
      ),
    throttle: (call) => limit(call),
    locationStats: (slugOrId) => {
      const request = locationReads.stats(slugOrId);
      return request ? orNull(read(request)) : Promise.resolve(null);
    },
    splashPages: (locationSlug) => {
      const request = splashPageReads.list(locationSlug);
      return request ? orNull(read(request)) : Promise.resolve(null);
    },
    boxReachable: (slug) => {
      const request = boxReads.reachable(slug);
      return request ? orNull(read(request)) : Promise.resolve(null);
    },
    voucherCodeSearchPage: (filter, page) => readList(codeReads.search(filter, page)),
    voucherHoldingCode: (locationSlug, username) =>
      voucherLists.track(
        readList(voucherReads.holding(locationSlug, username)).then((batches) => {
          for (const voucher of batches) primeVoucher(voucher);
          return batches[0] ?? null;
        }),
      ),
    primeLocation,
    primeBox,
    primeVoucher,
    clearLocation,
    clearBox: (slug) => {
      boxes.clear(slug);
      // A write to the box (a reboot) changes what its ping answers.
      const ping = boxReads.reachable(slug);
      if (ping) forget(ping);
    },
    clearVoucher: (locationSlug, uniqueId) => vouchers.clear(voucherCacheKey(locationSlug, uniqueId)),
    clearLists,
    clearAll(): void {
      readLoader.clearAll();
      requests.clear();
      listKeys.clear();
      locations.clearAll();
      boxes.clearAll();
      vouchers.clearAll();
    },
  };
}
