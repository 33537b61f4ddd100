/**
 * Issue 6 acceptance with the simulator's fault switches: read retries, partial results, rate
 * limits, timeouts, limits before execution, reported cost, CSRF, metrics and bad bodies.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createSimulator } from '../../simulator/app.js';
import { parse } from 'graphql';
import { MUTATION_CALLS, measureQuery } from '../../src/limits.js';
import { schema } from '../../src/schema/index.js';
import { createAppOver, createHarness, CT_URL, FACADE_URL, type Harness, simulatorUserId } from '../harness.js';
import { disposeApp, issueApiToken } from '../api-tokens.js';

const LIST = { query: 'query List { locations(first: 5) { totalCount nodes { id name } } }' };

function assertClean(text: string, token: string) {
  expect(text).not.toContain('ct.test');
  expect(text).not.toContain('/api/v1');
  expect(text).not.toContain(token);
  expect(text).not.toMatch(/[0-9a-f]{64}/);
  expect(text).not.toMatch(/\bat .+\.(ts|js):\d+/);
}

const scrape = async (h: Harness): Promise<string> => (await h.app.fetch(new Request(`${FACADE_URL}/metrics`))).text();
/** The value of the first sample matching `re` (group 1), 0 when absent. */
const count = (text: string, re: RegExp): number => Number(re.exec(text)?.[1] ?? 0);
/** The sum of every sample of `name` whose labels match `labels` (a regex source over the label text). */
function total(text: string, name: string, labels = '[^}]*'): number {
  const re = new RegExp(`^${name}(?:\\{${labels}\\})? (\\d+(?:\\.\\d+)?)$`, 'gm');
  let sum = 0;
  for (const m of text.matchAll(re)) sum += Number(m[1]);
  return sum;
}

describe('upstream resilience', () => {
  let h: Harness;
  let token: string;
  let auth: Record<string, string>;
  beforeEach(async () => {
    h = createHarness({ env: { CT_TIMEOUT_MS: '300' } });
    token = await h.login();
    auth = { authorization: `Bearer ${token}` };
    h.sim.resetLog();
  });

  it('one 503 on a read is retried and the query succeeds (two calls in the log)', async () => {
    h.sim.control.addFault({ method: 'GET', path: '/api/v1/locations', status: 503, times: 1 });
    const body = await (await h.post(LIST, auth)).json();
    expect(body.errors).toBeUndefined();
    expect(body.data.locations.nodes).toHaveLength(5);
    expect(h.ctCalls().map((c) => c.status)).toEqual([503, 200]);
  });

  it('a persistent 500 on one field gives partial data with a coded error and no URL or token', async () => {
    const list = await (await h.post({ query: '{ locations(first: 2) { nodes { slug } } }' }, auth)).json();
    const [first, second] = list.data.locations.nodes.map((n: { slug: string }) => n.slug);
    h.sim.control.addFault({ method: 'GET', path: `/api/v1/locations/${first}`, status: 500 });
    const res = await h.post({ query: `{ a: location(slug: "${first}") { name } b: location(slug: "${second}") { name } }` }, auth);
    const text = await res.text();
    const body = JSON.parse(text);
    expect(body.data.a).toBeNull();
    expect(body.data.b.name).toBeTruthy();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].path).toEqual(['a']);
    expect(body.errors[0].extensions.code).toBe('UPSTREAM_ERROR');
    assertClean(text, token);
  });

  it('a 429 with Retry-After: 1 is honoured, then the read succeeds', async () => {
    h.sim.control.addFault({ method: 'GET', path: '/api/v1/locations', status: 429, retryAfterSeconds: 1, times: 1 });
    const body = await (await h.post(LIST, auth)).json();
    expect(body.data.locations.nodes).toHaveLength(5);
    const calls = h.ctCalls();
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it('a rate limit that outlasts the retries answers RATE_LIMITED with retryAfter', async () => {
    h.sim.control.addFault({ method: 'GET', path: '/api/v1/locations', status: 429, retryAfterSeconds: 120 });
    const body = await (await h.post(LIST, auth)).json();
    expect(body.data.locations).toBeNull();
    expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(body.errors[0].extensions.retryAfter).toBe(120);
  });

  it('a slow CT gives UPSTREAM_UNAVAILABLE, not a hang', async () => {
    h.sim.control.setLatency(2_000);
    const body = await (await h.post(LIST, auth)).json();
    h.sim.control.setLatency(0);
    expect(body.data.locations).toBeNull();
    expect(body.errors[0].extensions.code).toBe('UPSTREAM_UNAVAILABLE');
  });
});

describe('limits before execution and reported cost', () => {
  let h: Harness;
  let auth: Record<string, string>;
  beforeEach(async () => {
    h = createHarness();
    auth = { authorization: `Bearer ${await h.login()}` };
    h.sim.resetLog();
  });

  // first: 1 on every connection keeps the estimate far under the CT-call budget and there are no
  // aliases: only the depth limit can refuse this query (the MAX_DEPTH=12 control below proves it).
  const DEEP =
    '{ locations(first: 1) { nodes { boxes(first: 1) { nodes { location { boxes(first: 1) { nodes { location { boxes(first: 1) { nodes ' +
    '{ location { name } } } } } } } } } } } }';

  it('refuses a query nested 12 levels deep before any CT call, for its depth alone', async () => {
    const body = await (await h.post({ query: DEEP }, auth)).json();
    expect(body.data ?? null).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', depth: 12, maxDepth: 10 });
    expect(body.errors[0].extensions.estimate).toBeUndefined();
    expect(body.errors[0].extensions.aliases).toBeUndefined();
    expect(h.ctCalls()).toHaveLength(0);
  });

  it('runs the same 12-deep query when MAX_DEPTH allows 12 (nothing else refuses it)', async () => {
    const deepOk = createHarness({ env: { MAX_DEPTH: '12' } });
    const token = await deepOk.login();
    const body = await (await deepOk.post({ query: DEEP }, { authorization: `Bearer ${token}` })).json();
    expect(body.errors).toBeUndefined();
    expect(body.data.locations.nodes).toHaveLength(1);
    expect(body.extensions.cost.estimated).toBeLessThanOrEqual(deepOk.config.maxCtCalls);
  });

  const aliased = (n: number) => `{ viewer { id } ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;

  it('refuses a query with 31 aliases (MAX_ALIASES 30) before any CT call', async () => {
    expect(h.config.maxAliases).toBe(30);
    const body = await (await h.post({ query: aliased(31) }, auth)).json();
    expect(body.data ?? null).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', aliases: 31, maxAliases: 30 });
    expect(h.ctCalls()).toHaveLength(0);
  });

  it('accepts a query with exactly 30 aliases of cheap fields', async () => {
    const body = await (await h.post({ query: aliased(30) }, auth)).json();
    expect(body.errors).toBeUndefined();
    expect(body.data.viewer.id).toBeTruthy();
    expect(Object.keys(body.data)).toHaveLength(31);
    expect(body.data.a29).toBe('Query');
    expect(h.ctCalls()).toHaveLength(1);
  });

  /**
   * A document of exactly `tokens` tokens: ten aliased `vN: viewer { id id ... }` (5 + n tokens each)
   * inside `{ }`. Shallow, 10 aliases, 10 estimated CT calls: only MAX_TOKENS can refuse it. The ids are
   * spread over ten selection sets because graphql-js's overlapping-fields check gives up ("Validation
   * aborted.") on ~1000 identical fields in one set.
   */
  const manyTokens = (tokens: number) => {
    const groups = 10;
    const ids = tokens - 2 - 5 * groups;
    const sets = Array.from({ length: groups }, (_, g) => {
      const n = Math.floor(ids / groups) + (g < ids % groups ? 1 : 0);
      return `v${g}: viewer { ${Array.from({ length: n }, () => 'id').join(' ')} }`;
    });
    return `{ ${sets.join(' ')} }`;
  };

  it('refuses a document of more than 2000 tokens (MAX_TOKENS) before any CT call', async () => {
    expect(h.config.maxTokens).toBe(2000);
    const body = await (await h.post({ query: manyTokens(2001) }, auth)).json();
    expect(body.data ?? null).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', maxTokens: 2000 });
    expect(h.ctCalls()).toHaveLength(0);
  });

  it('accepts a document of exactly 2000 tokens', async () => {
    const body = await (await h.post({ query: manyTokens(2000) }, auth)).json();
    expect(body.errors).toBeUndefined();
    expect(body.data.v9.id).toBeTruthy();
  });

  it('refuses a query whose CT-call estimate exceeds the budget, with the estimate', async () => {
    const costly = '{ locations(first: 100) { nodes { boxes(first: 100) { nodes { location { name } } } } } }';
    const body = await (await h.post({ query: costly }, auth)).json();
    expect(body.errors[0].extensions.code).toBe('QUERY_TOO_COSTLY');
    expect(body.errors[0].extensions.estimate).toBeGreaterThan(h.config.maxCtCalls);
    expect(h.ctCalls()).toHaveLength(0);
  });

  it('prices a kept operation again when a variable sets its page size, and keeps the price when none does', async () => {
    const paged = 'query Paged($n: Int) { locations(first: $n) { nodes { boxes(first: 1) { nodes { slug } } } } }';
    // Twice within the budget (the second run is the kept, compiled operation), then a page size over it.
    for (let i = 0; i < 2; i++) {
      const body = await (await h.post({ query: paged, variables: { n: 2 } }, auth)).json();
      expect(body.errors).toBeUndefined();
      expect(body.extensions.cost.estimated).toBe(2 + 2 * 2);
    }
    h.sim.resetLog();
    const refused = await (await h.post({ query: paged, variables: { n: 100 } }, auth)).json();
    expect(refused.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', estimate: 2 + 100 * 2 });
    expect(h.ctCalls()).toHaveLength(0);

    const price = (query: string, variables: Record<string, unknown>) => measureQuery(schema, parse(query), undefined, variables);
    expect(price(paged, { n: 2 }).variablesPriced).toBe(true);
    const bySlug = price('query One($slug: String!) { location(slug: $slug) { name } }', { slug: 'x' });
    expect(bySlug).toMatchObject({ variablesPriced: false, estimatedCtCalls: 1 });
    const bulk = price('mutation R($input: RebootBoxesInput!) { rebootBoxes(input: $input) { results { id } } }', {
      input: { ids: ['a', 'b', 'c'] },
    });
    expect(bulk).toMatchObject({ variablesPriced: true, estimatedCtCalls: 6 });
  });

  it('reports extensions.cost.ctCalls equal to the request log', async () => {
    const body = await (
      await h.post(
        { query: '{ viewer { id } locations(first: 3) { nodes { name boxes(first: 2) { nodes { location { name } } } } } }' },
        auth,
      )
    ).json();
    expect(body.errors).toBeUndefined();
    expect(body.extensions.cost.ctCalls).toBe(h.ctCalls().length);
    expect(body.extensions.cost.estimated).toBeGreaterThanOrEqual(body.extensions.cost.ctCalls);
  });
});

describe('mutation prices', () => {
  it('price every root Mutation field in MUTATION_CALLS, and nothing else', () => {
    const coordinates = Object.keys(schema.getMutationType()!.getFields()).map((name) => `Mutation.${name}`);
    expect(Object.keys(MUTATION_CALLS).sort()).toEqual(coordinates.sort());
  });

  it('estimate each mutation at no less than the CT calls of its worst case, which each provokes', async () => {
    const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
    // Another CT could leave unique_id out of location records (ct-api.md §3): transferBox then also asks the picker list.
    const stripUniqueId = async (request: Request): Promise<Response> => {
      const response = await sim.fetch(request);
      const url = new URL(request.url);
      if (request.method !== 'GET' || !/^\/api\/v1\/locations/.test(url.pathname) || url.searchParams.has('short') || !response.ok)
        return response;
      const body = await response.json();
      const strip = (l: Record<string, unknown>) => ({ ...l, unique_id: undefined });
      const reshaped = Array.isArray(body.locations) ? { ...body, locations: body.locations.map(strip) } : body.slug ? strip(body) : body;
      return new Response(JSON.stringify(reshaped), { status: response.status, headers: response.headers });
    };
    const { app, config } = createAppOver(sim, {}, stripUniqueId);
    const apiToken = await issueApiToken(app, sim, { name: 'priced' });
    const issued = sim.control.issueTokens();
    const token = (
      await (
        await app.sessions()
      ).seal(
        { accessToken: issued.access_token, refreshToken: issued.refresh_token, expiresAt: Date.now() + 3600_000 },
        { ctUserId: simulatorUserId(sim) },
      )
    ).token;
    const ct = async (method: string, path: string, body?: unknown) => {
      const init = {
        method,
        headers: { authorization: `Bearer ${issued.access_token}`, 'content-type': 'application/json', accept: 'application/json' },
      };
      const response = await sim.fetch(
        new Request(`${CT_URL}/api/v1${path}`, body === undefined ? init : { ...init, body: JSON.stringify(body) }),
      );
      return response.json();
    };
    const gid = (typename: string, key: string | number) => Buffer.from(`${typename}:${key}`, 'utf8').toString('base64url');

    const here = await ct('POST', '/locations', { location: { location_name: 'Priced here' } });
    const there = await ct('POST', '/locations', { location: { location_name: 'Priced there' } });
    const empty = await ct('POST', '/locations', { location: { location_name: 'Priced empty' } });
    const box = await ct('POST', '/boxes', { location_id: here.slug, box: { calledstationid: '02:00:00:00:00:51' } });
    const doomedBox = await ct('POST', '/boxes', { location_id: here.slug, box: { calledstationid: '02:00:00:00:00:52' } });
    const batch = { batch_name: 'Priced', quantity: 5, access_type: 1, validity_minutes: 60 };
    const voucher = await ct('POST', `/locations/${here.slug}/vouchers`, { voucher: batch });
    const doomedVoucher = await ct('POST', `/locations/${here.slug}/vouchers`, { voucher: batch });
    const doomedVoucher2 = await ct('POST', `/locations/${here.slug}/vouchers`, { voucher: batch });
    const splashPage = (await ct('GET', `/locations/${here.slug}/splash_pages`)).splash_pages[0];
    sim.control.completePendingVouchers();
    const code = (await ct('GET', `/codes?location_id=${here.slug}&per=1`)).codes[0];
    // CT answering a write without the object (a 200 with another body) makes the resolver read it back.
    const answeredWithoutObject = (path: string) => sim.control.addFault({ method: 'PATCH', path, status: 200, times: 1 });

    const cases: Array<{ mutation: string; input: Record<string, unknown>; worstCase?: () => void; calls: number }> = [
      { mutation: 'createLocation', input: { name: 'Priced new' }, calls: 1 },
      {
        mutation: 'updateLocation',
        input: { id: gid('Location', here.slug), town: 'Leeds' },
        worstCase: () => answeredWithoutObject(`/api/v1/locations/${here.slug}`),
        calls: 2,
      },
      {
        mutation: 'archiveLocation',
        input: { id: gid('Location', here.slug) },
        worstCase: () => answeredWithoutObject(`/api/v1/locations/${here.slug}`),
        calls: 2,
      },
      {
        mutation: 'restoreLocation',
        input: { id: gid('Location', here.slug) },
        worstCase: () => answeredWithoutObject(`/api/v1/locations/${here.slug}`),
        calls: 2,
      },
      { mutation: 'deleteLocation', input: { id: gid('Location', empty.slug) }, calls: 1 },
      { mutation: 'addBox', input: { locationId: gid('Location', here.slug), mac: '02:00:00:00:00:53' }, calls: 1 },
      {
        mutation: 'updateBox',
        input: { id: gid('Box', box.slug), description: 'Lobby' },
        worstCase: () => answeredWithoutObject(`/api/v1/boxes/${box.slug}`),
        calls: 2,
      },
      {
        mutation: 'rebootBox',
        input: { id: gid('Box', box.slug) },
        worstCase: () => answeredWithoutObject(`/api/v1/boxes/${box.slug}`),
        calls: 2,
      },
      {
        mutation: 'resetBox',
        input: { id: gid('Box', box.slug) },
        worstCase: () => answeredWithoutObject(`/api/v1/boxes/${box.slug}`),
        calls: 2,
      },
      // The target's record, the picker list for its unique_id, the PATCH, and the box read back.
      {
        mutation: 'transferBox',
        input: { id: gid('Box', box.slug), toLocationId: gid('Location', there.slug) },
        worstCase: () => answeredWithoutObject(`/api/v1/boxes/${box.slug}`),
        calls: 4,
      },
      { mutation: 'deleteBox', input: { id: gid('Box', doomedBox.slug) }, calls: 1 },
      // A CT splash page id is checked against the location's pages before the POST.
      {
        mutation: 'createVoucher',
        input: {
          locationId: gid('Location', here.slug),
          name: 'Priced batch',
          quantity: 5,
          accessType: 'TIME',
          validityMinutes: 60,
          splashPageId: String(splashPage.id),
        },
        calls: 2,
      },
      {
        mutation: 'regenerateVoucherFiles',
        input: { id: gid('Voucher', `${here.slug}/${voucher.unique_id}`) },
        worstCase: () => answeredWithoutObject(`/api/v1/locations/${here.slug}/vouchers/${voucher.unique_id}`),
        calls: 2,
      },
      {
        mutation: 'setLocationFavourite',
        input: { id: gid('Location', here.slug), favourite: true },
        worstCase: () => answeredWithoutObject(`/api/v1/locations/${here.slug}`),
        calls: 2,
      },
      {
        mutation: 'cancelBoxReset',
        input: { id: gid('Box', box.slug) },
        worstCase: () => answeredWithoutObject(`/api/v1/boxes/${box.slug}`),
        calls: 2,
      },
      // CT answering without the code: it is read back through the code search.
      {
        mutation: 'setVoucherCodeActive',
        input: { locationId: gid('Location', here.slug), username: code.username, active: false },
        worstCase: () => answeredWithoutObject(`/api/v1/locations/${here.slug}/clients/${code.username}/codes/${code.username}`),
        calls: 2,
      },
      {
        mutation: 'updateVoucher',
        input: { id: gid('Voucher', `${here.slug}/${voucher.unique_id}`), name: 'Renamed' },
        worstCase: () => answeredWithoutObject(`/api/v1/locations/${here.slug}/vouchers/${voucher.unique_id}`),
        calls: 2,
      },
      { mutation: 'deleteVoucher', input: { id: gid('Voucher', `${here.slug}/${doomedVoucher.unique_id}`) }, calls: 1 },
      // A session must ask CT whose tokens these are (/me.json); the revocation at CT is an OAuth call.
      { mutation: 'revokeApiToken', input: { id: gid('ApiToken', apiToken.id) }, calls: 1 },
      // Bulk mutations, with one item each: the single mutation's worst case, and transferBoxes' reads once.
      {
        mutation: 'rebootBoxes',
        input: { ids: [gid('Box', box.slug)] },
        worstCase: () => answeredWithoutObject(`/api/v1/boxes/${box.slug}`),
        calls: 2,
      },
      {
        mutation: 'resetBoxes',
        input: { ids: [gid('Box', box.slug)] },
        worstCase: () => answeredWithoutObject(`/api/v1/boxes/${box.slug}`),
        calls: 2,
      },
      {
        mutation: 'transferBoxes',
        input: { ids: [gid('Box', box.slug)], toLocationId: gid('Location', here.slug) },
        worstCase: () => answeredWithoutObject(`/api/v1/boxes/${box.slug}`),
        calls: 4,
      },
      {
        mutation: 'createVouchers',
        input: {
          items: [{ locationId: gid('Location', here.slug), name: 'Priced bulk', quantity: 5, splashPageId: String(splashPage.id) }],
        },
        calls: 2,
      },
      { mutation: 'deleteVouchers', input: { ids: [gid('Voucher', `${here.slug}/${doomedVoucher2.unique_id}`)] }, calls: 1 },
    ];
    expect(cases.map((c) => `Mutation.${c.mutation}`).sort()).toEqual(
      Object.keys(schema.getMutationType()!.getFields())
        .map((name) => `Mutation.${name}`)
        .sort(),
    );

    for (const c of cases) {
      const inputType = String(schema.getMutationType()!.getFields()[c.mutation]!.args[0]!.type);
      const query = `mutation ($input: ${inputType}) { ${c.mutation}(input: $input) { __typename userErrors { code message } } }`;
      c.worstCase?.();
      sim.resetLog();
      const response = await app.fetch(
        new Request(`${FACADE_URL}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables: { input: c.input } }),
        }),
      );
      const body = await response.json();
      expect(body.errors, `${c.mutation}: ${JSON.stringify(body.errors)}`).toBeUndefined();
      expect(body.data[c.mutation].userErrors, c.mutation).toEqual([]);
      const { ctCalls, estimated } = body.extensions.cost;
      expect(ctCalls, `${c.mutation}: the CT calls in the log`).toBe(sim.apiCalls().length);
      expect(ctCalls, `${c.mutation}: its worst case was provoked`).toBe(c.calls);
      expect(estimated, `${c.mutation}: estimated ${estimated} for ${ctCalls} CT calls`).toBeGreaterThanOrEqual(ctCalls);
    }
    await disposeApp(app, config.dataDir);
  });
});

describe('browser safety and HTTP hygiene', () => {
  let h: Harness;
  let token: string;
  beforeEach(async () => {
    h = createHarness();
    token = await h.login();
  });

  it('refuses a cross-site simple POST carrying only the cookie, and accepts the same query with the header', async () => {
    const form = await h.app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { cookie: `ct_session=${token}`, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
        body: 'query=%7B%20viewer%20%7B%20id%20%7D%20%7D',
      }),
    );
    expect(form.status).toBe(403);
    const text = await h.app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { cookie: `ct_session=${token}`, 'content-type': 'text/plain' },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      }),
    );
    expect(text.status).toBe(403);
    const ok = await h.post({ query: '{ viewer { id } }' }, { cookie: `ct_session=${token}`, 'x-csrf-protection': '1' });
    expect(ok.status).toBe(200);
    expect((await ok.json()).data.viewer.id).toBeTruthy();
  });

  it('exposes Prometheus metrics that move with traffic', async () => {
    const before = await scrape(h);
    await h.post({ query: 'query Listing { locations(first: 2) { nodes { name } } }' }, { authorization: `Bearer ${token}` });
    const after = await scrape(h);
    const ops = /ct_graphql_requests_total\{operation="Listing",status="200"\} (\d+)/;
    expect(count(after, ops)).toBe(count(before, ops) + 1);
    const calls = /ct_graphql_ct_calls_total\{method="GET",endpoint="\/locations",status="200"\} (\d+)/;
    expect(count(after, calls)).toBe(count(before, calls) + 1);
    expect(after).not.toContain(token);
  });

  it('answers 4xx to malformed JSON and to non-JSON content types', async () => {
    const malformed = await h.app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: '{"query": ',
      }),
    );
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    expect(malformed.status).toBeLessThan(500);
    const xml = await h.app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}` },
        body: '<q/>',
      }),
    );
    expect(xml.status).toBeGreaterThanOrEqual(400);
    expect(xml.status).toBeLessThan(500);
  });

  it('sends security headers on the playground page and no CORS headers to unknown origins', async () => {
    const page = await h.app.fetch(
      new Request(`${FACADE_URL}/graphql`, { headers: { accept: 'text/html', origin: 'https://evil.example' } }),
    );
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS for an allow-listed origin (CORS_ORIGINS)', () => {
  const APP = 'https://app.example';
  let h: Harness;
  beforeEach(() => {
    h = createHarness({ env: { CORS_ORIGINS: APP } });
  });

  const preflight = (origin: string) =>
    h.app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
      }),
    );

  it('answers a preflight to /graphql from the allowed origin with 204 and the allow headers', async () => {
    const res = await preflight(APP);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods') ?? '').toMatch(/\bPOST\b/);
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['content-type', 'authorization']));
    expect(h.ctCalls()).toHaveLength(0);
  });

  it('lets the actual POST from the allowed origin through, with access-control-allow-origin', async () => {
    const token = await h.login();
    const res = await h.post({ query: '{ viewer { id } }' }, { origin: APP, authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect((await res.json()).data.viewer.id).toBeTruthy();
  });

  it('refuses a preflight from another origin with 403 and no allow-origin', async () => {
    const res = await preflight('https://evil.example');
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('metrics move with what happened, and their labels carry no secret', () => {
  let h: Harness;
  let token: string;
  let auth: Record<string, string>;
  /** Everything a label must never hold: the session token, CT tokens (64 hex), and the slugs the tests used. */
  const secrets: string[] = [];
  beforeEach(async () => {
    h = createHarness();
    token = await h.login();
    auth = { authorization: `Bearer ${token}` };
    secrets.length = 0;
    secrets.push(token);
  });

  async function labelsAreClean(): Promise<void> {
    const text = await scrape(h);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
  }

  /** Slugs of the first `n` locations and, for each, its first box slug (when it has one), through the facade. */
  async function someSlugs(n: number): Promise<Array<{ slug: string; box: string | undefined }>> {
    const body = await (
      await h.post({ query: `{ locations(first: ${n}) { nodes { slug boxes(first: 1) { nodes { slug } } } } }` }, auth)
    ).json();
    expect(body.errors).toBeUndefined();
    return body.data.locations.nodes.map((l: { slug: string; boxes: { nodes: Array<{ slug: string }> } }) => ({
      slug: l.slug,
      box: l.boxes.nodes[0]?.slug,
    }));
  }

  it('ct_graphql_token_refreshes_total and ct_graphql_ct_401_replays_total rise after CT expired the access token', async () => {
    const before = await scrape(h);
    h.sim.control.expireAllTokens();
    h.sim.resetLog();
    const body = await (await h.post({ query: 'query Me { viewer { id } }' }, auth)).json();
    expect(body.data.viewer.id).toBeTruthy();
    // the 401, the refresh, the replay: what the counters are about
    expect(h.sim.log.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'GET /api/v1/me.json 401',
      'POST /oauth/token 200',
      'GET /api/v1/me.json 200',
    ]);
    const after = await scrape(h);
    expect(total(after, 'ct_graphql_token_refreshes_total')).toBe(total(before, 'ct_graphql_token_refreshes_total') + 1);
    expect(total(after, 'ct_graphql_ct_401_replays_total')).toBe(total(before, 'ct_graphql_ct_401_replays_total') + 1);
    await labelsAreClean();
  });

  it('ct_graphql_ct_retries_total rises when a read is retried after a 503', async () => {
    const before = await scrape(h);
    h.sim.control.addFault({ method: 'GET', path: '/api/v1/locations', status: 503, times: 1 });
    h.sim.resetLog();
    const body = await (await h.post(LIST, auth)).json();
    expect(body.errors).toBeUndefined();
    expect(h.ctCalls().map((c) => c.status)).toEqual([503, 200]);
    const after = await scrape(h);
    expect(total(after, 'ct_graphql_ct_retries_total')).toBe(total(before, 'ct_graphql_ct_retries_total') + 1);
    expect(total(after, 'ct_graphql_ct_calls_total', 'method="GET",endpoint="/locations",status="503"')).toBe(
      total(before, 'ct_graphql_ct_calls_total', 'method="GET",endpoint="/locations",status="503"') + 1,
    );
    await labelsAreClean();
  });

  it('ct_graphql_loader_dedupe_hits_total rises when one request asks for the same location twice', async () => {
    const { slug } = (await someSlugs(1))[0]!;
    secrets.push(slug);
    const before = await scrape(h);
    h.sim.resetLog();
    const body = await (
      await h.post({ query: `query Twice { a: location(slug: "${slug}") { name } b: location(slug: "${slug}") { name } }` }, auth)
    ).json();
    expect(body.errors).toBeUndefined();
    expect(body.data.b).toEqual(body.data.a);
    expect(h.ctCalls()).toHaveLength(1);
    const after = await scrape(h);
    expect(total(after, 'ct_graphql_loader_dedupe_hits_total')).toBeGreaterThan(total(before, 'ct_graphql_loader_dedupe_hits_total'));
    await labelsAreClean();
  });

  it("ct_graphql_loader_prime_hits_total rises when a box's location comes from a list in the same request", async () => {
    const target = (await someSlugs(20)).find((l) => l.box !== undefined)!;
    secrets.push(target.slug, target.box!);
    const before = await scrape(h);
    h.sim.resetLog();
    const body = await (
      await h.post(
        { query: `query Primed { locations(first: 20) { nodes { slug } } box(slug: "${target.box}") { location { slug name } } }` },
        auth,
      )
    ).json();
    expect(body.errors).toBeUndefined();
    expect(body.data.box.location.slug).toBe(target.slug);
    expect(h.ctCalls().map((c) => c.path)).not.toContain(`/api/v1/locations/${target.slug}`);
    const after = await scrape(h);
    expect(total(after, 'ct_graphql_loader_prime_hits_total')).toBeGreaterThan(total(before, 'ct_graphql_loader_prime_hits_total'));
    await labelsAreClean();
  });

  it('a CSRF-refused request counts in ct_graphql_requests_total with status="403"', async () => {
    const before = await scrape(h);
    const refused = await h.app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { cookie: `ct_session=${token}`, 'content-type': 'text/plain' },
        body: JSON.stringify({ query: 'query Sneaky { viewer { id } }' }),
      }),
    );
    expect(refused.status).toBe(403);
    const after = await scrape(h);
    expect(total(after, 'ct_graphql_requests_total', '[^}]*status="403"[^}]*')).toBe(
      total(before, 'ct_graphql_requests_total', '[^}]*status="403"[^}]*') + 1,
    );
    await labelsAreClean();
  });
});

describe('health', () => {
  it('readyz follows CT ping.json; healthz does not need CT', async () => {
    // readyz keeps its answer a few seconds: the clock moves past that before each change of CT's state.
    const clock = { ms: 1_700_000_000_000 };
    const h = createHarness({ now: () => clock.ms });
    expect((await h.app.fetch(new Request(`${FACADE_URL}/readyz`))).status).toBe(200);
    h.sim.control.addFault({ path: '/api/v1/ping.json', status: 503 });
    clock.ms += 60_000;
    const down = await h.app.fetch(new Request(`${FACADE_URL}/readyz`));
    expect(down.status).toBe(503);
    expect((await down.json()).reason).toBe('CT_UNHEALTHY');
    expect((await h.app.fetch(new Request(`${FACADE_URL}/healthz`))).status).toBe(200);
    // A CT that wants a token for ping.json still answers: that is ready.
    h.sim.control.clearFaults();
    h.sim.control.addFault({ path: '/api/v1/ping.json', status: 401 });
    clock.ms += 60_000;
    expect((await h.app.fetch(new Request(`${FACADE_URL}/readyz`))).status).toBe(200);
  });

  it('readyz keeps its answer a few seconds: rapid hits share one CT ping, and a hit after that pings again', async () => {
    const clock = { ms: 1_700_000_000_000 };
    const h = createHarness({ now: () => clock.ms });
    const readyz = async () => (await h.app.fetch(new Request(`${FACADE_URL}/readyz`))).status;
    const pings = () => h.ctCalls().filter((c) => c.path === '/api/v1/ping.json').length;

    // Concurrent hits share the ping in flight; later ones read its kept answer.
    expect(await Promise.all(Array.from({ length: 10 }, readyz))).toEqual(Array(10).fill(200));
    for (let i = 0; i < 10; i++) expect(await readyz()).toBe(200);
    expect(pings()).toBe(1);
    clock.ms += 4_999;
    expect(await readyz()).toBe(200);
    expect(pings()).toBe(1);
    clock.ms += 1;
    expect(await readyz()).toBe(200);
    expect(pings()).toBe(2);

    // An unavailable CT is kept for less time, so the instance is ready again soon after CT recovers.
    h.sim.control.addFault({ path: '/api/v1/ping.json', status: 503 });
    clock.ms += 5_000;
    expect(await Promise.all(Array.from({ length: 5 }, readyz))).toEqual(Array(5).fill(503));
    expect(pings()).toBe(3);
    h.sim.control.clearFaults();
    expect(await readyz()).toBe(503);
    expect(pings()).toBe(3);
    clock.ms += 1_000;
    expect(await readyz()).toBe(200);
    expect(pings()).toBe(4);
  });
});

describe('request bodies', () => {
  it('refuses a body over the limit with 413, with or without Content-Length, before any CT call', async () => {
    const h = createHarness();
    const token = await h.login();
    h.sim.resetLog();
    const big = JSON.stringify({ query: `{ viewer { id } }`, variables: { pad: 'x'.repeat(1_100_000) } });
    const chunked = await h.app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: big,
      }),
    );
    expect(chunked.status).toBe(413);
    const declared = await h.app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)), authorization: `Bearer ${token}` },
        body: big,
      }),
    );
    expect(declared.status).toBe(413);
    expect(h.ctCalls()).toHaveLength(0);
  });
});
