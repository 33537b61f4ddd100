// The read graph through the app against the simulator: a table of queries each checked for its result
// AND its exact CT call count (the minimum, with the reason beside it), Relay paging, errors on reads.
// Expected data and counts come from CT's own answers (ct-data.ts), never from the seed.
import { type DocumentNode, print } from 'graphql';
import type { GraphQLClient } from 'graphql-request';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../simulator/app.js';
import type { CtBox, CtLocation, CtSearchedCode, CtSplashPage, CtVoucher } from '../../src/ct/types.js';
import {
  AccountBoxesDocument,
  BatchCodesPlacedDocument,
  BoxAndLocationListDocument,
  BoxesReachableDocument,
  BoxWithLocationDocument,
  FilteredLocationsDocument,
  FindCodeDocument,
  ListThenLookupDocument,
  LocationBoxesPageDocument,
  LocationsCountDocument,
  LocationsEdgesOnlyDocument,
  LocationsPageDocument,
  type LocationsPageQuery,
  LocationsDownDocument,
  LocationStatsDocument,
  LocationsWithBoxesDocument,
  LocationTwiceDocument,
  MissingThingsDocument,
  NodesDocument,
  PartialFailureDocument,
  SplashPagesDocument,
  VoucherNodeDocument,
  VouchersWithCodesDocument,
  ViewerDocument,
} from '../gql/graphql.js';
import { createHarness, FACADE_URL, type Harness } from '../harness.js';
import { type CtData, loadCtData } from './ct-data.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const slugs = (items: Array<{ slug: string }>): string[] => items.map((i) => i.slug);

let h: Harness;
let token: string;
let client: GraphQLClient;
let ct: CtData;

/** A voucher batch of CT's data with its location, for the voucher rows. */
let voucherAt: { location: CtLocation; vouchers: CtVoucher[] };

beforeAll(async () => {
  h = createHarness();
  token = await h.login();
  client = h.client(token);
  ct = await loadCtData(h.sim);
  // A location with at least two completed batches, the first of which has activated codes.
  for (const location of ct.locations) {
    const vouchers = (await ct.vouchersAt(location.slug)).filter((v) => v.completed);
    const first = vouchers[0];
    if (vouchers.length >= 2 && first && (await ct.codesOf(location.slug, first.unique_id, { activated: 'true' })).total > 0) {
      voucherAt = { location, vouchers };
      break;
    }
  }
  expect(voucherAt, 'the CT data has a location with completed voucher batches').toBeDefined();
});

beforeEach(() => {
  h.sim.control.clearFaults();
  h.sim.resetLog();
});

/** CT calls since the last reset, as `GET /path?query` strings, for readable failures. */
const calls = (): string[] =>
  h.ctCalls().map((c) => `${c.method} ${c.path}${Object.keys(c.query).length ? `?${new URLSearchParams(c.query)}` : ''}`);

/** The `errors` of a raw answer, as these tests read them. */
type Errors = Array<{ path: string[]; extensions: { code: string } }>;

/** A request outside graphql-request (which throws on errors): the raw body, `data` and `errors` both. */
async function post<Body>(document: DocumentNode, variables?: Record<string, unknown>, signedIn = true): Promise<Body> {
  const res = await h.post({ query: print(document), variables }, signedIn ? { authorization: `Bearer ${token}` } : {});
  return (await res.json()) as Body;
}

/** The first location of CT's list (in CT's order) that satisfies `test`. */
function locationWhere(test: (l: CtLocation) => boolean): CtLocation {
  const found = ct.locations.find(test);
  if (!found) throw new Error('no such location in the CT data');
  return found;
}

interface Row {
  /** What the query is. */
  name: string;
  /** The minimum, as a formula. */
  minimum: string;
  /** Why CT's endpoints allow no fewer calls. */
  why: string;
  /** Runs the query, asserts its result, and returns the minimum as a number (computed from CT's data). */
  run(): Promise<number>;
}

const TABLE: Row[] = [
  {
    name: 'viewer',
    minimum: '1',
    why: 'GET /me.json is the only source of the profile.',
    async run() {
      const data = await client.request(ViewerDocument);
      expect(data.viewer).toMatchObject({ username: DEMO.username });
      expect(data.viewer?.id).toBeTruthy();
      return 1;
    },
  },
  {
    name: 'locations(first: 5) with names',
    minimum: '1',
    why: 'one page of GET /locations (per=5) holds all five.',
    async run() {
      const data = await client.request(LocationsPageDocument, { first: 5 });
      expect(data.locations?.edges.map((e) => e.node.slug)).toEqual(slugs(ct.locations.slice(0, 5)));
      expect(data.locations?.totalCount).toBe(ct.locations.length);
      return 1;
    },
  },
  {
    name: "five locations, their first ten boxes, each box's location",
    minimum: '1 + 5',
    why:
      'one locations page; CT has no multi-location box list, so one GET /boxes?location_id= per location; every box.location was ' +
      'primed by the list.',
    async run() {
      const data = await client.request(LocationsWithBoxesDocument, { first: 5, boxesFirst: 10 });
      const nodes = data.locations?.nodes ?? [];
      expect(slugs(nodes)).toEqual(slugs(ct.locations.slice(0, 5)));
      for (const location of nodes) {
        const expected = await ct.boxesAt(location.slug);
        expect(slugs(location.boxes?.nodes ?? [])).toEqual(slugs(expected.slice(0, 10)));
        expect(location.boxes?.totalCount).toBe(expected.length);
        for (const box of location.boxes?.nodes ?? []) expect(box.location).toEqual({ slug: location.slug, name: location.name });
      }
      h.sim.resetLog(); // the expectations above read CT directly
      await client.request(LocationsWithBoxesDocument, { first: 5, boxesFirst: 10 });
      return 1 + 5;
    },
  },
  {
    name: 'the same location twice by alias',
    minimum: '1',
    why: 'one GET /locations/{slug}; the second alias is deduplicated.',
    async run() {
      const target = ct.locations[3] as CtLocation;
      const data = await client.request(LocationTwiceDocument, { slug: target.slug });
      expect(data.a).toEqual({ id: b64(`Location:${target.slug}`), name: target.location_name });
      expect(data.b?.id).toBe(data.a?.id);
      expect(data.b?.createdAt).toBe(new Date((target.created_at as number) * 1000).toISOString());
      return 1;
    },
  },
  {
    name: 'locations(first: 10) and location(slug) of one of them, same query',
    minimum: '1',
    why: 'the list page already returned that location: location(slug) waits for it instead of calling GET /locations/{slug}.',
    async run() {
      const target = ct.locations[2] as CtLocation;
      const data = await client.request(ListThenLookupDocument, { first: 10, slug: target.slug });
      expect(data.location).toEqual({ slug: target.slug, name: target.location_name, legacyId: String(target.id) });
      expect(slugs(data.locations?.nodes ?? [])).toContain(target.slug);
      return 1;
    },
  },
  {
    name: 'twenty account-wide boxes, each with its location name',
    minimum: '1 + k (k = distinct locations among them)',
    why:
      'one GET /boxes page; the box list carries only location slugs, and CT has no batch lookup, so one GET /locations/{slug} per ' +
      'distinct location.',
    async run() {
      const expected = ct.boxes.slice(0, 20);
      const k = new Set(expected.map((b) => b.location_slug)).size;
      const data = await client.request(AccountBoxesDocument, { first: 20 });
      expect(slugs(data.boxes?.nodes ?? [])).toEqual(slugs(expected));
      for (const [i, box] of (data.boxes?.nodes ?? []).entries()) {
        const location = ct.locations.find((l) => l.slug === expected[i]?.location_slug);
        expect(box.location).toEqual({ slug: location?.slug, name: location?.location_name });
      }
      expect(data.boxes?.totalCount).toBe(ct.boxes.length);
      return 1 + k;
    },
  },
  {
    name: 'box(slug) with its location',
    minimum: '2',
    why: 'GET /boxes/{slug}, then GET /locations/{slug} named by the box (not known before the box arrives).',
    async run() {
      const box = ct.boxes[7] as CtBox;
      const data = await client.request(BoxWithLocationDocument, { slug: box.slug });
      expect(data.box).toMatchObject({ slug: box.slug, legacyId: box.id, mac: box.calledstationid, location: { slug: box.location_slug } });
      expect(data.box?.state).toBe((box.state as string).toUpperCase());
      return 2;
    },
  },
  {
    name: 'box(slug) { location } next to locations(first: 20) that holds that location',
    minimum: '2',
    why: "GET /boxes/{slug} and one locations page; the box's location comes from the list, not a third call.",
    async run() {
      const first20 = new Set(slugs(ct.locations.slice(0, 20)));
      const box = ct.boxes.find((b) => first20.has(b.location_slug as string)) as CtBox;
      const data = await client.request(BoxAndLocationListDocument, { slug: box.slug, first: 20 });
      expect(data.box?.location.slug).toBe(box.location_slug);
      expect(data.locations?.totalCount).toBe(ct.locations.length);
      return 2;
    },
  },
  {
    name: 'nodes([L, B, L, B, V]) and node(L)',
    minimum: '3',
    why: 'one GET per distinct object (location, box, voucher); repeats and the extra node(L) are deduplicated.',
    async run() {
      const location = ct.locations[5] as CtLocation;
      const box = ct.boxes[11] as CtBox;
      const voucher = voucherAt.vouchers[0] as CtVoucher;
      const L = b64(`Location:${location.slug}`);
      const B = b64(`Box:${box.slug}`);
      const V = b64(`Voucher:${voucherAt.location.slug}/${voucher.unique_id}`);
      const data = await client.request(NodesDocument, { ids: [L, B, L, B, V], id: L });
      expect(data.nodes.map((n) => n?.__typename)).toEqual(['Location', 'Box', 'Location', 'Box', 'Voucher']);
      expect(data.nodes.map((n) => n?.id)).toEqual([L, B, L, B, V]);
      expect(data.nodes[0]).toMatchObject({ slug: location.slug, name: location.location_name });
      expect(data.nodes[1]).toMatchObject({ slug: box.slug, mac: box.calledstationid });
      expect(data.nodes[4]).toMatchObject({ uniqueId: Number(voucher.unique_id), name: voucher.batch_name });
      expect(data.node).toEqual({ __typename: 'Location', id: L });
      return 3;
    },
  },
  {
    name: 'location(slug) { vouchers(first: 3) { location, codes(first: 5) } }',
    minimum: '1 + 1 + n (n = batches returned)',
    why:
      'the location, one vouchers page, and one codes page per batch (codes live under each batch); voucher.location is the ' +
      'location already read.',
    async run() {
      const { location, vouchers } = voucherAt;
      const all = await ct.vouchersAt(location.slug);
      const n = Math.min(3, all.length);
      h.sim.resetLog();
      const data = await client.request(VouchersWithCodesDocument, { slug: location.slug, first: 3, codesFirst: 5 });
      const got = data.location?.vouchers?.nodes ?? [];
      expect(got.map((v) => v.uniqueId)).toEqual(all.slice(0, 3).map((v) => Number(v.unique_id)));
      expect(data.location?.vouchers?.totalCount).toBe(all.length);
      const firstBatch = got.find((v) => v.uniqueId === Number(vouchers[0]?.unique_id));
      const codes = await ct.codesOf(location.slug, vouchers[0]?.unique_id as number);
      expect(firstBatch?.codes?.nodes.map((c) => c.username)).toEqual(codes.codes.slice(0, 5).map((c) => c.username));
      expect(firstBatch?.codes?.totalCount).toBe(codes.total);
      for (const v of got) expect(v.location.slug).toBe(location.slug);
      h.sim.resetLog();
      await client.request(VouchersWithCodesDocument, { slug: location.slug, first: 3, codesFirst: 5 });
      return 1 + 1 + n;
    },
  },
  {
    name: "one batch's activated codes (codes(activated: true))",
    minimum: '3',
    why: 'the location, the vouchers page, one codes page filtered by CT (activated=true): no client-side filtering.',
    async run() {
      // vouchers(first: 1) returns CT's first batch at the location: pick, from CT's answers, a location
      // whose first batch has activated codes AND codes not yet activated, so the filter has to matter.
      let picked: { location: CtLocation; batch: CtVoucher; activated: { codes: Array<{ username: string }>; total: number } } | undefined;
      for (const location of ct.locations) {
        const batch = (await ct.vouchersAt(location.slug))[0];
        if (!batch?.completed) continue;
        const activated = await ct.codesOf(location.slug, batch.unique_id as number, { activated: 'true' });
        const all = await ct.codesOf(location.slug, batch.unique_id as number);
        if (activated.total > 0 && all.total > activated.total) {
          picked = { location, batch, activated };
          break;
        }
      }
      expect(picked, 'CT has a location whose first batch has both activated and unused codes').toBeDefined();
      const { location, batch, activated } = picked!;
      h.sim.resetLog();
      const data = await client.request(VouchersWithCodesDocument, { slug: location.slug, first: 1, codesFirst: 100, activated: true });
      const got = data.location?.vouchers?.nodes ?? [];
      expect(got).toHaveLength(1);
      const only = got[0]!;
      expect(only.uniqueId).toBe(Number(batch.unique_id));
      expect(only.codes?.totalCount).toBe(activated.total);
      expect(only.codes?.nodes.map((c) => c.username)).toEqual(activated.codes.slice(0, 100).map((c) => c.username));
      expect(only.codes?.nodes.length).toBeGreaterThan(0);
      expect(only.codes?.nodes.every((c) => c.activatedAt !== null)).toBe(true);
      expect(h.ctCalls().find((c) => c.path.endsWith('/codes'))?.query.activated).toBe('true');
      return 3;
    },
  },
  {
    name: 'node(voucher ID) with its location',
    minimum: '2',
    why: 'GET /locations/{slug}/vouchers/{uid} and GET /locations/{slug}: both needed, neither implies the other.',
    async run() {
      const voucher = voucherAt.vouchers[1] as CtVoucher;
      const id = b64(`Voucher:${voucherAt.location.slug}/${voucher.unique_id}`);
      const data = await client.request(VoucherNodeDocument, { id });
      expect(data.node).toEqual({
        id,
        uniqueId: Number(voucher.unique_id),
        name: voucher.batch_name,
        location: { slug: voucherAt.location.slug, name: voucherAt.location.location_name },
      });
      return 2;
    },
  },
  {
    name: 'locations(after: 7th, first: 6): an unaligned window',
    minimum: '1',
    why: 'items 8..13 (offsets 7..12) fit one CT page of per=7 (page 2 = offsets 7..13).',
    async run() {
      const seventh = (await client.request(LocationsPageDocument, { first: 7 })).locations?.pageInfo.endCursor;
      h.sim.resetLog();
      const data = await client.request(LocationsPageDocument, { first: 6, after: seventh });
      expect(data.locations?.edges.map((e) => e.node.slug)).toEqual(slugs(ct.locations.slice(7, 13)));
      expect(data.locations?.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: ct.locations.length > 13 });
      expect(calls()).toEqual(['GET /api/v1/locations?page=2&per=7']);
      return 1;
    },
  },
  {
    name: 'locations(last: 4)',
    minimum: 'total <= 100 ? 1 : 2',
    why:
      'the end of the list is unknown until CT says total_entries: one page of 100 gives the total and, for short lists, the items; ' +
      'a longer list needs one more page.',
    async run() {
      const data = await client.request(LocationsPageDocument, { last: 4 });
      expect(data.locations?.edges.map((e) => e.node.slug)).toEqual(slugs(ct.locations.slice(-4)));
      expect(data.locations?.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: ct.locations.length > 4 });
      return ct.locations.length <= 100 ? 1 : 2;
    },
  },
  {
    name: "boxes(locationSlug, state: ONLINE, first: 5) with each box's location",
    minimum: '1 + 1',
    why: 'CT filters by location_id and state itself (one page); all boxes share one location, fetched once.',
    async run() {
      const location = locationWhere((l) => ct.boxes.filter((b) => b.location_slug === l.slug && b.state === 'online').length >= 2);
      const online = (await ct.boxesAt(location.slug)).filter((b) => b.state === 'online');
      h.sim.resetLog();
      const data = await client.request(AccountBoxesDocument, { first: 5, locationSlug: location.slug, state: 'ONLINE' });
      expect(slugs(data.boxes?.nodes ?? [])).toEqual(slugs(online.slice(0, 5)));
      expect(data.boxes?.totalCount).toBe(online.length);
      expect(data.boxes?.nodes.every((b) => b.state === 'ONLINE' && b.online && b.location.slug === location.slug)).toBe(true);
      return 1 + 1;
    },
  },
  {
    name: 'a location without boxes: boxes(first: 10) is empty',
    minimum: '2',
    why: 'the location, and one boxes page (CT must say the list is empty).',
    async run() {
      const empty = locationWhere((l) => !ct.boxes.some((b) => b.location_slug === l.slug));
      const data = await client.request(LocationBoxesPageDocument, { slug: empty.slug, first: 10 });
      expect(data.location?.boxes).toEqual({
        totalCount: 0,
        edges: [],
        pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
      });
      return 2;
    },
  },
  {
    name: 'locations(first: 5, after: the last location): past the end',
    minimum: '1',
    why: 'CT must say there is nothing there (and the total); one page.',
    async run() {
      const last = (await client.request(LocationsPageDocument, { last: 1 })).locations?.pageInfo.endCursor;
      h.sim.resetLog();
      const data = await client.request(LocationsPageDocument, { first: 5, after: last });
      expect(data.locations?.edges).toEqual([]);
      expect(data.locations?.totalCount).toBe(ct.locations.length);
      expect(data.locations?.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
      return 1;
    },
  },
  {
    name: 'locations(first: 0) { edges }',
    minimum: '0',
    why: 'an empty window needs no data, and nothing asked for the total.',
    async run() {
      const data = await client.request(LocationsEdgesOnlyDocument, { first: 0 });
      expect(data.locations?.edges).toEqual([]);
      return 0;
    },
  },
  {
    name: 'locations(first: 0) { totalCount }',
    minimum: '1',
    why: 'the total is only in a list response: one page of a single item.',
    async run() {
      const data = await client.request(LocationsCountDocument, { first: 0 });
      expect(data.locations?.totalCount).toBe(ct.locations.length);
      return 1;
    },
  },
  {
    name: 'locations(favourites: true, first: 3, after: the 1st favourite)',
    minimum: '1',
    why: "CT filters favourites itself (favourites=true) and pages them: one page of CT's favourites list.",
    async run() {
      const favourites = await ct.all<CtLocation>('/locations', 'locations', { favourites: 'true' });
      expect(favourites.length).toBeGreaterThan(3);
      const first = (await client.request(FilteredLocationsDocument, { first: 1, favourites: true })).locations?.pageInfo.endCursor;
      h.sim.resetLog();
      const data = await client.request(FilteredLocationsDocument, { first: 3, after: first, favourites: true });
      expect(slugs(data.locations?.nodes ?? [])).toEqual(slugs(favourites.slice(1, 4)));
      expect(data.locations?.nodes.every((l) => l.favourite)).toBe(true);
      expect(data.locations?.totalCount).toBe(favourites.length);
      expect(data.locations?.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: favourites.length > 4 });
      // Offsets 1..3 fit one CT page of per=4 (the planner's choice); favourites=true passes through.
      expect(h.ctCalls().map((c) => c.query)).toEqual([{ favourites: 'true', page: '1', per: '4' }]);
      return 1;
    },
  },
  {
    name: 'locations(search, orderBy: { field: NAME, direction: DESC }, first: 5)',
    minimum: '1',
    why: 'CT searches (q) and sorts (sort, direction) itself: one page.',
    async run() {
      const town = ct.locations.find((l) => ct.locations.filter((m) => m.town === l.town).length >= 2)?.town as string;
      const expected = await ct.all<CtLocation>('/locations', 'locations', { q: town, sort: 'location_name', direction: 'desc' });
      h.sim.resetLog();
      const data = await client.request(FilteredLocationsDocument, {
        first: 5,
        search: town,
        orderBy: { field: 'NAME', direction: 'DESC' },
      });
      expect(slugs(data.locations?.nodes ?? [])).toEqual(slugs(expected.slice(0, 5)));
      expect(data.locations?.totalCount).toBe(expected.length);
      expect(h.ctCalls()[0]?.query).toMatchObject({ q: town, sort: 'location_name', direction: 'desc' });
      return 1;
    },
  },
  {
    name: 'locations(archived: true)',
    minimum: 'ceil(n / 100) (n = locations CT lists for the other filters, archived=true passed along)',
    why: 'CT documents no archived filter, so every location of the list is checked here: one page of 100 per call.',
    async run() {
      const archived = ct.locations.filter((l) => l.archived);
      expect(archived.length).toBeGreaterThan(0);
      const listed = (await ct.get<{ _links: { total_entries: number } }>('/locations', { archived: 'true', per: 1 }))._links.total_entries;
      h.sim.resetLog();
      const data = await client.request(FilteredLocationsDocument, { first: 10, archived: true });
      expect(slugs(data.locations?.nodes ?? [])).toEqual(slugs(archived.slice(0, 10)));
      expect(data.locations?.totalCount).toBe(archived.length);
      expect(data.locations?.nodes.every((l) => l.archived)).toBe(true);
      return Math.max(1, Math.ceil(listed / 100));
    },
  },
  {
    name: 'location(slug) { stats }',
    minimum: '2',
    why: 'GET /locations/{slug} and GET /locations/{slug}/stats: the counts are only in the stats.',
    async run() {
      const location = locationWhere((l) => new Set(ct.boxes.filter((b) => b.location_slug === l.slug).map((b) => b.state)).size >= 2);
      const boxes = await ct.boxesAt(location.slug);
      h.sim.resetLog();
      const data = await client.request(LocationStatsDocument, { slug: location.slug });
      const stats = data.location?.stats;
      expect(stats?.boxesTotal).toBe(boxes.length);
      expect(stats?.boxesOnline).toBe(boxes.filter((b) => b.state === 'online').length);
      expect(stats?.boxesOffline).toBe(boxes.filter((b) => b.state === 'offline').length);
      const byState = new Map(stats?.boxesByState.map((s) => [s.state, s.count]));
      for (const state of new Set(boxes.map((b) => b.state as string))) {
        expect(byState.get(state.toUpperCase() as never)).toBe(boxes.filter((b) => b.state === state).length);
      }
      return 2;
    },
  },
  {
    name: 'locations(first: 5) { stats { boxesOffline } }: which locations have boxes down',
    minimum: '1 + 5',
    why: 'one locations page, and one GET /locations/{slug}/stats per location (CT has no stats for many locations at once).',
    async run() {
      const data = await client.request(LocationsDownDocument, { first: 5 });
      h.sim.resetLog();
      for (const location of data.locations?.nodes ?? []) {
        const offline = (await ct.boxesAt(location.slug)).filter((b) => b.state === 'offline').length;
        expect(location.stats?.boxesOffline).toBe(offline);
      }
      h.sim.resetLog();
      await client.request(LocationsDownDocument, { first: 5 });
      return 1 + 5;
    },
  },
  {
    name: 'location(slug) { splashPages, vouchers(first: 3) { splashPage } }',
    minimum: '3',
    why: "the location, one GET /locations/{slug}/splash_pages shared by the list and every batch's splashPage, one vouchers page.",
    async run() {
      let picked: { location: CtLocation; pages: CtSplashPage[]; vouchers: CtVoucher[] } | undefined;
      for (const location of ct.locations) {
        const { splash_pages: pages } = await ct.get<{ splash_pages: CtSplashPage[] }>(`/locations/${location.slug}/splash_pages`);
        const vouchers = await ct.vouchersAt(location.slug);
        if (pages.length >= 2 && vouchers.length >= 2) {
          picked = { location, pages, vouchers };
          break;
        }
      }
      expect(picked, 'CT has a location with two or more splash pages and batches').toBeDefined();
      const { location, pages, vouchers } = picked!;
      h.sim.resetLog();
      const data = await client.request(SplashPagesDocument, { slug: location.slug, vouchersFirst: 3 });
      expect(data.location?.splashPages?.map((p) => [p.legacyId, p.name, p.uniqueId])).toEqual(
        pages.map((p) => [String(p.id), p.splash_name, p.unique_id == null ? null : String(p.unique_id)]),
      );
      for (const page of data.location?.splashPages ?? []) {
        expect(page.id).toBe(b64(`SplashPage:${location.slug}/${page.legacyId}`));
        expect(page.location.slug).toBe(location.slug);
      }
      for (const [i, v] of (data.location?.vouchers?.nodes ?? []).entries()) {
        expect(v.splashPageId).toBe(String(vouchers[i]?.splash_page_id));
        expect(v.splashPage?.legacyId).toBe(String(vouchers[i]?.splash_page_id));
      }
      return 3;
    },
  },
  {
    name: 'boxes(first: 10) { reachable }',
    minimum: '1 + 10',
    why: 'one boxes page, and one GET /boxes/{slug}/status per box: the ping is live, nothing else tells it.',
    async run() {
      const data = await client.request(BoxesReachableDocument, { first: 10, withReachable: true });
      const nodes = data.boxes?.nodes ?? [];
      expect(slugs(nodes)).toEqual(slugs(ct.boxes.slice(0, 10)));
      expect(calls().filter((c) => c.endsWith('/status'))).toEqual(nodes.map((b) => `GET /api/v1/boxes/${b.slug}/status`));
      for (const box of nodes) expect(box.reachable).toBe(box.online);
      return 1 + 10;
    },
  },
  {
    name: 'boxes(first: 10) without reachable',
    minimum: '1',
    why: 'one boxes page; no status call when `reachable` is not asked for.',
    async run() {
      const data = await client.request(BoxesReachableDocument, { first: 10, withReachable: false });
      expect(data.boxes?.nodes.every((b) => !('reachable' in b))).toBe(true);
      return 1;
    },
  },
  {
    name: 'boxes(machineType, firmwareVersion, first: 5)',
    minimum: '1',
    why: 'CT filters by machine_type and firmware_version itself: one page.',
    async run() {
      const sample = ct.boxes.find((b) => b.firmware_version) as CtBox;
      const expected = ct.boxes.filter((b) => b.machine_type === sample.machine_type && b.firmware_version === sample.firmware_version);
      const data = await client.request(BoxesReachableDocument, {
        first: 5,
        machineType: sample.machine_type,
        firmwareVersion: sample.firmware_version,
        withReachable: false,
      });
      expect(slugs(data.boxes?.nodes ?? [])).toEqual(slugs(expected.slice(0, 5)));
      expect(data.boxes?.totalCount).toBe(expected.length);
      expect(h.ctCalls()[0]?.query).toMatchObject({ machine_type: sample.machine_type, firmware_version: sample.firmware_version });
      return 1;
    },
  },
  {
    name: 'voucherCodes(search: code) { active activatedAt voucher { location } location }: which batch and location is code X',
    minimum: '3',
    why:
      "GET /codes?q= finds the code with its location's id; GET /locations/{id} gives the slug; GET /locations/{slug}/vouchers?username= " +
      'names the batch (CT has no other way from a code to its batch); voucher.location is the location already read.',
    async run() {
      const all = await ct.all<CtSearchedCode>('/codes', 'codes');
      const code = all.find((c) => c.date_activated !== null && all.filter((o) => o.username.includes(c.username)).length === 1);
      expect(code, 'CT has an activated code whose username no other code contains').toBeDefined();
      const location = ct.locations.find((l) => String(l.id) === String(code!.location_id)) as CtLocation;
      const batch = (await ct.all<CtVoucher>(`/locations/${location.slug}/vouchers`, 'vouchers', { username: code!.username }))[0];
      h.sim.resetLog();
      const data = await client.request(FindCodeDocument, { search: code!.username.toUpperCase(), first: 5 });
      expect(data.voucherCodes?.totalCount).toBe(1);
      expect(data.voucherCodes?.nodes[0]).toEqual({
        username: code!.username,
        active: code!.active,
        activatedAt: new Date((code!.date_activated as number) * 1000).toISOString(),
        createdAt: new Date((code!.created_at as number) * 1000).toISOString(),
        voucher: {
          id: b64(`Voucher:${location.slug}/${batch?.unique_id}`),
          uniqueId: Number(batch?.unique_id),
          name: batch?.batch_name,
          location: { slug: location.slug, name: location.location_name },
        },
        location: { slug: location.slug, name: location.location_name },
      });
      return 3;
    },
  },
  {
    name: 'voucherCodes(voucherId: V, first: 5) { voucher location }',
    minimum: '3',
    why: 'one GET /codes page (voucher_id and location_id passed); the batch is the one asked for (one GET) and its location one GET.',
    async run() {
      const { location, vouchers } = voucherAt;
      const batch = vouchers[0] as CtVoucher;
      const codes = await ct.codesOf(location.slug, batch.unique_id);
      h.sim.resetLog();
      const data = await client.request(FindCodeDocument, { voucherId: b64(`Voucher:${location.slug}/${batch.unique_id}`), first: 5 });
      expect(data.voucherCodes?.nodes.map((c) => c.username)).toEqual(codes.codes.slice(0, 5).map((c) => c.username));
      expect(data.voucherCodes?.totalCount).toBe(codes.total);
      for (const c of data.voucherCodes?.nodes ?? []) {
        expect(c.voucher?.uniqueId).toBe(Number(batch.unique_id));
        expect(c.location?.slug).toBe(location.slug);
      }
      expect(h.ctCalls()[0]?.query).toMatchObject({ voucher_id: String(batch.unique_id), location_id: location.slug });
      return 3;
    },
  },
  {
    name: "a batch's own codes { voucher location }",
    minimum: '3',
    why: "the location, the vouchers page, the codes page: each code's batch and location are the ones already read.",
    async run() {
      const { location, vouchers } = voucherAt;
      const data = await client.request(BatchCodesPlacedDocument, { slug: location.slug, codesFirst: 5 });
      const batch = data.location?.vouchers?.nodes[0];
      expect(batch?.uniqueId).toBe(Number(vouchers[0]?.unique_id));
      expect(batch?.codes?.nodes.length).toBeGreaterThan(0);
      for (const c of batch?.codes?.nodes ?? [])
        expect(c).toMatchObject({ voucher: { uniqueId: batch?.uniqueId }, location: { slug: location.slug } });
      return 3;
    },
  },
  {
    name: 'location, box and node that do not exist',
    minimum: '3',
    why: 'each lookup is one GET that CT answers 404; all three are null without an error.',
    async run() {
      const body = await post<{ data: unknown; errors?: unknown }>(MissingThingsDocument, {
        slug: 'no-such-location',
        boxSlug: 'no-such-box',
        id: b64('Location:also-missing'),
      });
      expect(body.errors).toBeUndefined();
      expect(body.data).toEqual({ location: null, box: null, node: null });
      return 3;
    },
  },
];

describe('read graph: results and the exact number of CT calls', () => {
  it('has at least 12 rows', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(12);
  });

  for (const row of TABLE) {
    it(`${row.name} = ${row.minimum} (${row.why})`, async () => {
      const minimum = await row.run();
      expect(calls(), `${row.name}: minimum ${row.minimum}`).toHaveLength(minimum);
    });
  }
});

describe('paging over CT pages', () => {
  it('walks locations(first: 10) forward: every location once, in CT order, one call per page', async () => {
    const seen: string[] = [];
    let after: string | null | undefined = null;
    let pages = 0;
    for (;;) {
      h.sim.resetLog();
      const data: LocationsPageQuery = await client.request(LocationsPageDocument, { first: 10, after });
      expect(calls()).toHaveLength(1);
      const conn = data.locations;
      expect(conn?.pageInfo.hasPreviousPage).toBe(pages > 0);
      seen.push(...(conn?.edges.map((e) => e.node.slug) ?? []));
      pages++;
      if (!conn?.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(slugs(ct.locations));
    expect(pages).toBe(Math.ceil(ct.locations.length / 10));
  });

  it('walks locations(last: 10, before) backward to the start, each page in order', async () => {
    const pages: string[][] = [];
    let before: string | null | undefined = null;
    for (;;) {
      const data: LocationsPageQuery = await client.request(LocationsPageDocument, { last: 10, before });
      const conn = data.locations;
      pages.unshift(conn?.edges.map((e) => e.node.slug) ?? []);
      if (!conn?.pageInfo.hasPreviousPage) break;
      before = conn.pageInfo.startCursor;
    }
    expect(pages.flat()).toEqual(slugs(ct.locations));
  });

  it('last: 3 before the 10th location gives the 7th to 9th in one call', async () => {
    const tenth = (await client.request(LocationsPageDocument, { first: 10 })).locations?.pageInfo.endCursor;
    h.sim.resetLog();
    const data = await client.request(LocationsPageDocument, { last: 3, before: tenth });
    expect(data.locations?.edges.map((e) => e.node.slug)).toEqual(slugs(ct.locations.slice(6, 9)));
    expect(data.locations?.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    expect(calls()).toHaveLength(1);
  });

  it("pages a location's boxes with unaligned windows, one call each", async () => {
    const location = locationWhere((l) => ct.boxes.filter((b) => b.location_slug === l.slug).length >= 9);
    const boxes = await ct.boxesAt(location.slug);
    const firstPage = await client.request(LocationBoxesPageDocument, { slug: location.slug, first: 3 });
    const cursor = firstPage.location?.boxes?.pageInfo.endCursor;
    h.sim.resetLog();
    const next = await client.request(LocationBoxesPageDocument, { slug: location.slug, first: 5, after: cursor });
    expect(next.location?.boxes?.edges.map((e) => e.node.slug)).toEqual(slugs(boxes.slice(3, 8)));
    expect(next.location?.boxesCount).toBe(boxes.length);
    expect(calls()).toHaveLength(2); // the location, and one boxes page holding offsets 3..7
  });

  it('refuses first/last above 100 or below 0 with BAD_USER_INPUT and no CT call', async () => {
    for (const variables of [{ first: 101 }, { last: 101 }, { first: -1 }]) {
      h.sim.resetLog();
      const body = await post<{ data: { locations: unknown }; errors: Errors }>(LocationsPageDocument, variables);
      expect(body.data.locations).toBeNull();
      expect(body.errors.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
      expect(calls()).toEqual([]);
    }
  });

  it('refuses a malformed cursor and state: UNKNOWN with BAD_USER_INPUT and no CT call', async () => {
    for (const [document, variables] of [
      [LocationsPageDocument, { first: 5, after: 'not-a-cursor' }],
      [AccountBoxesDocument, { first: 5, state: 'UNKNOWN' }],
    ] as const) {
      const body = await post<{ errors: Errors }>(document, variables);
      expect(body.errors.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    }
    expect(calls()).toEqual([]);
  });
});

describe('errors on reads', () => {
  it('a CT 500 on one list nulls only that field, with a coded error; the rest answers', async () => {
    const location = voucherAt.location;
    h.sim.control.addFault({ path: '/api/v1/locations/*/vouchers', status: 500 });
    const body = await post<{
      data: { viewer: unknown; location: { slug: string; vouchers: unknown; boxes: { totalCount: number } } };
      errors: Errors;
    }>(PartialFailureDocument, { slug: location.slug });
    expect(body.data.viewer).toEqual({ username: DEMO.username });
    expect(body.data.location.slug).toBe(location.slug);
    expect(body.data.location.vouchers).toBeNull();
    expect(body.data.location.boxes.totalCount).toBe((await ct.boxesAt(location.slug)).length);
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]?.path).toEqual(['location', 'vouchers']);
    expect(body.errors[0]?.extensions.code).toBe('UPSTREAM_ERROR');
  });

  it('a CT 500 on a root lookup is an error, not a silent null', async () => {
    const location = ct.locations[0] as CtLocation;
    h.sim.control.addFault({ path: `/api/v1/locations/${location.slug}`, status: 500 });
    const body = await post<{ data: { a: unknown; b: unknown }; errors: Errors }>(LocationTwiceDocument, { slug: location.slug });
    expect(body.data).toEqual({ a: null, b: null });
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['UPSTREAM_ERROR', 'UPSTREAM_ERROR']);
  });

  it('signed out: viewer is null without an error; data fields answer UNAUTHENTICATED with no CT call', async () => {
    const anonymousBody = await post<{ data: unknown; errors?: unknown }>(ViewerDocument, undefined, false);
    expect(anonymousBody.data).toEqual({ viewer: null });
    expect(anonymousBody.errors).toBeUndefined();
    const body = await post<{ data: { locations: unknown }; errors: Errors }>(LocationsPageDocument, { first: 5 }, false);
    expect(body.data.locations).toBeNull();
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    expect(calls()).toEqual([]);
  });

  it('a malformed ID is BAD_USER_INPUT; a well-formed ID of no node type is null', async () => {
    const badBody = await post<{ errors: Errors }>(NodesDocument, { ids: [], id: '!!!' });
    expect(badBody.errors.map((e) => e.extensions.code)).toContain('BAD_USER_INPUT');
    const data = await client.request(NodesDocument, { ids: [b64('Viewer:demo'), b64('Nope:1')], id: b64('PageInfo:x') });
    expect(data).toEqual({ nodes: [null, null], node: null });
    expect(calls()).toEqual([]);
  });

  it('a malformed ID in nodes(ids:) nulls only its own item, with BAD_USER_INPUT at its index, on both paths alike', async () => {
    const location = ct.locations[0] as CtLocation;
    const query = 'query Mixed($ids: [ID!]!) { nodes(ids: $ids) { id ... on Location { slug } } }';
    const variables = { ids: ['garbage', b64(`Location:${location.slug}`), '!!!'] };
    // The JSON fast path, and yoga (a GET is never taken by the fast path).
    const fast = await (await h.post({ query, variables }, { authorization: `Bearer ${token}` })).json();
    expect(calls()).toEqual([`GET /api/v1/locations/${location.slug}`]);
    const url = new URL(`${FACADE_URL}/graphql`);
    url.searchParams.set('query', query);
    url.searchParams.set('variables', JSON.stringify(variables));
    const viaYoga = await (
      await h.app.fetch(new Request(url, { headers: { accept: 'application/json', authorization: `Bearer ${token}` } }))
    ).json();

    for (const body of [fast, viaYoga]) {
      expect(body.data).toEqual({ nodes: [null, { id: b64(`Location:${location.slug}`), slug: location.slug }, null] });
      expect(body.errors.map((e: { path: unknown; extensions: { code: string } }) => [e.path, e.extensions.code])).toEqual([
        [['nodes', 0], 'BAD_USER_INPUT'],
        [['nodes', 2], 'BAD_USER_INPUT'],
      ]);
    }
    const comparable = (body: { data: unknown; errors: Array<{ message: string; path: unknown; extensions: unknown }> }) => ({
      data: body.data,
      errors: body.errors.map(({ message, path, extensions }) => ({ message, path, extensions })),
    });
    expect(comparable(fast)).toEqual(comparable(viaYoga));
  });

  it('an ID whose CT lookup fails nulls only its own index, after a sibling that answered at once', async () => {
    const failing = ct.locations[0] as CtLocation;
    h.sim.control.addFault({ path: `/api/v1/locations/${failing.slug}`, status: 500 });
    const body = await post<{ data: { nodes: unknown[] }; errors: Errors }>(NodesDocument, {
      ids: [b64(`Location:${failing.slug}`), b64('Nope:1')],
      id: b64('Nope:2'),
    });
    expect(body.data.nodes).toEqual([null, null]);
    expect(body.errors.map((e) => [e.path, e.extensions.code])).toEqual([[['nodes', 0], 'UPSTREAM_ERROR']]);
  });
});
