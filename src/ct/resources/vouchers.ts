// CT's voucher batches and their codes (ct-api.md §4.4, §5.3, §5.4, §10): their routes, the wire <->
// domain mapping of a batch, a code and a create/update body, and the writes (including new download
// links). CT addresses a batch only under its location; a change to CT's voucher API is made here and nowhere else.
import type {
  VoucherAccessType,
  VoucherCodeFilter,
  VoucherCodeModel,
  VoucherFilter,
  VoucherFormat,
  VoucherModel,
  VoucherRestrictPeriod,
  VoucherSettings,
} from '../../domain/voucher.js';
import { ctPath } from '../paths.js';
import { pageOf, type Page, type PageRequest } from '../paging.js';
import type { CtVoucher, CtVoucherCode, CtVoucherCodeList, CtVoucherList } from '../types.js';
import { ctRead, filterQuery, type CtRead } from './read.js';
import { bool, fromWire, isRecord, num, str, text } from './wire.js';
import { unreadableCreate, writeInDomainTerms, type CtSender, type FieldNames } from './write.js';

/** CT's `access_type` code of each domain value (ct-api.md §5.3). */
const ACCESS_TYPE_CODES: Readonly<Record<VoucherAccessType, number>> = { TIME: 1, DATA: 2 };
/** CT's `access_restrict_period` string of each domain value; `''` is CT's all-time multi-use default. */
const RESTRICT_PERIOD_CODES: Readonly<Record<VoucherRestrictPeriod, string>> = {
  ALL_TIME: '',
  DAILY: 'daily',
  WEEKLY: 'weekly',
  MONTHLY: 'monthly',
  SINGLE_USE: 'all',
};
/** CT's `voucher_format` string of each domain value. */
const FORMAT_CODES: Readonly<Record<VoucherFormat, string>> = {
  ALPHANUMERIC: 'alphanumeric',
  NUMERIC: 'numeric',
  ALPHA: 'alpha',
  WORDS: 'words',
};

/** Domain setting => CT attribute. */
const ATTRIBUTES = {
  name: 'batch_name',
  description: 'batch_description',
  quantity: 'quantity',
  accessType: 'access_type',
  validityMinutes: 'validity_minutes',
  dataLimitMb: 'access_restrict_data',
  accessRestrictPeriod: 'access_restrict_period',
  accessPeriodMinutes: 'access_period',
  limitType: 'limit_type',
  sessionTimeoutMinutes: 'session_timeout',
  idleTimeoutMinutes: 'idle_timeout',
  simultaneousUse: 'simultaneous_use',
  downloadKbps: 'download_speed',
  uploadKbps: 'upload_speed',
  format: 'voucher_format',
  codeLength: 'length',
  securePassword: 'secure_password',
  splashPageId: 'splash_page_id',
  active: 'is_active',
} as const satisfies Record<keyof VoucherSettings, string>;
type SettingField = keyof typeof ATTRIBUTES;

/** CT attribute => domain field, for CT's validation messages. */
const FIELD_NAMES: FieldNames = {
  ...Object.fromEntries(Object.entries(ATTRIBUTES).map(([field, attribute]) => [attribute, field])),
  location_id: 'location',
};

const listPath = (locationSlug: string): string => ctPath`/locations/${locationSlug}/vouchers`;
const itemPath = (locationSlug: string, uniqueId: string | number): string => ctPath`/locations/${locationSlug}/vouchers/${uniqueId}`;

/** CT's default access type is 1 (time); an unknown code is an upstream surprise, not something to guess. */
export function voucherAccessType(value: CtVoucher['access_type']): VoucherAccessType {
  if (value === null || value === undefined || value === 1 || value === '1') return 'TIME';
  if (value === 2 || value === '2') return 'DATA';
  throw new Error(`CT sent an unknown voucher access_type: ${String(value).slice(0, 20)}`);
}

/** A batch as read at `locationSlug`'s path: CT's record does not reliably say its location. */
export function toVoucher(w: CtVoucher, locationSlug: string): VoucherModel {
  return {
    locationSlug,
    uniqueId: Number(w.unique_id),
    name: w.batch_name,
    description: text(w.batch_description),
    quantity: num(w.quantity) ?? 0,
    accessType: voucherAccessType(w.access_type),
    validityMinutes: num(w.validity_minutes),
    dataLimitMb: num(w.access_restrict_data),
    accessRestrictPeriod: fromWire(RESTRICT_PERIOD_CODES, w.access_restrict_period ?? null) ?? null,
    accessPeriodMinutes: num(w.access_period),
    limitType: text(w.limit_type),
    sessionTimeoutMinutes: num(w.session_timeout),
    idleTimeoutMinutes: num(w.idle_timeout),
    simultaneousUse: num(w.simultaneous_use),
    downloadKbps: num(w.download_speed),
    uploadKbps: num(w.upload_speed),
    format: fromWire(FORMAT_CODES, w.voucher_format ?? null) ?? null,
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

/** A code, with where it is as far as the read that returned it tells (`where`). */
export function toVoucherCode(w: CtVoucherCode, where: Pick<VoucherCodeModel, 'batch' | 'locationKey'>): VoucherCodeModel {
  return {
    ...where,
    username: w.username,
    password: text(w.password),
    serial: num(w.serial),
    active: w.active ?? true,
    activatedAt: num(w.date_activated),
    createdAt: num(w.created_at),
  };
}

/** The `voucher` body of a create or update, with only what was given; blank text is sent as null. */
function toWire(settings: VoucherSettings): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const [field, attribute] of Object.entries(ATTRIBUTES) as Array<[SettingField, string]>) {
    const value = settings[field];
    if (value === undefined) continue;
    if (field === 'accessType') wire[attribute] = value === null ? null : ACCESS_TYPE_CODES[value as VoucherAccessType];
    else if (field === 'accessRestrictPeriod')
      wire[attribute] = value === null ? null : RESTRICT_PERIOD_CODES[value as VoucherRestrictPeriod];
    else if (field === 'format') wire[attribute] = value === null ? null : FORMAT_CODES[value as VoucherFormat];
    else wire[attribute] = typeof value === 'string' ? value.trim() || null : value;
  }
  return wire;
}

function isVoucher(value: unknown): value is CtVoucher {
  return isRecord(value) && 'unique_id' in value && typeof value.batch_name === 'string';
}

/** CT's answer to a write as the batch, or null when CT answered with something else (or nothing). */
const answered =
  (locationSlug: string) =>
  (value: unknown): VoucherModel | null =>
    isVoucher(value) ? toVoucher(value, locationSlug) : null;

export const voucherReads = {
  one: (locationSlug: string, uniqueId: string | number): CtRead<VoucherModel> =>
    ctRead(itemPath(locationSlug, uniqueId), {}, (w: CtVoucher) => toVoucher(w, locationSlug)),
  page: (locationSlug: string, filter: VoucherFilter, page: PageRequest): CtRead<Page<VoucherModel>> =>
    ctRead(listPath(locationSlug), { ...filterQuery({ q: filter.search }), page: page.page, per: page.per }, (list: CtVoucherList) =>
      pageOf(list.vouchers, list._links, page, (w) => toVoucher(w, locationSlug)),
    ),
  /**
   * The location's batches named exactly `name` (CT's `batch_name` filter), at most 100: how a retried
   * create finds the batch an attempt whose answer was lost may have made.
   */
  named: (locationSlug: string, name: string): CtRead<VoucherModel[]> =>
    ctRead(listPath(locationSlug), { batch_name: name, per: 100 }, (list: CtVoucherList) =>
      list.vouchers.filter((w) => w.batch_name === name).map((w) => toVoucher(w, locationSlug)),
    ),
  codesPage: (
    locationSlug: string,
    uniqueId: string | number,
    filter: VoucherCodeFilter,
    page: PageRequest,
  ): CtRead<Page<VoucherCodeModel>> =>
    ctRead(
      ctPath`/locations/${locationSlug}/vouchers/${uniqueId}/codes`,
      { ...filterQuery({ activated: filter.activated }), page: page.page, per: page.per },
      (list: CtVoucherCodeList) =>
        pageOf(list.codes, list._links, page, (w) =>
          toVoucherCode(w, { batch: { locationSlug, uniqueId: Number(uniqueId) }, locationKey: locationSlug }),
        ),
    ),
  /** The batches at a location holding the code `username` (CT's `username` filter): one batch, or none. */
  holding: (locationSlug: string, username: string): CtRead<VoucherModel[]> =>
    ctRead(listPath(locationSlug), { username }, (list: CtVoucherList) => (list.vouchers ?? []).map((w) => toVoucher(w, locationSlug))),
};

export type VoucherWrites = ReturnType<typeof voucherWrites>;

/** The writes, each one CT call and never retried; validation refusals come back in domain terms. */
export function voucherWrites(ct: CtSender) {
  const write = <T>(run: () => Promise<T>): Promise<T> => writeInDomainTerms(FIELD_NAMES, run);
  return {
    /** One POST whatever happens: a retried create would make the codes twice. */
    async create(locationSlug: string, settings: VoucherSettings): Promise<VoucherModel> {
      const created = answered(locationSlug)(
        await write(() => ct.send<CtVoucher>('POST', listPath(locationSlug), { voucher: toWire(settings) })),
      );
      if (!created) throw unreadableCreate('voucher batch');
      return created;
    },
    /** The batch as CT now has it; null when CT answered without it. */
    update: (locationSlug: string, uniqueId: string | number, changes: VoucherSettings): Promise<VoucherModel | null> =>
      write(() => ct.send<CtVoucher>('PATCH', itemPath(locationSlug, uniqueId), { voucher: toWire(changes) })).then(answered(locationSlug)),
    /** New download links for the codes (CT's `regenerate_link`); the batch answers with them. */
    regenerateFiles: (locationSlug: string, uniqueId: string | number): Promise<VoucherModel | null> =>
      write(() => ct.send<CtVoucher>('PATCH', itemPath(locationSlug, uniqueId), { voucher: { regenerate_link: true } })).then(
        answered(locationSlug),
      ),
    remove: async (locationSlug: string, uniqueId: string | number): Promise<void> =>
      void (await write(() => ct.send<null>('DELETE', itemPath(locationSlug, uniqueId)))),
  };
}
