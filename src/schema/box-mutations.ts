// Box mutations: addBox, updateBox, deleteBox, rebootBox, resetBox, cancelBoxReset, transferBox through
// the caller's CT box writes. MACs are normalised and inputs checked before CT is called; CT's refusals (422/403/404)
// become userErrors; loaders are kept current.
import { builder } from '../builder.js';
import { requireUser, type GraphQLContext } from '../context.js';
import type { BoxChanges, BoxModel } from '../domain/box.js';
import type { LocationModel } from '../domain/location.js';
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
} from './bulk.js';
import { byIdSpec, type CtErrorSpec, ctWrite } from './ct-refusals.js';
import { boxGlobalId, decodeSlugInput } from './ids.js';
import { at, ID_PATH, InputCheck, inputPaths } from './input-checks.js';
import { MAC_FORMAT_MESSAGE, normalizeMac } from './mac.js';
import { lookFirstSince } from './look-first.js';
import { coordinateFields, deleteMutation, idInputType, type InputFields, type MutationObject, objectMutation } from './mutation-fields.js';
import { failed, type Payload, succeeded, type UserError, userError } from './payload.js';
import { BoxRef } from './refs.js';

/** Every box field CT may refuse, at the input it came from; a refused action is about the box itself. */
const BOX_FIELDS = {
  ...inputPaths(['mac', 'description', 'machineType', 'monitored', 'latitude', 'longitude', 'tags']),
  ignored: at('alertsMuted'),
  location: at('locationId'),
  toLocation: at('toLocationId'),
  action: ID_PATH,
};

/** Every key the location of a box (as CT returned it) is cached by; its counters change with the box. */
function forgetLocationOf(loaders: Loaders, box: BoxModel): void {
  for (const key of box.locationKeys) loaders.clearLocation(key);
}

/**
 * After a write to box `slug`: forget it, every list page and its location (counts, clients online), then
 * prime the box with what CT answered, or read it back once when CT answered without it.
 */
async function freshBox(loaders: Loaders, slug: string, answered: BoxModel | null): Promise<BoxModel | null> {
  loaders.clearBox(slug);
  loaders.clearLists();
  if (answered) {
    forgetLocationOf(loaders, answered);
    loaders.primeBox(answered);
    return answered;
  }
  const reread = await loaders.box(slug);
  if (!reread) return null;
  forgetLocationOf(loaders, reread);
  return reread;
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
    ignored: t.boolean({ description: "true mutes the box's alerts, false unmutes them.", deprecationReason: 'Use `alertsMuted`.' }),
    alertsMuted: t.boolean({ description: "true mutes the box's alerts (CT's `ignored`), false unmutes them." }),
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

  // A retry after an attempt whose outcome is unknown: a box with this MAC at this location is the one it added.
  const since = lookFirstSince(ctx);
  const madeBefore = async (): Promise<BoxModel | null> => {
    const found = since === null ? null : await loaders.boxWithMac(mac);
    return found?.locationKeys.includes(location.slug) ? found : null;
  };
  const written = await ctWrite(
    byIdSpec(BOX_FIELDS, at('locationId')),
    async () =>
      (await madeBefore()) ??
      ct.boxes.add({ locationSlug: location.slug, mac, description: input.description, machineType: input.machineType }),
  );
  if (!written.ok) return failed(written.userErrors);
  loaders.clearLists();
  loaders.clearLocation(location.slug);
  forgetLocationOf(loaders, written.value);
  loaders.primeBox(written.value);
  return succeeded(written.value);
}

type UpdateBoxArgs = BoxChanges & { id: string; alertsMuted?: boolean | null };

const BY_ID_SPEC = byIdSpec(BOX_FIELDS);

/** One write to the box the `id` input names; `check` carries problems found before (reported with a bad id). */
async function writeBox(
  ctx: GraphQLContext,
  id: string,
  write: (slug: string) => Promise<BoxModel | null>,
  check = new InputCheck(),
): Promise<Payload<BoxModel>> {
  const { loaders } = requireUser(ctx);
  const target = decodeSlugInput(id, 'Box', ID_PATH);
  if ('error' in target) check.errors.unshift(target.error);
  if (!check.ok || 'error' in target) return failed(check.errors);
  const written = await ctWrite(BY_ID_SPEC, () => write(target.slug));
  if (!written.ok) return failed(written.userErrors);
  const fresh = await freshBox(loaders, target.slug, written.value);
  return fresh ? succeeded(fresh) : gone();
}

async function updateBox(ctx: GraphQLContext, input: UpdateBoxArgs): Promise<Payload<BoxModel>> {
  const { ct } = requireUser(ctx);
  const { id, alertsMuted, ...changes } = input;
  const check = new InputCheck();
  check.notNull(at('ignored'), changes.ignored);
  check.notNull(at('alertsMuted'), alertsMuted);
  // `ignored` is the old name of `alertsMuted`: both may be given only when they agree.
  if (typeof alertsMuted === 'boolean' && typeof changes.ignored === 'boolean' && alertsMuted !== changes.ignored) {
    check.add(at('alertsMuted'), 'Alerts muted and ignored are the same setting: give one of them');
  }
  if (alertsMuted !== undefined && changes.ignored === undefined) changes.ignored = alertsMuted;
  check.notNull(at('monitored'), changes.monitored);
  check.coordinates(changes);
  // CT keeps tags as one comma-separated string: a comma inside a tag would silently split it.
  (changes.tags ?? []).forEach((tag, i) => {
    const trimmed = tag.trim();
    if (trimmed === '' || trimmed.includes(',')) check.add([...at('tags'), String(i)], 'Tags must not be blank or contain commas');
  });
  check.somethingToChange(changes);
  return writeBox(ctx, id, (slug) => ct.boxes.update(slug, changes), check);
}

async function deleteBox(ctx: GraphQLContext, id: string): Promise<Payload<string>> {
  const { ct, loaders } = requireUser(ctx);
  const target = decodeSlugInput(id, 'Box', ID_PATH);
  if ('error' in target) return failed([target.error]);
  const written = await ctWrite({ ...BY_ID_SPEC, base: ID_PATH }, () => ct.boxes.remove(target.slug));
  if (!written.ok) return failed(written.userErrors);
  // Its location's counts changed, and which location that is was never read: forget everything read so far.
  loaders.clearAll();
  return succeeded(boxGlobalId(target.slug));
}

/** Where CT surely tells a location's `uniqueId` when the location itself does not: its picker list, searched by name. */
async function uniqueIdFromPicker(loaders: Loaders, location: LocationModel): Promise<string | number | null> {
  const picks = await loaders.locationPicks(location.name);
  return picks.find((pick) => pick.slug === location.slug)?.uniqueId ?? null;
}

async function transferBox(ctx: GraphQLContext, input: { id: string; toLocationId: string }): Promise<Payload<BoxModel>> {
  const { ct, loaders } = requireUser(ctx);
  const check = new InputCheck();
  const box = decodeSlugInput(input.id, 'Box', ID_PATH);
  if ('error' in box) check.errors.push(box.error);
  const to = decodeSlugInput(input.toLocationId, 'Location', at('toLocationId'));
  if ('error' in to) check.errors.push(to.error);
  if (!check.ok || 'error' in box || 'error' in to) return failed(check.errors);

  // CT moves a box by the target's `uniqueId`: one read unless this request already read the target.
  const target = await loaders.location(to.slug);
  if (!target)
    return failed([
      userError('NOT_FOUND', at('toLocationId'), 'To location ID names nothing CT knows (it does not exist or is not yours)'),
    ]);
  const transferTo = target.uniqueId ?? (await uniqueIdFromPicker(loaders, target));
  if (transferTo === null) throw new Error('CT told no unique id for the target location');

  const written = await ctWrite(BY_ID_SPEC, () => ct.boxes.transfer(box.slug, transferTo));
  if (!written.ok) return failed(written.userErrors);
  // Both locations' counts changed and the old one was never read: forget everything, then keep the box,
  // so its `location` is read fresh (the new location) in this same response.
  loaders.clearAll();
  if (written.value) {
    loaders.primeBox(written.value);
    return succeeded(written.value);
  }
  const reread = await loaders.box(box.slug);
  return reread ? succeeded(reread) : gone();
}

objectMutation('addBox', BOX, {
  description:
    'Add a device to a location by its MAC address (POST /boxes). A MAC already registered is a CONFLICT. Retried with the same ' +
    'Idempotency-Key after an unknown outcome, it first looks for the MAC at that location.',
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
  resolve: (ctx, input) => writeBox(ctx, input.id, (slug) => requireUser(ctx).ct.boxes.reboot(slug)),
});
objectMutation('resetBox', BOX, {
  description: 'Factory-reset a box; it answers in state NEW. FORBIDDEN when the box cannot take jobs now. Never retried.',
  payloadDescription: 'Result of resetBox: the box in state NEW.',
  input: BoxIdInput,
  inputDescription: 'The box to reset.',
  resolve: (ctx, input) => writeBox(ctx, input.id, (slug) => requireUser(ctx).ct.boxes.reset(slug)),
});
objectMutation('cancelBoxReset', BOX, {
  description:
    'Call off a factory reset the box has not carried out yet; the box answers in its state from before the reset. Harmless when no ' +
    'reset is pending. Never retried.',
  payloadDescription: 'Result of cancelBoxReset: the box as CT now has it.',
  input: BoxIdInput,
  inputDescription: 'The box whose pending reset to cancel.',
  resolve: (ctx, input) => writeBox(ctx, input.id, (slug) => requireUser(ctx).ct.boxes.cancelReset(slug)),
});
objectMutation('transferBox', BOX, {
  description: 'Move a box to another of your locations; its `location` in the answer is the new one.',
  payloadDescription: 'Result of transferBox: the box, whose `location` is the new one.',
  input: TransferBoxInput,
  inputDescription: 'The box and where it goes.',
  resolve: transferBox,
});

// ---------------------------------------------------------------- bulk: rebootBoxes, resetBoxes, transferBoxes

const BoxResultFields = {
  withId: true,
  field: 'box',
  type: BoxRef,
  fieldDescription: 'The box as CT now has it; null when userErrors is not empty.',
};

const RebootBoxResult = itemResultType<BoxModel>('RebootBoxResult', {
  description: 'What rebootBoxes did to one box.',
  ...BoxResultFields,
});
const ResetBoxResult = itemResultType<BoxModel>('ResetBoxResult', { description: 'What resetBoxes did to one box.', ...BoxResultFields });
const TransferBoxResult = itemResultType<BoxModel>('TransferBoxResult', {
  description: 'What transferBoxes did to one box.',
  ...BoxResultFields,
});

const idsField = (t: InputFields) => t.idList({ required: true, description: 'Global IDs of the boxes, at most 100, each once.' });

const RebootBoxesInput = builder.inputType('RebootBoxesInput', {
  description: 'The boxes to reboot.',
  fields: (t) => ({ ids: idsField(t) }),
});
const ResetBoxesInput = builder.inputType('ResetBoxesInput', {
  description: 'The boxes to factory-reset.',
  fields: (t) => ({ ids: idsField(t) }),
});
const TransferBoxesInput = builder.inputType('TransferBoxesInput', {
  description: 'The boxes to move, and the location they all move to.',
  fields: (t) => ({
    ids: idsField(t),
    toLocationId: t.id({ required: true, description: 'Global ID of the location the boxes move to.' }),
  }),
});

/** CT's refusals of one item's write: a 404, 403 or message about the action is about that item's box. */
const itemSpec = (index: number): CtErrorSpec => {
  const path = itemPath('ids', index);
  return { fields: { action: path, toLocation: at('toLocationId') }, notFound: path, forbidden: path, base: path };
};

/** The slugs the `ids` input names, or every problem with them (malformed IDs, repeats), each at its path. */
function boxSlugs(ids: readonly string[]): { slugs: string[] } | { errors: UserError[] } {
  checkItemCount('ids', ids.length);
  const errors: UserError[] = [];
  const slugs = ids.map((id, index) => {
    const decoded = decodeSlugInput(id, 'Box', itemPath('ids', index));
    if ('error' in decoded) errors.push(decoded.error);
    return 'slug' in decoded ? decoded.slug : null;
  });
  errors.push(...repeatedItems(slugs, 'ids', (slug) => slug, 'This box'));
  return errors.length > 0 ? { errors } : { slugs: slugs as string[] };
}

/**
 * One box action per ID, all together within the request's CT concurrency; each box's CT refusal
 * (FORBIDDEN for a box that cannot take jobs now) stays in its own result.
 */
async function boxAction(
  ctx: GraphQLContext,
  ids: readonly string[],
  write: (slug: string) => Promise<BoxModel | null>,
): Promise<BulkPayload<BoxModel>> {
  const { loaders } = requireUser(ctx);
  const named = boxSlugs(ids);
  if ('errors' in named) return refused(named.errors);
  return {
    userErrors: [],
    results: await runItems(
      ctx,
      named.slugs,
      async (slug, index): Promise<ItemResult<BoxModel>> => {
        const id = ids[index] ?? null;
        const written = await ctWrite(itemSpec(index), () => loaders.throttle(() => write(slug)));
        if (!written.ok) return { id, result: null, userErrors: written.userErrors };
        const fresh = await freshBox(loaders, slug, written.value);
        if (fresh) return { id, result: fresh, userErrors: [] };
        return { id, result: null, userErrors: [userError('NOT_FOUND', itemPath('ids', index), 'The box no longer exists in CT')] };
      },
      (_slug, index) => ids[index] ?? null,
    ),
  };
}

async function transferBoxes(ctx: GraphQLContext, input: { ids: string[]; toLocationId: string }): Promise<BulkPayload<BoxModel>> {
  const { ct, loaders } = requireUser(ctx);
  const named = boxSlugs(input.ids);
  const to = decodeSlugInput(input.toLocationId, 'Location', at('toLocationId'));
  const errors = [...('errors' in named ? named.errors : []), ...('error' in to ? [to.error] : [])];
  if (errors.length > 0 || 'errors' in named || 'error' in to) return refused(errors);

  // The target's `uniqueId`, read once for all boxes.
  const target = await loaders.location(to.slug);
  if (!target) {
    return refused([
      userError('NOT_FOUND', at('toLocationId'), 'To location ID names nothing CT knows (it does not exist or is not yours)'),
    ]);
  }
  const transferTo = target.uniqueId ?? (await uniqueIdFromPicker(loaders, target));
  if (transferTo === null) throw new Error('CT told no unique id for the target location');

  const results = await runItems(
    ctx,
    named.slugs,
    async (slug, index): Promise<ItemResult<BoxModel>> => {
      const id = input.ids[index] ?? null;
      const written = await ctWrite(itemSpec(index), () => loaders.throttle(() => ct.boxes.transfer(slug, transferTo)));
      if (!written.ok) return { id, result: null, userErrors: written.userErrors };
      if (written.value) return { id, result: written.value, userErrors: [] };
      loaders.clearBox(slug);
      const reread = await loaders.box(slug);
      if (reread) return { id, result: reread, userErrors: [] };
      return { id, result: null, userErrors: [userError('NOT_FOUND', itemPath('ids', index), 'The box no longer exists in CT')] };
    },
    (_slug, index) => input.ids[index] ?? null,
  );
  // Every location involved changed its counts and the old ones were never read: forget everything, keep the boxes.
  loaders.clearAll();
  for (const r of results) if (r.result) loaders.primeBox(r.result);
  return { results, userErrors: [] };
}

const BULK_NOTE =
  'Input problems (a malformed or repeated ID, more than 100) are reported at their paths before any CT call, and then nothing is done. ' +
  "The boxes run together within the request's CT concurrency, one CT call each; each box has its own result and userErrors, so one " +
  'refused box does not stop the others. A box whose call failed unexpectedly has a null `box` and an entry in `errors` at its path.';

bulkMutation('rebootBoxes', {
  description: `Reboot up to 100 boxes; each answers in state REBOOTING, or FORBIDDEN when it cannot take jobs now. ${BULK_NOTE}`,
  payloadDescription: 'Result of rebootBoxes: one result per box, in input order.',
  result: RebootBoxResult,
  input: RebootBoxesInput,
  inputDescription: 'The boxes to reboot.',
  resolve: (ctx, input) => boxAction(ctx, input.ids, (slug) => requireUser(ctx).ct.boxes.reboot(slug)),
});
bulkMutation('resetBoxes', {
  description: `Factory-reset up to 100 boxes; each answers in state NEW, or FORBIDDEN when it cannot take jobs now. ${BULK_NOTE}`,
  payloadDescription: 'Result of resetBoxes: one result per box, in input order.',
  result: ResetBoxResult,
  input: ResetBoxesInput,
  inputDescription: 'The boxes to reset.',
  resolve: (ctx, input) => boxAction(ctx, input.ids, (slug) => requireUser(ctx).ct.boxes.reset(slug)),
});
bulkMutation('transferBoxes', {
  description: `Move up to 100 boxes to one of your locations; the target is read once. ${BULK_NOTE}`,
  payloadDescription: 'Result of transferBoxes: one result per box, in input order; `box.location` is the new one.',
  result: TransferBoxResult,
  input: TransferBoxesInput,
  inputDescription: 'The boxes and where they go.',
  resolve: transferBoxes,
});
