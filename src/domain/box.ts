// A box (an access point) as the facade speaks of it: the record every schema field resolves from,
// its states, and what an add or an update carries. No CT names here: src/ct/resources/boxes.ts
// maps CT's records onto these shapes, and back for writes.

/**
 * What a box is doing; the GraphQL enum BoxState and the CT mapping both take this list. UNKNOWN
 * stands for any state CT reports that is not listed, so a new CT state never fails a read.
 */
export const BOX_STATES = ['ONLINE', 'OFFLINE', 'PROCESSING', 'REBOOTING', 'UPGRADING', 'NEW', 'INITIALIZING', 'UNKNOWN'] as const;
export type BoxState = (typeof BOX_STATES)[number];

export interface BoxModel {
  slug: string;
  legacyId: number;
  mac: string;
  description: string | null;
  state: BoxState;
  online: boolean;
  /** Epoch seconds, as CT keeps time; the DateTime scalar writes them as ISO-8601. */
  lastHeartbeatAt: number | null;
  wanIp: string | null;
  publicIp: string | null;
  wanProtocol: string | null;
  machineType: string | null;
  firmwareVersion: string | null;
  nextFirmwareVersion: string | null;
  serialNumber: string | null;
  runsCtFirmware: boolean | null;
  monitored: boolean | null;
  ignored: boolean | null;
  acceptsJobs: boolean | null;
  upgradeInProgress: boolean | null;
  zoneName: string | null;
  tags: string[];
  uptimeSeconds: number | null;
  clientsOnline: number | null;
  latitude: number | null;
  longitude: number | null;
  createdAt: number | null;
  updatedAt: number | null;
  /**
   * The slug of the box's location, when CT gave one (CT may name it by numeric id only): the key a
   * Location's global ID holds, so `location { id slug }` needs no read of the location.
   */
  locationSlug: string | null;
  /**
   * Every key CT gave for the box's location, the slug first (CT loads a location by either): the
   * first loads it, and a write that changes the box forgets the location under all of them.
   */
  locationKeys: string[];
}

/** A device to add: the location it joins and its MAC, already normalised. */
export interface NewBox {
  locationSlug: string;
  mac: string;
  description?: string | null;
  machineType?: string | null;
}

/** What an update sets; absent leaves a setting alone, null clears the clearable ones. */
export interface BoxChanges {
  description?: string | null;
  ignored?: boolean | null;
  monitored?: boolean | null;
  latitude?: number | null;
  longitude?: number | null;
  /** The whole new list; [] or null clears it. */
  tags?: string[] | null;
}

/** Narrows a list of boxes; empty values are no filter. */
export interface BoxFilter {
  locationSlug?: string | null;
  state?: BoxState | null;
  search?: string | null;
  /** Exact hardware model, e.g. "meraki-mr-18". */
  machineType?: string | null;
  /** Exact installed firmware version. */
  firmwareVersion?: string | null;
}
