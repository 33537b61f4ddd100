// A splash page as the facade speaks of it: the login page of a location that a voucher batch's codes
// are typed into. No CT names here: src/ct/resources/splash-pages.ts maps CT's records onto this shape.

export interface SplashPageModel {
  /** CT's id of the page: what a voucher batch names as its splash page. */
  id: string;
  uniqueId: string | null;
  name: string;
  active: boolean | null;
  /** The location it belongs to (the path it was read at). */
  locationSlug: string;
}

/** A location's splash pages; `complete` is false when CT said it has more than it sent. */
export interface SplashPageList {
  pages: SplashPageModel[];
  complete: boolean;
}
