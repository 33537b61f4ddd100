// Voucher mutations: createVoucher, updateVoucher, regenerateVoucherFiles, deleteVoucher through the
// caller's CT voucher writes. Batch settings are range-checked, and a splash page checked against the
// location's own, before CT is asked to write; a create is sent exactly once (a timeout or 5xx is thrown
// as "outcome unknown", never retried); loaders are kept current.
import { builder } from '../builder.js';
import { requireUser, type GraphQLContext } from '../context.js';
import type { VoucherModel, VoucherSettings } from '../domain/voucher.js';
import type { Loaders } from '../loaders.js';
import { byIdSpec, ctWrite } from './ct-refusals.js';
import { decodeIdInput, decodeSlugInput, decodeVoucherInput, parseSplashPageKey, voucherGlobalId } from './ids.js';
import { at, ID_PATH, InputCheck, inputPaths } from './input-checks.js';
import { deleteMutation, idInputType, type MutationObject, objectMutation } from './mutation-fields.js';
import { failed, type Payload, succeeded, type UserError, userError } from './payload.js';
import { VoucherAccessTypeEnum, VoucherFormatEnum, VoucherRef, VoucherRestrictPeriodEnum } from './refs.js';
import { EXTERNAL, loadSplashPages } from './splash-page.js';

type SettingField = keyof VoucherSettings;

/** Every batch setting CT may refuse, at its input of the same name, and the location the batch is made at. */
const VOUCHER_FIELDS = {
  ...inputPaths([
    'name',
    'description',
    'quantity',
    'accessType',
    'validityMinutes',
    'dataLimitMb',
    'accessRestrictPeriod',
    'accessPeriodMinutes',
    'limitType',
    'sessionTimeoutMinutes',
    'idleTimeoutMinutes',
    'simultaneousUse',
    'downloadKbps',
    'uploadKbps',
    'format',
    'codeLength',
    'securePassword',
    'splashPageId',
    'active',
  ] satisfies SettingField[]),
  location: at('locationId'),
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
const SPLASH_PAGE_PATH = at('splashPageId');

/** Settings that may be set to null on update (null clears them in CT). */
const CLEARABLE = new Set<SettingField>(['description', 'dataLimitMb']);

/** A splash page named by a create: its CT id, and whether its location is already known to be the batch's. */
interface SplashPageChoice {
  ctId: string;
  locationKnown: boolean;
}

/**
 * What `splashPageId` names: "external", a CT id (digits) that only the location's list can vouch for,
 * or a SplashPage global ID, which says its location itself. Problems go into `check`.
 */
function splashPageOf(check: InputCheck, value: string | null | undefined, locationSlug: string | null): SplashPageChoice | null {
  if (value === undefined || value === null || value === EXTERNAL) return null;
  if (/^\d+$/.test(value)) return { ctId: value, locationKnown: false };
  const decoded = decodeIdInput(value, 'SplashPage', SPLASH_PAGE_PATH);
  const parsed = 'error' in decoded ? null : parseSplashPageKey(decoded.key);
  if (!parsed) {
    check.add(SPLASH_PAGE_PATH, 'Splash page ID must be a SplashPage ID, a CT splash page id (digits) or "external"');
    return null;
  }
  if (locationSlug !== null && parsed.locationSlug !== locationSlug) {
    check.add(SPLASH_PAGE_PATH, "Splash page ID names a splash page of another location; a batch can only use its own location's pages");
  }
  return { ctId: parsed.id, locationKnown: true };
}

/**
 * Every problem of the settings, in input order; on create, `creating` gives the batch's location (null when its
 * ID was bad) and the answer is the splash page the input names, to be checked against that location.
 */
function checkSettings(
  check: InputCheck,
  input: VoucherSettings,
  creating: { locationSlug: string | null } | false,
): SplashPageChoice | null {
  check.text(at('name'), input.name, { required: true, max: NAME_MAX });
  check.text(at('description'), input.description, { max: DESCRIPTION_MAX });
  for (const [field, [min, max]] of Object.entries(RANGES) as Array<[SettingField, readonly [number, number]]>) {
    check.range(at(field), input[field] as number | null | undefined, min, max, { nullable: CLEARABLE.has(field) });
  }
  for (const field of ['active', 'securePassword', 'limitType'] as const) check.notNull(at(field), input[field]);
  if (input.limitType !== undefined && input.limitType !== null && input.limitType.trim() === '') {
    check.add(at('limitType'), "Limit type can't be blank");
  }
  const splashPage = creating ? splashPageOf(check, input.splashPageId, creating.locationSlug) : null;
  const timeLimited = (input.accessType ?? 'TIME') === 'TIME';
  const validity = input.validityMinutes;
  const session = input.sessionTimeoutMinutes;
  // Only when both are given: otherwise the other value is CT's (a stored batch or CT's default), and CT checks it.
  if (timeLimited && typeof validity === 'number' && typeof session === 'number' && session > validity) {
    check.add(at('sessionTimeoutMinutes'), `Session timeout minutes must not exceed validityMinutes (${validity})`);
  }
  if (creating) {
    if (input.accessType === 'DATA') check.required(at('dataLimitMb'), input.dataLimitMb, 'when accessType is DATA');
    if (input.accessRestrictPeriod === 'SINGLE_USE')
      check.required(at('accessPeriodMinutes'), input.accessPeriodMinutes, 'when accessRestrictPeriod is SINGLE_USE');
  }
  return splashPage;
}

/** On create, null means "CT's default": drop it rather than ask CT to store an empty value. */
function withoutNulls<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null)) as T;
}

/** After a write to one batch: forget it and every list page (batch lists, code lists), then prime what CT answered. */
async function freshVoucher(
  loaders: Loaders,
  locationSlug: string,
  uniqueId: string,
  answered: VoucherModel | null,
): Promise<VoucherModel | null> {
  loaders.clearVoucher(locationSlug, uniqueId);
  loaders.clearLists();
  if (answered) {
    loaders.primeVoucher(answered);
    return answered;
  }
  return loaders.voucher(locationSlug, uniqueId);
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
    splashPageId: t.string({
      description:
        'The splash page the codes log in through: one of this location\'s (a SplashPage ID, or its `legacyId`) or "external"; ' +
        'checked against the location before anything is created. Left out: CT picks the page when the location has only one.',
    }),
    active: t.boolean({ description: 'false creates the batch disabled (CT default true).' }),
  }),
});

const UpdateVoucherInput = builder.inputType('UpdateVoucherInput', {
  description:
    'Changes to a voucher batch: give its `id` and only the fields to change. Quantity, access type, format, code length and splash ' +
    'page are fixed at creation.',
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

/**
 * The problem with a CT splash page id the location does not list; null when it does (or when CT said
 * the list it sent is partial, and so CT decides). One CT call, shared with `splashPages` in the request.
 */
async function unlistedSplashPage(ctx: GraphQLContext, locationSlug: string, ctId: string): Promise<UserError | null> {
  const list = await loadSplashPages(ctx, locationSlug);
  if (!list) return userError('NOT_FOUND', at('locationId'), 'Location ID names nothing CT knows (it does not exist or is not yours)');
  if (!list.complete || list.pages.some((page) => page.id === ctId)) return null;
  const own = list.pages.map((page) => `${page.id} (${page.name})`).join(', ') || 'none';
  return userError('INVALID', SPLASH_PAGE_PATH, `Splash page ID ${ctId} is not a splash page of this location; its pages are: ${own}`);
}

async function createVoucher(ctx: GraphQLContext, raw: VoucherSettings & { locationId: string }): Promise<Payload<VoucherModel>> {
  const { ct, loaders } = requireUser(ctx);
  const { locationId, ...settings } = withoutNulls(raw);
  const check = new InputCheck();
  const location = decodeSlugInput(locationId, 'Location', at('locationId'));
  if ('error' in location) check.errors.push(location.error);
  const splashPage = checkSettings(check, settings, { locationSlug: 'error' in location ? null : location.slug });
  if (!check.ok || 'error' in location) return failed(check.errors);
  if (splashPage) {
    // A page of another location is refused here, before the write: CT's own check would come only with it.
    const problem = splashPage.locationKnown ? null : await unlistedSplashPage(ctx, location.slug, splashPage.ctId);
    if (problem) return failed([problem]);
    settings.splashPageId = splashPage.ctId;
  }

  // One write, whatever happens: the client never retries writes, and neither do we (codes would exist twice).
  const written = await ctWrite(byIdSpec(VOUCHER_FIELDS, at('locationId')), () => ct.vouchers.create(location.slug, settings));
  if (!written.ok) return failed(written.userErrors);
  loaders.clearLists();
  loaders.primeVoucher(written.value);
  return succeeded(written.value);
}

async function updateVoucher(ctx: GraphQLContext, input: VoucherSettings & { id: string }): Promise<Payload<VoucherModel>> {
  const { ct } = requireUser(ctx);
  const { id, ...settings } = input;
  const check = new InputCheck();
  checkSettings(check, settings, false);
  check.somethingToChange(settings);
  return writeVoucher(ctx, id, (locationSlug, uniqueId) => ct.vouchers.update(locationSlug, uniqueId, settings), check);
}

/** One write to the batch the `id` input names, answered with the batch as CT now has it. */
async function writeVoucher(
  ctx: GraphQLContext,
  id: string,
  write: (locationSlug: string, uniqueId: string) => Promise<VoucherModel | null>,
  check = new InputCheck(),
): Promise<Payload<VoucherModel>> {
  const { loaders } = requireUser(ctx);
  const target = decodeVoucherInput(id);
  if ('error' in target) check.errors.unshift(target.error);
  if (!check.ok || 'error' in target) return failed(check.errors);
  const written = await ctWrite(BY_ID_SPEC, () => write(target.locationSlug, target.uniqueId));
  if (!written.ok) return failed(written.userErrors);
  const voucher = await freshVoucher(loaders, target.locationSlug, target.uniqueId, written.value);
  return voucher ? succeeded(voucher) : failed([userError('NOT_FOUND', ID_PATH, 'The voucher batch no longer exists in CT')]);
}

async function deleteVoucher(ctx: GraphQLContext, id: string): Promise<Payload<string>> {
  const { ct, loaders } = requireUser(ctx);
  const target = decodeVoucherInput(id);
  if ('error' in target) return failed([target.error]);
  const written = await ctWrite({ ...BY_ID_SPEC, base: ID_PATH }, () => ct.vouchers.remove(target.locationSlug, target.uniqueId));
  if (!written.ok) return failed(written.userErrors);
  loaders.clearVoucher(target.locationSlug, target.uniqueId);
  loaders.clearLists();
  return succeeded(voucherGlobalId(target.locationSlug, target.uniqueId));
}

objectMutation('createVoucher', VOUCHER, {
  description:
    'Create a voucher batch (one POST, never retried). If CT times out or fails, the error says the outcome is unknown: check the ' +
    "location's vouchers before trying again.",
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
objectMutation('regenerateVoucherFiles', VOUCHER, {
  description:
    'Make new download files (CSV and PDF) for a batch; its `csvUrl` and `pdfUrl` in the answer are the new links, and the old ones ' +
    'may stop working. INVALID while CT is still generating the codes.',
  payloadDescription: 'Result of regenerateVoucherFiles: the batch with its new download links.',
  input: VoucherIdInput,
  inputDescription: 'The batch whose files to make again.',
  resolve: (ctx, input) =>
    writeVoucher(ctx, input.id, (locationSlug, uniqueId) => requireUser(ctx).ct.vouchers.regenerateFiles(locationSlug, uniqueId)),
});
deleteMutation('deleteVoucher', VOUCHER.noun, {
  description: 'Delete a voucher batch and all its codes.',
  input: VoucherIdInput,
  inputDescription: 'The batch to delete.',
  resolve: (ctx, input) => deleteVoucher(ctx, input.id),
});
