// Voucher mutations: createVoucher, updateVoucher, deleteVoucher over /locations/{slug}/vouchers
// (ct-api.md §4.4, §5.3, §10). Batch settings are range-checked before CT is called; a create is sent
// exactly once (a timeout or 5xx is thrown as "outcome unknown", never retried); loaders are kept current.
import { builder } from '../builder.js';
import { requireUser, type GraphQLContext } from '../context.js';
import type { CtVoucher } from '../ct/types.js';
import { type Loaders, parseVoucherKey } from '../loaders.js';
import { locationPath, voucherPath } from '../ct/paths.js';
import { voucherGlobalId } from './ids.js';
import {
  toVoucher,
  type VoucherAccessTypeValue,
  type VoucherFormatValue,
  type VoucherModel,
  type VoucherRestrictPeriodValue,
} from './models.js';
import { deleteMutation, idInputType, type MutationObject, objectMutation } from './mutation-fields.js';
import { VoucherAccessTypeEnum, VoucherFormatEnum, VoucherRef, VoucherRestrictPeriodEnum } from './refs.js';
import {
  at,
  byIdSpec,
  ctWrite,
  decodeIdInput,
  decodeSlugInput,
  failed,
  ID_PATH,
  type InputPath,
  InputCheck,
  inputPathsByCtAttribute,
  type Payload,
  SLUG_SHAPE,
  succeeded,
  userError,
  type UserError,
  unreadableCreate,
} from './user-errors.js';

/** Our input field => CT attribute (ct-api.md §5.3). */
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
} as const;
type SettingField = keyof typeof ATTRIBUTES;

/** CT attribute => our input path, for mapping CT's 422 bodies. */
const VOUCHER_FIELDS: Record<string, InputPath> = {
  ...inputPathsByCtAttribute(ATTRIBUTES),
  location_id: at('locationId'),
};

/** Ranges from the dashboard's forms and ct-api.md §10 (quantity): [min, max]. */
const RANGES: Partial<Record<SettingField, readonly [number, number]>> = {
  quantity: [1, 1000],
  validityMinutes: [5, 518412],
  dataLimitMb: [50, 1000000],
  accessPeriodMinutes: [1, 43201],
  sessionTimeoutMinutes: [1, 518412],
  idleTimeoutMinutes: [10, 43201],
  simultaneousUse: [1, 100],
  downloadKbps: [56, 102400],
  uploadKbps: [56, 102400],
  codeLength: [6, 50],
};

const NAME_MAX = 100;
const DESCRIPTION_MAX = 255;
const SPLASH_PAGE = /^(external|\d+)$/;

interface VoucherSettings {
  name?: string | null;
  description?: string | null;
  quantity?: number | null;
  accessType?: VoucherAccessTypeValue | null;
  validityMinutes?: number | null;
  dataLimitMb?: number | null;
  accessRestrictPeriod?: VoucherRestrictPeriodValue | null;
  accessPeriodMinutes?: number | null;
  limitType?: string | null;
  sessionTimeoutMinutes?: number | null;
  idleTimeoutMinutes?: number | null;
  simultaneousUse?: number | null;
  downloadKbps?: number | null;
  uploadKbps?: number | null;
  format?: VoucherFormatValue | null;
  codeLength?: number | null;
  securePassword?: boolean | null;
  splashPageId?: string | null;
  active?: boolean | null;
}

/** Settings that may be set to null on update (null clears them in CT). */
const CLEARABLE = new Set<SettingField>(['description', 'dataLimitMb']);

function checkSettings(check: InputCheck, input: VoucherSettings, creating: boolean): void {
  check.text(at('name'), input.name, { required: true, max: NAME_MAX });
  check.text(at('description'), input.description, { max: DESCRIPTION_MAX });
  for (const [field, [min, max]] of Object.entries(RANGES) as Array<[SettingField, readonly [number, number]]>) {
    check.range(at(field), input[field] as number | null | undefined, min, max, { nullable: CLEARABLE.has(field) });
  }
  for (const field of ['active', 'securePassword', 'limitType'] as const) check.notNull(at(field), input[field]);
  if (input.limitType !== undefined && input.limitType !== null && input.limitType.trim() === '') {
    check.add(at('limitType'), "Limit type can't be blank");
  }
  if (input.splashPageId !== undefined && input.splashPageId !== null && !SPLASH_PAGE.test(input.splashPageId)) {
    check.add(at('splashPageId'), 'Splash page ID must be a CT splash page id (digits) or "external"');
  }
  const timeLimited = (input.accessType ?? 1) === 1;
  const validity = input.validityMinutes;
  const session = input.sessionTimeoutMinutes;
  // Only when both are given: otherwise the other value is CT's (a stored batch or CT's default), and CT checks it.
  if (timeLimited && typeof validity === 'number' && typeof session === 'number' && session > validity) {
    check.add(at('sessionTimeoutMinutes'), `Session timeout minutes must not exceed validityMinutes (${validity})`);
  }
  if (creating) {
    if (input.accessType === 2) check.required(at('dataLimitMb'), input.dataLimitMb, 'when accessType is DATA');
    if (input.accessRestrictPeriod === 'all')
      check.required(at('accessPeriodMinutes'), input.accessPeriodMinutes, 'when accessRestrictPeriod is SINGLE_USE');
  }
}

/** `{voucher:{...}}` with only what the caller gave. */
function toWire(input: VoucherSettings): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const [field, attribute] of Object.entries(ATTRIBUTES) as Array<[SettingField, string]>) {
    const value = input[field];
    if (value === undefined) continue;
    wire[attribute] = typeof value === 'string' && field !== 'accessRestrictPeriod' ? value.trim() || null : value;
  }
  return wire;
}

/** On create, null means "CT's default": drop it rather than ask CT to store an empty value. */
function withoutNulls<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null)) as T;
}

function voucherTarget(id: string): { locationSlug: string; uniqueId: string } | { error: UserError } {
  const decoded = decodeIdInput(id, 'Voucher', ID_PATH);
  if ('error' in decoded) return decoded;
  const parsed = parseVoucherKey(decoded.key);
  if (!parsed || !SLUG_SHAPE.test(parsed.locationSlug) || !/^\d+$/.test(parsed.uniqueId)) {
    return { error: userError('INVALID', ID_PATH, 'The Voucher ID does not hold a location slug and batch id') };
  }
  return parsed;
}

function isVoucher(value: unknown): value is CtVoucher {
  return typeof value === 'object' && value !== null && 'unique_id' in value && typeof (value as CtVoucher).batch_name === 'string';
}

/** After a write to one batch: forget it and every list page (batch lists, code lists), then prime what CT answered. */
async function freshVoucher(loaders: Loaders, locationSlug: string, uniqueId: string, answered: unknown): Promise<VoucherModel | null> {
  loaders.clearVoucher(locationSlug, uniqueId);
  loaders.clearLists();
  if (isVoucher(answered)) {
    loaders.primeVoucher(locationSlug, answered);
    return toVoucher(answered, locationSlug);
  }
  const reread = await loaders.voucherByKey.load(`${locationSlug}/${uniqueId}`);
  return reread ? toVoucher(reread, locationSlug) : null;
}

// ---------------------------------------------------------------- schema types

const CreateVoucherInput = builder.inputType('CreateVoucherInput', {
  description: 'A new voucher batch. CT generates the codes in the background: the batch answers `completed: false` at first.',
  fields: (t) => ({
    locationId: t.id({ required: true, description: 'Global ID of the location the batch belongs to.' }),
    name: t.string({ required: true, description: 'Batch name (not blank, at most 100 characters).' }),
    description: t.string({ description: 'Batch description (at most 255 characters).' }),
    quantity: t.int({ description: 'How many codes to generate, 1 to 1000 (CT default 10).' }),
    accessType: t.field({ type: VoucherAccessTypeEnum, description: 'TIME (default) or DATA limited access.' }),
    validityMinutes: t.int({ description: 'How long a code stays valid once used, 5 to 518412 minutes (TIME batches; CT default 60).' }),
    dataLimitMb: t.int({ description: 'Data allowance per code, 50 to 1000000 MB; required for DATA batches.' }),
    accessRestrictPeriod: t.field({ type: VoucherRestrictPeriodEnum, description: 'How often a code may be used (default ALL_TIME).' }),
    accessPeriodMinutes: t.int({ description: 'Session length of single-use codes, 1 to 43201 minutes; required with SINGLE_USE.' }),
    limitType: t.string({ description: 'CT limit type, e.g. "multi_use" (CT checks the value).' }),
    sessionTimeoutMinutes: t.int({ description: 'Longest single session in minutes; not above validityMinutes (CT default 60).' }),
    idleTimeoutMinutes: t.int({ description: 'End a session after this many idle minutes, 10 to 43201 (CT default 60).' }),
    simultaneousUse: t.int({ description: 'Devices per code at the same time, 1 to 100 (CT default 2).' }),
    downloadKbps: t.int({ description: 'Download limit, 56 to 102400 kbps (CT default 2048).' }),
    uploadKbps: t.int({ description: 'Upload limit, 56 to 102400 kbps (CT default 1024).' }),
    format: t.field({ type: VoucherFormatEnum, description: 'Characters of the code usernames (default ALPHANUMERIC).' }),
    codeLength: t.int({ description: 'Length of each code username, 6 to 50 (CT default 6).' }),
    securePassword: t.boolean({ description: 'Give each code its own random password (CT default true).' }),
    splashPageId: t.string({ description: 'CT splash page id (digits) or "external"; CT picks one when the location has only one.' }),
    active: t.boolean({ description: 'false creates the batch disabled (CT default true).' }),
  }),
});

const UpdateVoucherInput = builder.inputType('UpdateVoucherInput', {
  description:
    'Changes to a voucher batch: give its `id` and only the fields to change. Quantity, access type, format, code length and splash page are fixed at creation.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the voucher batch.' }),
    name: t.string({ description: 'Batch name (not blank, at most 100 characters).' }),
    description: t.string({ description: 'Batch description (at most 255 characters); null clears it.' }),
    active: t.boolean({ description: 'false disables the batch and every code in it; true enables them again.' }),
    validityMinutes: t.int({ description: 'How long a code stays valid once used, 5 to 518412 minutes.' }),
    dataLimitMb: t.int({ description: 'Data allowance per code, 50 to 1000000 MB.' }),
    limitType: t.string({ description: 'CT limit type, e.g. "multi_use".' }),
    sessionTimeoutMinutes: t.int({ description: 'Longest single session in minutes; not above the validity.' }),
    idleTimeoutMinutes: t.int({ description: 'End a session after this many idle minutes, 10 to 43201.' }),
    simultaneousUse: t.int({ description: 'Devices per code at the same time, 1 to 100.' }),
    downloadKbps: t.int({ description: 'Download limit, 56 to 102400 kbps.' }),
    uploadKbps: t.int({ description: 'Upload limit, 56 to 102400 kbps.' }),
    securePassword: t.boolean({ description: 'Whether codes have their own random password.' }),
  }),
});

const VOUCHER: MutationObject<VoucherModel> = { type: VoucherRef, field: 'voucher', noun: 'voucher batch' };
const VoucherIdInput = idInputType('VoucherIdInput', VOUCHER.noun);

// ---------------------------------------------------------------- resolvers

const BY_ID_SPEC = byIdSpec(VOUCHER_FIELDS);

async function createVoucher(ctx: GraphQLContext, raw: VoucherSettings & { locationId: string }): Promise<Payload<VoucherModel>> {
  const { ct, loaders } = requireUser(ctx);
  const { locationId, ...settings } = withoutNulls(raw);
  const check = new InputCheck();
  const location = decodeSlugInput(locationId, 'Location', at('locationId'));
  if ('error' in location) check.errors.push(location.error);
  checkSettings(check, settings, true);
  if (!check.ok || 'error' in location) return failed(check.errors);

  // One POST, whatever happens: the client never retries writes, and neither do we (codes would exist twice).
  const written = await ctWrite(byIdSpec(VOUCHER_FIELDS, at('locationId')), () =>
    ct.send<CtVoucher>('POST', `${locationPath(location.slug)}/vouchers`, { voucher: toWire(settings) }),
  );
  if (!written.ok) return failed(written.userErrors);
  if (!isVoucher(written.value)) throw unreadableCreate('voucher batch');
  loaders.clearLists();
  loaders.primeVoucher(location.slug, written.value);
  return succeeded(toVoucher(written.value, location.slug));
}

async function updateVoucher(ctx: GraphQLContext, input: VoucherSettings & { id: string }): Promise<Payload<VoucherModel>> {
  const { ct, loaders } = requireUser(ctx);
  const { id, ...settings } = input;
  const check = new InputCheck();
  const target = voucherTarget(id);
  if ('error' in target) check.errors.push(target.error);
  checkSettings(check, settings, false);
  const body = toWire(settings);
  check.somethingToChange(body);
  if (!check.ok || 'error' in target) return failed(check.errors);

  const written = await ctWrite(BY_ID_SPEC, () =>
    ct.send<CtVoucher>('PATCH', voucherPath(target.locationSlug, target.uniqueId), { voucher: body }),
  );
  if (!written.ok) return failed(written.userErrors);
  const voucher = await freshVoucher(loaders, target.locationSlug, target.uniqueId, written.value);
  return voucher ? succeeded(voucher) : failed([userError('NOT_FOUND', ID_PATH, 'The voucher batch no longer exists in CT')]);
}

async function deleteVoucher(ctx: GraphQLContext, id: string): Promise<Payload<string>> {
  const { ct, loaders } = requireUser(ctx);
  const target = voucherTarget(id);
  if ('error' in target) return failed([target.error]);
  const written = await ctWrite({ ...BY_ID_SPEC, base: ID_PATH }, () =>
    ct.send<null>('DELETE', voucherPath(target.locationSlug, target.uniqueId)),
  );
  if (!written.ok) return failed(written.userErrors);
  loaders.clearVoucher(target.locationSlug, target.uniqueId);
  loaders.clearLists();
  return succeeded(voucherGlobalId(target.locationSlug, target.uniqueId));
}

objectMutation('createVoucher', VOUCHER, {
  description:
    "Create a voucher batch (one POST, never retried). If CT times out or fails, the error says the outcome is unknown: check the location's vouchers before trying again.",
  payloadDescription: 'Result of createVoucher: the batch, with `completed: false` until CT has generated the codes.',
  input: CreateVoucherInput,
  inputDescription: 'The location and the batch settings.',
  resolve: createVoucher,
});
objectMutation('updateVoucher', VOUCHER, {
  description: 'Change a voucher batch; only the fields given are changed.',
  input: UpdateVoucherInput,
  inputDescription: 'The batch and the fields to change.',
  resolve: updateVoucher,
});
deleteMutation('deleteVoucher', VOUCHER.noun, {
  description: 'Delete a voucher batch and all its codes.',
  input: VoucherIdInput,
  inputDescription: 'The batch to delete.',
  resolve: (ctx, input) => deleteVoucher(ctx, input.id),
});
