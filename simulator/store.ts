// In-memory CT records (wire-shaped, ct-api.md §5) plus the bookkeeping the wire does not show:
// passwords, pending reboots/resets and pending voucher generation, settled lazily from the clock.

import type { Prng } from './prng.js';

export interface UserRecord {
  id: number;
  slug: string;
  username: string;
  email: string;
  key: string;
  api_token: string;
  locale: string;
  plan: string;
  plan_id: number;
  paid_plan: boolean;
  subscription_active: boolean;
  custom: boolean;
  url: string | null;
  cname: string | null;
  reseller: boolean;
  super: boolean;
  guest: boolean;
  user_hash: string;
  account_id: number;
  created_at: number;
  currency: string;
  promo: string | null;
}

/** A location as stored; `boxes_count` and `clients_online` are computed when it is rendered. */
export interface LocationRecord {
  id: string;
  slug: string;
  unique_id: number;
  location_name: string;
  location_address: string | null;
  street: string | null;
  town: string | null;
  postcode: string | null;
  country: string | null;
  phone1: string | null;
  location_website: string | null;
  location_type: string | null;
  development_mode: string;
  daily_limit: boolean;
  archived: boolean;
  state: 'active' | 'archived';
  created_at: number;
  updated_at: number;
  user_id: number;
  lat: number | null;
  lng: number | null;
  clients_total: number;
  meraki_secret: string | null;
  timezone: string;
  is_favourite: boolean;
  project_id: number | null;
  brand_id: number | null;
  add_to_global_map: boolean;
  pubsub_token: string;
  eu: boolean;
  reports_active: boolean;
  alert_interval: number;
}

export type BoxState = 'online' | 'offline' | 'processing' | 'rebooting' | 'upgrading' | 'new' | 'initializing';

export interface BoxRecord {
  id: number;
  slug: string;
  calledstationid: string;
  mac: string;
  description: string | null;
  state: BoxState;
  is_online: boolean;
  last_heartbeat: number | null;
  wan_ip: string | null;
  public_ip: string | null;
  wan_proto: 'dhcp' | 'static';
  machine_type: string | null;
  device_icon: string;
  firmware_version: string | null;
  next_firmware: string | null;
  serial_number: string | null;
  is_cucumber: boolean;
  official: boolean;
  is_monitored: boolean;
  ignored: boolean;
  allowed_job: boolean;
  upgrade_processing: boolean;
  reset_confirmation: boolean;
  zone_id: number | null;
  zone_name: string | null;
  /** Integer foreign key (the location's own `id` is numeric text, as in the seed's `user_id` quirk). */
  location_id: number;
  location_slug: string;
  tags: string | null;
  v: string;
  dual_band: boolean;
  is_ac: boolean;
  ht_mode_2: string;
  ht_mode_5: string;
  channel: string;
  channel_5: string;
  tx_power_2: number;
  tx_power_5: number;
  uptime_seconds: number | null;
  connection_status: string;
  clients_online: number;
  latitude: number | null;
  longitude: number | null;
  timezone: string;
  created_at: number;
  updated_at: number;
}

export interface VoucherRecord {
  unique_id: number;
  location_id: number;
  batch_name: string;
  batch_description: string | null;
  quantity: number;
  access_type: 1 | 2;
  validity_minutes: number;
  access_restrict_data: number | null;
  access_restrict_period: string;
  access_period: number | null;
  limit_type: string;
  session_timeout: number;
  idle_timeout: number;
  simultaneous_use: number;
  download_speed: number;
  upload_speed: number;
  voucher_format: string;
  length: number;
  secure_password: boolean;
  splash_page_id: number | string | null;
  is_active: boolean;
  completed: boolean;
  csv_link: string | null;
  pdf_link: string | null;
  created_at: number;
  updated_at: number;
}

/** A location's splash page (ct-api.md §4.4): the login page a voucher batch's codes are typed into. */
export interface SplashPageRecord {
  id: number;
  unique_id: number;
  location_id: number;
  splash_name: string;
  active: boolean;
  created_at: number;
  updated_at: number;
}

export interface CodeRecord {
  username: string;
  password: string;
  serial: number;
  active: boolean;
  date_activated: number | null;
  created_at: number;
}

/** Everything `control.reset()` rebuilds; OAuth state lives elsewhere and survives a reset. */
export class Store {
  readonly users: UserRecord[] = [];
  readonly locations: LocationRecord[] = [];
  readonly boxes: BoxRecord[] = [];
  readonly vouchers: VoucherRecord[] = [];
  readonly splashPages: SplashPageRecord[] = [];
  /** Codes per voucher `unique_id`; absent while generation is pending. */
  readonly codes = new Map<number, CodeRecord[]>();
  readonly passwords = new Map<number, string>();
  /** Box id => epoch ms when its reboot finishes. */
  readonly rebootUntil = new Map<number, number>();
  /** Box id => state before a reset, so `action:"cancel"` can undo a reset that has not been picked up. */
  readonly resetFrom = new Map<number, BoxState>();
  /** Voucher unique_id => epoch ms when its codes are ready. */
  readonly voucherReadyAt = new Map<number, number>();
  readonly usedUsernames = new Set<string>();

  constructor(readonly rng: Prng) {}

  userByLogin(login: string): UserRecord | undefined {
    const l = login.trim().toLowerCase();
    return this.users.find((u) => u.username.toLowerCase() === l || u.email.toLowerCase() === l);
  }

  /** Slug or numeric id, owned by `user`; anything else is "not found" (ct-api.md §3). */
  findLocation(user: UserRecord, key: string): LocationRecord | undefined {
    return this.locations.find((l) => l.user_id === user.id && (l.slug === key || l.id === key));
  }

  locationById(id: number): LocationRecord | undefined {
    return this.locations.find((l) => Number(l.id) === id);
  }

  findBox(user: UserRecord, slug: string): BoxRecord | undefined {
    const box = this.boxes.find((b) => b.slug === slug);
    return box && this.locationById(box.location_id)?.user_id === user.id ? box : undefined;
  }

  boxesAt(location: LocationRecord): BoxRecord[] {
    const id = Number(location.id);
    return this.boxes.filter((b) => b.location_id === id);
  }

  findVoucher(location: LocationRecord, uniqueId: string): VoucherRecord | undefined {
    return this.vouchers.find((v) => String(v.unique_id) === uniqueId && v.location_id === Number(location.id));
  }

  splashPagesAt(location: LocationRecord): SplashPageRecord[] {
    const id = Number(location.id);
    return this.splashPages.filter((p) => p.location_id === id);
  }

  nextSplashPageId(): number {
    return Math.max(900, ...this.splashPages.map((p) => p.id)) + 1;
  }

  nextLocationId(): string {
    return String(Math.max(1800, ...this.locations.map((l) => Number(l.id))) + 1);
  }

  nextBoxId(): number {
    return Math.max(4500, ...this.boxes.map((b) => b.id)) + 1;
  }

  /** Random 9-digit id not used by any voucher, location or splash page. */
  uniqueNumber(): number {
    for (;;) {
      const n = this.rng.int(100_000_000, 999_999_999);
      const taken =
        this.vouchers.some((v) => v.unique_id === n) ||
        this.locations.some((l) => l.unique_id === n) ||
        this.splashPages.some((p) => p.unique_id === n);
      if (!taken) return n;
    }
  }

  /** Applies time-driven transitions whose moment has passed (no timers: nothing keeps the process alive). */
  settle(nowMs: number, finishVoucher: (v: VoucherRecord, readyAtMs: number) => void): void {
    for (const [boxId, until] of this.rebootUntil) {
      if (until > nowMs) continue;
      this.rebootUntil.delete(boxId);
      const box = this.boxes.find((b) => b.id === boxId);
      if (box?.state !== 'rebooting') continue;
      const at = Math.floor(until / 1000);
      Object.assign(box, { state: 'online', is_online: true, last_heartbeat: at, uptime_seconds: 0, updated_at: at });
    }
    for (const [uid, readyAt] of this.voucherReadyAt) {
      if (readyAt > nowMs) continue;
      this.voucherReadyAt.delete(uid);
      const voucher = this.vouchers.find((v) => v.unique_id === uid);
      if (voucher) finishVoucher(voucher, readyAt);
    }
  }
}
