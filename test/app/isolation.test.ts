/**
 * Two CT accounts through one app: each session sees only its own account's data, asking for the
 * other account's objects by slug gives null, and concurrent requests of both users never mix
 * (loaders and their caches belong to one request).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../simulator/app.js';
import { createHarness, type Harness } from '../harness.js';

interface Account {
  token: string;
  username: string;
  locations: string[];
  boxes: string[];
}

const LISTS = `query Mine {
  viewer { username }
  locations(first: 100) { totalCount nodes { slug } }
}`;
const BOXES =
  'query Boxes($after: String) { boxes(first: 100, after: $after) { totalCount nodes { slug } pageInfo { hasNextPage endCursor } } }';

let h: Harness;
let a: Account;
let b: Account;

async function post(token: string, query: string, variables?: Record<string, unknown>) {
  const res = await h.post({ query, variables }, { authorization: `Bearer ${token}` });
  expect(res.status).toBe(200);
  return res.json();
}

async function account(username: string): Promise<Account> {
  const token = await h.login(username);
  const body = await post(token, LISTS);
  expect(body.errors).toBeUndefined();
  expect(body.data.viewer.username).toBe(username);
  // every location fits one page, so the list below is the whole account
  expect(body.data.locations.totalCount).toBeLessThanOrEqual(100);
  const boxes: string[] = [];
  for (let after: string | null = null; ; ) {
    const page = await post(token, BOXES, { after });
    expect(page.errors).toBeUndefined();
    boxes.push(...page.data.boxes.nodes.map((x: { slug: string }) => x.slug));
    if (!page.data.boxes.pageInfo.hasNextPage) {
      expect(boxes).toHaveLength(page.data.boxes.totalCount);
      break;
    }
    after = page.data.boxes.pageInfo.endCursor;
  }
  return { token, username, locations: body.data.locations.nodes.map((l: { slug: string }) => l.slug), boxes };
}

beforeAll(async () => {
  h = createHarness();
  a = await account(DEMO.username);
  b = await account(DEMO.otherUsername);
});

describe('two accounts through the same app', () => {
  it('have location and box lists that do not overlap', () => {
    expect(a.locations.length).toBeGreaterThan(0);
    expect(b.locations.length).toBeGreaterThan(0);
    expect(b.boxes.length).toBeGreaterThan(0);
    expect(a.locations.filter((s) => b.locations.includes(s))).toEqual([]);
    expect(a.boxes.filter((s) => b.boxes.includes(s))).toEqual([]);
  });

  it("B asking for A's location and box by slug gets null, while A gets them", async () => {
    const query = 'query One($loc: String!, $box: String!) { location(slug: $loc) { slug name } box(slug: $box) { slug } }';
    const variables = { loc: a.locations[0], box: a.boxes[0] };
    const asA = await post(a.token, query, variables);
    expect(asA.errors).toBeUndefined();
    expect(asA.data.location.slug).toBe(a.locations[0]);
    expect(asA.data.box.slug).toBe(a.boxes[0]);

    const asB = await post(b.token, query, variables);
    expect(asB.errors).toBeUndefined();
    expect(asB.data).toEqual({ location: null, box: null });
  });

  it("B cannot reach A's location through a global ID or a box list filtered by A's location either", async () => {
    const id = Buffer.from(`Location:${a.locations[0]}`, 'utf8').toString('base64url');
    const node = await post(b.token, 'query N($id: ID!) { node(id: $id) { id } }', { id });
    expect(node.errors).toBeUndefined();
    expect(node.data.node).toBeNull();
    const filtered = await post(b.token, 'query F($loc: String!) { boxes(first: 5, locationSlug: $loc) { nodes { slug } } }', {
      loc: a.locations[0],
    });
    expect(filtered.data?.boxes?.nodes ?? []).toEqual([]);
  });

  it('requests of A and B in parallel each get only their own data', async () => {
    // The same documents from both users at once, several times over, interleaved: any cache shared
    // between requests (or a loader keyed without the user) would hand one user the other's objects.
    const shared = [a.locations[0], b.locations[0]];
    const query = `query Mixed($x: String!, $y: String!) {
      viewer { username }
      locations(first: 100) { nodes { slug } }
      x: location(slug: $x) { slug }
      y: location(slug: $y) { slug }
    }`;
    const runs = Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b));
    const bodies = await Promise.all(runs.map((who) => post(who.token, query, { x: shared[0], y: shared[1] })));
    for (const [i, body] of bodies.entries()) {
      const who = runs[i]!;
      expect(body.errors).toBeUndefined();
      expect(body.data.viewer.username).toBe(who.username);
      expect(body.data.locations.nodes.map((l: { slug: string }) => l.slug)).toEqual(who.locations);
      const own = who === a ? 'x' : 'y';
      const other = who === a ? 'y' : 'x';
      expect(body.data[own]?.slug).toBe(who === a ? shared[0] : shared[1]);
      expect(body.data[other]).toBeNull();
    }
  });
});
