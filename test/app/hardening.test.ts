/**
 * Issue 6 acceptance with the simulator's fault switches: read retries, partial results, rate
 * limits, timeouts, limits before execution, reported cost, CSRF, metrics and bad bodies.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createHarness, FACADE_URL, type Harness } from '../harness.js';

const LIST = { query: 'query List { locations(first: 5) { totalCount nodes { id name } } }' };

function assertClean(text: string, token: string) {
  expect(text).not.toContain('ct.test');
  expect(text).not.toContain('/api/v1');
  expect(text).not.toContain(token);
  expect(text).not.toMatch(/[0-9a-f]{64}/);
  expect(text).not.toMatch(/\bat .+\.(ts|js):\d+/);
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
    expect(calls[1]!.time - calls[0]!.time).toBeGreaterThanOrEqual(900);
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

  it('refuses a query nested 12 levels deep before any CT call', async () => {
    const deep =
      '{ locations { nodes { boxes { nodes { location { boxes { nodes { location { boxes { nodes { location { name } } } } } } } } } } } }';
    const body = await (await h.post({ query: deep }, auth)).json();
    expect(body.data ?? null).toBeNull();
    expect(body.errors[0].extensions.code).toBe('QUERY_TOO_COSTLY');
    expect(h.ctCalls()).toHaveLength(0);
  });

  it('refuses a query whose CT-call estimate exceeds the budget, with the estimate', async () => {
    const costly = '{ locations(first: 100) { nodes { boxes(first: 100) { nodes { location { name } } } } } }';
    const body = await (await h.post({ query: costly }, auth)).json();
    expect(body.errors[0].extensions.code).toBe('QUERY_TOO_COSTLY');
    expect(body.errors[0].extensions.estimate).toBeGreaterThan(h.config.maxCtCalls);
    expect(h.ctCalls()).toHaveLength(0);
  });

  it('reports extensions.cost.ctCalls equal to the request log', async () => {
    const body = await (
      await h.post({ query: '{ viewer { id } locations(first: 3) { nodes { name boxes(first: 2) { nodes { location { name } } } } } }' }, auth)
    ).json();
    expect(body.errors).toBeUndefined();
    expect(body.extensions.cost.ctCalls).toBe(h.ctCalls().length);
    expect(body.extensions.cost.estimated).toBeGreaterThanOrEqual(body.extensions.cost.ctCalls);
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
    const scrape = async () => (await (await h.app.fetch(new Request(`${FACADE_URL}/metrics`))).text());
    const count = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
    const before = await scrape();
    await h.post({ query: 'query Listing { locations(first: 2) { nodes { name } } }' }, { authorization: `Bearer ${token}` });
    const after = await scrape();
    const ops = /ct_graphql_requests_total\{operation="Listing",status="200"\} (\d+)/;
    expect(count(after, ops)).toBe(count(before, ops) + 1);
    const calls = /ct_graphql_ct_calls_total\{method="GET",endpoint="\/locations",status="200"\} (\d+)/;
    expect(count(after, calls)).toBe(count(before, calls) + 1);
    expect(after).not.toContain(token);
  });

  it('answers 4xx to malformed JSON and to non-JSON content types', async () => {
    const malformed = await h.app.fetch(
      new Request(`${FACADE_URL}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"query": ' }),
    );
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    expect(malformed.status).toBeLessThan(500);
    const xml = await h.app.fetch(
      new Request(`${FACADE_URL}/graphql`, { method: 'POST', headers: { 'content-type': 'application/xml', authorization: `Bearer ${token}` }, body: '<q/>' }),
    );
    expect(xml.status).toBeGreaterThanOrEqual(400);
    expect(xml.status).toBeLessThan(500);
  });

  it('sends security headers on the playground page and no CORS headers to unknown origins', async () => {
    const page = await h.app.fetch(new Request(`${FACADE_URL}/graphql`, { headers: { accept: 'text/html', origin: 'https://evil.example' } }));
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('health', () => {
  it('readyz follows CT ping.json; healthz does not need CT', async () => {
    const h = createHarness();
    expect((await h.app.fetch(new Request(`${FACADE_URL}/readyz`))).status).toBe(200);
    h.sim.control.addFault({ path: '/api/v1/ping.json', status: 503 });
    const down = await h.app.fetch(new Request(`${FACADE_URL}/readyz`));
    expect(down.status).toBe(503);
    expect((await down.json()).reason).toBe('CT_UNHEALTHY');
    expect((await h.app.fetch(new Request(`${FACADE_URL}/healthz`))).status).toBe(200);
  });
});

describe('request bodies', () => {
  it('refuses a body over the limit with 413, with or without Content-Length, before any CT call', async () => {
    const h = createHarness();
    const token = await h.login();
    h.sim.resetLog();
    const big = JSON.stringify({ query: `{ viewer { id } }`, variables: { pad: 'x'.repeat(1_100_000) } });
    const chunked = await h.app.fetch(
      new Request(`${FACADE_URL}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: big }),
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
