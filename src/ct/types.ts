// CT REST wire types exactly as CT sends them (ct-api.md §5, §6, §10): snake_case, epoch seconds.
// Fields the public record only half-knows are optional and nullable, so the facade stays honest
// about what it may receive; renaming for people happens in src/schema/, never here.

/** Epoch seconds, as CT sends every timestamp (ct-api.md §5). */
export type CtEpochSeconds = number;

/** The `_links` paging block of every list envelope (ct-api.md §6). No `previous_page` exists. */
export interface CtLinks {
  current_page: number;
  total_pages: number;
  next_page: number | null;
  total_entries: number;
  /** Most likely the page size; the facade never relies on it. */
  size?: number;
}

/** A location (ct-api.md §5.1). `id` is numeric text; the slug is the path key. */
export interface CtLocation {
  id: string | number;
  slug: string;
  unique_id?: string | number | null;
  location_name: string;
  location_address?: string | null;
  street?: string | null;
  town?: string | null;
  postcode?: string | null;
  country?: string | null;
  phone1?: string | null;
  location_website?: string | null;
  location_type?: string | null;
  development_mode?: string | null;
  daily_limit?: boolean | null;
  archived?: boolean | null;
  state?: string | null;
  created_at?: CtEpochSeconds | null;
  updated_at?: CtEpochSeconds | null;
  user_id?: number | null;
  lat?: number | null;
  lng?: number | null;
  clients_total?: number | null;
  clients_online?: number | null;
  boxes_count?: number | null;
  timezone?: string | null;
  is_favourite?: boolean | null;
  project_id?: string | number | null;
  brand_id?: string | number | null;
  add_to_global_map?: boolean | null;
  /** Secrets CT includes in the object; typed so nobody mistakes them for harmless fields. Never exposed. */
  meraki_secret?: string | null;
  pubsub_token?: string | null;
  api_token?: string | null;
}

/** An access point (ct-api.md §5.2). `id` is an integer; the slug is the path key. */
export interface CtBox {
  id: number;
  slug: string;
  calledstationid?: string | null;
  mac?: string | null;
  description?: string | null;
  state?: string | null;
  is_online?: boolean | null;
  last_heartbeat?: CtEpochSeconds | null;
  wan_ip?: string | null;
  public_ip?: string | null;
  wan_proto?: string | null;
  machine_type?: string | null;
  device_icon?: string | null;
  firmware_version?: string | null;
  next_firmware?: string | null;
  serial_number?: string | null;
  is_cucumber?: boolean | null;
  official?: boolean | null;
  is_monitored?: boolean | null;
  ignored?: boolean | null;
  allowed_job?: boolean | null;
  upgrade_processing?: boolean | null;
  reset_confirmation?: boolean | null;
  zone_id?: string | number | null;
  zone_name?: string | null;
  /** Integer in the simulator, but the location's own id is numeric text: compare as strings. */
  location_id?: string | number | null;
  location_slug?: string | null;
  /** Comma-separated, e.g. `"lobby,floor1"`. */
  tags?: string | null;
  v?: string | number | null;
  uptime?: string | null;
  uptime_seconds?: number | null;
  connection_status?: string | null;
  clients_online?: number | null;
  latitude?: number | null;
  longitude?: number | null;
  timezone?: string | null;
  created_at?: CtEpochSeconds | null;
  updated_at?: CtEpochSeconds | null;
  /** Secrets; never exposed. */
  radius_secret?: string | null;
  ssh_passwd?: string | null;
  pubsub_token?: string | null;
}

/** `1` = time-limited, `2` = data-limited (ct-api.md §5.3). */
export type CtVoucherAccessType = 1 | 2;

/** A voucher batch (ct-api.md §5.3). Addressed by `unique_id` under its location. */
export interface CtVoucher {
  unique_id: number | string;
  /** Not in the public record; some CT stand-ins add them. The facade keys vouchers by the path's slug. */
  location_id?: string | number | null;
  location_slug?: string | null;
  batch_name: string;
  batch_description?: string | null;
  quantity?: number | null;
  access_type?: CtVoucherAccessType | number | string | null;
  validity_minutes?: number | null;
  access_restrict_data?: number | null;
  /** `""` all-time multi-use, `daily`, `weekly`, `monthly`, `all` single-use. */
  access_restrict_period?: string | null;
  access_period?: number | null;
  limit_type?: string | null;
  session_timeout?: number | null;
  idle_timeout?: number | null;
  simultaneous_use?: number | null;
  download_speed?: number | null;
  upload_speed?: number | null;
  voucher_format?: string | null;
  length?: number | null;
  secure_password?: boolean | null;
  splash_page_id?: string | number | null;
  is_active?: boolean | null;
  completed?: boolean | null;
  csv_link?: string | null;
  pdf_link?: string | null;
  created_at?: CtEpochSeconds | null;
  updated_at?: CtEpochSeconds | null;
}

/** One code of a voucher batch (ct-api.md §5.4); `username` is its key. */
export interface CtVoucherCode {
  username: string;
  password?: string | null;
  serial?: number | string | null;
  active?: boolean | null;
  date_activated?: CtEpochSeconds | null;
  created_at?: CtEpochSeconds | null;
}

/**
 * A code as the cross-batch search `GET /codes` lists it (ct-api.md §4.4): the code, plus the location
 * it belongs to where CT says so (the dashboard's codes report links `location_id`). Nothing names its batch.
 */
export interface CtSearchedCode extends CtVoucherCode {
  location_id?: string | number | null;
  location_slug?: string | null;
}

/** One entry of `stats.boxes.states`: the dashboard reads `state` and `total`. */
export interface CtStateCount {
  state?: string | null;
  total?: number | string | null;
  /** Aggregation-style spellings another CT could use for the same pair. */
  key?: string | null;
  count?: number | string | null;
  doc_count?: number | string | null;
}

/** `GET /locations/{loc}/stats` (ct-api.md §4.2): only `stats.boxes.states` is on the record. */
export interface CtLocationStats {
  stats?: {
    boxes?: { total?: number | string | null; states?: CtStateCount[] | null } | null;
  } | null;
}

/** A location's splash page (ct-api.md §4.4); `id` is what a batch's `splash_page_id` names. */
export interface CtSplashPage {
  id: string | number;
  unique_id?: string | number | null;
  splash_name?: string | null;
  active?: boolean | null;
}

/** `GET /locations/{loc}/splash_pages`: documented without `_links`; read them when CT adds them. */
export interface CtSplashPageList {
  splash_pages?: CtSplashPage[] | null;
  _links?: CtLinks;
}

/** `GET /boxes/{box}/status` (ct-api.md §4.3): 1 = up, 0 = down. */
export interface CtBoxStatus {
  status?: number | string | boolean | null;
}

/** `GET /me.json` (ct-api.md §5.5). `key`, `api_token` and `user_hash` are secrets and never exposed. */
export interface CtMe {
  id?: number | string | null;
  slug?: string | null;
  username?: string | null;
  email?: string | null;
  locale?: string | null;
  plan?: string | null;
  plan_id?: number | string | null;
  paid_plan?: boolean | null;
  subscription_active?: boolean | null;
  reseller?: boolean | null;
  guest?: boolean | null;
  account_id?: number | string | null;
  created_at?: CtEpochSeconds | null;
  currency?: string | null;
  key?: string | null;
  api_token?: string | null;
  user_hash?: string | null;
}

/** A list envelope: the plural resource key plus `_links` (ct-api.md §6). */
export type CtList<K extends string, T> = { [P in K]: T[] } & { _links?: CtLinks };

export type CtLocationList = CtList<'locations', CtLocation>;
export type CtBoxList = CtList<'boxes', CtBox>;
export type CtVoucherList = CtList<'vouchers', CtVoucher>;
export type CtVoucherCodeList = CtList<'codes', CtVoucherCode>;
/** `GET /codes`: `_stats` echoes the time range CT applied. */
export type CtCodeSearchList = CtList<'codes', CtSearchedCode> & { _stats?: { start?: number | null; end?: number | null } };
