// Location mutations: createLocation, updateLocation, archiveLocation, restoreLocation, deleteLocation
// over POST/PATCH/DELETE /locations (ct-api.md §4.2, §5.1). Inputs are checked before CT is called;
// CT's refusals come back as userErrors; every write clears what it made stale in the request's loaders.
import { builder } from '../builder.js';
import { requireUser, type GraphQLContext } from '../context.js';
import type { CtLocation } from '../ct/types.js';
import type { Loaders } from '../loaders.js';
import { locationGlobalId } from './ids.js';
import { type LocationModel, toLocation } from './models.js';
import { LocationRef } from './refs.js';
import {
  type CtErrorSpec,
  ctWrite,
  decodeIdInput,
  deletePayloadType,
  type DeletePayload,
  failed,
  type InputPath,
  InputCheck,
  type Payload,
  payloadType,
  succeeded,
  userError,
  type UserError,
} from './user-errors.js';

const at = (field: string): InputPath => ['input', field];
const ID_PATH = at('id');

/** CT attribute => our input path, for mapping CT's 422 bodies. */
const LOCATION_FIELDS: Record<string, InputPath> = {
  location_name: at('name'),
  location_address: at('address'),
  street: at('street'),
  town: at('town'),
  postcode: at('postcode'),
  country: at('country'),
  phone1: at('phone'),
  location_website: at('website'),
  location_type: at('locationType'),
  timezone: at('timezone'),
  lat: at('latitude'),
  lng: at('longitude'),
  favourite: at('favourite'),
  is_favourite: at('favourite'),
};

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

interface LocationSettings {
  name?: string | null;
  address?: string | null;
  street?: string | null;
  town?: string | null;
  postcode?: string | null;
  country?: string | null;
  phone?: string | null;
  website?: string | null;
  locationType?: string | null;
  timezone?: string | null;
  latitude?: number | null;
  longitude?: number | null;
  favourite?: boolean | null;
}

/** Slugs (and CT's numeric ids) are word characters and hyphens; anything else cannot name a CT location. */
const KEY_SHAPE = /^[A-Za-z0-9][\w-]*$/;

/** The slug inside a Location ID given at `path`, or the userError saying why it is not one. */
export function locationSlugInput(id: string, path: InputPath): { slug: string } | { error: UserError } {
  const decoded = decodeIdInput(id, 'Location', path);
  if ('error' in decoded) return decoded;
  if (!KEY_SHAPE.test(decoded.key)) return { error: userError('INVALID', path, 'The Location ID does not hold a valid slug') };
  return { slug: decoded.key };
}

export const locationPath = (slug: string): string => `/locations/${encodeURIComponent(slug)}`;

function checkSettings(check: InputCheck, input: LocationSettings, creating: boolean): void {
  check.text(at('name'), input.name, { required: true });
  if (creating && input.name === undefined) check.add(at('name'), "Name can't be blank");
  check.range(at('latitude'), input.latitude, -90, 90, { nullable: true });
  check.range(at('longitude'), input.longitude, -180, 180, { nullable: true });
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
export async function freshLocation(loaders: Loaders, slug: string, answered: unknown): Promise<LocationModel | null> {
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

const CreateLocationInput = builder.inputType('CreateLocationInput', {
  description: 'A new location. Only `name` is required; CT fills in defaults for the rest.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Display name (not blank).' }),
    address: t.string({ description: 'Street address (first line).' }),
    street: t.string({ description: 'Street name, when kept apart from the address.' }),
    town: t.string({ description: 'Town or city.' }),
    postcode: t.string({ description: 'Postal code.' }),
    country: t.string({ description: 'Country.' }),
    phone: t.string({ description: 'Contact phone number.' }),
    website: t.string({ description: "The location's website." }),
    locationType: t.string({ description: 'Kind of venue (free text).' }),
    timezone: t.string({ description: 'Time zone name, e.g. "Europe/London" (CT checks it).' }),
    latitude: t.float({ description: 'Latitude in degrees, -90 to 90.' }),
    longitude: t.float({ description: 'Longitude in degrees, -180 to 180.' }),
  }),
});

const UpdateLocationInput = builder.inputType('UpdateLocationInput', {
  description: 'Changes to a location: give its `id` and only the fields to change; null clears an optional field.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the location.' }),
    name: t.string({ description: 'New display name (not blank).' }),
    address: t.string({ description: 'Street address (first line).' }),
    street: t.string({ description: 'Street name, when kept apart from the address.' }),
    town: t.string({ description: 'Town or city.' }),
    postcode: t.string({ description: 'Postal code.' }),
    country: t.string({ description: 'Country.' }),
    phone: t.string({ description: 'Contact phone number.' }),
    website: t.string({ description: "The location's website." }),
    locationType: t.string({ description: 'Kind of venue (free text).' }),
    timezone: t.string({ description: 'Time zone name, e.g. "Europe/London" (CT checks it).' }),
    latitude: t.float({ description: 'Latitude in degrees, -90 to 90.' }),
    longitude: t.float({ description: 'Longitude in degrees, -180 to 180.' }),
    favourite: t.boolean({ description: 'Mark or unmark the location as a favourite.' }),
  }),
});

const LocationIdInput = builder.inputType('LocationIdInput', {
  description: 'Names one location.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global ID of the location.' }) }),
});

const locationPayload = (name: string, description: string) =>
  payloadType<LocationModel>(name, {
    description,
    resultField: 'location',
    type: LocationRef,
    resultDescription: 'The location as CT now has it; null when userErrors is not empty.',
  });

const CreateLocationPayload = locationPayload('CreateLocationPayload', 'Result of createLocation.');
const UpdateLocationPayload = locationPayload('UpdateLocationPayload', 'Result of updateLocation.');
const ArchiveLocationPayload = locationPayload('ArchiveLocationPayload', 'Result of archiveLocation.');
const RestoreLocationPayload = locationPayload('RestoreLocationPayload', 'Result of restoreLocation.');
const DeleteLocationPayload = deletePayloadType('DeleteLocationPayload', {
  description: 'Result of deleteLocation.',
  deletedDescription: 'Global ID of the deleted location; null when userErrors is not empty.',
});

// ---------------------------------------------------------------- resolvers

const CREATE_SPEC: CtErrorSpec = { fields: LOCATION_FIELDS, notFound: ['input'], forbidden: null };
const byIdSpec = (base: InputPath = ['input']): CtErrorSpec => ({ fields: LOCATION_FIELDS, notFound: ID_PATH, forbidden: ID_PATH, base });

async function createLocation(ctx: GraphQLContext, input: LocationSettings): Promise<Payload<LocationModel>> {
  const { ct, loaders } = requireUser(ctx);
  const check = new InputCheck();
  checkSettings(check, input, true);
  if (!check.ok) return failed(check.errors);
  const written = await ctWrite(CREATE_SPEC, () => ct.send<CtLocation>('POST', '/locations', { location: toWire(input) }));
  if (!written.ok) return failed(written.userErrors);
  if (!isLocation(written.value)) throw new Error('CT answered a location create without the location');
  loaders.clearLists();
  loaders.primeLocation(written.value);
  return succeeded(toLocation(written.value));
}

/** PATCH /locations/{slug} with `{location: body}` for the location named by `input.id`. */
async function patchLocation(ctx: GraphQLContext, id: string, body: Record<string, unknown>, check = new InputCheck()): Promise<Payload<LocationModel>> {
  const { ct, loaders } = requireUser(ctx);
  const target = locationSlugInput(id, ID_PATH);
  if ('error' in target) check.errors.unshift(target.error);
  if (!check.ok || 'error' in target) return failed(check.errors);
  const written = await ctWrite(byIdSpec(), () => ct.send<CtLocation>('PATCH', locationPath(target.slug), { location: body }));
  if (!written.ok) return failed(written.userErrors);
  const location = await freshLocation(loaders, target.slug, written.value);
  return location ? succeeded(location) : failed([userError('NOT_FOUND', ID_PATH, 'The location no longer exists in CT')]);
}

async function updateLocation(ctx: GraphQLContext, input: LocationSettings & { id: string }): Promise<Payload<LocationModel>> {
  const { id, ...settings } = input;
  const check = new InputCheck();
  checkSettings(check, settings, false);
  const body = toWire(settings);
  if (Object.keys(body).length === 0 && check.ok) check.add(['input'], 'Nothing to change: give at least one field besides `id`');
  return patchLocation(ctx, id, body, check);
}

async function deleteLocation(ctx: GraphQLContext, id: string): Promise<DeletePayload> {
  const { ct, loaders } = requireUser(ctx);
  const target = locationSlugInput(id, ID_PATH);
  if ('error' in target) return { deletedId: null, userErrors: [target.error] };
  // ct-api.md §10: paths take the slug (the dashboard's numeric id works too, but would cost a GET to learn).
  // A 422 here is CT refusing because of what the location still holds (boxes): a CONFLICT, not bad input.
  const written = await ctWrite(byIdSpec(ID_PATH), () => ct.send<null>('DELETE', locationPath(target.slug)));
  if (!written.ok) {
    return { deletedId: null, userErrors: written.userErrors.map((e) => (e.code === 'INVALID' ? { ...e, code: 'CONFLICT' } : e)) };
  }
  // The location's vouchers and codes went with it, under keys this request cannot enumerate: forget everything.
  loaders.clearAll();
  return { deletedId: locationGlobalId(target.slug), userErrors: [] };
}

builder.mutationFields((t) => ({
  createLocation: t.field({
    type: CreateLocationPayload,
    nullable: false,
    description: 'Create a location (POST /locations).',
    args: { input: t.arg({ type: CreateLocationInput, required: true, description: 'The new location.' }) },
    resolve: (_root, { input }, ctx) => createLocation(ctx, input),
  }),
  updateLocation: t.field({
    type: UpdateLocationPayload,
    nullable: false,
    description: 'Change a location; only the fields given are changed (PATCH /locations/{slug}).',
    args: { input: t.arg({ type: UpdateLocationInput, required: true, description: 'The location and the fields to change.' }) },
    resolve: (_root, { input }, ctx) => updateLocation(ctx, input),
  }),
  archiveLocation: t.field({
    type: ArchiveLocationPayload,
    nullable: false,
    description: 'Archive a location (CT state "archived"); restoreLocation undoes it.',
    args: { input: t.arg({ type: LocationIdInput, required: true, description: 'The location to archive.' }) },
    resolve: (_root, { input }, ctx) => patchLocation(ctx, input.id, { state: 'archived' }),
  }),
  restoreLocation: t.field({
    type: RestoreLocationPayload,
    nullable: false,
    description: 'Restore an archived location (CT state "active").',
    args: { input: t.arg({ type: LocationIdInput, required: true, description: 'The location to restore.' }) },
    resolve: (_root, { input }, ctx) => patchLocation(ctx, input.id, { state: 'active' }),
  }),
  deleteLocation: t.field({
    type: DeleteLocationPayload,
    nullable: false,
    description: 'Delete a location and its voucher batches. CT refuses (CONFLICT) while the location still has boxes.',
    args: { input: t.arg({ type: LocationIdInput, required: true, description: 'The location to delete.' }) },
    resolve: (_root, { input }, ctx) => deleteLocation(ctx, input.id),
  }),
}));
