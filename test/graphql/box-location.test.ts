/**
 * Box.location answered from the box itself: a box's CT record names its location's slug, and a
 * Location's global ID is made from that slug, so a selection of only `id`, `slug` and `__typename`
 * (through aliases, fragments, inline fragments, merged field nodes, `@skip`/`@include`) costs no CT
 * call, and anything else still reads the location. Each shape runs twice on the JSON fast path: the
 * pipeline compiles an operation with graphql-jit on its second use, and both runs must agree.
 * compileQuery is wrapped, not replaced, only to see that the second run is the compiled one.
 * Expected data comes from CT's own answers (ct-data.ts); counts from the number of distinct locations.
 */
import { compileQuery } from 'graphql-jit';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSimulator, DEMO } from '../../simulator/app.js';
import type { CtBox, CtLocation } from '../../src/ct/types.js';
import { createAppOver, createHarness, FACADE_URL, type Harness, sessionFor } from '../harness.js';
import { type CtData, loadCtData } from './ct-data.js';

vi.mock('graphql-jit', async (importOriginal) => {
  const original = await importOriginal<typeof import('graphql-jit')>();
  return { ...original, compileQuery: vi.fn(original.compileQuery) };
});
const compiled = vi.mocked(compileQuery);

const FIRST = 20;
const locationId = (slug: string): string => Buffer.from(`Location:${slug}`, 'utf8').toString('base64url');

type Body = { data?: any; errors?: Array<{ message: string; path?: Array<string | number>; extensions?: { code?: string } }> };

let h: Harness;
let token: string;
let ct: CtData;
/** The first FIRST boxes of CT's account-wide list, and how many distinct locations they are at. */
let boxes: CtBox[];
let distinct: number;

beforeAll(async () => {
  h = createHarness();
  token = await h.login();
  ct = await loadCtData(h.sim);
  boxes = ct.boxes.slice(0, FIRST);
  distinct = new Set(boxes.map((b) => b.location_slug)).size;
  expect(boxes).toHaveLength(FIRST);
  expect(distinct, 'the first boxes are at more than one location').toBeGreaterThan(1);
});

beforeEach(() => {
  h.sim.resetLog();
  compiled.mockClear();
});

const post = async (query: string, variables?: Record<string, unknown>): Promise<Body> =>
  (await (await h.post({ query, variables }, { authorization: `Bearer ${token}` })).json()) as Body;

const ctLocation = (slug: string): CtLocation => {
  const found = ct.locations.find((l) => l.slug === slug);
  if (!found) throw new Error(`no location ${slug} in the CT data`);
  return found;
};

interface Shape {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** True when the selection asks for more than the box knows, so each distinct location is read once. */
  reads: boolean;
  /** What `location` answers for a box at this CT location. */
  expected(location: CtLocation): Record<string, unknown>;
}

const keys = (l: CtLocation) => ({ id: locationId(l.slug), slug: l.slug });

const SHAPES: Shape[] = [
  {
    name: 'location { id slug }',
    query: `{ boxes(first: ${FIRST}) { nodes { slug location { id slug } } } }`,
    reads: false,
    expected: keys,
  },
  {
    name: 'aliases and __typename',
    query: `{ boxes(first: ${FIRST}) { nodes { slug location { __typename key: id s: slug } } } }`,
    reads: false,
    expected: (l) => ({ __typename: 'Location', key: locationId(l.slug), s: l.slug }),
  },
  {
    name: 'a named fragment of slug and an inline fragment on Node',
    query:
      `query KeyFragments { boxes(first: ${FIRST}) { nodes { slug location { ...LocationKey ... on Node { id } } } } }\n` +
      'fragment LocationKey on Location { slug ... { __typename } }',
    reads: false,
    expected: (l) => ({ slug: l.slug, __typename: 'Location', id: locationId(l.slug) }),
  },
  {
    name: 'the same field twice, merged: id, then slug',
    query: `{ boxes(first: ${FIRST}) { nodes { slug location { id } location { slug } } } }`,
    reads: false,
    expected: keys,
  },
  {
    name: 'name left out by @include(if: false) and @skip(if: true)',
    query:
      `query Maybe($full: Boolean!) { boxes(first: ${FIRST}) { nodes { slug location { id slug name @include(if: $full) ` +
      '...LocationName @skip(if: true) } } } }\nfragment LocationName on Location { name }',
    variables: { full: false },
    reads: false,
    expected: keys,
  },
  {
    name: 'a second location field left out by its own @include(if: false)',
    // graphql-jit hands the resolver both field nodes (it tests the directive at run time); graphql-js only the first.
    query:
      `query Second($full: Boolean!) { boxes(first: ${FIRST}) { nodes { slug location { id slug } ` +
      'location @include(if: $full) { name } } } }',
    variables: { full: false },
    reads: false,
    expected: keys,
  },
  {
    name: 'location { name }',
    query: `{ boxes(first: ${FIRST}) { nodes { slug location { name } } } }`,
    reads: true,
    expected: (l) => ({ name: l.location_name }),
  },
  {
    name: 'a named fragment selecting name',
    query:
      `query NameFragment { boxes(first: ${FIRST}) { nodes { slug location { id ...LocationName } } } }\n` +
      'fragment LocationName on Location { name }',
    reads: true,
    expected: (l) => ({ id: locationId(l.slug), name: l.location_name }),
  },
  {
    name: 'a fragment spreading a fragment that selects name',
    query:
      `query Nested { boxes(first: ${FIRST}) { nodes { slug location { ...Outer } } } }\n` +
      'fragment Outer on Location { slug ...Inner }\nfragment Inner on Location { name }',
    reads: true,
    expected: (l) => ({ slug: l.slug, name: l.location_name }),
  },
  {
    name: 'an inline fragment selecting name',
    query: `{ boxes(first: ${FIRST}) { nodes { slug location { slug ... on Location { name } } } } }`,
    reads: true,
    expected: (l) => ({ slug: l.slug, name: l.location_name }),
  },
  {
    name: 'the same field twice, merged: id, then name',
    query: `{ boxes(first: ${FIRST}) { nodes { slug location { id } location { name } } } }`,
    reads: true,
    expected: (l) => ({ id: locationId(l.slug), name: l.location_name }),
  },
  {
    name: 'name kept by @include(if: true)',
    query: `query Kept($full: Boolean!) { boxes(first: ${FIRST}) { nodes { slug location { id name @include(if: $full) } } } }`,
    variables: { full: true },
    reads: true,
    expected: (l) => ({ id: locationId(l.slug), name: l.location_name }),
  },
];

describe('Box.location from the box, on graphql-js and then compiled by graphql-jit', () => {
  for (const shape of SHAPES) {
    const minimum = shape.reads ? '1 + the distinct locations' : '1';
    it(`boxes(first: ${FIRST}) with ${shape.name}: ${minimum} CT call(s), both runs alike`, async () => {
      const runs: Array<{ body: Body; calls: string[] }> = [];
      for (let run = 0; run < 2; run++) {
        h.sim.resetLog();
        const body = await post(shape.query, shape.variables);
        runs.push({ body, calls: h.ctCalls().map((c) => `${c.method} ${c.path}`) });
      }
      // The second use compiled it; the first ran on graphql-js.
      expect(compiled).toHaveBeenCalledTimes(1);
      for (const { body, calls } of runs) {
        expect(body.errors).toBeUndefined();
        const nodes = body.data.boxes.nodes as Array<{ slug: string; location: Record<string, unknown> }>;
        expect(nodes.map((n) => n.slug)).toEqual(boxes.map((b) => b.slug));
        for (const [i, node] of nodes.entries()) expect(node.location).toEqual(shape.expected(ctLocation(boxes[i]!.location_slug!)));
        const reads = shape.reads ? [...new Set(boxes.map((b) => `GET /api/v1/locations/${b.location_slug}`))] : [];
        expect(calls.sort()).toEqual(['GET /api/v1/boxes', ...reads].sort());
      }
      expect(runs[1]!.body.data).toEqual(runs[0]!.body.data);
    });
  }
});

/** How the CT under `reshapedFacade` departs from the simulator; changed by the tests as they go. */
interface Reshaping {
  /** Box records without `location_slug`: CT names the location by its numeric id only. */
  stripLocationSlug: boolean;
  /** Locations CT no longer shows: GET /locations/{slug} answers 404. */
  hidden: Set<string>;
}

/** The facade over a CT that answers as `reshaping` says, and a way to query it signed in. */
function reshapedFacade(reshaping: Reshaping) {
  const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
  const reshape = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const location = /^\/api\/v1\/locations\/([^/]+)$/.exec(url.pathname)?.[1];
    if (request.method === 'GET' && location && reshaping.hidden.has(decodeURIComponent(location))) {
      return new Response(JSON.stringify({ message: 'Not found' }), { status: 404, headers: { 'content-type': 'application/json' } });
    }
    const response = await sim.fetch(request);
    if (!reshaping.stripLocationSlug || request.method !== 'GET' || !url.pathname.startsWith('/api/v1/boxes') || !response.ok) {
      return response;
    }
    const body = await response.json();
    const strip = (b: Record<string, unknown>) => ({ ...b, location_slug: undefined });
    const reshaped = Array.isArray(body.boxes) ? { ...body, boxes: body.boxes.map(strip) } : strip(body);
    return new Response(JSON.stringify(reshaped), { status: response.status, headers: response.headers });
  };
  const { app } = createAppOver(sim, {}, reshape);
  return {
    sim,
    async post(query: string): Promise<Body> {
      const token = await sessionFor(app, sim);
      const response = await app.fetch(
        new Request(`${FACADE_URL}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query }),
        }),
      );
      return (await response.json()) as Body;
    },
  };
}

describe('Box.location when the box does not know enough, or the location is gone', () => {
  it('boxes that name their location by numeric id only: id and slug read each location once, by that id, and are right', async () => {
    const f = reshapedFacade({ stripLocationSlug: true, hidden: new Set() });
    const data = await loadCtData(f.sim, DEMO.username);
    const first = data.boxes.slice(0, FIRST);
    f.sim.resetLog();
    const body = await f.post(`{ boxes(first: ${FIRST}) { nodes { slug location { id slug } } } }`);
    expect(body.errors).toBeUndefined();
    for (const [i, node] of (body.data.boxes.nodes as Array<{ slug: string; location: unknown }>).entries()) {
      expect(node.slug).toBe(first[i]!.slug);
      expect(node.location).toEqual({ id: locationId(first[i]!.location_slug!), slug: first[i]!.location_slug });
    }
    // A numeric id is not what a Location ID holds, so the slug must come from CT: one read per distinct location.
    const byId = [...new Set(first.map((b) => `GET /api/v1/locations/${b.location_id}`))];
    expect(
      f.sim
        .apiCalls()
        .map((c) => `${c.method} ${c.path}`)
        .sort(),
    ).toEqual(['GET /api/v1/boxes', ...byId].sort());
  });

  it('a location CT no longer shows: id and slug still answer from the box; name is NOT_FOUND', async () => {
    const reshaping: Reshaping = { stripLocationSlug: false, hidden: new Set() };
    const f = reshapedFacade(reshaping);
    const box = (await loadCtData(f.sim, DEMO.username)).boxes[0]!;
    reshaping.hidden.add(box.location_slug!);
    f.sim.resetLog();
    const keysOnly = await f.post(`{ box(slug: "${box.slug}") { slug location { id slug } } }`);
    expect(keysOnly).toMatchObject({
      data: { box: { slug: box.slug, location: { id: locationId(box.location_slug!), slug: box.location_slug } } },
    });
    expect(keysOnly.errors).toBeUndefined();
    expect(f.sim.apiCalls().map((c) => c.path)).toEqual([`/api/v1/boxes/${box.slug}`]);

    const named = await f.post(`{ box(slug: "${box.slug}") { slug location { id name } } }`);
    expect(named.data.box).toBeNull();
    expect(named.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['box', 'location'], 'NOT_FOUND']]);
  });
});
