// Guest code endpoints (ct-api.md §4.4, §5.4): the cross-batch code search `GET /codes` (`q`, `location_id`,
// `voucher_id`, `activated`, `start`/`end`, paged, with `_stats`) and enabling or disabling one code with
// `PATCH /locations/{loc}/clients/{username}/codes/{username}`.

import {
  badRequest,
  bool,
  epochSeconds,
  int,
  isRecord,
  json,
  notFound,
  paginate,
  readPaging,
  unprocessable,
  type Router,
} from '../http.js';
import type { CodeRecord, LocationRecord, VoucherRecord } from '../store.js';
import type { ApiContext, ApiRoute } from './context.js';

interface Located {
  code: CodeRecord;
  voucher: VoucherRecord;
}

/**
 * A code as the search lists it: its own fields plus `location_id`, the (integer) id of its location,
 * which the dashboard's codes report links to. Nothing names the batch: CT finds that with the batch
 * list's `username` filter.
 */
const renderCode = ({ code, voucher }: Located): Record<string, unknown> => ({ ...code, location_id: voucher.location_id });

/** Every generated code of `locations`, batches in creation order and codes by serial. */
function codesAt(ctx: ApiContext, locations: LocationRecord[]): Located[] {
  const ids = new Set(locations.map((l) => Number(l.id)));
  return ctx.store.vouchers
    .filter((v) => ids.has(v.location_id))
    .flatMap((voucher) => (ctx.store.codes.get(voucher.unique_id) ?? []).map((code) => ({ code, voucher })));
}

/** `start`/`end` as epoch seconds; anything else is no bound, as Rails' `to_i` guard would leave it. */
function epochParam(value: string | null): number | undefined {
  const n = int(value);
  return typeof n === 'number' && n >= 0 ? n : undefined;
}

function search(ctx: ApiContext): Response {
  const { store, user } = ctx;
  const q = ctx.url.searchParams;
  let locations = store.locations.filter((l) => l.user_id === user.id);
  const locKey = q.get('location_id');
  if (locKey) {
    const loc = store.findLocation(user, locKey);
    if (!loc) return notFound();
    locations = [loc];
  }
  let items = codesAt(ctx, locations);
  const voucherId = q.get('voucher_id');
  if (voucherId) items = items.filter((i) => String(i.voucher.unique_id) === voucherId);
  const text = (q.get('q') ?? '').trim().toLowerCase();
  if (text) items = items.filter((i) => i.code.username.toLowerCase().includes(text));
  const activated = bool(q.get('activated') ?? undefined);
  if (activated !== undefined) items = items.filter((i) => (i.code.date_activated !== null) === activated);
  // The range is on when the code was made; `_stats` echoes the range applied, the whole history when none was given.
  const start = epochParam(q.get('start'));
  const end = epochParam(q.get('end'));
  if (start !== undefined) items = items.filter((i) => i.code.created_at >= start);
  if (end !== undefined) items = items.filter((i) => i.code.created_at <= end);
  const nowS = epochSeconds(ctx.nowMs);
  const earliest = codesAt(ctx, locations).reduce((min, i) => Math.min(min, i.code.created_at), nowS);
  const page = paginate(items, readPaging(q));
  return json(200, { codes: page.items.map(renderCode), _links: page._links, _stats: { start: start ?? earliest, end: end ?? nowS } });
}

/** The path names the code twice (`clients/{username}/codes/{username}`), as the dashboard sends it; both must agree. */
function update(ctx: ApiContext): Response {
  const { store, user, params } = ctx;
  const loc = store.findLocation(user, params.loc ?? '');
  if (!loc || params.client !== params.username) return notFound();
  const found = codesAt(ctx, [loc]).find((i) => i.code.username === params.username);
  if (!found) return notFound();
  const input = ctx.body.code;
  if (!isRecord(input)) return badRequest('param is missing or the value is empty: code');
  const active = bool(input.active);
  if (active === undefined) return unprocessable({ active: ['is not included in the list'] });
  found.code.active = active;
  return json(200, renderCode(found));
}

export function codeRoutes(router: Router<ApiRoute>): void {
  const r = (handler: ApiRoute['handler']): ApiRoute => ({ auth: true, handler });
  router.on('GET', '/api/v1/codes', r(search)).on('PATCH', '/api/v1/locations/:loc/clients/:client/codes/:username', r(update));
}
