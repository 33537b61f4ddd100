// CT's boxes (ct-api.md §4.3, §5.2, §10): their routes, the wire <-> domain mapping of a box, of its
// reachability ping and of its write bodies, and the writes: add, update, the reboot/reset/cancel/
// transfer actions and delete. A box is addressed by slug; a change to CT's box API is made here and nowhere else.
import { BOX_STATES, type BoxChanges, type BoxFilter, type BoxModel, type BoxState, type NewBox } from '../../domain/box.js';
import { ctPath } from '../paths.js';
import { pageOf, type Page, type PageRequest } from '../paging.js';
import type { CtBox, CtBoxList, CtBoxStatus } from '../types.js';
import { ctRead, filterQuery, type CtRead } from './read.js';
import { bool, isRecord, num, str, text } from './wire.js';
import { unreadableCreate, writeInDomainTerms, type CtSender, type FieldNames } from './write.js';

/** CT's `state` string of each domain state; UNKNOWN has none (it stands for the strings not listed). */
const STATE_CODES: Readonly<Record<Exclude<BoxState, 'UNKNOWN'>, string>> = {
  ONLINE: 'online',
  OFFLINE: 'offline',
  PROCESSING: 'processing',
  REBOOTING: 'rebooting',
  UPGRADING: 'upgrading',
  NEW: 'new',
  INITIALIZING: 'initializing',
};

/** CT attribute => domain field, for CT's validation messages. */
const FIELD_NAMES: FieldNames = {
  calledstationid: 'mac',
  mac: 'mac',
  description: 'description',
  machine_type: 'machineType',
  location_id: 'location',
  ignored: 'ignored',
  is_monitored: 'monitored',
  latitude: 'latitude',
  longitude: 'longitude',
  tags: 'tags',
  transfer_to: 'toLocation',
  action: 'action',
};

const itemPath = (slug: string): string => ctPath`/boxes/${slug}`;

/** CT's state string, case aside, as a domain state; anything unlisted is UNKNOWN. */
export function boxState(value: string | null | undefined): BoxState {
  const v = (value ?? '').toLowerCase();
  return BOX_STATES.find((state) => state !== 'UNKNOWN' && STATE_CODES[state] === v) ?? 'UNKNOWN';
}

export function toBox(w: CtBox): BoxModel {
  const state = boxState(w.state);
  const locationSlug = text(w.location_slug);
  return {
    slug: w.slug,
    legacyId: Number(w.id),
    mac: w.calledstationid ?? w.mac ?? '',
    description: text(w.description),
    state,
    online: w.is_online ?? state === 'ONLINE',
    lastHeartbeatAt: num(w.last_heartbeat),
    wanIp: text(w.wan_ip),
    publicIp: text(w.public_ip),
    wanProtocol: text(w.wan_proto),
    machineType: text(w.machine_type),
    firmwareVersion: text(w.firmware_version),
    nextFirmwareVersion: text(w.next_firmware),
    serialNumber: text(w.serial_number),
    runsCtFirmware: bool(w.is_cucumber),
    monitored: bool(w.is_monitored),
    ignored: bool(w.ignored),
    acceptsJobs: bool(w.allowed_job),
    upgradeInProgress: bool(w.upgrade_processing),
    zoneName: text(w.zone_name),
    // CT keeps tags as one comma-separated string.
    tags: (w.tags ?? '')
      .split(',')
      .map((tag) => tag.trim())
      .filter((tag) => tag.length > 0),
    uptimeSeconds: num(w.uptime_seconds),
    clientsOnline: num(w.clients_online),
    latitude: num(w.latitude),
    longitude: num(w.longitude),
    createdAt: num(w.created_at),
    updatedAt: num(w.updated_at),
    // The simulator sends location_id as an integer and the location's own id is numeric text: keep both as text.
    locationSlug,
    locationKeys: [locationSlug, str(w.location_id)].filter((key): key is string => key !== null),
  };
}

/** The `box` body of an update, with only what was given. */
function changesToWire(changes: BoxChanges): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  if (changes.description !== undefined) wire.description = changes.description;
  if (typeof changes.ignored === 'boolean') wire.ignored = changes.ignored;
  if (typeof changes.monitored === 'boolean') wire.is_monitored = changes.monitored;
  if (changes.latitude !== undefined) wire.latitude = changes.latitude;
  if (changes.longitude !== undefined) wire.longitude = changes.longitude;
  if (changes.tags !== undefined) wire.tags = (changes.tags ?? []).map((tag) => tag.trim()).join(',');
  return wire;
}

function isBox(value: unknown): value is CtBox {
  return isRecord(value) && typeof value.slug === 'string' && 'id' in value;
}

/** CT's answer to a write as the box, or null when CT answered with something else (or nothing). */
const answered = (value: unknown): BoxModel | null => (isBox(value) ? toBox(value) : null);

/** A MAC as CT emits it (lower case, colons), whichever of CT's accepted spellings it is in. */
const macKey = (mac: string): string => mac.trim().toLowerCase().replace(/-/g, ':');
/** CT's ping answer: 1 (or true) is up, 0 (or false) is down; anything else says nothing. */
export function toReachable(w: CtBoxStatus): boolean | null {
  const v = isRecord(w) ? w.status : undefined;
  if (v === 1 || v === '1' || v === true) return true;
  if (v === 0 || v === '0' || v === false) return false;
  return null;
}

export const boxReads = {
  /** Whether CT reaches the box right now (a live ping, one call per box). */
  reachable: (slug: string): CtRead<boolean | null> | null => (slug === '' ? null : ctRead(ctPath`/boxes/${slug}/status`, {}, toReachable)),
  /** One box by slug; an empty slug addresses no box (it would be the list itself). */
  one: (slug: string): CtRead<BoxModel> | null => (slug === '' ? null : ctRead(itemPath(slug), {}, toBox)),
  /**
   * The account's box with this MAC, if any (CT's search `q` covers MACs; MACs are unique in an
   * account): how a retried add finds the box an attempt whose answer was lost may have made.
   */
  byMac: (mac: string): CtRead<BoxModel | null> =>
    ctRead('/boxes', { q: macKey(mac), per: 100 }, (list: CtBoxList) => {
      const found = list.boxes.find((w) => macKey(w.calledstationid ?? w.mac ?? '') === macKey(mac));
      return found ? toBox(found) : null;
    }),
  /** One page of the account's boxes, or of one location's. UNKNOWN is no CT state, so it cannot filter. */
  page: (filter: BoxFilter, page: PageRequest): CtRead<Page<BoxModel>> => {
    const state = filter.state && filter.state !== 'UNKNOWN' ? STATE_CODES[filter.state] : null;
    const query = filterQuery({
      location_id: filter.locationSlug,
      state,
      q: filter.search,
      machine_type: filter.machineType,
      firmware_version: filter.firmwareVersion,
    });
    return ctRead('/boxes', { ...query, page: page.page, per: page.per }, (list: CtBoxList) =>
      pageOf(list.boxes, list._links, page, toBox),
    );
  },
};

export type BoxWrites = ReturnType<typeof boxWrites>;

/** The writes, each one CT call and never retried; validation refusals come back in domain terms. */
export function boxWrites(ct: CtSender) {
  const write = <T>(run: () => Promise<T>): Promise<T> => writeInDomainTerms(FIELD_NAMES, run);
  /** The box as CT now has it; null when CT answered without it. */
  const patch = (slug: string, body: Record<string, unknown>): Promise<BoxModel | null> =>
    write(() => ct.send<CtBox>('PATCH', itemPath(slug), { box: body })).then(answered);
  return {
    async add(box: NewBox): Promise<BoxModel> {
      const body: Record<string, unknown> = { calledstationid: box.mac };
      if (box.description !== undefined) body.description = box.description;
      if (box.machineType !== undefined) body.machine_type = box.machineType;
      // The dashboard mirrors location_id into the query string (ct-api.md §4.3); so do we.
      const query = { location_id: box.locationSlug };
      const added = answered(await write(() => ct.send<CtBox>('POST', '/boxes', { location_id: box.locationSlug, box: body }, query)));
      if (!added) throw unreadableCreate('box');
      return added;
    },
    update: (slug: string, changes: BoxChanges) => patch(slug, changesToWire(changes)),
    /** Answers in state REBOOTING; CT refuses (403) a box that cannot take jobs now. */
    reboot: (slug: string) => patch(slug, { action: 'reboot' }),
    /** A factory reset; answers in state NEW. */
    reset: (slug: string) => patch(slug, { action: 'reset' }),
    /** Calls off a reset the box has not picked up yet; CT treats it as a no-op when none is pending. */
    cancelReset: (slug: string) => patch(slug, { action: 'cancel' }),
    /**
     * CT moves a box by the target location's `unique_id` (ct-api.md §3), not by its slug. CT's
     * unique ids are int-like and sent as numbers where CT gave numbers (§5.1), so an int-like id
     * the domain holds as text goes back as a number.
     */
    transfer: (slug: string, toLocationUniqueId: string | number) =>
      patch(slug, {
        transfer_to:
          typeof toLocationUniqueId === 'string' && /^\d+$/.test(toLocationUniqueId) ? Number(toLocationUniqueId) : toLocationUniqueId,
      }),
    remove: async (slug: string): Promise<void> => void (await write(() => ct.send<null>('DELETE', itemPath(slug)))),
  };
}
