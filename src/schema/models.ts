// The wire -> schema mapping: CT's snake_case records (src/ct/types.ts) turned into the shapes the
// schema's object types resolve from, with names for people, units in names and codes as enum values.
// Pure functions, no builder: mutation modules reuse them for the objects CT returns from writes.
import type { CtBox, CtLocation, CtVoucher, CtVoucherCode } from '../ct/types.js';

/** Internal values of the BoxState enum: CT's own strings, with anything unrecognised as `unknown`. */
export const BOX_STATES = ['online', 'offline', 'processing', 'rebooting', 'upgrading', 'new', 'initializing', 'unknown'] as const;
export type BoxStateValue = (typeof BOX_STATES)[number];

export type LocationStateValue = 'active' | 'archived';
/** CT's `access_type` codes (ct-api.md §5.3). */
export type VoucherAccessTypeValue = 1 | 2;
/** CT's `access_restrict_period` strings; `''` is the all-time multi-use default. */
export const VOUCHER_RESTRICT_PERIODS = ['', 'daily', 'weekly', 'monthly', 'all'] as const;
export type VoucherRestrictPeriodValue = (typeof VOUCHER_RESTRICT_PERIODS)[number];
export const VOUCHER_FORMATS = ['alphanumeric', 'numeric', 'alpha', 'words'] as const;
export type VoucherFormatValue = (typeof VOUCHER_FORMATS)[number];

export interface LocationModel {
  slug: string;
  legacyId: string;
  uniqueId: string | null;
  name: string;
  address: string | null;
  street: string | null;
  town: string | null;
  postcode: string | null;
  country: string | null;
  phone: string | null;
  website: string | null;
  locationType: string | null;
  timezone: string | null;
  archived: boolean;
  state: LocationStateValue | null;
  favourite: boolean | null;
  latitude: number | null;
  longitude: number | null;
  clientsTotal: number | null;
  clientsOnline: number | null;
  boxesCount: number | null;
  createdAt: number | null;
  updatedAt: number | null;
}

export interface BoxModel {
  slug: string;
  legacyId: number;
  mac: string;
  description: string | null;
  state: BoxStateValue;
  online: boolean;
  lastHeartbeatAt: number | null;
  wanIp: string | null;
  publicIp: string | null;
  wanProtocol: string | null;
  machineType: string | null;
  firmwareVersion: string | null;
  nextFirmwareVersion: string | null;
  serialNumber: string | null;
  runsCtFirmware: boolean | null;
  monitored: boolean | null;
  ignored: boolean | null;
  acceptsJobs: boolean | null;
  upgradeInProgress: boolean | null;
  zoneName: string | null;
  tags: string[];
  uptimeSeconds: number | null;
  clientsOnline: number | null;
  latitude: number | null;
  longitude: number | null;
  createdAt: number | null;
  updatedAt: number | null;
  /** How to load the box's location: its slug when CT sent one, else its numeric id (CT accepts both). */
  locationKey: string | null;
}

export interface VoucherModel {
  /** CT addresses a voucher only under its location, so the slug travels with it (from the path it was read at). */
  locationSlug: string;
  uniqueId: number;
  name: string;
  description: string | null;
  quantity: number;
  accessType: VoucherAccessTypeValue;
  validityMinutes: number | null;
  dataLimitMb: number | null;
  accessRestrictPeriod: VoucherRestrictPeriodValue | null;
  accessPeriodMinutes: number | null;
  limitType: string | null;
  sessionTimeoutMinutes: number | null;
  idleTimeoutMinutes: number | null;
  simultaneousUse: number | null;
  downloadKbps: number | null;
  uploadKbps: number | null;
  format: VoucherFormatValue | null;
  codeLength: number | null;
  securePassword: boolean | null;
  splashPageId: string | null;
  active: boolean;
  completed: boolean;
  csvUrl: string | null;
  pdfUrl: string | null;
  createdAt: number | null;
  updatedAt: number | null;
}

export interface VoucherCodeModel {
  username: string;
  password: string | null;
  serial: number | null;
  active: boolean;
  activatedAt: number | null;
  createdAt: number | null;
}

const str = (v: string | number | null | undefined): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: number | string | null | undefined): number | null => {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
};
const bool = (v: boolean | null | undefined): boolean | null => (typeof v === 'boolean' ? v : null);
const text = (v: string | null | undefined): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export function toLocation(w: CtLocation): LocationModel {
  const state = w.state === 'active' || w.state === 'archived' ? w.state : null;
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
    archived: w.archived ?? state === 'archived',
    state,
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

export function boxState(value: string | null | undefined): BoxStateValue {
  const v = (value ?? '').toLowerCase();
  return (BOX_STATES as readonly string[]).includes(v) ? (v as BoxStateValue) : 'unknown';
}

export function toBox(w: CtBox): BoxModel {
  const state = boxState(w.state);
  return {
    slug: w.slug,
    legacyId: Number(w.id),
    mac: w.calledstationid ?? w.mac ?? '',
    description: text(w.description),
    state,
    online: w.is_online ?? state === 'online',
    lastHeartbeatAt: num(w.last_heartbeat),
    wanIp: text(w.wan_ip),
    publicIp: text(w.public_ip),
    wanProtocol: text(w.wan_proto),
    machineType: text(w.machine_type),
    firmwareVersion: text(w.firmware_version),
    nextFirmwareVersion: text(w.next_firmware),
    serialNumber: text(w.serial_number),
    runsCtFirmware: bool(w.is_cucumber),
    monitored: bool(w.is_monitored),
    ignored: bool(w.ignored),
    acceptsJobs: bool(w.allowed_job),
    upgradeInProgress: bool(w.upgrade_processing),
    zoneName: text(w.zone_name),
    tags: (w.tags ?? '')
      .split(',')
      .map((tag) => tag.trim())
      .filter((tag) => tag.length > 0),
    uptimeSeconds: num(w.uptime_seconds),
    clientsOnline: num(w.clients_online),
    latitude: num(w.latitude),
    longitude: num(w.longitude),
    createdAt: num(w.created_at),
    updatedAt: num(w.updated_at),
    locationKey: text(w.location_slug) ?? str(w.location_id),
  };
}

/** CT's default access type is 1 (time); an unknown code is an upstream surprise, not something to guess. */
export function voucherAccessType(value: CtVoucher['access_type']): VoucherAccessTypeValue {
  if (value === null || value === undefined || value === 1 || value === '1') return 1;
  if (value === 2 || value === '2') return 2;
  throw new Error(`CT sent an unknown voucher access_type: ${String(value).slice(0, 20)}`);
}

export function toVoucher(w: CtVoucher, locationSlug: string): VoucherModel {
  const period = w.access_restrict_period ?? null;
  const format = w.voucher_format ?? null;
  return {
    locationSlug,
    uniqueId: Number(w.unique_id),
    name: w.batch_name,
    description: text(w.batch_description),
    quantity: num(w.quantity) ?? 0,
    accessType: voucherAccessType(w.access_type),
    validityMinutes: num(w.validity_minutes),
    dataLimitMb: num(w.access_restrict_data),
    accessRestrictPeriod: (VOUCHER_RESTRICT_PERIODS as readonly (string | null)[]).includes(period)
      ? (period as VoucherRestrictPeriodValue)
      : null,
    accessPeriodMinutes: num(w.access_period),
    limitType: text(w.limit_type),
    sessionTimeoutMinutes: num(w.session_timeout),
    idleTimeoutMinutes: num(w.idle_timeout),
    simultaneousUse: num(w.simultaneous_use),
    downloadKbps: num(w.download_speed),
    uploadKbps: num(w.upload_speed),
    format: (VOUCHER_FORMATS as readonly (string | null)[]).includes(format) ? (format as VoucherFormatValue) : null,
    codeLength: num(w.length),
    securePassword: bool(w.secure_password),
    splashPageId: str(w.splash_page_id),
    active: w.is_active ?? true,
    completed: w.completed ?? false,
    csvUrl: text(w.csv_link),
    pdfUrl: text(w.pdf_link),
    createdAt: num(w.created_at),
    updatedAt: num(w.updated_at),
  };
}

export function toVoucherCode(w: CtVoucherCode): VoucherCodeModel {
  return {
    username: w.username,
    password: text(w.password),
    serial: num(w.serial),
    active: w.active ?? true,
    activatedAt: num(w.date_activated),
    createdAt: num(w.created_at),
  };
}
