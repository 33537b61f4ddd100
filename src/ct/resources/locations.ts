// CT's locations (ct-api.md §4.2, §5.1): their routes, the wire <-> domain mapping of a location, of
// its stats and of a create/update body, and the writes. A location is addressed by slug (or its
// numeric id, which CT accepts too); a change to CT's location API is made here and nowhere else.
import type { BoxState } from '../../domain/box.js';
import type {
  LocationFilter,
  LocationModel,
  LocationOrderField,
  LocationPick,
  LocationSettings,
  LocationState,
  LocationStatsModel,
  OrderDirection,
} from '../../domain/location.js';
import { ctPath } from '../paths.js';
import { pageOf, type Page, type PageRequest } from '../paging.js';
import type { CtLocation, CtLocationList, CtLocationStats, CtStateCount } from '../types.js';
import { boxState } from './boxes.js';
import { ctRead, filterQuery, type CtRead } from './read.js';
import { bool, fromWire, isRecord, num, str, text } from './wire.js';
import { unreadableCreate, writeInDomainTerms, type CtSender, type FieldNames } from './write.js';

/** CT's `state` string of each domain state. */
const STATE_CODES: Readonly<Record<LocationState, string>> = { ACTIVE: 'active', ARCHIVED: 'archived' };

/** CT's `sort` value of each order field (the dashboard sorts by these columns) and its `direction` values. */
const SORT_CODES: Readonly<Record<LocationOrderField, string>> = {
  NAME: 'location_name',
  CREATED_AT: 'created_at',
  UPDATED_AT: 'updated_at',
};
const DIRECTION_CODES: Readonly<Record<OrderDirection, string>> = { ASC: 'asc', DESC: 'desc' };

/** The text settings: domain field => CT attribute. A blank value clears the attribute. */
const TEXT_ATTRIBUTES = {
  address: 'location_address',
  street: 'street',
  town: 'town',
  postcode: 'postcode',
  country: 'country',
  phone: 'phone1',
  website: 'location_website',
  locationType: 'location_type',
  timezone: 'timezone',
} as const satisfies Partial<Record<keyof LocationSettings, string>>;
type TextField = keyof typeof TEXT_ATTRIBUTES;

/** CT attribute => domain field, for CT's validation messages. */
const FIELD_NAMES: FieldNames = {
  ...Object.fromEntries(Object.entries(TEXT_ATTRIBUTES).map(([field, attribute]) => [attribute, field])),
  location_name: 'name',
  lat: 'latitude',
  lng: 'longitude',
  favourite: 'favourite',
  is_favourite: 'favourite',
};

const itemPath = (slugOrId: string): string => ctPath`/locations/${slugOrId}`;

export function toLocation(w: CtLocation): LocationModel {
  const state = w.state === null || w.state === undefined ? undefined : fromWire(STATE_CODES, w.state);
  return {
    slug: w.slug,
    legacyId: String(w.id),
    uniqueId: str(w.unique_id),
    name: w.location_name,
    address: text(w.location_address),
    street: text(w.street),
    town: text(w.town),
    postcode: text(w.postcode),
    country: text(w.country),
    phone: text(w.phone1),
    website: text(w.location_website),
    locationType: text(w.location_type),
    timezone: text(w.timezone),
    archived: w.archived ?? state === 'ARCHIVED',
    state: state ?? null,
    favourite: bool(w.is_favourite),
    latitude: num(w.lat),
    longitude: num(w.lng),
    clientsTotal: num(w.clients_total),
    clientsOnline: num(w.clients_online),
    boxesCount: num(w.boxes_count),
    createdAt: num(w.created_at),
    updatedAt: num(w.updated_at),
  };
}

/** The `location` body of a create or update, with only what was given; null or blank text clears a setting. */
function toWire(settings: LocationSettings): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  if (settings.name !== undefined) wire.location_name = settings.name?.trim();
  for (const [field, attribute] of Object.entries(TEXT_ATTRIBUTES) as Array<[TextField, string]>) {
    const value = settings[field];
    if (value !== undefined) wire[attribute] = value === null || value.trim() === '' ? null : value.trim();
  }
  if (settings.latitude !== undefined) wire.lat = settings.latitude;
  if (settings.longitude !== undefined) wire.lng = settings.longitude;
  if (settings.favourite !== undefined && settings.favourite !== null) wire.favourite = settings.favourite;
  return wire;
}

/**
 * CT's list parameters for a filter. `favourites` is only ever sent as true (CT has no filter for the
 * others). `archived` is not among the documented list parameters: it is sent so that a CT that
 * knows it narrows the list, and the caller must still check each location's own flag.
 */
function listQuery(filter: LocationFilter) {
  return filterQuery({
    q: filter.search,
    favourites: filter.favourites === true ? true : null,
    archived: filter.archived,
    sort: filter.orderBy ? SORT_CODES[filter.orderBy.field] : null,
    direction: filter.orderBy ? DIRECTION_CODES[filter.orderBy.direction] : null,
  });
}

const count = (v: number | string | null | undefined): number | null => {
  const n = num(v);
  return n !== null && Number.isInteger(n) && n >= 0 ? n : null;
};

/**
 * `stats.boxes.states` as counts per domain state. Each entry is read as the dashboard reads it
 * (`state`, `total`), or in aggregation spelling (`key`, `count`/`doc_count`); states the domain
 * does not know add up under UNKNOWN. The total is CT's when it gives one, else the sum.
 */
export function toLocationStats(w: CtLocationStats): LocationStatsModel {
  const counts = new Map<BoxState, number>();
  const entries: unknown[] = Array.isArray(w.stats?.boxes?.states) ? w.stats.boxes.states : [];
  for (const entry of entries.filter((e): e is CtStateCount => isRecord(e))) {
    const n = count(entry.total ?? entry.count ?? entry.doc_count);
    if (n === null) continue;
    const state = boxState(entry.state ?? entry.key);
    counts.set(state, (counts.get(state) ?? 0) + n);
  }
  const sum = [...counts.values()].reduce((a, b) => a + b, 0);
  return {
    boxesTotal: count(w.stats?.boxes?.total) ?? sum,
    boxesByState: [...counts].map(([state, n]) => ({ state, count: n })),
  };
}

function isLocation(value: unknown): value is CtLocation {
  return isRecord(value) && typeof value.slug === 'string' && 'id' in value;
}

/** CT's answer to a write as the location, or null when CT answered with something else (or nothing). */
const answered = (value: unknown): LocationModel | null => (isLocation(value) ? toLocation(value) : null);

export const locationReads = {
  /** One location by slug or numeric id; an empty key addresses no location (it would be the list itself). */
  one: (slugOrId: string): CtRead<LocationModel> | null => (slugOrId === '' ? null : ctRead(itemPath(slugOrId), {}, toLocation)),
  page: (filter: LocationFilter, page: PageRequest): CtRead<Page<LocationModel>> =>
    ctRead('/locations', { ...listQuery(filter), page: page.page, per: page.per }, (list: CtLocationList) =>
      pageOf(list.locations, list._links, page, toLocation),
    ),
  /** The locations named exactly `name` (CT's `location_name` filter), at most 100: how a retried create finds its location. */
  named: (name: string): CtRead<LocationModel[]> =>
    ctRead('/locations', { location_name: name, per: 100 }, (list: CtLocationList) =>
      list.locations.filter((w) => w.location_name === name).map(toLocation),
    ),
  /** The location's stats; CT counts them itself, so they agree with its box list. */
  stats: (slugOrId: string): CtRead<LocationStatsModel> | null =>
    slugOrId === '' ? null : ctRead(ctPath`/locations/${slugOrId}/stats`, {}, toLocationStats),
  /**
   * CT's compact list for its location pickers (`?short=`, a bare array), searched by name: CT
   * documents `unique_id` there (ct-api.md §3), not necessarily on the location itself.
   */
  pickerList: (name: string): CtRead<LocationPick[]> =>
    ctRead('/locations', { short: 'true', q: name }, (answer: unknown) =>
      Array.isArray(answer)
        ? answer.flatMap((p): LocationPick[] =>
            isRecord(p) && typeof p.slug === 'string'
              ? [{ slug: p.slug, uniqueId: (p.unique_id as string | number | undefined) ?? null }]
              : [],
          )
        : [],
    ),
};

export type LocationWrites = ReturnType<typeof locationWrites>;

/** The writes, each one CT call and never retried; validation refusals come back in domain terms. */
export function locationWrites(ct: CtSender) {
  const write = <T>(run: () => Promise<T>): Promise<T> => writeInDomainTerms(FIELD_NAMES, run);
  const patch = (slug: string, body: Record<string, unknown>): Promise<LocationModel | null> =>
    write(() => ct.send<CtLocation>('PATCH', itemPath(slug), { location: body })).then(answered);
  return {
    async create(settings: LocationSettings): Promise<LocationModel> {
      const created = answered(await write(() => ct.send<CtLocation>('POST', '/locations', { location: toWire(settings) })));
      if (!created) throw unreadableCreate('location');
      return created;
    },
    /** The location as CT now has it; null when CT answered without it. */
    update: (slug: string, changes: LocationSettings) => patch(slug, toWire(changes)),
    setState: (slug: string, state: LocationState) => patch(slug, { state: STATE_CODES[state] }),
    // ct-api.md §10: paths take the slug (the dashboard's numeric id works too, but would cost a GET to learn).
    remove: async (slug: string): Promise<void> => void (await write(() => ct.send<null>('DELETE', itemPath(slug)))),
  };
}
