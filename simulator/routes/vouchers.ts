// Voucher batch endpoints (ct-api.md §4.4, §5.3, §5.4): list/create/show/update/delete under a
// location, asynchronous code generation (completed:false until the configured delay passes), and codes.

import {
  badRequest,
  bool,
  epochSeconds,
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
import { downloadLinks, renderVoucher } from '../model.js';
import type { LocationRecord, VoucherRecord } from '../store.js';
import { Errors, intInRange, textMax, type ApiContext, type ApiRoute } from './context.js';

const FORMATS = ['alphanumeric', 'numeric', 'alpha', 'words'];
const PERIODS = ['', 'daily', 'weekly', 'monthly', 'all'];
const LIMIT_TYPES = ['multi_use', 'single_use'];

/** Numeric attributes: [field, min, max]. Ranges follow the dashboard's form limits (§5.3), quantity §10. */
const RANGES = [
  ['validity_minutes', 5, 518412],
  ['access_restrict_data', 50, 1000000],
  ['access_period', 1, 43201],
  ['session_timeout', 1, 518412],
  ['idle_timeout', 10, 43201],
  ['simultaneous_use', 1, 100],
  ['download_speed', 56, 102400],
  ['upload_speed', 56, 102400],
] as const;
/** Fields that can only be set at creation (the dashboard marks them create-only). */
const CREATE_ONLY = new Set([
  'quantity',
  'access_type',
  'access_restrict_period',
  'voucher_format',
  'length',
  'splash_page_id',
  'access_period',
]);

function withLocation(ctx: ApiContext): LocationRecord | null {
  return ctx.store.findLocation(ctx.user, ctx.params.loc ?? '') ?? null;
}

/** Validates `{voucher:{...}}` against `base` (defaults or the stored batch); returns the merged batch or errors. */
/** `splashPageIds`: the location's splash pages, the only ones a new batch may name (besides "external"). */
function validate(
  input: Json,
  base: VoucherRecord,
  creating: boolean,
  splashPageIds: readonly number[] = [],
): { voucher: VoucherRecord } | { errors: Errors } {
  const errors = new Errors();
  const v: VoucherRecord = { ...base };
  const given = (k: string): boolean => input[k] !== undefined && (creating || !CREATE_ONLY.has(k));

  const name = textMax(errors, 'batch_name', creating && input.batch_name === undefined ? null : input.batch_name, 100, true);
  if (typeof name === 'string') v.batch_name = name;
  const description = textMax(errors, 'batch_description', input.batch_description, 255, false);
  if (description !== undefined) v.batch_description = description;

  if (given('quantity')) {
    const q = intInRange(errors, 'quantity', input.quantity, 1, 1000);
    if (q !== undefined) v.quantity = q;
  }
  if (given('access_type')) {
    const t = Number(str(input.access_type));
    if (t === 1 || t === 2) v.access_type = t;
    else errors.add('access_type', 'is not included in the list');
  }
  for (const [field, min, max] of RANGES) {
    if (!given(field)) continue;
    if (input[field] === null || input[field] === '') {
      if (field === 'access_restrict_data' || field === 'access_period') v[field] = null;
      else errors.add(field, "can't be blank");
      continue;
    }
    const n = intInRange(errors, field, input[field], min, max);
    if (n !== undefined) v[field] = n;
  }
  if (given('length')) {
    const n = intInRange(errors, 'length', input.length, 6, 50);
    if (n !== undefined) v.length = n;
  }
  if (given('voucher_format')) {
    const f = str(input.voucher_format) ?? '';
    if (FORMATS.includes(f)) v.voucher_format = f;
    else errors.add('voucher_format', 'is not included in the list');
  }
  if (given('access_restrict_period')) {
    const p = str(input.access_restrict_period) ?? '';
    if (PERIODS.includes(p)) v.access_restrict_period = p;
    else errors.add('access_restrict_period', 'is not included in the list');
  }
  if (input.limit_type !== undefined) {
    const l = str(input.limit_type) ?? '';
    if (LIMIT_TYPES.includes(l)) v.limit_type = l;
    else errors.add('limit_type', 'is not included in the list');
  }
  for (const field of ['secure_password', 'is_active'] as const) {
    const b = bool(input[field]);
    if (b !== undefined) v[field] = b;
  }
  if (given('splash_page_id')) {
    const raw = str(input.splash_page_id) ?? '';
    if (raw === 'external') v.splash_page_id = 'external';
    else if (raw === '') v.splash_page_id = null;
    else if (/^\d+$/.test(raw) && splashPageIds.includes(Number(raw))) v.splash_page_id = Number(raw);
    else errors.add('splash_page_id', 'is invalid');
  }

  // cross-field rules, checked only when the individual fields were valid
  if (!errors.any) {
    if (v.access_type === 1 && v.session_timeout > v.validity_minutes) {
      errors.add('session_timeout', `must be less than or equal to ${v.validity_minutes}`);
    }
    if (v.access_type === 2 && v.access_restrict_data === null) errors.add('access_restrict_data', "can't be blank");
    if (v.access_restrict_period === 'all' && v.access_period === null) errors.add('access_period', "can't be blank");
  }
  return errors.any ? { errors } : { voucher: v };
}

function defaults(ctx: ApiContext, location: LocationRecord): VoucherRecord {
  const nowS = epochSeconds(ctx.nowMs);
  return {
    unique_id: ctx.store.uniqueNumber(),
    location_id: Number(location.id),
    batch_name: '',
    batch_description: null,
    quantity: 10,
    access_type: 1,
    validity_minutes: 60,
    access_restrict_data: null,
    access_restrict_period: '',
    access_period: null,
    limit_type: 'multi_use',
    session_timeout: 60,
    idle_timeout: 60,
    simultaneous_use: 2,
    download_speed: 2048,
    upload_speed: 1024,
    voucher_format: 'alphanumeric',
    length: 6,
    secure_password: true,
    splash_page_id: null,
    is_active: true,
    completed: false,
    csv_link: null,
    pdf_link: null,
    created_at: nowS,
    updated_at: nowS,
  };
}

function list(ctx: ApiContext): Response {
  const location = withLocation(ctx);
  if (!location) return notFound();
  const { store } = ctx;
  const q = ctx.url.searchParams;
  let items = store.vouchers.filter((v) => v.location_id === Number(location.id));
  const search = (q.get('q') ?? '').trim().toLowerCase();
  if (search) items = items.filter((v) => v.batch_name.toLowerCase().includes(search));
  const exact = q.get('batch_name');
  if (exact) items = items.filter((v) => v.batch_name === exact);
  const username = q.get('username');
  if (username) items = items.filter((v) => store.codes.get(v.unique_id)?.some((c) => c.username === username));
  const page = paginate(items, readPaging(q));
  return json(200, { vouchers: page.items.map((v) => renderVoucher(store, v)), _links: page._links });
}

function create(ctx: ApiContext): Response {
  const location = withLocation(ctx);
  if (!location) return notFound();
  const input = ctx.body.voucher;
  if (!isRecord(input)) return badRequest('param is missing or the value is empty: voucher');
  const { store } = ctx;
  const pages = store.splashPagesAt(location).map((p) => p.id);
  const result = validate(input, defaults(ctx, location), true, pages);
  if ('errors' in result) return unprocessable(result.errors.fields);
  // ct-api.md §5.3: CT picks the splash page itself when the location has only one.
  if (result.voucher.splash_page_id === null && pages.length === 1) result.voucher.splash_page_id = pages[0] as number;
  store.vouchers.push(result.voucher);
  // generation is asynchronous; Store.settle() finishes it once the delay has passed
  store.voucherReadyAt.set(result.voucher.unique_id, ctx.nowMs + ctx.settings.voucherGenerationDelayMs);
  return json(201, renderVoucher(store, result.voucher));
}

function show(ctx: ApiContext): Response {
  const location = withLocation(ctx);
  const voucher = location && ctx.store.findVoucher(location, ctx.params.vid ?? '');
  return voucher ? json(200, renderVoucher(ctx.store, voucher)) : notFound();
}

function update(ctx: ApiContext): Response {
  const location = withLocation(ctx);
  const voucher = location && ctx.store.findVoucher(location, ctx.params.vid ?? '');
  if (!voucher) return notFound();
  const input = ctx.body.voucher;
  if (!isRecord(input)) return badRequest('param is missing or the value is empty: voucher');
  const result = validate(input, voucher, false);
  if ('errors' in result) return unprocessable(result.errors.fields);
  const { store } = ctx;
  if (bool(input.regenerate_link) && !voucher.completed) {
    // There is nothing to regenerate before the first files exist; a Rails model would refuse it on base.
    return unprocessable({ base: ["Download links can't be regenerated until the codes have been generated"] });
  }
  const wasActive = voucher.is_active;
  Object.assign(voucher, result.voucher, { updated_at: epochSeconds(ctx.nowMs) });
  if (voucher.is_active !== wasActive) {
    // disabling a batch disables every code in it (§5.3)
    for (const code of store.codes.get(voucher.unique_id) ?? []) code.active = voucher.is_active;
  }
  if (bool(input.regenerate_link)) Object.assign(voucher, downloadLinks(store.rng, voucher));
  return json(200, renderVoucher(store, voucher));
}

function destroy(ctx: ApiContext): Response {
  const location = withLocation(ctx);
  const voucher = location && ctx.store.findVoucher(location, ctx.params.vid ?? '');
  if (!voucher) return notFound();
  const { store } = ctx;
  store.vouchers.splice(store.vouchers.indexOf(voucher), 1);
  store.codes.delete(voucher.unique_id);
  store.voucherReadyAt.delete(voucher.unique_id);
  return noContent();
}

function codes(ctx: ApiContext): Response {
  const location = withLocation(ctx);
  const voucher = location && ctx.store.findVoucher(location, ctx.params.vid ?? '');
  if (!voucher) return notFound();
  const q = ctx.url.searchParams;
  let items = ctx.store.codes.get(voucher.unique_id) ?? [];
  const activated = bool(q.get('activated') ?? undefined);
  if (activated !== undefined) items = items.filter((c) => (c.date_activated !== null) === activated);
  const page = paginate(items, readPaging(q));
  return json(200, { codes: page.items.map((c) => ({ ...c })), _links: page._links });
}

export function voucherRoutes(router: Router<ApiRoute>): void {
  const r = (handler: ApiRoute['handler']): ApiRoute => ({ auth: true, handler });
  router
    .on('GET', '/api/v1/locations/:loc/vouchers', r(list))
    .on('POST', '/api/v1/locations/:loc/vouchers', r(create))
    .on('GET', '/api/v1/locations/:loc/vouchers/:vid', r(show))
    .on('PATCH', '/api/v1/locations/:loc/vouchers/:vid', r(update))
    .on('DELETE', '/api/v1/locations/:loc/vouchers/:vid', r(destroy))
    .on('GET', '/api/v1/locations/:loc/vouchers/:vid/codes', r(codes));
}
