// CT's splash pages (ct-api.md §4.4): the route listing a location's pages and the wire -> domain
// mapping of one. Read only: the facade uses them to show and check a voucher batch's splash page.
import type { SplashPageList, SplashPageModel } from '../../domain/splash-page.js';
import { CT_MAX_PER } from '../paging.js';
import { ctPath } from '../paths.js';
import type { CtLinks, CtSplashPage, CtSplashPageList } from '../types.js';
import { ctRead, type CtRead } from './read.js';
import { bool, isRecord, num, str, text } from './wire.js';

export function toSplashPage(w: CtSplashPage, locationSlug: string): SplashPageModel {
  return {
    id: String(w.id),
    uniqueId: str(w.unique_id),
    name: text(w.splash_name) ?? `Splash page ${w.id}`,
    active: bool(w.active),
    locationSlug,
  };
}

/**
 * The pages of one answer. CT documents the list without `_links`; where a CT pages it anyway, the
 * list is known to be incomplete when `_links` says there is more than came back.
 */
function toSplashPageList(w: CtSplashPageList, locationSlug: string): SplashPageList {
  const items = (isRecord(w) && Array.isArray(w.splash_pages) ? w.splash_pages : []).filter(
    (p): p is CtSplashPage => isRecord(p) && (typeof p.id === 'number' || typeof p.id === 'string'),
  );
  const links: Partial<CtLinks> | undefined = isRecord(w) && isRecord(w._links) ? w._links : undefined;
  const total = num(links?.total_entries);
  const complete = !(links?.next_page || (total !== null && total > items.length));
  return { pages: items.map((p) => toSplashPage(p, locationSlug)), complete };
}

export const splashPageReads = {
  /** One call: the most CT sends in one page, so a location's pages come back whole however CT pages them. */
  list: (locationSlug: string): CtRead<SplashPageList> | null =>
    locationSlug === ''
      ? null
      : ctRead(ctPath`/locations/${locationSlug}/splash_pages`, { page: 1, per: CT_MAX_PER }, (w: CtSplashPageList) =>
          toSplashPageList(w, locationSlug),
        ),
};
