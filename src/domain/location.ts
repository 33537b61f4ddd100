// A location as the facade speaks of it: the record every schema field resolves from, its states,
// its stats, how its list is filtered and ordered, and the settings a create or an update carries.
// No CT names here: src/ct/resources/locations.ts maps CT's records onto these shapes, and back for writes.
import type { BoxState } from './box.js';

/** Whether a location is in use; the GraphQL enum LocationState and the CT mapping both take this list. */
export const LOCATION_STATES = ['ACTIVE', 'ARCHIVED'] as const;
export type LocationState = (typeof LOCATION_STATES)[number];

export interface LocationModel {
  slug: string;
  /** CT's numeric id, as text: CT sends it as text, and it is a second key CT accepts. */
  legacyId: string;
  uniqueId: string | null;
  name: string;
  address: string | null;
  street: string | null;
  town: string | null;
  postcode: string | null;
  country: string | null;
  phone: string | null;
  website: string | null;
  locationType: string | null;
  timezone: string | null;
  archived: boolean;
  state: LocationState | null;
  favourite: boolean | null;
  latitude: number | null;
  longitude: number | null;
  clientsTotal: number | null;
  clientsOnline: number | null;
  boxesCount: number | null;
  /** Epoch seconds, as CT keeps time; the DateTime scalar writes them as ISO-8601. */
  createdAt: number | null;
  updatedAt: number | null;
}

/** A location as CT's location pickers list it: enough to find its `uniqueId` by slug. */
export interface LocationPick {
  slug: string;
  uniqueId: string | number | null;
}

/** What a create or update sets; absent leaves a setting alone, null clears it. */
export interface LocationSettings {
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

/** What a list of locations can be ordered by; the GraphQL enum LocationOrderField and the CT mapping both take this list. */
export const LOCATION_ORDER_FIELDS = ['NAME', 'CREATED_AT', 'UPDATED_AT'] as const;
export type LocationOrderField = (typeof LOCATION_ORDER_FIELDS)[number];

/** Ascending or descending; the GraphQL enum OrderDirection takes this list. */
export const ORDER_DIRECTIONS = ['ASC', 'DESC'] as const;
export type OrderDirection = (typeof ORDER_DIRECTIONS)[number];

export interface LocationOrder {
  field: LocationOrderField;
  direction: OrderDirection;
}

/** Narrows (and orders) a list of locations; an empty search and absent values are no filter. */
export interface LocationFilter {
  search?: string | null;
  /** true: only the caller's favourites. */
  favourites?: boolean | null;
  /** Only archived (true) or only active (false) locations. */
  archived?: boolean | null;
  /** Absent: CT's own order. */
  orderBy?: LocationOrder | null;
}

/** How many of a location's boxes are in one state. */
export interface BoxStateCount {
  state: BoxState;
  count: number;
}

/** A location's figures as CT counts them: its boxes by state (each state once; states CT did not list have none). */
export interface LocationStatsModel {
  boxesTotal: number;
  boxesByState: BoxStateCount[];
}
