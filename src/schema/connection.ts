// Relay connections over CT's page/per lists: argument checks (before any CT call), offset cursors,
// the window a first/after/last/before combination selects, the fewest CT pages that cover it
// (src/ct/paging.ts), and exact pageInfo/totalCount from the list's total.
import type { GraphQLError } from 'graphql';
import { CT_MAX_PER, pageStart, planPages, type Page } from '../ct/paging.js';
import { codedError } from '../errors.js';

/** Page size when the client gives neither `first` nor `last` (DESIGN.md). */
export const DEFAULT_PAGE_SIZE = 25;
/** Largest `first`/`last` accepted: one CT page at most, so a window never needs more than two calls. */
export const MAX_PAGE_SIZE = CT_MAX_PER;

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** Fetches page `page` (1-based) of size `per` of one CT list, with the list's own filters bound. */
export type PageFetcher<T> = (page: number, per: number) => Promise<Page<T>>;

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface ConnectionResult<N> {
  edges: Array<{ cursor: string; node: N }>;
  pageInfo: PageInfo | Promise<PageInfo>;
  totalCount: number | Promise<number>;
}

const CURSOR_PREFIX = 'offset:';

/** A cursor is the item's offset in the list, opaque (base64url) so clients do not build their own. */
export function offsetToCursor(offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${offset}`, 'utf8').toString('base64url');
}

/** An edge whose cursor is written only when a query reads it (most ask for `nodes` alone). */
class OffsetEdge<N> {
  constructor(
    private readonly offset: number,
    readonly node: N,
  ) {}
  get cursor(): string {
    return offsetToCursor(this.offset);
  }
}

export function cursorToOffset(cursor: string): number {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^offset:(0|[1-9]\d{0,14})$/.exec(text);
  if (!match) throw badInput(`Invalid cursor: ${JSON.stringify(cursor.slice(0, 100))}`);
  return Number(match[1]);
}

function badInput(message: string): GraphQLError {
  return codedError(message, 'BAD_USER_INPUT');
}

/** The validated arguments: `a` is the first offset after `after`, `b` the offset of `before` (exclusive end). */
export interface WindowSpec {
  first: number | null;
  last: number | null;
  a: number;
  b: number | null;
  hasAfter: boolean;
}

/** Checks and normalises the arguments; throws BAD_USER_INPUT, always before any CT call. */
export function windowSpec(args: ConnectionArgs): WindowSpec {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value != null && (value < 0 || value > MAX_PAGE_SIZE)) {
      throw badInput(`\`${name}\` must be between 0 and ${MAX_PAGE_SIZE}; got ${value}.`);
    }
  }
  let first = args.first ?? null;
  const last = args.last ?? null;
  if (first === null && last === null) first = DEFAULT_PAGE_SIZE;
  const a = args.after != null ? cursorToOffset(args.after) + 1 : 0;
  const b = args.before != null ? cursorToOffset(args.before) : null;
  return { first, last, a, b, hasAfter: args.after != null };
}

/**
 * The offsets [start, end) the arguments select (Relay's ApplyCursorsToEdges, then first, then
 * last), clipped to `total` when known. Null when it cannot be known without the total: `last`
 * with no `before` (and no `first`) counts back from the end of the list.
 */
export function windowFor(spec: WindowSpec, total: number | null): { start: number; end: number } | null {
  const cap = (x: number): number => (total === null ? x : Math.min(x, total));
  let rangeEnd: number | null = spec.b === null ? total : cap(spec.b);
  if (rangeEnd !== null) rangeEnd = Math.max(rangeEnd, spec.a);
  let end: number;
  if (spec.first !== null) {
    end = spec.a + spec.first;
    if (rangeEnd !== null) end = Math.min(end, rangeEnd);
  } else {
    if (rangeEnd === null) return null;
    end = rangeEnd;
  }
  const start = spec.last !== null ? Math.max(spec.a, end - spec.last) : spec.a;
  return { start, end };
}

/** Relay pageInfo for a window, given the list's total. */
export function pageInfoFor(spec: WindowSpec, total: number): PageInfo {
  const window = windowFor(spec, total) as { start: number; end: number };
  const rangeEnd = Math.max(spec.a, spec.b === null ? total : Math.min(spec.b, total));
  const hasItems = window.end > window.start;
  return {
    // With `first`, more objects remain in the cursor range; otherwise (last/before) objects lie past `before`.
    hasNextPage: spec.first !== null ? window.end < rangeEnd : spec.b !== null && spec.b < total,
    // With `last`, objects were cut off at the front; otherwise (first/after) objects lie before `after`.
    hasPreviousPage: spec.last !== null ? window.start > spec.a : spec.hasAfter && Math.min(spec.a, total) > 0,
    startCursor: hasItems ? offsetToCursor(window.start) : null,
    endCursor: hasItems ? offsetToCursor(window.end - 1) : null,
  };
}

/**
 * Resolves a connection with the fewest CT calls:
 * - a window known up front (first/after, last/before) is fetched by `planPages`: one call when
 *   some page size fits it in one page, else two;
 * - `last` without `before` needs the total first: one call for the page of 100 holding the
 *   window's start (which is the whole answer when the list ends within it), then only the part
 *   of the window that call did not cover (one call, rarely two);
 * - an empty window (first: 0, or cursors that leave nothing) fetches nothing; `totalCount` or
 *   `pageInfo` then cost one call of a single item, only when asked for.
 */
export async function resolveCtConnection<N>(args: ConnectionArgs, fetchPage: PageFetcher<N>): Promise<ConnectionResult<N>> {
  const spec = windowSpec(args);
  const items = new Map<number, N>();
  // A holder, not a `let`: TypeScript would keep `null` narrowed across the awaits that set it.
  const seen: { total: number | null } = { total: null };

  const fetchPages = async (pageNumbers: number[], per: number): Promise<void> => {
    const pages = await Promise.all(pageNumbers.map((p) => fetchPage(p, per).then((fetched) => ({ p, fetched }))));
    for (const { p, fetched } of pages) {
      for (const [i, item] of fetched.items.entries()) items.set(pageStart(p, per) + i, item);
      if (fetched.total !== null) seen.total = fetched.total;
    }
  };

  if (windowFor(spec, null) === null) {
    await fetchPages([Math.floor(spec.a / CT_MAX_PER) + 1], CT_MAX_PER);
  }
  // Normally one pass; another only when the total learned slides a `last` window back onto offsets
  // not fetched yet (a `before` cursor past the end of a list that shrank, or first+last on a short list).
  for (let pass = 0; pass < 3; pass++) {
    const total = seen.total;
    const window = windowFor(spec, total) as { start: number; end: number };
    let from = -1;
    let to = -1;
    for (let offset = window.start; offset < window.end; offset++) {
      if (items.has(offset)) continue;
      if (from < 0) from = offset;
      to = offset + 1;
    }
    // Offsets at or past a known total cannot be fetched; nothing missing below it means done.
    if (from < 0 || (total !== null && from >= total)) break;
    const plan = planPages(from, to, total === null ? {} : { total });
    if (plan.pages.length === 0) break;
    await fetchPages(plan.pages, plan.per);
  }

  const known = seen.total;
  const window = windowFor(spec, known) as { start: number; end: number };
  const edges: ConnectionResult<N>['edges'] = [];
  for (let offset = window.start; offset < window.end; offset++) {
    const item = items.get(offset);
    if (item !== undefined) edges.push(new OffsetEdge(offset, item));
  }

  if (known !== null) return { edges, pageInfo: pageInfoFor(spec, known), totalCount: known };

  // Nothing was fetched (empty window): learn the total lazily, only if a selected field needs it.
  let totalPromise: Promise<number> | null = null;
  const lazyTotal = (): Promise<number> => (totalPromise ??= fetchPage(1, 1).then((page) => page.total ?? page.items.length));
  return {
    edges,
    get pageInfo() {
      return lazyTotal().then((t) => pageInfoFor(spec, t));
    },
    get totalCount() {
      return lazyTotal();
    },
  };
}

/**
 * Most CT pages (of 100) a connection reads to filter a whole list itself, for a filter CT may not
 * apply: beyond it the caller must narrow the list first. The cost estimate takes this many calls.
 */
export const MAX_SCAN_PAGES = 10;

/**
 * A connection over a list that CT cannot filter as asked: every page is read (100 per call, so
 * ceil(total / 100) calls, the pages after the first in parallel), `keep` filters here, and the
 * window is cut from what is left. A list of more than MAX_SCAN_PAGES pages is refused (BAD_USER_INPUT).
 */
export async function resolveScannedConnection<N>(
  args: ConnectionArgs,
  fetchPage: PageFetcher<N>,
  keep: (item: N) => boolean,
  narrowHint: string,
): Promise<ConnectionResult<N>> {
  const spec = windowSpec(args);
  const first = await fetchPage(1, CT_MAX_PER);
  const total = first.total ?? first.items.length;
  const pages = Math.ceil(total / CT_MAX_PER);
  if (pages > MAX_SCAN_PAGES) {
    throw badInput(`This filter reads the whole list, which has ${total} objects (at most ${MAX_SCAN_PAGES * CT_MAX_PER}); ${narrowHint}.`);
  }
  const rest = await Promise.all(Array.from({ length: Math.max(0, pages - 1) }, (_, i) => fetchPage(i + 2, CT_MAX_PER)));
  const kept = [first, ...rest].flatMap((page) => page.items).filter(keep);
  const window = windowFor(spec, kept.length) as { start: number; end: number };
  const edges = kept.slice(window.start, window.end).map((node, i) => new OffsetEdge(window.start + i, node));
  return { edges, pageInfo: pageInfoFor(spec, kept.length), totalCount: kept.length };
}
