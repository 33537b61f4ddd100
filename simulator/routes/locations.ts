// Location endpoints (ct-api.md §4.2, §5.1): paged list with search and the `short` picker form,
// show by slug or numeric id, create, update (incl. archive/restore, favourite), delete, and stats.

import {
  badRequest,
  bool,
  epochSeconds,
  float,
  isRecord,
  json,
  noContent,
  notFound,
  paginate,
  readPaging,
  str,
  unprocessable,
  type Json,
  type Router,
} from '../http.js';
import { newLocation, newSplashPage, renderLocation, renderLocationStats } from '../model.js';
import type { LocationRecord } from '../store.js';
import { Errors, intInRange, textMax, type ApiContext, type ApiRoute } from './context.js';

const TEXT_FIELDS = [
  'location_address',
  'street',
  'town',
  'postcode',
  'country',
  'phone1',
  'location_website',
  'location_type',
  'development_mode',
] as const;
const BOOL_FIELDS = ['daily_limit', 'add_to_global_map', 'eu', 'reports_active'] as const;

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Validates and applies `{location:{...}}`; unknown keys are dropped silently, like Rails strong params. */
function applyLocation(loc: LocationRecord, input: Json, creating: boolean): Errors {
  const errors = new Errors();
  const name = textMax(errors, 'location_name', creating && input.location_name === undefined ? null : input.location_name, 255, true);
  const changes: Partial<LocationRecord> = {};
  if (typeof name === 'string') changes.location_name = name;
  for (const field of TEXT_FIELDS) {
    const v = textMax(errors, field, input[field], 255, false);
    if (v !== undefined) (changes as Record<string, unknown>)[field] = v;
  }
  for (const field of BOOL_FIELDS) {
    const v = bool(input[field]);
    if (v !== undefined) (changes as Record<string, unknown>)[field] = v;
  }
  if (input.timezone !== undefined) {
    const tz = str(input.timezone) ?? '';
    if (!validTimezone(tz) || tz === '') errors.add('timezone', 'is not included in the list');
    else changes.timezone = tz;
  }
  for (const [field, limit] of [
    ['lat', 90],
    ['lng', 180],
  ] as const) {
    const v = float(input[field]);
    if (v === null) errors.add(field, 'is not a number');
    else if (v !== undefined && Math.abs(v) > limit) errors.add(field, `must be between -${limit} and ${limit}`);
    else if (v !== undefined || input[field] === null || input[field] === '') changes[field] = v ?? null;
  }
  const alert = intInRange(errors, 'alert_interval', input.alert_interval, 5, 1440);
  if (alert !== undefined) changes.alert_interval = alert;
  const favourite = bool(input.favourite ?? input.is_favourite);
  if (favourite !== undefined) changes.is_favourite = favourite;
  if (input.state !== undefined) {
    const state = str(input.state);
    if (state === 'archived' || state === 'active') Object.assign(changes, { state, archived: state === 'archived' });
    else errors.add('state', 'is not included in the list');
  } else {
    const archived = bool(input.archived);
    if (archived !== undefined) Object.assign(changes, { archived, state: archived ? 'archived' : 'active' });
  }
  if (!errors.any) Object.assign(loc, changes);
  return errors;
}

function list(ctx: ApiContext): Response {
  const { store, user, url } = ctx;
  const q = url.searchParams;
  let items = store.locations.filter((l) => l.user_id === user.id);
  const search = (q.get('q') ?? '').trim().toLowerCase();
  if (search) {
    items = items.filter((l) =>
      [l.location_name, l.town, l.location_address, l.postcode].some((f) => (f ?? '').toLowerCase().includes(search)),
    );
  }
  const exactName = q.get('location_name');
  if (exactName) items = items.filter((l) => l.location_name === exactName);
  if (bool(q.get('favourites') ?? undefined)) items = items.filter((l) => l.is_favourite);
  const archived = bool(q.get('archived') ?? undefined);
  if (archived !== undefined) items = items.filter((l) => l.archived === archived);

  if (q.has('short')) {
    // the picker form: a bare array of small objects, unpaged
    return json(
      200,
      items.map((l) => ({ id: l.id, slug: l.slug, unique_id: l.unique_id, location_name: l.location_name })),
    );
  }
  const sort = q.get('sort');
  const dir = q.get('direction') === 'desc' ? -1 : 1;
  const key = (l: LocationRecord): string | number =>
    sort === 'location_name'
      ? l.location_name.toLowerCase()
      : sort === 'created_at'
        ? l.created_at
        : sort === 'updated_at'
          ? l.updated_at
          : Number(l.id);
  items = [...items].sort((a, b) => (key(a) < key(b) ? -dir : key(a) > key(b) ? dir : Number(a.id) - Number(b.id)));
  const page = paginate(items, readPaging(q));
  return json(200, { locations: page.items.map((l) => renderLocation(store, l)), _links: page._links });
}

function show(ctx: ApiContext): Response {
  const loc = ctx.store.findLocation(ctx.user, ctx.params.loc ?? '');
  return loc ? json(200, renderLocation(ctx.store, loc)) : notFound();
}

function create(ctx: ApiContext): Response {
  const input = ctx.body.location;
  if (!isRecord(input)) return badRequest('param is missing or the value is empty: location');
  const { store, user } = ctx;
  const nowS = epochSeconds(ctx.nowMs);
  const loc = newLocation(store, user, nowS, str(input.location_name) ?? '');
  const errors = applyLocation(loc, input, true);
  if (errors.any) return unprocessable(errors.fields);
  store.locations.push(loc);
  // A new location can take guests at once: CT gives it one splash page, which its voucher batches then use.
  store.splashPages.push(newSplashPage(store, loc, epochSeconds(ctx.nowMs), 'Guest login'));
  return json(201, renderLocation(store, loc));
}

function update(ctx: ApiContext): Response {
  const loc = ctx.store.findLocation(ctx.user, ctx.params.loc ?? '');
  if (!loc) return notFound();
  const input = ctx.body.location;
  if (!isRecord(input)) return badRequest('param is missing or the value is empty: location');
  const errors = applyLocation(loc, input, false);
  if (errors.any) return unprocessable(errors.fields);
  loc.updated_at = epochSeconds(ctx.nowMs);
  return json(200, renderLocation(ctx.store, loc));
}

/** Refused with 422 while boxes remain: the dashboard warns deletion "fails when session data exists". */
function destroy(ctx: ApiContext): Response {
  const { store } = ctx;
  const loc = store.findLocation(ctx.user, ctx.params.loc ?? '');
  if (!loc) return notFound();
  if (store.boxesAt(loc).length > 0) {
    return unprocessable({ base: ['Location cannot be deleted while it has boxes. Remove or transfer them first.'] });
  }
  const id = Number(loc.id);
  for (const v of store.vouchers.filter((x) => x.location_id === id)) {
    store.codes.delete(v.unique_id);
    store.voucherReadyAt.delete(v.unique_id);
  }
  store.vouchers.splice(0, store.vouchers.length, ...store.vouchers.filter((v) => v.location_id !== id));
  store.splashPages.splice(0, store.splashPages.length, ...store.splashPages.filter((p) => p.location_id !== id));
  store.locations.splice(store.locations.indexOf(loc), 1);
  return noContent();
}

/** Counted from the location's boxes at this moment, so the stats always agree with the box list. */
function stats(ctx: ApiContext): Response {
  const loc = ctx.store.findLocation(ctx.user, ctx.params.loc ?? '');
  return loc ? json(200, renderLocationStats(ctx.store, loc)) : notFound();
}

export function locationRoutes(router: Router<ApiRoute>): void {
  const r = (handler: ApiRoute['handler']): ApiRoute => ({ auth: true, handler });
  router
    .on('GET', '/api/v1/locations', r(list))
    .on('POST', '/api/v1/locations', r(create))
    .on('GET', '/api/v1/locations/:loc', r(show))
    .on('PATCH', '/api/v1/locations/:loc', r(update))
    .on('DELETE', '/api/v1/locations/:loc', r(destroy))
    .on('GET', '/api/v1/locations/:loc/stats', r(stats));
}
