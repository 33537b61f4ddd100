// Record builders and renderers shared by the seed and the routes: slugs, MAC normalisation,
// default field values, voucher code generation, and the computed parts of the wire objects.

import { Prng } from './prng.js';
import type { BoxRecord, CodeRecord, LocationRecord, SplashPageRecord, Store, UserRecord, VoucherRecord } from './store.js';

const BASE36 = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function slugify(text: string): string {
  return (
    text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'location'
  );
}

/** Location slugs look like the seed's `stuff-got-real-iajpng9akeztfqknmlfusw`. */
export const locationSlug = (rng: Prng, name: string): string => `${slugify(name)}-${rng.chars(BASE36, 22)}`;
export const boxSlug = (rng: Prng): string => rng.chars(BASE36, 20);

/** Colons or hyphens, either case (ct-api.md §10); emitted lower-case with colons. `null` = invalid. */
export function normalizeMac(input: string): string | null {
  const m = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i.exec(input.trim());
  if (!m) return null;
  return [m[1], m[3], m[4], m[5], m[6], m[7]].join(':').toLowerCase();
}

export function newLocation(store: Store, user: UserRecord, nowS: number, name: string): LocationRecord {
  return {
    id: store.nextLocationId(),
    slug: locationSlug(store.rng, name),
    unique_id: store.uniqueNumber(),
    location_name: name,
    location_address: null,
    street: null,
    town: null,
    postcode: null,
    country: null,
    phone1: null,
    location_website: null,
    location_type: null,
    development_mode: 'Beta',
    daily_limit: true,
    archived: false,
    state: 'active',
    created_at: nowS,
    updated_at: nowS,
    user_id: user.id,
    lat: null,
    lng: null,
    clients_total: 0,
    meraki_secret: null,
    timezone: 'Europe/London',
    is_favourite: false,
    project_id: null,
    brand_id: null,
    add_to_global_map: false,
    pubsub_token: store.rng.hex(24),
    eu: true,
    reports_active: true,
    alert_interval: 60,
  };
}

export function newBox(store: Store, location: LocationRecord, nowS: number, mac: string): BoxRecord {
  return {
    id: store.nextBoxId(),
    slug: boxSlug(store.rng),
    calledstationid: mac,
    mac,
    description: null,
    state: 'new',
    is_online: false,
    last_heartbeat: null,
    wan_ip: null,
    public_ip: null,
    wan_proto: 'dhcp',
    machine_type: null,
    device_icon: 'blank.png',
    firmware_version: null,
    next_firmware: null,
    serial_number: null,
    is_cucumber: true,
    official: true,
    is_monitored: true,
    ignored: false,
    allowed_job: true,
    upgrade_processing: false,
    reset_confirmation: false,
    zone_id: null,
    zone_name: null,
    location_id: Number(location.id),
    location_slug: location.slug,
    tags: null,
    v: '4',
    dual_band: true,
    is_ac: true,
    ht_mode_2: 'HT20',
    ht_mode_5: 'VHT80',
    channel: 'auto',
    channel_5: 'auto',
    tx_power_2: 20,
    tx_power_5: 23,
    uptime_seconds: null,
    connection_status: '0',
    clients_online: 0,
    latitude: location.lat,
    longitude: location.lng,
    timezone: location.timezone,
    created_at: nowS,
    updated_at: nowS,
  };
}

/** A splash page for `location`; its id continues the store's sequence, its unique_id is a fresh 9-digit number. */
export function newSplashPage(
  store: Store,
  location: LocationRecord,
  nowS: number,
  name: string,
  uniqueId = store.uniqueNumber(),
): SplashPageRecord {
  return {
    id: store.nextSplashPageId(),
    unique_id: uniqueId,
    location_id: Number(location.id),
    splash_name: name,
    active: true,
    created_at: nowS,
    updated_at: nowS,
  };
}

/** ct-api.md §5.1 plus the computed `boxes_count` and `clients_online`. */
export function renderLocation(store: Store, location: LocationRecord): Record<string, unknown> {
  const boxes = store.boxesAt(location);
  const online = boxes.reduce((n, b) => n + (b.is_online ? b.clients_online : 0), 0);
  return { ...location, boxes_count: boxes.length, clients_online: online, clients_total: Math.max(location.clients_total, online) };
}

/** The states the stats list, in this order; a state with no boxes is left out, like an aggregation bucket. */
const STAT_STATES = ['online', 'offline', 'processing', 'rebooting', 'upgrading', 'new', 'initializing'] as const;

/** `GET /locations/{loc}/stats` (ct-api.md §4.2): `{stats:{..., boxes:{states:[...]}}}`, counted from the boxes at this moment. */
export function renderLocationStats(store: Store, location: LocationRecord): Record<string, unknown> {
  const boxes = store.boxesAt(location);
  // `{state, total}` is how the dashboard reads each entry of `boxes.states`.
  const states = STAT_STATES.map((state) => ({ state, total: boxes.filter((b) => b.state === state).length })).filter((s) => s.total > 0);
  const online = boxes.reduce((n, b) => n + (b.is_online ? b.clients_online : 0), 0);
  return {
    stats: {
      boxes: { total: boxes.length, online: boxes.filter((b) => b.is_online).length, states },
      clients: { online, total: Math.max(location.clients_total, online) },
    },
  };
}

export const renderBox = (box: BoxRecord): Record<string, unknown> => ({ ...box });

export function renderVoucher(store: Store, voucher: VoucherRecord): Record<string, unknown> {
  const location = store.locationById(voucher.location_id);
  return { ...voucher, location_slug: location?.slug ?? null };
}

// ---------------------------------------------------------------- voucher codes

const WORDS = [
  'apple',
  'river',
  'maple',
  'cloud',
  'stone',
  'tiger',
  'amber',
  'ocean',
  'pearl',
  'cedar',
  'lemon',
  'olive',
  'piano',
  'robin',
  'sunny',
  'tulip',
  'violet',
  'willow',
  'zebra',
  'comet',
  'delta',
  'ember',
  'frost',
  'glade',
];
const ALPHABETS: Record<string, string> = {
  numeric: '0123456789',
  alpha: 'abcdefghjkmnpqrstuvwxyz', // no i/l/o: they read as 1 and 0 on printed slips
  alphanumeric: 'abcdefghjkmnpqrstuvwxyz23456789',
};

function codeUsername(rng: Prng, format: string, length: number): string {
  if (format === 'words') {
    let out = rng.pick(WORDS);
    while (out.length < length - 2) out += rng.pick(WORDS);
    return out + rng.chars(ALPHABETS.numeric as string, 2);
  }
  return rng.chars(ALPHABETS[format] ?? (ALPHABETS.alphanumeric as string), length);
}

/** Deterministic per batch (seeded by its unique_id); usernames are unique across the store. */
export function generateCodes(store: Store, voucher: VoucherRecord, createdAt: number): CodeRecord[] {
  const rng = new Prng(voucher.unique_id);
  const codes: CodeRecord[] = [];
  for (let serial = 1; serial <= voucher.quantity; serial++) {
    let username = codeUsername(rng, voucher.voucher_format, voucher.length);
    while (store.usedUsernames.has(username)) username = codeUsername(rng, voucher.voucher_format, voucher.length);
    store.usedUsernames.add(username);
    const password = voucher.secure_password ? rng.chars(ALPHABETS.alphanumeric as string, 6) : username;
    codes.push({ username, password, serial, active: voucher.is_active, date_activated: null, created_at: createdAt });
  }
  return codes;
}

export function downloadLinks(rng: Prng, voucher: VoucherRecord): { csv_link: string; pdf_link: string } {
  const base = `https://downloads.ctapp.io/vouchers/${voucher.unique_id}/${rng.hex(16)}`;
  return { csv_link: `${base}.csv`, pdf_link: `${base}.pdf` };
}

/** Async generation finished: codes exist, `completed` flips, download links appear. */
export function finishVoucher(store: Store, voucher: VoucherRecord, atS: number): void {
  if (voucher.completed) return;
  store.codes.set(voucher.unique_id, generateCodes(store, voucher, atS));
  Object.assign(voucher, { completed: true, updated_at: atS }, downloadLinks(store.rng, voucher));
}
