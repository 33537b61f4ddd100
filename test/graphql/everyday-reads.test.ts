// Issue 17's reads beyond the table of minimum calls: argument checks that refuse before any CT call,
// prices that bound what the log shows, and the facade against CT stand-ins that answer in other
// documented ways (no archived filter, code records that do not name their location, stats in
// aggregation spelling, a ping CT cannot answer).
import { print } from 'graphql';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/app.js';
import type { CtLocation, CtSearchedCode } from '../../src/ct/types.js';
import { BoxesReachableDocument, FilteredLocationsDocument, FindCodeDocument, LocationStatsDocument } from '../gql/graphql.js';
import { createAppOver, createHarness, FACADE_URL, type Harness, sessionFor } from '../harness.js';
import { type CtData, loadCtData } from './ct-data.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

interface Body {
  data: Record<string, any> | null;
  errors?: Array<{ message: string; path?: string[]; extensions: { code: string } }>;
  extensions?: { cost: { ctCalls: number; estimated: number } };
}

/** A facade over `sim` whose CT answers pass through `reshape` first: another CT, answering in another documented way. */
async function standIn(sim: Simulator, reshape: (url: URL, response: Response) => Promise<Response>) {
  const { app } = createAppOver(sim, {}, async (request) => reshape(new URL(request.url), await sim.fetch(request)));
  const issued = sim.control.issueTokens();
  const sealed = await (await app.sessions()).seal({
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    expiresAt: Date.now() + 3600_000,
  });
  return async (query: string, variables?: Record<string, unknown>): Promise<Body> =>
    (
      await app.fetch(
        new Request(`${FACADE_URL}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${sealed.token}` },
          body: JSON.stringify({ query, variables }),
        }),
      )
    ).json();
}

const withBody = async (response: Response, change: (body: any) => unknown): Promise<Response> =>
  new Response(JSON.stringify(change(await response.json())), { status: response.status, headers: response.headers });

describe('everyday reads', () => {
  let h: Harness;
  let token: string;
  let ct: CtData;
  const post = async (query: string, variables?: Record<string, unknown>): Promise<Body> =>
    (await h.post({ query, variables }, { authorization: `Bearer ${token}` })).json();

  beforeAll(async () => {
    h = createHarness();
    token = await h.login();
    ct = await loadCtData(h.sim);
  });
  beforeEach(() => h.sim.resetLog());

  it('refuses favourites: false, crossed location and batch, from after to, foreign IDs: BAD_USER_INPUT, no CT call', async () => {
    const [a, b] = ct.locations as [CtLocation, CtLocation];
    const cases: Array<[string, Record<string, unknown>]> = [
      [print(FilteredLocationsDocument), { favourites: false }],
      [print(FindCodeDocument), { locationId: b64(`Location:${a.slug}`), voucherId: b64(`Voucher:${b.slug}/123`) }],
      [print(FindCodeDocument), { from: '2024-05-02T00:00:00Z', to: '2024-05-01T00:00:00Z' }],
      [print(FindCodeDocument), { locationId: b64(`Box:${a.slug}`) }],
      [print(FindCodeDocument), { voucherId: b64(`Voucher:${a.slug}/not-a-number`) }],
    ];
    for (const [query, variables] of cases) {
      const body = await post(query, variables);
      expect(
        body.errors?.map((e) => e.extensions.code),
        JSON.stringify(variables),
      ).toEqual(['BAD_USER_INPUT']);
    }
    expect(h.ctCalls()).toEqual([]);
  });

  it("passes from/to as CT's start/end (epoch seconds) and activated through, and pages the search", async () => {
    const all = await ct.all<CtSearchedCode>('/codes', 'codes');
    const times = [...new Set(all.map((c) => c.created_at as number))].sort((x, y) => x - y);
    const [from, to] = [times[1] as number, times[times.length - 2] as number];
    const expected = all.filter((c) => (c.created_at as number) >= from && (c.created_at as number) <= to && c.date_activated !== null);
    h.sim.resetLog();
    const iso = (s: number) => new Date(s * 1000).toISOString();
    const body = await post(print(FindCodeDocument), { first: 7, activated: true, from: iso(from), to: iso(to) });
    expect(body.errors).toBeUndefined();
    expect(body.data?.voucherCodes.totalCount).toBe(expected.length);
    expect(body.data?.voucherCodes.nodes.map((c: { username: string }) => c.username)).toEqual(expected.slice(0, 7).map((c) => c.username));
    const search = h.ctCalls().find((c) => c.path === '/api/v1/codes');
    expect(search?.query).toMatchObject({ start: String(from), end: String(to), activated: 'true' });
    expect(body.extensions?.cost.estimated).toBeGreaterThanOrEqual(body.extensions?.cost.ctCalls ?? Number.POSITIVE_INFINITY);
    expect(body.extensions?.cost.ctCalls).toBe(h.ctCalls().length);
  });

  it('pings a box once per request however often reachable is asked', async () => {
    const slug = ct.boxes[0]?.slug;
    const body = await post('query($slug: String!) { a: box(slug: $slug) { reachable } b: box(slug: $slug) { reachable slug } }', { slug });
    expect(body.errors).toBeUndefined();
    expect(body.data?.a.reachable).toBe(body.data?.b.reachable);
    expect(h.ctCalls().map((c) => c.path)).toEqual([`/api/v1/boxes/${slug}`, `/api/v1/boxes/${slug}/status`]);
  });

  it('prices reachable at one call per box and a searched code at three, never below what the log shows', async () => {
    const reach = await post(print(BoxesReachableDocument), { first: 10, withReachable: true });
    expect(reach.extensions?.cost).toMatchObject({ ctCalls: 11 });
    expect(reach.extensions?.cost.estimated).toBeGreaterThanOrEqual(11);
    const plain = await post(print(BoxesReachableDocument), { first: 10, withReachable: false });
    expect(plain.extensions?.cost.ctCalls).toBe(1);
    const code = (await ct.all<CtSearchedCode>('/codes', 'codes'))[0] as CtSearchedCode;
    const found = await post(print(FindCodeDocument), { search: code.username, first: 1 });
    expect(found.extensions?.cost.ctCalls).toBe(3);
    expect(found.extensions?.cost.estimated).toBeGreaterThanOrEqual(3);
  });
});

describe('against CT stand-ins that answer in other documented ways', () => {
  it('locations(archived:) is right when CT ignores the archived parameter, still at one call per 100 locations', async () => {
    const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
    // A CT without the (undocumented) archived filter: the parameter is dropped before the simulator sees it.
    const { app } = createAppOver(sim, {}, (request) => {
      const url = new URL(request.url);
      url.searchParams.delete('archived');
      return sim.fetch(new Request(url, request));
    });
    // Sealed as sign-in seals it, with the CT account: the budget asks no /me.json.
    const token = await sessionFor(app, sim);
    const ask = async (variables: Record<string, unknown>): Promise<Body> =>
      (
        await app.fetch(
          new Request(`${FACADE_URL}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query: print(FilteredLocationsDocument), variables }),
          }),
        )
      ).json();
    const ct = await loadCtData(sim);
    for (const archived of [true, false]) {
      const expected = ct.locations.filter((l) => Boolean(l.archived) === archived);
      sim.resetLog();
      const body = await ask({ first: 5, after: b64('offset:0'), archived });
      expect(body.errors).toBeUndefined();
      expect(body.data?.locations.nodes.map((l: { slug: string }) => l.slug)).toEqual(expected.slice(1, 6).map((l) => l.slug));
      expect(body.data?.locations.totalCount).toBe(expected.length);
      expect(body.data?.locations.pageInfo.hasNextPage).toBe(expected.length > 6);
      expect(sim.apiCalls()).toHaveLength(Math.ceil(ct.locations.length / 100));
    }
  });

  it('codes whose records do not name their location: an UPSTREAM_ERROR saying so, and placed when the search names it', async () => {
    const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
    const ask = await standIn(sim, async (url, response) =>
      url.pathname === '/api/v1/codes'
        ? withBody(response, (body) => ({ ...body, codes: body.codes.map(({ location_id: _, ...code }: CtSearchedCode) => code) }))
        : response,
    );
    const ct = await loadCtData(sim);
    const code = (await ct.all<CtSearchedCode>('/codes', 'codes'))[0] as CtSearchedCode;
    const location = ct.locations.find((l) => String(l.id) === String(code.location_id)) as CtLocation;
    const unplaced = await ask(print(FindCodeDocument), { search: code.username, first: 1 });
    expect(unplaced.data?.voucherCodes.nodes[0]).toMatchObject({ username: code.username, voucher: null, location: null });
    expect(unplaced.errors?.map((e) => [e.path?.slice(-1)[0], e.extensions.code]).sort()).toEqual([
      ['location', 'UPSTREAM_ERROR'],
      ['voucher', 'UPSTREAM_ERROR'],
    ]);
    expect(unplaced.errors?.[0]?.message).toMatch(/locationId/);
    const placed = await ask(print(FindCodeDocument), { search: code.username, first: 1, locationId: b64(`Location:${location.slug}`) });
    expect(placed.errors).toBeUndefined();
    expect(placed.data?.voucherCodes.nodes[0].location).toEqual({ slug: location.slug, name: location.location_name });
    expect(placed.data?.voucherCodes.nodes[0].voucher.location.slug).toBe(location.slug);
  });

  it('reads stats in aggregation spelling (key, doc_count) and counts states it does not know under UNKNOWN', async () => {
    const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
    const ask = await standIn(sim, async (url, response) =>
      url.pathname.endsWith('/stats')
        ? withBody(response, () => ({
            stats: {
              boxes: {
                states: [
                  { key: 'online', doc_count: 3 },
                  { key: 'offline', doc_count: '2' },
                  { key: 'splash_only', doc_count: 1 },
                  { key: 'warming', doc_count: 4 },
                ],
              },
            },
          }))
        : response,
    );
    const slug = (await loadCtData(sim)).locations[0]?.slug;
    const body = await ask(print(LocationStatsDocument), { slug });
    expect(body.errors).toBeUndefined();
    expect(body.data?.location.stats).toEqual({
      boxesTotal: 10,
      boxesOnline: 3,
      boxesOffline: 2,
      boxesByState: [
        { state: 'ONLINE', count: 3 },
        { state: 'OFFLINE', count: 2 },
        { state: 'UNKNOWN', count: 5 },
      ],
    });
  });

  it('reachable is null when CT cannot say (404), and a failing ping nulls only its own box', async () => {
    const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
    const ask = await standIn(sim, async (_url, response) => response);
    const boxes = (await loadCtData(sim)).boxes.slice(0, 3);
    sim.control.addFault({ path: `/api/v1/boxes/${boxes[0]?.slug}/status`, status: 404 });
    sim.control.addFault({ path: `/api/v1/boxes/${boxes[1]?.slug}/status`, status: 500 });
    const body = await ask(print(BoxesReachableDocument), { first: 3, withReachable: true });
    const nodes = body.data?.boxes.nodes as Array<{ reachable: boolean | null; online: boolean }>;
    expect(nodes[0]?.reachable).toBeNull();
    expect(nodes[1]?.reachable).toBeNull();
    expect(nodes[2]?.reachable).toBe(nodes[2]?.online);
    expect(body.errors?.map((e) => [e.path, e.extensions.code])).toEqual([[['boxes', 'nodes', 1, 'reachable'], 'UPSTREAM_ERROR']]);
  });
});
