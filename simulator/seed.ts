// Deterministic demo data: the `demo` account (44 locations, 250 boxes, voucher batches with codes)
// and the `other` account (4 locations, a few boxes and batches), all derived from one PRNG seed.

import { BASE_EPOCH, DEMO } from './demo.js';
import { downloadLinks, generateCodes, locationSlug, newBox, newSplashPage } from './model.js';
import { Prng } from './prng.js';
import { BATCH_NAMES, DEMO_VENUES, DEVICE_MODELS, OTHER_VENUES, PLACEMENTS, type DeviceModel, type Venue } from './seed-data.js';
import { Store, type BoxRecord, type BoxState, type LocationRecord, type UserRecord, type VoucherRecord } from './store.js';

export const DEFAULT_SEED = 1813;
const DAY = 86_400;

export interface SeedOptions {
  seed: number;
  demoData: boolean;
  /** When seeded batches that are still "generating" finish (epoch ms). */
  pendingVouchersReadyAtMs: number;
}

export const SEED_SHAPE = { demoLocations: DEMO_VENUES.length, demoBoxes: 250, otherLocations: OTHER_VENUES.length, otherBoxes: 12 };
/** Demo venues (by index) that have no boxes at all, and the one that is archived. */
const EMPTY_DEMO = new Set([16, 33, 43]);
const ARCHIVED_DEMO = 24;

function user(id: number, username: string, email: string, rng: Prng, plan: string): UserRecord {
  return {
    id,
    slug: `${username}-${rng.chars('abcdefghijklmnopqrstuvwxyz0123456789', 12)}`,
    username,
    email,
    key: rng.hex(20),
    api_token: rng.hex(32),
    locale: 'en-GB',
    plan,
    plan_id: plan === 'pro' ? 3 : 1,
    paid_plan: plan === 'pro',
    subscription_active: plan === 'pro',
    custom: false,
    url: null,
    cname: null,
    reseller: false,
    super: false,
    guest: false,
    user_hash: rng.hex(40),
    account_id: id + 9000,
    created_at: BASE_EPOCH - 4 * 365 * DAY + id * 3600,
    currency: 'GBP',
    promo: null,
  };
}

function location(store: Store, owner: UserRecord, venue: Venue, id: number, createdAt: number): LocationRecord {
  const [name, address, town, postcode, country, timezone, lat, lng, type] = venue;
  const rng = store.rng;
  return {
    id: String(id),
    slug: locationSlug(rng, name),
    unique_id: store.uniqueNumber(),
    location_name: name,
    location_address: address,
    street: rng.chance(0.3) ? address : null,
    town,
    postcode,
    country,
    phone1: rng.chance(0.6) ? `+44 ${rng.int(1000, 9999)} ${rng.int(100000, 999999)}` : null,
    location_website: rng.chance(0.5) ? `https://www.${name.toLowerCase().replace(/[^a-z0-9]+/g, '')}.example` : null,
    location_type: type,
    development_mode: rng.chance(0.8) ? 'Beta' : 'Stable',
    daily_limit: rng.chance(0.7),
    archived: false,
    state: 'active',
    created_at: createdAt,
    updated_at: createdAt + rng.int(DAY, 200 * DAY),
    user_id: owner.id,
    lat,
    lng,
    clients_total: 0,
    meraki_secret: null,
    timezone,
    is_favourite: rng.chance(0.15),
    project_id: null,
    brand_id: null,
    add_to_global_map: rng.chance(0.3),
    pubsub_token: rng.hex(24),
    eu: ['GB', 'IE', 'FR', 'DE', 'NL', 'ES', 'IT', 'EE'].includes(country),
    reports_active: rng.chance(0.8),
    alert_interval: rng.pick([15, 30, 60]),
  };
}

function pickState(rng: Prng): BoxState {
  const r = rng.next();
  if (r < 0.78) return 'online';
  if (r < 0.88) return 'offline';
  if (r < 0.91) return 'upgrading';
  if (r < 0.94) return 'new';
  if (r < 0.97) return 'processing';
  return 'initializing';
}

function uniqueMac(store: Store, model: DeviceModel): string {
  for (;;) {
    const mac = `${store.rng.pick(model.ouis)}:${store.rng.hex(2)}:${store.rng.hex(2)}:${store.rng.hex(2)}`;
    if (!store.boxes.some((b) => b.calledstationid === mac)) return mac;
  }
}

function box(store: Store, loc: LocationRecord, model: DeviceModel, description: string, archived: boolean): BoxRecord {
  const rng = store.rng;
  const state: BoxState = archived ? 'offline' : pickState(rng);
  const createdAt = loc.created_at + rng.int(DAY, 120 * DAY);
  const b = newBox(store, loc, Math.min(createdAt, BASE_EPOCH - DAY), uniqueMac(store, model));
  const online = state === 'online' || state === 'upgrading' || state === 'processing';
  const wan = `${rng.pick([81, 86, 92, 109, 151, 185, 212])}.${rng.int(1, 254)}.${rng.int(0, 254)}.${rng.int(1, 254)}`;
  const firmware = rng.pick(model.firmware);
  Object.assign(b, {
    description,
    state,
    is_online: online,
    last_heartbeat: state === 'new' ? null : online ? BASE_EPOCH - rng.int(5, 120) : BASE_EPOCH - rng.int(3600, 30 * DAY),
    wan_ip: state === 'new' ? null : wan,
    public_ip: state === 'new' ? null : wan,
    machine_type: model.machine_type,
    device_icon: model.device_icon,
    firmware_version: state === 'new' ? null : firmware,
    next_firmware: state === 'upgrading' ? (model.firmware[model.firmware.length - 1] ?? firmware) : null,
    serial_number: `${model.serialPrefix}${rng.chars('ABCDEFGHJKLMNPQRSTUVWXYZ0123456789', 8)}`,
    is_cucumber: model.is_cucumber,
    official: model.is_cucumber,
    dual_band: model.dual_band,
    is_ac: model.is_ac,
    ht_mode_5: model.is_ac ? 'VHT80' : 'HT40+',
    // jobs are refused while the device is busy or unreachable, and occasionally for no visible reason
    allowed_job: state === 'online' ? !rng.chance(0.05) : false,
    upgrade_processing: state === 'upgrading',
    ignored: rng.chance(0.05),
    is_monitored: !rng.chance(0.1),
    zone_id: rng.chance(0.25) ? rng.int(1, 6) : null,
    tags: rng.chance(0.3) ? rng.pick(['lobby', 'floor1', 'outdoor', 'guest,floor1', 'staff', 'events']) : null,
    channel: rng.pick(['auto', 'auto', '1', '6', '11']),
    channel_5: rng.pick(['auto', 'auto', '36', '44', '149']),
    uptime_seconds: online ? rng.int(3600, 60 * DAY) : null,
    connection_status: online ? rng.pick(['9', '9', '9', '6', '9.1']) : '0',
    clients_online: state === 'online' ? rng.int(0, 35) : 0,
    updated_at: BASE_EPOCH - rng.int(60, 10 * DAY),
  });
  b.zone_name = b.zone_id === null ? null : (['Guest', 'Staff', 'Events', 'Outdoor', 'Back of house', 'Rooms'][b.zone_id - 1] ?? null);
  store.boxes.push(b);
  return b;
}

function fillBoxes(store: Store, loc: LocationRecord, count: number, archived: boolean): void {
  const rng = store.rng;
  const primary = rng.pick(DEVICE_MODELS);
  const used = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const model = rng.chance(0.85) ? primary : rng.pick(DEVICE_MODELS);
    const place = rng.pick(PLACEMENTS);
    const n = (used.get(place) ?? 0) + 1;
    used.set(place, n);
    box(store, loc, model, n === 1 ? `${place} AP` : `${place} AP ${n}`, archived);
  }
}

function voucher(store: Store, loc: LocationRecord, pendingReadyAtMs: number | null): VoucherRecord {
  const rng = store.rng;
  const dataType = rng.chance(0.2);
  const validity = rng.pick([60, 120, 240, 1440, 10080]);
  const createdAt = BASE_EPOCH - rng.int(DAY, 180 * DAY);
  const v: VoucherRecord = {
    unique_id: store.uniqueNumber(),
    location_id: Number(loc.id),
    batch_name: rng.pick(BATCH_NAMES),
    batch_description: rng.chance(0.7)
      ? rng.pick(['Front desk handout', 'Printed for the weekend', 'Emailed to attendees', 'Single-day access'])
      : null,
    quantity: rng.pick([10, 10, 20, 25, 50, 100]),
    access_type: dataType ? 2 : 1,
    validity_minutes: validity,
    access_restrict_data: dataType ? rng.pick([500, 1000, 5000]) : null,
    access_restrict_period: rng.pick(['', '', 'daily']),
    access_period: null,
    limit_type: 'multi_use',
    session_timeout: Math.min(60, validity),
    idle_timeout: 60,
    simultaneous_use: rng.pick([1, 2, 2, 3]),
    download_speed: rng.pick([2048, 4096, 10240]),
    upload_speed: rng.pick([1024, 2048]),
    voucher_format: rng.pick(['alphanumeric', 'alphanumeric', 'numeric', 'words']),
    length: rng.pick([6, 6, 8]),
    secure_password: rng.chance(0.8),
    splash_page_id: rng.int(900, 999),
    is_active: !rng.chance(0.1),
    completed: pendingReadyAtMs === null,
    csv_link: null,
    pdf_link: null,
    created_at: createdAt,
    updated_at: createdAt,
  };
  store.vouchers.push(v);
  if (pendingReadyAtMs !== null) {
    store.voucherReadyAt.set(v.unique_id, pendingReadyAtMs);
    return v;
  }
  Object.assign(v, downloadLinks(rng, v));
  const codes = generateCodes(store, v, createdAt + 30);
  const activatedShare = rng.next() * 0.8;
  for (const code of codes) {
    if (rng.next() < activatedShare) code.date_activated = rng.int(createdAt + 3600, BASE_EPOCH - 60);
  }
  store.codes.set(v.unique_id, codes);
  return v;
}

export function seedStore(o: SeedOptions): Store {
  const store = new Store(new Prng(o.seed));
  const rng = store.rng;
  const demo = user(103, DEMO.username, 'demo@ctapp.test', rng, 'pro');
  const other = user(211, DEMO.otherUsername, 'other@ctapp.test', rng, 'free');
  store.users.push(demo, other);
  store.passwords.set(demo.id, DEMO.password);
  store.passwords.set(other.id, DEMO.otherPassword);
  if (!o.demoData) return store;

  // interleave the two accounts' locations so ids are not contiguous per owner, as in a shared database
  let id = 1813;
  let createdAt = BASE_EPOCH - 3 * 365 * DAY;
  const demoLocs: LocationRecord[] = [];
  const otherLocs: LocationRecord[] = [];
  DEMO_VENUES.forEach((venue, i) => {
    demoLocs.push(location(store, demo, venue, id, createdAt));
    id += rng.int(1, 37);
    createdAt += rng.int(5 * DAY, 20 * DAY);
    const otherVenue = i % 11 === 5 ? OTHER_VENUES[(i - 5) / 11] : undefined;
    if (otherVenue) {
      otherLocs.push(location(store, other, otherVenue, id, createdAt));
      id += rng.int(1, 37);
    }
  });
  store.locations.push(...demoLocs, ...otherLocs);
  store.locations.sort((a, b) => Number(a.id) - Number(b.id));
  const archived = demoLocs[ARCHIVED_DEMO];
  if (archived) Object.assign(archived, { archived: true, state: 'archived' });

  // 250 demo boxes: one each for every non-empty location, the rest weighted towards big venues
  const counts = new Map<LocationRecord, number>();
  const candidates = demoLocs.filter((_, i) => !EMPTY_DEMO.has(i));
  for (const loc of candidates) counts.set(loc, 1);
  const weight = (l: LocationRecord): number =>
    ['Hotel', 'Conference', 'Holiday park', 'Leisure', 'Market'].includes(l.location_type ?? '') ? 4 : 1;
  const totalWeight = candidates.reduce((n, l) => n + weight(l), 0);
  for (let k = candidates.length; k < SEED_SHAPE.demoBoxes; k++) {
    // A weighted pick: the first candidate whose cumulative weight passes r.
    let r = rng.next() * totalWeight;
    let loc = candidates[0] as LocationRecord;
    for (const candidate of candidates) {
      r -= weight(candidate);
      if (r < 0) {
        loc = candidate;
        break;
      }
    }
    counts.set(loc, (counts.get(loc) ?? 0) + 1);
  }
  for (const loc of demoLocs) fillBoxes(store, loc, counts.get(loc) ?? 0, loc.archived);
  [5, 4, 3, 0].forEach((n, i) => {
    const loc = otherLocs[i];
    if (loc) fillBoxes(store, loc, n, false);
  });

  for (const loc of store.locations) {
    const online = store.boxesAt(loc).reduce((n, b) => n + b.clients_online, 0);
    loc.clients_total = online + rng.int(0, 400);
  }

  // voucher batches: most finished long ago with partly-used codes; two still generating at start-up
  const withVouchers = [0, 1, 2, 3, 4, 5, 9, 12, 19, 22, 26, 37];
  withVouchers.forEach((i, n) => {
    const loc = demoLocs[i];
    if (!loc) return;
    const batches = 1 + (n % 3);
    for (let b = 0; b < batches; b++) voucher(store, loc, (n === 2 && b === 0) || (n === 7 && b === 1) ? o.pendingVouchersReadyAtMs : null);
  });
  for (const loc of otherLocs.slice(0, 2)) voucher(store, loc, null);
  seedSplashPages(store, o.seed, demoLocs, otherLocs);
  return store;
}

const SPLASH_NAMES = ['Guest Wi-Fi', 'Voucher login', 'Events'];

/**
 * Splash pages for every location (one to three; several at a few, including some with voucher
 * batches), and each seeded batch pointed at one of its own location's pages. They come last and
 * from their own PRNG, so adding them left every other seeded value as it was.
 */
function seedSplashPages(store: Store, seed: number, demoLocs: LocationRecord[], otherLocs: LocationRecord[]): void {
  const rng = new Prng(seed ^ 0x5b1a54);
  const uniqueNumber = (): number => {
    for (;;) {
      const n = rng.int(100_000_000, 999_999_999);
      const taken = store.vouchers.some((v) => v.unique_id === n) || store.locations.some((l) => l.unique_id === n);
      if (!taken && !store.splashPages.some((p) => p.unique_id === n)) return n;
    }
  };
  const pagesFor = (loc: LocationRecord, count: number): void => {
    for (let k = 0; k < count; k++) {
      const name = SPLASH_NAMES[k] ?? `Splash page ${k + 1}`;
      store.splashPages.push(newSplashPage(store, loc, loc.created_at + (k + 1) * DAY, name, uniqueNumber()));
    }
  };
  for (const [i, loc] of demoLocs.entries()) pagesFor(loc, i % 5 === 0 ? 3 : i % 3 === 0 ? 2 : 1);
  for (const [i, loc] of otherLocs.entries()) pagesFor(loc, i === 0 ? 2 : 1);
  for (const v of store.vouchers) {
    const pages = store.splashPages.filter((p) => p.location_id === v.location_id);
    v.splash_page_id = pages.length === 0 ? null : rng.pick(pages).id;
  }
}
