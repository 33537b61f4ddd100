// A location as the facade speaks of it: the record every schema field resolves from, its states,
// and the settings a create or an update carries. No CT names here: src/ct/resources/locations.ts
// maps CT's records onto these shapes, and back for writes.

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

/** Narrows a list of locations; an empty search is no filter. */
export interface LocationFilter {
  search?: string | null;
}
