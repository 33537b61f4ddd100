// The Box type (an access point) and the root fields `box(slug)` and `boxes` (account-wide). A box's
// location comes from the location loader by the key the box carries, so a location already
// returned elsewhere in the query costs nothing; its id and slug alone cost nothing either, as the
// box's record holds its location's slug.
import { builder } from '../builder.js';
import { requireUser } from '../context.js';
import { boxConnection, loadBox, parentLocationBySlug } from './readers.js';
import { BoxConnection, BoxRef, BoxStateEnum, LocationRef } from './refs.js';

builder.node(BoxRef, {
  description: 'A CT box: an access point or other managed device at a location.',
  id: { resolve: (box) => box.slug },
  loadWithoutCache: (slug, ctx) => loadBox(ctx, slug),
  fields: (t) => ({
    slug: t.exposeString('slug', { nullable: false, description: "CT's URL key of the box; the argument of `box(slug:)`." }),
    legacyId: t.exposeInt('legacyId', { nullable: false, description: "CT's numeric id of the box." }),
    mac: t.exposeString('mac', { nullable: false, description: 'MAC address, lower case with colons.' }),
    description: t.exposeString('description', { description: 'Name given to the box, e.g. "Lobby AP".' }),
    state: t.expose('state', { type: BoxStateEnum, nullable: false, description: 'What the box is doing now.' }),
    online: t.exposeBoolean('online', { nullable: false, description: 'True when the box is reachable.' }),
    lastHeartbeatAt: t.expose('lastHeartbeatAt', { type: 'DateTime', description: 'When the box last reported in.' }),
    wanIp: t.exposeString('wanIp', { description: 'IP address of the WAN interface.' }),
    publicIp: t.exposeString('publicIp', { description: 'Public IP address the box is seen from.' }),
    wanProtocol: t.exposeString('wanProtocol', { description: 'How the WAN address is set: "dhcp" or "static".' }),
    machineType: t.exposeString('machineType', { description: 'Hardware model, e.g. "meraki-mr-18".' }),
    firmwareVersion: t.exposeString('firmwareVersion', { description: 'Installed firmware version.' }),
    nextFirmwareVersion: t.exposeString('nextFirmwareVersion', {
      description: 'Firmware version the box will upgrade to, if one is scheduled.',
    }),
    serialNumber: t.exposeString('serialNumber', { description: 'Hardware serial number.' }),
    runsCtFirmware: t.exposeBoolean('runsCtFirmware', {
      description: "True when the box runs CT's own firmware (not a third-party controller).",
    }),
    monitored: t.exposeBoolean('monitored', { description: 'True when CT raises alerts for this box.' }),
    ignored: t.exposeBoolean('ignored', { description: "True when this box's alerts are muted.", deprecationReason: 'Use `alertsMuted`.' }),
    alertsMuted: t.exposeBoolean('ignored', { description: "True when this box's alerts are muted (CT's `ignored`)." }),
    reachable: t.boolean({
      description:
        'Whether CT reaches the box right now: a live ping, one CT call per box, made only when this field is asked for. Null when ' +
        'CT gives no answer for it.',
      resolve: (box, _args, ctx) => requireUser(ctx).loaders.boxReachable(box.slug),
    }),
    acceptsJobs: t.exposeBoolean('acceptsJobs', { description: 'True when the box can take a reboot or other job now.' }),
    upgradeInProgress: t.exposeBoolean('upgradeInProgress', { description: 'True while a firmware upgrade is being processed.' }),
    zoneName: t.exposeString('zoneName', { description: 'Name of the zone (group of boxes) this box belongs to.' }),
    tags: t.exposeStringList('tags', { nullable: false, description: 'Free-form labels, e.g. ["lobby", "floor1"].' }),
    uptimeSeconds: t.exposeInt('uptimeSeconds', { description: 'Seconds since the box last started.' }),
    clientsOnline: t.exposeInt('clientsOnline', { description: 'Wi-Fi clients connected to this box right now.' }),
    latitude: t.exposeFloat('latitude', { description: 'Latitude in degrees (WGS 84).' }),
    longitude: t.exposeFloat('longitude', { description: 'Longitude in degrees (WGS 84).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the box was added.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the box last changed.' }),
    location: t.field({
      type: LocationRef,
      nullable: false,
      description:
        'The location the box belongs to. Asking only for its `id`, `slug` or `__typename` costs no CT call: the box itself names ' +
        'its location, so these answer even when CT no longer shows you that location, where asking for any other field is an ' +
        'error. Any other field reads the location: free when the query already read it, else one CT call.',
      resolve: (box, _args, ctx, info) => parentLocationBySlug(ctx, info, box.locationSlug, box.locationKeys[0] ?? null, 'box'),
    }),
  }),
});

builder.queryFields((t) => ({
  box: t.field({
    type: BoxRef,
    description: 'One box by slug; null when CT has no such box.',
    args: { slug: t.arg.string({ required: true, description: "The box's slug." }) },
    resolve: (_root, { slug }, ctx) => loadBox(ctx, slug),
  }),
  boxes: t.field({
    type: BoxConnection,
    description: "Boxes across all your locations, in CT's order. One CT call per page.",
    args: {
      ...t.arg.connectionArgs(),
      locationSlug: t.arg.string({ description: 'Only the boxes of the location with this slug.' }),
      state: t.arg({ type: BoxStateEnum, description: 'Only boxes in this state (not UNKNOWN).' }),
      search: t.arg.string({ description: 'CT search text (matches descriptions, MACs and serial numbers).' }),
      machineType: t.arg.string({ description: 'Only boxes of this hardware model, e.g. "meraki-mr-18" (exact).' }),
      firmwareVersion: t.arg.string({ description: 'Only boxes running this firmware version (exact).' }),
    },
    resolve: (_root, args, ctx) => boxConnection(ctx, args),
  }),
}));
