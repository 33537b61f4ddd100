// Location mutations: createLocation, updateLocation, archiveLocation, restoreLocation, deleteLocation
// over POST/PATCH/DELETE /locations (ct-api.md §4.2, §5.1). Inputs are checked before CT is called;
// CT's refusals come back as userErrors; every write clears what it made stale in the request's loaders.
import { builder } from '../builder.js';
import { requireUser, type GraphQLContext } from '../context.js';
import type { CtLocation } from '../ct/types.js';
import { locationPath } from '../ct/paths.js';
import type { Loaders } from '../loaders.js';
import { locationGlobalId } from './ids.js';
import { type LocationModel, toLocation } from './models.js';
import { coordinateFields, deleteMutation, idInputType, type InputFields, type MutationObject, objectMutation } from './mutation-fields.js';
import { LocationRef } from './refs.js';
import {
  at,
  byIdSpec,
  type CtErrorSpec,
  ctWrite,
  decodeSlugInput,
  failed,
  ID_PATH,
  type InputPath,
  InputCheck,
  inputPathsByCtAttribute,
  type Payload,
  succeeded,
  userError,
  unreadableCreate,
} from './user-errors.js';

/** Our input field => CT attribute, for the text settings create and update share. */
const TEXT_ATTRIBUTES = {
  address: 'location_address',
  street: 'street',
  town: 'town',
  postcode: 'postcode',
  country: 'country',
  phone: 'phone1',
  website: 'location_website',
  locationType: 'location_type',
  timezone: 'timezone',
} as const;
type TextField = keyof typeof TEXT_ATTRIBUTES;

/** CT attribute => our input path, for mapping CT's 422 bodies. */
const LOCATION_FIELDS: Record<string, InputPath> = {
  ...inputPathsByCtAttribute(TEXT_ATTRIBUTES),
  location_name: at('name'),
  lat: at('latitude'),
  lng: at('longitude'),
  favourite: at('favourite'),
  is_favourite: at('favourite'),
};

type LocationSettings = { [F in TextField | 'name']?: string | null } & {
  latitude?: number | null;
  longitude?: number | null;
  favourite?: boolean | null;
};

function checkSettings(check: InputCheck, input: LocationSettings): void {
  check.text(at('name'), input.name, { required: true });
  check.coordinates(input);
  check.notNull(at('favourite'), input.favourite);
}

/** `{location:{...}}` with only what the caller gave; null clears a setting, absent leaves it alone. */
function toWire(input: LocationSettings): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  if (input.name !== undefined) wire.location_name = input.name?.trim();
  for (const [field, attribute] of Object.entries(TEXT_ATTRIBUTES) as Array<[TextField, string]>) {
    const value = input[field];
    if (value !== undefined) wire[attribute] = value === null || value.trim() === '' ? null : value.trim();
  }
  if (input.latitude !== undefined) wire.lat = input.latitude;
  if (input.longitude !== undefined) wire.lng = input.longitude;
  if (input.favourite !== undefined && input.favourite !== null) wire.favourite = input.favourite;
  return wire;
}

function isLocation(value: unknown): value is CtLocation {
  return typeof value === 'object' && value !== null && typeof (value as CtLocation).slug === 'string' && 'id' in value;
}

/**
 * After a write to location `slug`: forget it and every list page, then prime with what CT answered
 * (or read it back once when CT answered no body), so the rest of the request sees the new state.
 */
async function freshLocation(loaders: Loaders, slug: string, answered: unknown): Promise<LocationModel | null> {
  loaders.clearLocation(slug);
  loaders.clearLists();
  if (isLocation(answered)) {
    loaders.primeLocation(answered);
    return toLocation(answered);
  }
  const reread = await loaders.locationBySlug.load(slug);
  return reread ? toLocation(reread) : null;
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
  const written = await ctWrite(CREATE_SPEC, () => ct.send<CtLocation>('POST', '/locations', { location: toWire(input) }));
  if (!written.ok) return failed(written.userErrors);
  if (!isLocation(written.value)) throw unreadableCreate('location');
  loaders.clearLists();
  loaders.primeLocation(written.value);
  return succeeded(toLocation(written.value));
}

/** PATCH /locations/{slug} with `{location: body}`; `check` carries problems found before (reported with a bad id). */
async function patchLocation(
  ctx: GraphQLContext,
  id: string,
  body: Record<string, unknown>,
  check = new InputCheck(),
): Promise<Payload<LocationModel>> {
  const { ct, loaders } = requireUser(ctx);
  const target = decodeSlugInput(id, 'Location', ID_PATH);
  if ('error' in target) check.errors.unshift(target.error);
  if (!check.ok || 'error' in target) return failed(check.errors);
  const written = await ctWrite(BY_ID_SPEC, () => ct.send<CtLocation>('PATCH', locationPath(target.slug), { location: body }));
  if (!written.ok) return failed(written.userErrors);
  const location = await freshLocation(loaders, target.slug, written.value);
  return location ? succeeded(location) : failed([userError('NOT_FOUND', ID_PATH, 'The location no longer exists in CT')]);
}

async function updateLocation(ctx: GraphQLContext, input: LocationSettings & { id: string }): Promise<Payload<LocationModel>> {
  const { id, ...settings } = input;
  const check = new InputCheck();
  checkSettings(check, settings);
  const body = toWire(settings);
  check.somethingToChange(body);
  return patchLocation(ctx, id, body, check);
}

async function deleteLocation(ctx: GraphQLContext, id: string): Promise<Payload<string>> {
  const { ct, loaders } = requireUser(ctx);
  const target = decodeSlugInput(id, 'Location', ID_PATH);
  if ('error' in target) return failed([target.error]);
  // ct-api.md §10: paths take the slug (the dashboard's numeric id works too, but would cost a GET to learn).
  // A 422 here is CT refusing because of what the location still holds (boxes): a CONFLICT, not bad input.
  const written = await ctWrite({ ...BY_ID_SPEC, base: ID_PATH }, () => ct.send<null>('DELETE', locationPath(target.slug)));
  if (!written.ok) return failed(written.userErrors.map((e) => (e.code === 'INVALID' ? { ...e, code: 'CONFLICT' } : e)));
  // The location's vouchers and codes went with it, under keys this request cannot enumerate: forget everything.
  loaders.clearAll();
  return succeeded(locationGlobalId(target.slug));
}

objectMutation('createLocation', LOCATION, {
  description: 'Create a location (POST /locations).',
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
objectMutation('archiveLocation', LOCATION, {
  description: 'Archive a location (CT state "archived"); restoreLocation undoes it.',
  input: LocationIdInput,
  inputDescription: 'The location to archive.',
  resolve: (ctx, input) => patchLocation(ctx, input.id, { state: 'archived' }),
});
objectMutation('restoreLocation', LOCATION, {
  description: 'Restore an archived location (CT state "active").',
  input: LocationIdInput,
  inputDescription: 'The location to restore.',
  resolve: (ctx, input) => patchLocation(ctx, input.id, { state: 'active' }),
});
deleteMutation('deleteLocation', LOCATION.noun, {
  description: 'Delete a location and its voucher batches. CT refuses (CONFLICT) while the location still has boxes.',
  input: LocationIdInput,
  inputDescription: 'The location to delete.',
  resolve: (ctx, input) => deleteLocation(ctx, input.id),
});
