// The Location type (a CT site) with its boxes and vouchers, and the root fields `location(slug)`
// and `locations`. A location is keyed by its slug; lists prime the loader, so a location already
// returned by a list costs no call when asked for again.
import { builder } from '../builder.js';
import { boxConnection, loadLocation, locationConnection, voucherConnection } from './readers.js';
import {
  BoxConnection,
  BoxStateEnum,
  LocationConnection,
  LocationOrderInput,
  LocationRef,
  LocationStateEnum,
  VoucherConnection,
} from './refs.js';

builder.node(LocationRef, {
  description: 'A CT location: one site (a venue, an office) with its boxes and voucher batches.',
  id: { resolve: (location) => location.slug },
  loadWithoutCache: (slug, ctx) => loadLocation(ctx, slug),
  fields: (t) => ({
    slug: t.exposeString('slug', { nullable: false, description: "CT's URL key of the location; the argument of `location(slug:)`." }),
    legacyId: t.exposeString('legacyId', { nullable: false, description: "CT's numeric id of the location, as text." }),
    uniqueId: t.exposeString('uniqueId', { description: "CT's `unique_id`: the key CT uses when a box moves here." }),
    name: t.exposeString('name', { nullable: false, description: 'Display name.' }),
    address: t.exposeString('address', { description: 'Street address (first line).' }),
    street: t.exposeString('street', { description: 'Street name, when CT keeps it apart from the address.' }),
    town: t.exposeString('town', { description: 'Town or city.' }),
    postcode: t.exposeString('postcode', { description: 'Postal code.' }),
    country: t.exposeString('country', { description: 'Country.' }),
    phone: t.exposeString('phone', { description: 'Contact phone number.' }),
    website: t.exposeString('website', { description: "The location's website." }),
    locationType: t.exposeString('locationType', { description: 'Kind of venue, as recorded in CT (free text).' }),
    timezone: t.exposeString('timezone', { description: 'IANA time zone name, e.g. "Europe/London".' }),
    archived: t.exposeBoolean('archived', { nullable: false, description: 'True when the location is archived.' }),
    state: t.expose('state', { type: LocationStateEnum, description: 'Active or archived; null if CT reports something else.' }),
    favourite: t.exposeBoolean('favourite', { description: 'True when you marked the location as a favourite in CT.' }),
    latitude: t.exposeFloat('latitude', { description: 'Latitude in degrees (WGS 84).' }),
    longitude: t.exposeFloat('longitude', { description: 'Longitude in degrees (WGS 84).' }),
    clientsTotal: t.exposeInt('clientsTotal', { description: 'Wi-Fi clients seen at this location in total.' }),
    clientsOnline: t.exposeInt('clientsOnline', { description: 'Wi-Fi clients connected right now.' }),
    boxesCount: t.exposeInt('boxesCount', { description: 'How many boxes the location has.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the location was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the location last changed.' }),
    boxes: t.field({
      type: BoxConnection,
      description: "The location's boxes, in CT's order. One CT call per page.",
      args: {
        ...t.arg.connectionArgs(),
        state: t.arg({ type: BoxStateEnum, description: 'Only boxes in this state (not UNKNOWN).' }),
        machineType: t.arg.string({ description: 'Only boxes of this hardware model, e.g. "meraki-mr-18" (exact).' }),
        firmwareVersion: t.arg.string({ description: 'Only boxes running this firmware version (exact).' }),
      },
      resolve: (location, args, ctx) => boxConnection(ctx, { ...args, locationSlug: location.slug }),
    }),
    vouchers: t.field({
      type: VoucherConnection,
      description: "The location's voucher batches, in CT's order. One CT call per page.",
      args: {
        ...t.arg.connectionArgs(),
        search: t.arg.string({ description: 'CT search text over batch names and codes.' }),
      },
      resolve: (location, args, ctx) => voucherConnection(ctx, location.slug, args),
    }),
  }),
});

builder.queryFields((t) => ({
  location: t.field({
    type: LocationRef,
    description: 'One location by slug (or CT numeric id); null when CT has no such location.',
    args: { slug: t.arg.string({ required: true, description: "The location's slug (its numeric CT id works too)." }) },
    resolve: (_root, { slug }, ctx) => loadLocation(ctx, slug),
  }),
  locations: t.field({
    type: LocationConnection,
    description:
      "Your locations, in CT's order unless `orderBy` says otherwise. One CT call per page (see the connection arguments); with " +
      '`archived`, one per 100 locations of the list otherwise filtered.',
    args: {
      ...t.arg.connectionArgs(),
      search: t.arg.string({ description: 'CT search text (matches names and addresses).' }),
      favourites: t.arg.boolean({
        description: 'true: only the locations you marked as favourites. false is refused: CT cannot list only the others.',
      }),
      archived: t.arg.boolean({
        description:
          'true: only archived locations; false: only active ones. CT has no documented filter for this, so the list (narrowed by ' +
          'the other arguments) is read whole, 100 per CT call, and filtered here; at most 1000 locations.',
      }),
      orderBy: t.arg({ type: LocationOrderInput, description: "The order of the list; CT's own order when not given." }),
    },
    resolve: (_root, { orderBy, ...args }, ctx) =>
      locationConnection(ctx, { ...args, orderBy: orderBy ? { field: orderBy.field, direction: orderBy.direction ?? 'ASC' } : null }),
  }),
}));
