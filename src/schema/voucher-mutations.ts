// Voucher mutations: createVoucher, updateVoucher, regenerateVoucherFiles, deleteVoucher through the
// caller's CT voucher writes. Batch settings are range-checked, and a splash page checked against the
// location's own, before CT is asked to write; a create is sent exactly once (a timeout or 5xx is thrown
// as "outcome unknown", never retried); loaders are kept current.
import { builder } from '../builder.js';
import { requireUser, type GraphQLContext } from '../context.js';
import type { VoucherModel, VoucherSettings } from '../domain/voucher.js';
import type { Loaders } from '../loaders.js';
import {
  type BulkPayload,
  bulkMutation,
  checkItemCount,
  type ItemResult,
  itemPath,
  itemResultType,
  refused,
  repeatedItems,
  runItems,
  underItem,
} from './bulk.js';
import { byIdSpec, type CtErrorSpec, ctWrite } from './ct-refusals.js';
import { decodeIdInput, decodeSlugInput, decodeVoucherInput, parseSplashPageKey, voucherGlobalId } from './ids.js';
import { at, ID_PATH, InputCheck, inputPaths } from './input-checks.js';
import { lookFirstSince, madeSince } from './look-first.js';
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

type CreateVoucherArgs = VoucherSettings & { locationId: string };

/** A create whose input passed every check that needs no CT call. */
interface CheckedCreate {
  locationSlug: string;
  settings: VoucherSettings;
  splashPage: SplashPageChoice | null;
}

/** A create's location, settings and splash page, or every problem with them at paths of a createVoucher input; no CT call. */
function checkCreate(raw: CreateVoucherArgs): CheckedCreate | { errors: UserError[] } {
  const { locationId, ...settings } = withoutNulls(raw);
  const check = new InputCheck();
  const location = decodeSlugInput(locationId, 'Location', at('locationId'));
  if ('error' in location) check.errors.push(location.error);
  const splashPage = checkSettings(check, settings, { locationSlug: 'error' in location ? null : location.slug });
  if (!check.ok || 'error' in location) return { errors: check.errors };
  return { locationSlug: location.slug, settings, splashPage };
}

/** The settings to send, with the splash page checked against the location's own (a read shared by the request); or the problem. */
async function withSplashPage(ctx: GraphQLContext, c: CheckedCreate): Promise<{ settings: VoucherSettings } | { error: UserError }> {
  if (!c.splashPage) return { settings: c.settings };
  // A page of another location is refused here, before the write: CT's own check would come only with it.
  const problem = c.splashPage.locationKnown ? null : await unlistedSplashPage(ctx, c.locationSlug, c.splashPage.ctId);
  if (problem) return { error: problem };
  return { settings: { ...c.settings, splashPageId: c.splashPage.ctId } };
}

const CREATE_SPEC: CtErrorSpec = byIdSpec(VOUCHER_FIELDS, at('locationId'));

/**
 * One POST, never repeated by us: a repeated create makes the codes twice. Under an Idempotency-Key
 * whose earlier attempt's outcome is unknown, the batch that attempt made (same name in the
 * location, made since it began, same quantity) is looked for first and, when found, is the result.
 */
async function createBatch(ctx: GraphQLContext, locationSlug: string, settings: VoucherSettings): Promise<Payload<VoucherModel>> {
  const { ct, loaders } = requireUser(ctx);
  const since = lookFirstSince(ctx);
  const name = settings.name?.trim() ?? '';
  const madeBefore = async (): Promise<VoucherModel | null> =>
    since === null
      ? null
      : madeSince(
          await loaders.vouchersNamed(locationSlug, name),
          since,
          (v) => settings.quantity === undefined || v.quantity === settings.quantity,
        );
  const written = await ctWrite(
    CREATE_SPEC,
    async () => (await madeBefore()) ?? (await loaders.throttle(() => ct.vouchers.create(locationSlug, settings))),
  );
  if (!written.ok) return failed(written.userErrors);
  loaders.clearLists();
  loaders.primeVoucher(written.value);
  return succeeded(written.value);
}

async function createVoucher(ctx: GraphQLContext, raw: CreateVoucherArgs): Promise<Payload<VoucherModel>> {
  requireUser(ctx);
  const checked = checkCreate(raw);
  if ('errors' in checked) return failed(checked.errors);
  const ready = await withSplashPage(ctx, checked);
  if ('error' in ready) return failed([ready.error]);
  return createBatch(ctx, checked.locationSlug, ready.settings);
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
    'Create a voucher batch (one POST, never retried). If CT times out or fails, the error says the outcome is unknown: retry with ' +
    "the same Idempotency-Key (the facade then looks for the batch by name first), or check the location's vouchers.",
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

// ---------------------------------------------------------------- bulk: createVouchers, deleteVouchers

const CreateVoucherResult = itemResultType<VoucherModel>('CreateVoucherResult', {
  description: 'What createVouchers made for one item.',
  withId: false,
  field: 'voucher',
  type: VoucherRef,
  fieldDescription: 'The batch as CT made it (`completed: false` until its codes exist); null when userErrors is not empty.',
});
const DeleteVoucherResult = itemResultType<string>('DeleteVoucherResult', {
  description: 'What deleteVouchers did to one batch.',
  withId: true,
  field: 'deletedId',
  type: 'ID',
  fieldDescription: 'Global ID of the deleted batch; null when userErrors is not empty.',
});

const CreateVouchersInput = builder.inputType('CreateVouchersInput', {
  description: 'The voucher batches to create.',
  fields: (t) => ({
    items: t.field({
      type: [CreateVoucherInput],
      required: true,
      description: 'One createVoucher input per batch, at most 100; names must differ within a location.',
    }),
  }),
});
const DeleteVouchersInput = builder.inputType('DeleteVouchersInput', {
  description: 'The voucher batches to delete.',
  fields: (t) => ({ ids: t.idList({ required: true, description: 'Global IDs of the batches, at most 100, each once.' }) }),
});

async function createVouchers(ctx: GraphQLContext, input: { items: CreateVoucherArgs[] }): Promise<BulkPayload<VoucherModel>> {
  requireUser(ctx);
  checkItemCount('items', input.items.length);
  const checked = input.items.map(checkCreate);
  const errors = checked.flatMap((c, index) => ('errors' in c ? underItem(c.errors, 'items', index) : []));
  // A batch is found again by its name (look before create), so one request may not make two of a name in one location.
  const key = (c: (typeof checked)[number]) => ('errors' in c ? null : JSON.stringify([c.locationSlug, c.settings.name?.trim()]));
  errors.push(
    ...repeatedItems(checked, 'items', key, 'A batch of this name in this location').map((e) => ({
      ...e,
      field: [...(e.field ?? []), 'name'],
    })),
  );
  if (errors.length > 0) return refused(errors);

  // Splash pages given as CT ids are checked against their locations (a read per location) before the first write.
  const valid = checked as CheckedCreate[];
  const ready = await Promise.all(valid.map((c) => withSplashPage(ctx, c)));
  const unlisted = ready.flatMap((r, index) => ('error' in r ? underItem([r.error], 'items', index) : []));
  if (unlisted.length > 0) return refused(unlisted);
  const settings = ready.map((r) => ('settings' in r ? r.settings : {}));
  return {
    userErrors: [],
    results: await runItems(
      ctx,
      valid,
      async (item, index): Promise<ItemResult<VoucherModel>> => {
        const created = await createBatch(ctx, item.locationSlug, settings[index] ?? item.settings);
        return { id: null, result: created.result, userErrors: underItem(created.userErrors, 'items', index) };
      },
      () => null,
    ),
  };
}

async function deleteVouchers(ctx: GraphQLContext, input: { ids: string[] }): Promise<BulkPayload<string>> {
  const { ct, loaders } = requireUser(ctx);
  checkItemCount('ids', input.ids.length);
  const targets = input.ids.map((id, index) => decodeVoucherInput(id, itemPath('ids', index)));
  const errors = targets.flatMap((t) => ('error' in t ? [t.error] : []));
  errors.push(...repeatedItems(targets, 'ids', (t) => ('error' in t ? null : `${t.locationSlug}/${t.uniqueId}`), 'This voucher batch'));
  if (errors.length > 0) return refused(errors);

  const valid = targets as Array<{ locationSlug: string; uniqueId: string }>;
  return {
    userErrors: [],
    results: await runItems(
      ctx,
      valid,
      async (target, index): Promise<ItemResult<string>> => {
        const id = input.ids[index] ?? null;
        const path = itemPath('ids', index);
        const spec: CtErrorSpec = { fields: {}, notFound: path, forbidden: path, base: path };
        const written = await ctWrite(spec, () => loaders.throttle(() => ct.vouchers.remove(target.locationSlug, target.uniqueId)));
        if (!written.ok) return { id, result: null, userErrors: written.userErrors };
        loaders.clearVoucher(target.locationSlug, target.uniqueId);
        loaders.clearLists();
        return { id, result: voucherGlobalId(target.locationSlug, target.uniqueId), userErrors: [] };
      },
      (_target, index) => input.ids[index] ?? null,
    ),
  };
}

bulkMutation('createVouchers', {
  description:
    "Create up to 100 voucher batches, one POST each, together within the request's CT concurrency. Every item is checked before " +
    "the first POST (a splash page given as a CT id against its location's list, the rest without CT): if any item is invalid, " +
    'nothing at all is created and userErrors names each problem at its path (e.g. ' +
    '["input", "items", "3", "quantity"]). CT refusals of one batch stay in its own result. A batch whose POST failed unexpectedly has ' +
    'a null `voucher` and an entry in `errors` at its path; retried with the same Idempotency-Key, each batch is looked for by name ' +
    'first, so none is made twice.',
  payloadDescription: 'Result of createVouchers: one result per item, in input order (empty when the input was refused).',
  result: CreateVoucherResult,
  input: CreateVouchersInput,
  inputDescription: 'The batches to create.',
  resolve: createVouchers,
});
bulkMutation('deleteVouchers', {
  description:
    "Delete up to 100 voucher batches and their codes, one DELETE each, together within the request's CT concurrency. A malformed " +
    'or repeated ID is reported at its path before any CT call, and then nothing is deleted; a batch CT does not find is NOT_FOUND in ' +
    'its own result.',
  payloadDescription: 'Result of deleteVouchers: one result per batch, in input order.',
  result: DeleteVoucherResult,
  input: DeleteVouchersInput,
  inputDescription: 'The batches to delete.',
  resolve: deleteVouchers,
});
