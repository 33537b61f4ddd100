// Location mutations: createLocation, updateLocation, setLocationFavourite, archiveLocation,
// restoreLocation, deleteLocation through the caller's CT location writes. Inputs are checked before CT is called; CT's refusals come
// back as userErrors; every write clears what it made stale in the request's loaders.
import { builder } from '../builder.js';
import { requireUser, type GraphQLContext } from '../context.js';
import type { LocationModel, LocationSettings, LocationState } from '../domain/location.js';
import type { Loaders } from '../loaders.js';
import { byIdSpec, type CtErrorSpec, ctWrite } from './ct-refusals.js';
import { decodeSlugInput, locationGlobalId } from './ids.js';
import { lookFirstSince, madeSince } from './look-first.js';
import { at, ID_PATH, InputCheck, inputPaths } from './input-checks.js';
import { coordinateFields, deleteMutation, idInputType, type InputFields, type MutationObject, objectMutation } from './mutation-fields.js';
import { failed, type Payload, succeeded, userError } from './payload.js';
import { LocationRef } from './refs.js';

/** Every location field CT may refuse, at its input of the same name. */
const LOCATION_FIELDS = inputPaths([
  'name',
  'address',
  'street',
  'town',
  'postcode',
  'country',
  'phone',
  'website',
  'locationType',
  'timezone',
  'latitude',
  'longitude',
  'favourite',
]);

function checkSettings(check: InputCheck, input: LocationSettings): void {
  check.text(at('name'), input.name, { required: true });
  check.coordinates(input);
  check.notNull(at('favourite'), input.favourite);
}

/**
 * After a write to location `slug`: forget it and every list page, then prime with what CT answered
 * (or read it back once when CT answered without it), so the rest of the request sees the new state.
 */
async function freshLocation(loaders: Loaders, slug: string, answered: LocationModel | null): Promise<LocationModel | null> {
  loaders.clearLocation(slug);
  loaders.clearLists();
  if (answered) {
    loaders.primeLocation(answered);
    return answered;
  }
  return loaders.location(slug);
}

// ---------------------------------------------------------------- schema types

/** The settings both inputs take alike; `name` (required on create) and `favourite` (update only) differ. */
const settingFields = (t: InputFields) => ({
  address: t.string({ description: 'Street address (first line).' }),
  street: t.string({ description: 'Street name, when kept apart from the address.' }),
  town: t.string({ description: 'Town or city.' }),
  postcode: t.string({ description: 'Postal code.' }),
  country: t.string({ description: 'Country.' }),
  phone: t.string({ description: 'Contact phone number.' }),
  website: t.string({ description: "The location's website." }),
  locationType: t.string({ description: 'Kind of venue (free text).' }),
  timezone: t.string({ description: 'Time zone name, e.g. "Europe/London" (CT checks it).' }),
  ...coordinateFields(t),
});

const CreateLocationInput = builder.inputType('CreateLocationInput', {
  description: 'A new location. Only `name` is required; CT fills in defaults for the rest.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Display name (not blank).' }),
    ...settingFields(t),
  }),
});

const UpdateLocationInput = builder.inputType('UpdateLocationInput', {
  description: 'Changes to a location: give its `id` and only the fields to change; null clears an optional field.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the location.' }),
    name: t.string({ description: 'New display name (not blank).' }),
    ...settingFields(t),
    favourite: t.boolean({ description: 'Mark or unmark the location as a favourite.' }),
  }),
});

const SetLocationFavouriteInput = builder.inputType('SetLocationFavouriteInput', {
  description: 'A location and whether it is one of your favourites.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the location.' }),
    favourite: t.boolean({ required: true, description: 'true marks the location as a favourite, false unmarks it.' }),
  }),
});

const LOCATION: MutationObject<LocationModel> = { type: LocationRef, field: 'location', noun: 'location' };
const LocationIdInput = idInputType('LocationIdInput', LOCATION.noun);

// ---------------------------------------------------------------- resolvers

const CREATE_SPEC: CtErrorSpec = { fields: LOCATION_FIELDS, notFound: ['input'], forbidden: null };
const BY_ID_SPEC = byIdSpec(LOCATION_FIELDS);

async function createLocation(ctx: GraphQLContext, input: LocationSettings): Promise<Payload<LocationModel>> {
  const { ct, loaders } = requireUser(ctx);
  const check = new InputCheck();
  checkSettings(check, input);
  if (!check.ok) return failed(check.errors);
  // A retry after an attempt whose outcome is unknown: a location of this exact name made since then is the one it made.
  const since = lookFirstSince(ctx);
  const name = input.name?.trim() ?? '';
  const madeBefore = async (): Promise<LocationModel | null> =>
    since === null ? null : madeSince(await loaders.locationsNamed(name), since, () => true);
  const written = await ctWrite(CREATE_SPEC, async () => (await madeBefore()) ?? (await ct.locations.create(input)));
  if (!written.ok) return failed(written.userErrors);
  loaders.clearLists();
  loaders.primeLocation(written.value);
  return succeeded(written.value);
}

/** One write to the location the `id` input names; `check` carries problems found before (reported with a bad id). */
async function writeLocation(
  ctx: GraphQLContext,
  id: string,
  write: (slug: string) => Promise<LocationModel | null>,
  check = new InputCheck(),
): Promise<Payload<LocationModel>> {
  const { loaders } = requireUser(ctx);
  const target = decodeSlugInput(id, 'Location', ID_PATH);
  if ('error' in target) check.errors.unshift(target.error);
  if (!check.ok || 'error' in target) return failed(check.errors);
  const written = await ctWrite(BY_ID_SPEC, () => write(target.slug));
  if (!written.ok) return failed(written.userErrors);
  const location = await freshLocation(loaders, target.slug, written.value);
  return location ? succeeded(location) : failed([userError('NOT_FOUND', ID_PATH, 'The location no longer exists in CT')]);
}

async function updateLocation(ctx: GraphQLContext, input: LocationSettings & { id: string }): Promise<Payload<LocationModel>> {
  const { ct } = requireUser(ctx);
  const { id, ...settings } = input;
  const check = new InputCheck();
  checkSettings(check, settings);
  check.somethingToChange(settings);
  return writeLocation(ctx, id, (slug) => ct.locations.update(slug, settings), check);
}

function setLocationState(ctx: GraphQLContext, id: string, state: LocationState): Promise<Payload<LocationModel>> {
  const { ct } = requireUser(ctx);
  return writeLocation(ctx, id, (slug) => ct.locations.setState(slug, state));
}

async function deleteLocation(ctx: GraphQLContext, id: string): Promise<Payload<string>> {
  const { ct, loaders } = requireUser(ctx);
  const target = decodeSlugInput(id, 'Location', ID_PATH);
  if ('error' in target) return failed([target.error]);
  // A refusal here is CT objecting to what the location still holds (boxes): a CONFLICT, not bad input.
  const written = await ctWrite({ ...BY_ID_SPEC, base: ID_PATH }, () => ct.locations.remove(target.slug));
  if (!written.ok) return failed(written.userErrors.map((e) => (e.code === 'INVALID' ? { ...e, code: 'CONFLICT' } : e)));
  // The location's vouchers and codes went with it, under keys this request cannot enumerate: forget everything.
  loaders.clearAll();
  return succeeded(locationGlobalId(target.slug));
}

objectMutation('createLocation', LOCATION, {
  description:
    'Create a location (POST /locations). Retried with the same Idempotency-Key after an unknown outcome, it first looks for a ' +
    'location of this exact name made since the first attempt.',
  input: CreateLocationInput,
  inputDescription: 'The new location.',
  resolve: createLocation,
});
objectMutation('updateLocation', LOCATION, {
  description: 'Change a location; only the fields given are changed (PATCH /locations/{slug}).',
  input: UpdateLocationInput,
  inputDescription: 'The location and the fields to change.',
  resolve: updateLocation,
});
objectMutation('setLocationFavourite', LOCATION, {
  description: 'Mark or unmark a location as one of your favourites (what `locations(favourites: true)` lists).',
  input: SetLocationFavouriteInput,
  inputDescription: 'The location and its new favourite flag.',
  resolve: (ctx, input) =>
    writeLocation(ctx, input.id, (slug) => requireUser(ctx).ct.locations.update(slug, { favourite: input.favourite })),
});
objectMutation('archiveLocation', LOCATION, {
  description: 'Archive a location (CT state "archived"); restoreLocation undoes it.',
  input: LocationIdInput,
  inputDescription: 'The location to archive.',
  resolve: (ctx, input) => setLocationState(ctx, input.id, 'ARCHIVED'),
});
objectMutation('restoreLocation', LOCATION, {
  description: 'Restore an archived location (CT state "active").',
  input: LocationIdInput,
  inputDescription: 'The location to restore.',
  resolve: (ctx, input) => setLocationState(ctx, input.id, 'ACTIVE'),
});
deleteMutation('deleteLocation', LOCATION.noun, {
  description: 'Delete a location and its voucher batches. CT refuses (CONFLICT) while the location still has boxes.',
  input: LocationIdInput,
  inputDescription: 'The location to delete.',
  resolve: (ctx, input) => deleteLocation(ctx, input.id),
});
