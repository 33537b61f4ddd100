// CT's page/per paging: the page-window planner (which `page`/`per` pairs fetch an offset window
// [start, end) with the fewest CT calls; CT pages are fixed-size slices, page p of size per covering
// [(p-1)*per, p*per), so an unaligned window can often still fit one page of a well-chosen size), and
// what one fetched page tells: its items and the list's total, read from CT's `_links`.
import type { CtLinks } from './types.js';

/** CT clamps `per` to 100 (ct-api.md §6, §10); asking for more would silently shift every offset. */
export const CT_MAX_PER = 100;

/** One page to fetch: `page` is 1-based, `per` at most CT_MAX_PER. */
export interface PageRequest {
  page: number;
  per: number;
}

/** One fetched page: its items and the list's total (null when CT did not say and the page cannot tell). */
export interface Page<T> {
  items: T[];
  total: number | null;
}

/** CT pages to request, all with the same `per`; `pages` are 1-based and ascending. Empty = no call. */
export interface PagePlan {
  per: number;
  pages: number[];
}

export interface PlanOptions {
  /** The list's total when already known: the window is clipped to it (nothing past the end is fetched). */
  total?: number;
  /** Upper bound for `per`; defaults to CT's maximum. */
  maxPer?: number;
}

/** The offset of the first item of `page` when CT pages by `per`. */
export function pageStart(page: number, per: number): number {
  return (page - 1) * per;
}

/**
 * Chooses `per` and the pages so that [start, end) is covered with the fewest calls; among plans
 * with that many calls, the smallest `per` (the least data fetched past the window). A window of
 * n <= maxPer items always needs one or two calls: one when some per in [n, maxPer] puts start and
 * end-1 on the same page, otherwise two (per = maxPer always spans it in two).
 */
export function planPages(start: number, end: number, options: PlanOptions = {}): PagePlan {
  const maxPer = options.maxPer ?? CT_MAX_PER;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0) {
    throw new RangeError(`invalid window [${start}, ${end})`);
  }
  if (!Number.isInteger(maxPer) || maxPer < 1) throw new RangeError(`invalid maxPer ${maxPer}`);
  const last = Math.min(end, options.total ?? Number.POSITIVE_INFINITY) - 1;
  if (last < start) return { per: 0, pages: [] };

  let best: { per: number; first: number; count: number } | null = null;
  for (let per = 1; per <= maxPer; per++) {
    const first = Math.floor(start / per);
    const count = Math.floor(last / per) - first + 1;
    // Strictly fewer calls wins; on a tie the earlier (smaller) per stays, fetching less.
    if (best === null || count < best.count) best = { per, first, count };
  }
  // best is set: the loop ran at least once (maxPer >= 1).
  const { per, first, count } = best as { per: number; first: number; count: number };
  return { per, pages: Array.from({ length: count }, (_, i) => first + i + 1) };
}

/** The total of a list page: `_links.total_entries`, or what a short page proves when CT left it out. */
export function totalOf(links: CtLinks | undefined, page: number, per: number, itemCount: number): number | null {
  // Numeric text counts too: CT's ids show it is not strict about numbers in JSON (ct-api.md §3).
  const total = links?.total_entries === null || links?.total_entries === undefined ? NaN : Number(links.total_entries);
  if (Number.isInteger(total) && total >= 0) return total;
  return itemCount < per && (itemCount > 0 || page === 1) ? pageStart(page, per) + itemCount : null;
}

/** A fetched list envelope as a Page: its items mapped to the domain, and the list's total. */
export function pageOf<W, T>(items: W[] | undefined, links: CtLinks | undefined, request: PageRequest, map: (item: W) => T): Page<T> {
  const list = items ?? [];
  return { items: list.map(map), total: totalOf(links, request.page, request.per, list.length) };
}
