// Box endpoints (ct-api.md §4.3, §5.2): account-wide and nested lists, show, create with MAC
// validation, settings updates, both action styles (PATCH box.action and POST /boxes/{box}/{action}),
// the reboot/reset state machine, transfer, status and delete.

import {
  badRequest,
  bool,
  epochSeconds,
  float,
  forbidden,
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
import { newBox, normalizeMac, renderBox } from '../model.js';
import type { BoxRecord, BoxState } from '../store.js';
import { Errors, intInRange, textMax, type ApiContext, type ApiRoute } from './context.js';

const HT_MODES = ['HT20', 'HT40-', 'HT40+', 'VHT20', 'VHT40', 'VHT80'];
const ONLINE_STATES: BoxState[] = ['online', 'upgrading', 'processing'];
const JOB_REFUSED = "This box can't accept jobs right now. Wait until it is online and idle, then try again.";

function filterBoxes(ctx: ApiContext, boxes: BoxRecord[]): BoxRecord[] {
  const q = ctx.url.searchParams;
  let items = boxes;
  const state = q.get('state');
  if (state) items = items.filter((b) => b.state === state);
  const machine = q.get('machine_type');
  if (machine) items = items.filter((b) => b.machine_type === machine);
  const firmware = q.get('firmware_version');
  if (firmware) items = items.filter((b) => b.firmware_version === firmware);
  const description = q.get('description');
  if (description) items = items.filter((b) => b.description === description);
  const search = (q.get('q') ?? '').trim().toLowerCase();
  if (search) {
    const mac = normalizeMac(search) ?? search.replace(/-/g, ':');
    items = items.filter(
      (b) =>
        [b.description, b.serial_number, b.wan_ip, b.machine_type].some((f) => (f ?? '').toLowerCase().includes(search)) ||
        b.calledstationid.includes(mac),
    );
  }
  return [...items].sort((a, b) => a.id - b.id);
}

function listPage(ctx: ApiContext, boxes: BoxRecord[], withAggregations: boolean): Response {
  const items = filterBoxes(ctx, boxes);
  const page = paginate(items, readPaging(ctx.url.searchParams));
  const body: Json = { boxes: page.items.map(renderBox), _links: page._links };
  if (withAggregations) {
    const counts = new Map<string, number>();
    for (const b of items) counts.set(b.state, (counts.get(b.state) ?? 0) + 1);
    body.aggregations = { state: { buckets: [...counts].map(([key, doc_count]) => ({ key, doc_count })) } };
  }
  return json(200, body);
}

function list(ctx: ApiContext): Response {
  const { store, user } = ctx;
  const locKey = ctx.url.searchParams.get('location_id');
  if (locKey) {
    const loc = store.findLocation(user, locKey);
    return loc ? listPage(ctx, store.boxesAt(loc), true) : notFound();
  }
  const mine = new Set(store.locations.filter((l) => l.user_id === user.id).map((l) => Number(l.id)));
  return listPage(
    ctx,
    store.boxes.filter((b) => mine.has(b.location_id)),
    true,
  );
}

function nestedList(ctx: ApiContext): Response {
  const loc = ctx.store.findLocation(ctx.user, ctx.params.loc ?? '');
  return loc ? listPage(ctx, ctx.store.boxesAt(loc), false) : notFound();
}

function show(ctx: ApiContext): Response {
  const box = ctx.store.findBox(ctx.user, ctx.params.box ?? '');
  return box ? json(200, renderBox(box)) : notFound();
}

function create(ctx: ApiContext): Response {
  const { store, user, body } = ctx;
  const input = body.box;
  if (!isRecord(input)) return badRequest('param is missing or the value is empty: box');
  const locKey = str(body.location_id) ?? ctx.url.searchParams.get('location_id') ?? str(input.location_id);
  const errors = new Errors();
  if (!locKey) return unprocessable({ location_id: ["can't be blank"] });
  const loc = store.findLocation(user, locKey);
  if (!loc) return notFound();
  const raw = str(input.calledstationid ?? input.mac) ?? '';
  const mac = normalizeMac(raw);
  if (raw.trim() === '') errors.add('calledstationid', "can't be blank");
  else if (!mac) errors.add('calledstationid', 'is invalid');
  else if (store.boxes.some((b) => b.calledstationid === mac)) errors.add('calledstationid', 'has already been taken');
  const box = newBox(store, loc, epochSeconds(ctx.nowMs), mac ?? raw);
  Object.assign(box, settingsFrom(input, errors));
  if (input.machine_type !== undefined) box.machine_type = textMax(errors, 'machine_type', input.machine_type, 64, false) ?? null;
  const cucumber = bool(input.is_cucumber);
  if (cucumber !== undefined) box.is_cucumber = cucumber;
  if (errors.any) return unprocessable(errors.fields);
  store.boxes.push(box);
  return json(201, renderBox(box));
}

/** Settings from `{box:{...}}`, validated into `errors`; the caller applies them only if all is valid. */
function settingsFrom(input: Json, errors: Errors): Partial<BoxRecord> {
  const changes: Partial<BoxRecord> = {};
  const description = textMax(errors, 'description', input.description, 255, false);
  if (description !== undefined) changes.description = description;
  for (const field of ['ignored', 'is_monitored', 'dual_band'] as const) {
    const v = bool(input[field]);
    if (v !== undefined) changes[field] = v;
  }
  for (const [field, limit] of [
    ['latitude', 90],
    ['longitude', 180],
  ] as const) {
    const v = float(input[field]);
    if (v === null) errors.add(field, 'is not a number');
    else if (v !== undefined && Math.abs(v) > limit) errors.add(field, `must be between -${limit} and ${limit}`);
    else if (v !== undefined) changes[field] = v;
  }
  if (input.zone_id !== undefined) {
    const zone = input.zone_id === null || input.zone_id === '' ? null : intInRange(errors, 'zone_id', input.zone_id, 1, 1_000_000_000);
    if (zone !== undefined) Object.assign(changes, { zone_id: zone, zone_name: zone === null ? null : `Zone ${zone}` });
  }
  if (input.tags !== undefined) {
    const tags = Array.isArray(input.tags) ? input.tags.map((t) => str(t) ?? '').join(',') : (str(input.tags) ?? '');
    changes.tags =
      tags.trim() === ''
        ? null
        : tags
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean)
            .join(',');
  }
  for (const field of ['channel', 'channel_5'] as const) {
    if (input[field] === undefined) continue;
    const v = str(input[field]) ?? '';
    if (v === '') errors.add(field, "can't be blank");
    else if (v !== 'auto' && !/^\d{1,3}$/.test(v)) errors.add(field, 'is invalid');
    else changes[field] = v;
  }
  for (const field of ['ht_mode_2', 'ht_mode_5'] as const) {
    if (input[field] === undefined) continue;
    const v = str(input[field]) ?? '';
    if (!HT_MODES.includes(v)) errors.add(field, 'is not included in the list');
    else changes[field] = v;
  }
  for (const field of ['tx_power_2', 'tx_power_5'] as const) {
    const v = intInRange(errors, field, input[field], 1, 30);
    if (v !== undefined) changes[field] = v;
  }
  if (input.wan_proto !== undefined) {
    const v = str(input.wan_proto);
    if (v === 'dhcp' || v === 'static') changes.wan_proto = v;
    else errors.add('wan_proto', 'is not included in the list');
  }
  return changes;
}

type Action = 'reboot' | 'reset' | 'cancel' | 'transfer';

/** Runs one job on a box; a Response when refused (403 / 422), otherwise null. */
function runAction(ctx: ApiContext, box: BoxRecord, action: Action, transferTo: string | undefined): Response | null {
  const { store, nowMs } = ctx;
  const nowS = epochSeconds(nowMs);
  switch (action) {
    case 'reboot':
      if (!box.allowed_job) return forbidden(JOB_REFUSED);
      // ct-api.md §10: straight to `rebooting` (no `processing` step), back online after the configured delay
      Object.assign(box, { state: 'rebooting', is_online: false, updated_at: nowS });
      store.rebootUntil.set(box.id, nowMs + ctx.settings.rebootDurationMs);
      return null;
    case 'reset':
      if (!box.allowed_job) return forbidden(JOB_REFUSED);
      if (!store.resetFrom.has(box.id)) store.resetFrom.set(box.id, box.state === 'rebooting' ? 'online' : box.state);
      store.rebootUntil.delete(box.id);
      Object.assign(box, { state: 'new', is_online: false, updated_at: nowS });
      return null;
    case 'cancel': {
      // cancels a pending reset; with nothing pending it is a harmless no-op
      const before = store.resetFrom.get(box.id);
      if (before !== undefined && box.state === 'new') {
        store.resetFrom.delete(box.id);
        Object.assign(box, { state: before, is_online: ONLINE_STATES.includes(before), updated_at: nowS });
      }
      return null;
    }
    case 'transfer': {
      const target = store.locations.find((l) => l.user_id === ctx.user.id && String(l.unique_id) === (transferTo ?? ''));
      if (!target) return unprocessable({ transfer_to: [transferTo ? 'is invalid' : "can't be blank"] });
      Object.assign(box, {
        location_id: Number(target.id),
        location_slug: target.slug,
        timezone: target.timezone,
        zone_id: null,
        zone_name: null,
        updated_at: nowS,
      });
      return null;
    }
  }
}

function update(ctx: ApiContext): Response {
  const { store, user } = ctx;
  const box = store.findBox(user, ctx.params.box ?? '');
  if (!box) return notFound();
  const input = ctx.body.box;
  if (!isRecord(input)) return badRequest('param is missing or the value is empty: box');
  // validate everything first: nothing is written unless the whole request is acceptable
  const errors = new Errors();
  const changes = settingsFrom(input, errors);
  const action = str(input.action);
  if (action !== undefined && action !== 'reboot' && action !== 'reset' && action !== 'cancel') {
    errors.add('action', 'is not included in the list');
  }
  const transferTo = input.transfer_to === undefined ? undefined : (str(input.transfer_to) ?? '');
  if (transferTo !== undefined && !store.locations.some((l) => l.user_id === user.id && String(l.unique_id) === transferTo)) {
    errors.add('transfer_to', transferTo ? 'is invalid' : "can't be blank");
  }
  if (errors.any) return unprocessable(errors.fields);
  if ((action === 'reboot' || action === 'reset') && !box.allowed_job) return forbidden(JOB_REFUSED);
  Object.assign(box, changes, { updated_at: epochSeconds(ctx.nowMs) });
  if (action) runAction(ctx, box, action as Action, undefined);
  if (transferTo !== undefined) runAction(ctx, box, 'transfer', transferTo);
  return json(200, renderBox(box));
}

function postAction(action: Action): ApiRoute['handler'] {
  return (ctx) => {
    const box = ctx.store.findBox(ctx.user, ctx.params.box ?? '');
    if (!box) return notFound();
    const transferTo = str(ctx.body.transfer_to) ?? ctx.url.searchParams.get('transfer_to') ?? undefined;
    return runAction(ctx, box, action, transferTo) ?? json(200, renderBox(box));
  };
}

function status(ctx: ApiContext): Response {
  const box = ctx.store.findBox(ctx.user, ctx.params.box ?? '');
  return box ? json(200, { status: box.is_online ? 1 : 0 }) : notFound();
}

function destroy(ctx: ApiContext): Response {
  const { store } = ctx;
  const box = store.findBox(ctx.user, ctx.params.box ?? '');
  if (!box) return notFound();
  store.boxes.splice(store.boxes.indexOf(box), 1);
  store.rebootUntil.delete(box.id);
  store.resetFrom.delete(box.id);
  return noContent();
}

export function boxRoutes(router: Router<ApiRoute>): void {
  const r = (handler: ApiRoute['handler']): ApiRoute => ({ auth: true, handler });
  router
    .on('GET', '/api/v1/boxes', r(list))
    .on('POST', '/api/v1/boxes', r(create))
    .on('GET', '/api/v1/locations/:loc/boxes', r(nestedList))
    .on('GET', '/api/v1/boxes/:box', r(show))
    .on('PATCH', '/api/v1/boxes/:box', r(update))
    .on('DELETE', '/api/v1/boxes/:box', r(destroy))
    .on('GET', '/api/v1/boxes/:box/status', r(status))
    .on('POST', '/api/v1/boxes/:box/reboot', r(postAction('reboot')))
    .on('POST', '/api/v1/boxes/:box/reset', r(postAction('reset')))
    .on('POST', '/api/v1/boxes/:box/transfer', r(postAction('transfer')));
}
