// Box mutations: addBox, updateBox, deleteBox, rebootBox, resetBox, transferBox over POST /boxes and
// the PATCH-style actions on /boxes/{slug} (ct-api.md §4.3, §5.2, §10). MACs are normalised and inputs
// checked before CT is called; CT's refusals (422/403/404) become userErrors; loaders are kept current.
import { builder } from '../builder.js';
import { requireUser, type GraphQLContext } from '../context.js';
import type { CtBox, CtLocation } from '../ct/types.js';
import { boxPath } from '../ct/paths.js';
import type { Loaders } from '../loaders.js';
import { MAC_FORMAT_MESSAGE, normalizeMac } from './mac.js';
import { boxGlobalId } from './ids.js';
import { type BoxModel, toBox } from './models.js';
import { coordinateFields, deleteMutation, idInputType, type MutationObject, objectMutation } from './mutation-fields.js';
import { BoxRef } from './refs.js';
import {
  at,
  byIdSpec,
  ctWrite,
  decodeSlugInput,
  failed,
  ID_PATH,
  type InputPath,
  InputCheck,
  type Payload,
  succeeded,
  userError,
  unreadableCreate,
} from './user-errors.js';

/** CT attribute => our input path, for mapping CT's 422 bodies. */
const BOX_FIELDS: Record<string, InputPath> = {
  calledstationid: at('mac'),
  mac: at('mac'),
  description: at('description'),
  machine_type: at('machineType'),
  location_id: at('locationId'),
  ignored: at('ignored'),
  is_monitored: at('monitored'),
  latitude: at('latitude'),
  longitude: at('longitude'),
  tags: at('tags'),
  transfer_to: at('toLocationId'),
  action: ID_PATH,
};

function isBox(value: unknown): value is CtBox {
  return typeof value === 'object' && value !== null && typeof (value as CtBox).slug === 'string' && 'id' in value;
}

/** Both cache keys of the location a box (as CT returned it) belongs to; its counters change with the box. */
function forgetLocationOf(loaders: Loaders, box: CtBox): void {
  if (box.location_slug) loaders.clearLocation(box.location_slug);
  if (box.location_id !== null && box.location_id !== undefined) loaders.clearLocation(String(box.location_id));
}

/**
 * After a write to box `slug`: forget it, every list page and its location (counts, clients online), then
 * prime the box with what CT answered, or read it back once when the answer is not the box.
 */
async function freshBox(loaders: Loaders, slug: string, answered: unknown): Promise<BoxModel | null> {
  loaders.clearBox(slug);
  loaders.clearLists();
  if (isBox(answered)) {
    forgetLocationOf(loaders, answered);
    loaders.primeBox(answered);
    return toBox(answered);
  }
  const reread = await loaders.boxBySlug.load(slug);
  if (!reread) return null;
  forgetLocationOf(loaders, reread);
  return toBox(reread);
}

const gone = (): Payload<BoxModel> => failed([userError('NOT_FOUND', ID_PATH, 'The box no longer exists in CT')]);

// ---------------------------------------------------------------- schema types

const AddBoxInput = builder.inputType('AddBoxInput', {
  description: 'A device to add to a location.',
  fields: (t) => ({
    locationId: t.id({ required: true, description: 'Global ID of the location the box joins.' }),
    mac: t.string({
      required: true,
      description: 'MAC address as aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or aabbccddeeff; stored lower case with colons.',
    }),
    description: t.string({ description: 'Name for the box, e.g. "Lobby AP".' }),
    machineType: t.string({ description: 'Hardware model for third-party kit, e.g. "meraki-mr-18".' }),
  }),
});

const UpdateBoxInput = builder.inputType('UpdateBoxInput', {
  description: 'Changes to a box: give its `id` and only the fields to change.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the box.' }),
    description: t.string({ description: 'Name for the box; null clears it.' }),
    ignored: t.boolean({ description: "true mutes the box's alerts, false unmutes them." }),
    monitored: t.boolean({ description: 'true makes CT raise alerts for this box.' }),
    ...coordinateFields(t),
    tags: t.stringList({ description: 'The full new list of labels (replaces the old one; [] or null clears it). No commas.' }),
  }),
});

const TransferBoxInput = builder.inputType('TransferBoxInput', {
  description: 'A box and the location to move it to.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the box to move.' }),
    toLocationId: t.id({ required: true, description: 'Global ID of the location the box moves to.' }),
  }),
});

const BOX: MutationObject<BoxModel> = { type: BoxRef, field: 'box', noun: 'box' };
const BoxIdInput = idInputType('BoxIdInput', BOX.noun);

// ---------------------------------------------------------------- resolvers

interface AddBoxArgs {
  locationId: string;
  mac: string;
  description?: string | null;
  machineType?: string | null;
}

async function addBox(ctx: GraphQLContext, input: AddBoxArgs): Promise<Payload<BoxModel>> {
  const { ct, loaders } = requireUser(ctx);
  const check = new InputCheck();
  const location = decodeSlugInput(input.locationId, 'Location', at('locationId'));
  if ('error' in location) check.errors.push(location.error);
  const mac = normalizeMac(input.mac);
  if (!mac) check.add(at('mac'), MAC_FORMAT_MESSAGE);
  if (!check.ok || 'error' in location || !mac) return failed(check.errors);

  const box: Record<string, unknown> = { calledstationid: mac };
  if (input.description !== undefined) box.description = input.description;
  if (input.machineType !== undefined) box.machine_type = input.machineType;
  // The dashboard mirrors location_id into the query string (ct-api.md §4.3); so do we.
  const written = await ctWrite(byIdSpec(BOX_FIELDS, at('locationId')), () =>
    ct.send<CtBox>('POST', '/boxes', { location_id: location.slug, box }, { location_id: location.slug }),
  );
  if (!written.ok) return failed(written.userErrors);
  if (!isBox(written.value)) throw unreadableCreate('box');
  loaders.clearLists();
  loaders.clearLocation(location.slug);
  forgetLocationOf(loaders, written.value);
  loaders.primeBox(written.value);
  return succeeded(toBox(written.value));
}

interface UpdateBoxArgs {
  id: string;
  description?: string | null;
  ignored?: boolean | null;
  monitored?: boolean | null;
  latitude?: number | null;
  longitude?: number | null;
  tags?: string[] | null;
}

const BY_ID_SPEC = byIdSpec(BOX_FIELDS);

/** PATCH /boxes/{slug} `{box: body}`; `check` carries problems found before (reported with a bad id). */
async function patchBox(
  ctx: GraphQLContext,
  id: string,
  body: Record<string, unknown>,
  check = new InputCheck(),
): Promise<Payload<BoxModel>> {
  const { ct, loaders } = requireUser(ctx);
  const target = decodeSlugInput(id, 'Box', ID_PATH);
  if ('error' in target) check.errors.unshift(target.error);
  if (!check.ok || 'error' in target) return failed(check.errors);
  const written = await ctWrite(BY_ID_SPEC, () => ct.send<CtBox>('PATCH', boxPath(target.slug), { box: body }));
  if (!written.ok) return failed(written.userErrors);
  const fresh = await freshBox(loaders, target.slug, written.value);
  return fresh ? succeeded(fresh) : gone();
}

async function updateBox(ctx: GraphQLContext, input: UpdateBoxArgs): Promise<Payload<BoxModel>> {
  const check = new InputCheck();
  const body: Record<string, unknown> = {};
  if (input.description !== undefined) body.description = input.description;
  check.notNull(at('ignored'), input.ignored);
  if (typeof input.ignored === 'boolean') body.ignored = input.ignored;
  check.notNull(at('monitored'), input.monitored);
  if (typeof input.monitored === 'boolean') body.is_monitored = input.monitored;
  check.coordinates(input);
  if (input.latitude !== undefined) body.latitude = input.latitude;
  if (input.longitude !== undefined) body.longitude = input.longitude;
  if (input.tags !== undefined) {
    const tags = (input.tags ?? []).map((tag) => tag.trim());
    // CT keeps tags as one comma-separated string: a comma inside a tag would silently split it.
    tags.forEach((tag, i) => {
      if (tag === '' || tag.includes(',')) check.add([...at('tags'), String(i)], 'Tags must not be blank or contain commas');
    });
    body.tags = tags.join(',');
  }
  check.somethingToChange(body);
  return patchBox(ctx, input.id, body, check);
}

async function deleteBox(ctx: GraphQLContext, id: string): Promise<Payload<string>> {
  const { ct, loaders } = requireUser(ctx);
  const target = decodeSlugInput(id, 'Box', ID_PATH);
  if ('error' in target) return failed([target.error]);
  const written = await ctWrite({ ...BY_ID_SPEC, base: ID_PATH }, () => ct.send<null>('DELETE', boxPath(target.slug)));
  if (!written.ok) return failed(written.userErrors);
  // Its location's counts changed, and which location that is was never read: forget everything read so far.
  loaders.clearAll();
  return succeeded(boxGlobalId(target.slug));
}

/**
 * CT documents `unique_id` on the compact location list its pickers use (`?short=`, a bare array),
 * not necessarily on the location itself: asked there, by name, only when the location lacks it.
 */
async function uniqueIdFromPicker(loaders: Loaders, location: CtLocation): Promise<string | number | null> {
  const picks = await loaders.get<unknown>('/locations', { short: 'true', q: location.location_name });
  if (!Array.isArray(picks)) return null;
  const match = picks.find(
    (p): p is { slug: string; unique_id?: string | number } =>
      typeof p === 'object' && p !== null && (p as { slug?: unknown }).slug === location.slug,
  );
  return match?.unique_id ?? null;
}

async function transferBox(ctx: GraphQLContext, input: { id: string; toLocationId: string }): Promise<Payload<BoxModel>> {
  const { ct, loaders } = requireUser(ctx);
  const check = new InputCheck();
  const box = decodeSlugInput(input.id, 'Box', ID_PATH);
  if ('error' in box) check.errors.push(box.error);
  const to = decodeSlugInput(input.toLocationId, 'Location', at('toLocationId'));
  if ('error' in to) check.errors.push(to.error);
  if (!check.ok || 'error' in box || 'error' in to) return failed(check.errors);

  // CT moves boxes by the target's `unique_id` (ct-api.md §3): one GET unless this request already read it.
  const target = await loaders.locationBySlug.load(to.slug);
  if (!target)
    return failed([
      userError('NOT_FOUND', at('toLocationId'), 'To location ID names nothing CT knows (it does not exist or is not yours)'),
    ]);
  const transferTo = target.unique_id ?? (await uniqueIdFromPicker(loaders, target));
  if (transferTo === null || transferTo === undefined) throw new Error('CT sent no unique_id for the target location');

  const written = await ctWrite(BY_ID_SPEC, () => ct.send<CtBox>('PATCH', boxPath(box.slug), { box: { transfer_to: transferTo } }));
  if (!written.ok) return failed(written.userErrors);
  // Both locations' counts changed and the old one was never read: forget everything, then keep the box,
  // so its `location` is read fresh (the new location) in this same response.
  loaders.clearAll();
  if (isBox(written.value)) {
    loaders.primeBox(written.value);
    return succeeded(toBox(written.value));
  }
  const reread = await loaders.boxBySlug.load(box.slug);
  return reread ? succeeded(toBox(reread)) : gone();
}

objectMutation('addBox', BOX, {
  description: 'Add a device to a location by its MAC address (POST /boxes). A MAC already registered is a CONFLICT.',
  input: AddBoxInput,
  inputDescription: 'The location and the device.',
  resolve: addBox,
});
objectMutation('updateBox', BOX, {
  description: "Change a box's settings; only the fields given are changed (PATCH /boxes/{slug}).",
  input: UpdateBoxInput,
  inputDescription: 'The box and the fields to change.',
  resolve: updateBox,
});
deleteMutation('deleteBox', BOX.noun, {
  description: 'Remove a box from CT (DELETE /boxes/{slug}).',
  input: BoxIdInput,
  inputDescription: 'The box to delete.',
  resolve: (ctx, input) => deleteBox(ctx, input.id),
});
objectMutation('rebootBox', BOX, {
  description: 'Reboot a box; it answers in state REBOOTING. FORBIDDEN when the box cannot take jobs now. Never retried.',
  payloadDescription: 'Result of rebootBox: the box in state REBOOTING.',
  input: BoxIdInput,
  inputDescription: 'The box to reboot.',
  resolve: (ctx, input) => patchBox(ctx, input.id, { action: 'reboot' }),
});
objectMutation('resetBox', BOX, {
  description: 'Factory-reset a box; it answers in state NEW. FORBIDDEN when the box cannot take jobs now. Never retried.',
  payloadDescription: 'Result of resetBox: the box in state NEW.',
  input: BoxIdInput,
  inputDescription: 'The box to reset.',
  resolve: (ctx, input) => patchBox(ctx, input.id, { action: 'reset' }),
});
objectMutation('transferBox', BOX, {
  description: 'Move a box to another of your locations; its `location` in the answer is the new one.',
  payloadDescription: 'Result of transferBox: the box, whose `location` is the new one.',
  input: TransferBoxInput,
  inputDescription: 'The box and where it goes.',
  resolve: transferBox,
});
