/**
 * The CT-call budget through the app (RATE_LIMIT_CT_CALLS, DESIGN.md "Production"): every answer
 * reports it in `extensions.cost.budget` and the IETF RateLimit fields, on both GraphQL paths; an
 * operation whose estimate is more than what is left is refused before any CT call (429,
 * RATE_LIMITED, Retry-After); what an operation did not use is given back; sessions and API tokens
 * of one CT account share it; and with REDIS_URL two instances share it too (a real redis-server).
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, DEMO, type Simulator } from '../../simulator/app.js';
import type { App } from '../../src/app.js';
import { disposeApp, issueApiToken } from '../api-tokens.js';
import { submitConsent } from '../consent.js';
import { loadCtData } from '../graphql/ct-data.js';
import { createAppOver, createHarness, FACADE_URL, simulatorUserId, sessionFor } from '../harness.js';
import { hasRedis, startRedis } from '../redis.js';

/** One CT call, estimated at one. */
const ONE_CALL = 'query One($slug: String!) { location(slug: $slug) { name } }';
/** Estimated at 2 (a window of up to 100 can straddle two CT pages); makes 1. */
const LIST = 'query List { locations(first: 2) { totalCount } }';

function post(app: App, token: string, query: string, variables: Record<string, unknown> = {}): Promise<Response> {
  return app.fetch(
    new Request(`${FACADE_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    }),
  );
}

/** The same operation as a GET, which yoga serves. */
function get(app: App, token: string, query: string, variables: Record<string, unknown> = {}): Promise<Response> {
  const url = `${FACADE_URL}/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify(variables))}`;
  return app.fetch(new Request(url, { headers: { accept: 'application/json', authorization: `Bearer ${token}` } }));
}

async function firstSlug(sim: Simulator): Promise<string> {
  const { locations } = await loadCtData(sim);
  sim.resetLog();
  return locations[0]!.slug;
}

describe('the CT-call budget in one instance', () => {
  it('is on every answer of both paths: extensions.cost.budget and the RateLimit fields, after settling to the real count', async () => {
    const h = createHarness({ env: { RATE_LIMIT_CT_CALLS: '20' } });
    const token = await h.login();
    const fast = await post(h.app, token, LIST);
    const body = await fast.json();
    expect(body.extensions.cost).toEqual({
      ctCalls: 1,
      estimated: 2,
      budget: { limit: 20, remaining: 19, resetAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/) },
    });
    expect(fast.headers.get('ratelimit-policy')).toBe('"ct-calls";q=20;w=60');
    expect(fast.headers.get('ratelimit')).toMatch(/^"ct-calls";r=19;t=(60|59)$/);
    expect(fast.headers.get('retry-after')).toBeNull();

    const viaYoga = await get(h.app, token, LIST);
    expect((await viaYoga.json()).extensions.cost.budget).toEqual({ ...body.extensions.cost.budget, remaining: 18 });
    expect(viaYoga.headers.get('ratelimit')).toMatch(/^"ct-calls";r=18;t=\d+$/);

    // Signed out there is no CT account, so no budget (and no CT call to spend one on).
    const anonymous = await h.post({ query: '{ __typename }' });
    expect((await anonymous.json()).extensions.cost).toEqual({ ctCalls: 0, estimated: 0, budget: null });
    expect(anonymous.headers.get('ratelimit')).toBeNull();
  });

  it('refuses an operation whose estimate is more than what is left, before any CT call; one that fits still runs', async () => {
    const h = createHarness({ env: { RATE_LIMIT_CT_CALLS: '5' } });
    const token = await h.login();
    const slug = await firstSlug(h.sim);
    // Four calls already made for this account (as a subscription's polls would charge them).
    await h.app.budget.charge(simulatorUserId(h.sim), 4);

    for (const send of [post, get]) {
      const refused = await send(h.app, token, LIST);
      expect(refused.status).toBe(429);
      const body = await refused.json();
      expect(body.data).toBeUndefined();
      expect(body.errors).toHaveLength(1);
      const { code, retryAfter, estimated, remaining } = body.errors[0].extensions;
      expect({ code, estimated, remaining }).toEqual({ code: 'RATE_LIMITED', estimated: 2, remaining: 1 });
      expect(retryAfter).toBeGreaterThanOrEqual(59);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.headers.get('retry-after')).toBe(String(retryAfter));
      expect(refused.headers.get('ratelimit')).toBe(`"ct-calls";r=1;t=${retryAfter}`);
      expect(body.extensions.cost).toMatchObject({ ctCalls: 0, estimated: 2, budget: { limit: 5, remaining: 1 } });
    }
    expect(h.ctCalls()).toEqual([]);
    const metrics = await (await h.app.fetch(new Request(`${FACADE_URL}/metrics`))).text();
    expect(metrics).toMatch(/^ct_graphql_budget_refusals_total 2$/m);

    // The refusals set nothing aside: the last call still fits, and an operation needing none always runs.
    const fits = await post(h.app, token, ONE_CALL, { slug });
    expect(fits.status).toBe(200);
    expect((await fits.json()).extensions.cost.budget.remaining).toBe(0);
    const free = await post(h.app, token, '{ __typename }');
    expect(free.status).toBe(200);
    expect(h.ctCalls()).toHaveLength(1);
  });

  it('gives the whole budget back when the window ends', async () => {
    let now = Date.now();
    const h = createHarness({ env: { RATE_LIMIT_CT_CALLS: '1' }, now: () => now });
    const token = await h.login();
    const slug = await firstSlug(h.sim);
    expect((await post(h.app, token, ONE_CALL, { slug })).status).toBe(200);
    expect((await post(h.app, token, ONE_CALL, { slug })).status).toBe(429);
    now += 60_000;
    const later = await post(h.app, token, ONE_CALL, { slug });
    expect(later.status).toBe(200);
    expect((await later.json()).extensions.cost.budget.remaining).toBe(0);
  });

  it('is one budget for a CT account, whether it signs in with a session or an API token', async () => {
    const h = createHarness({ env: { RATE_LIMIT_CT_CALLS: '3' } });
    const session = await h.login();
    const apiToken = await issueApiToken(h.app, h.sim);
    expect(apiToken.ctUserId).toBe(simulatorUserId(h.sim));
    const slug = await firstSlug(h.sim);
    for (const token of [session, apiToken.secret, session]) expect((await post(h.app, token, ONE_CALL, { slug })).status).toBe(200);
    expect((await post(h.app, apiToken.secret, ONE_CALL, { slug })).status).toBe(429);
    // Another CT account has a budget of its own.
    const other = await h.login(DEMO.otherUsername);
    expect((await post(h.app, other, '{ locations(first: 1) { totalCount } }')).status).toBe(200);
    await disposeApp(h.app, h.config.dataDir);
  });

  it('refuses an operation that could need more than a whole window allows as QUERY_TOO_COSTLY: no wait would help', async () => {
    const h = createHarness({ env: { RATE_LIMIT_CT_CALLS: '10' } });
    const token = await h.login();
    const response = await post(h.app, token, '{ locations(first: 5) { nodes { boxes(first: 1) { totalCount } } } }');
    const body = await response.json();
    expect(body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', budget: 10 });
    expect(response.headers.get('retry-after')).toBeNull();
    expect(h.ctCalls()).toEqual([]);
  });

  it("tells CT's own 429 in Retry-After too, on both paths", async () => {
    const h = createHarness();
    const token = await h.login();
    h.sim.control.addFault({ method: 'GET', path: '/api/v1/locations', status: 429, retryAfterSeconds: 120 });
    for (const send of [post, get]) {
      const response = await send(h.app, token, LIST);
      const body = await response.json();
      expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 120 });
      expect(response.status).toBe(200);
      expect(response.headers.get('retry-after')).toBe('120');
    }
  });
});

describe('whose budget a session spends', () => {
  it('a sign-in through /auth/callback seals the CT account into the session: no request asks CT for it', async () => {
    const h = createHarness();
    const login = await h.app.fetch(new Request(`${FACADE_URL}/auth/login?redirect=/graphql`));
    const stateCookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const back = await submitConsent((r) => h.sim.fetch(r), login.headers.get('location')!);
    const callback = await h.app.fetch(new Request(back, { headers: { cookie: stateCookie, accept: 'application/json' } }));
    const { token } = await callback.json();
    expect((await (await h.app.sessions()).open(token)).session?.ctUserId).toBe(simulatorUserId(h.sim));
    h.sim.resetLog();
    const response = await post(h.app, token, LIST);
    expect((await response.json()).extensions.cost.budget.remaining).toBe(1199);
    expect(h.ctCalls().map((c) => c.path)).toEqual(['/api/v1/locations']);
  });

  it('a session sealed before sessions carried it asks CT once (/me.json), counted, shared by parallel requests and `viewer`', async () => {
    const h = createHarness({ env: { RATE_LIMIT_CT_CALLS: '50' } });
    const issued = h.sim.control.issueTokens();
    const sealer = await h.app.sessions();
    const tokens = { accessToken: issued.access_token, refreshToken: issued.refresh_token, expiresAt: Date.now() + 3_600_000 };
    const old = (await sealer.seal(tokens)).token;

    const answers = await Promise.all([1, 2, 3].map(() => post(h.app, old, LIST).then((r) => r.json())));
    const paths = h.ctCalls().map((c) => c.path);
    expect(paths.filter((p) => p === '/api/v1/me.json')).toHaveLength(1);
    expect(paths.filter((p) => p === '/api/v1/locations')).toHaveLength(3);
    // Every call made is in one request's count, and the account has spent exactly those.
    expect(answers.reduce((sum, body) => sum + body.extensions.cost.ctCalls, 0)).toBe(4);
    expect(Math.min(...answers.map((body) => body.extensions.cost.budget.remaining))).toBe(46);

    // Another such session whose first operation reads `viewer`: the one /me.json serves both.
    const another = (await sealer.seal(tokens)).token;
    h.sim.resetLog();
    const both = await (await post(h.app, another, '{ viewer { username } }')).json();
    expect(both.data.viewer.username).toBeTruthy();
    expect(h.ctCalls().map((c) => c.path)).toEqual(['/api/v1/me.json']);
  });

  it('an older session re-sealed after a refresh gains its CT account', async () => {
    const h = createHarness();
    const issued = h.sim.control.issueTokens();
    const old = (
      await (
        await h.app.sessions()
      ).seal({
        accessToken: issued.access_token,
        refreshToken: issued.refresh_token,
        expiresAt: Date.now() + 3_600_000,
      })
    ).token;
    h.sim.control.expireAllTokens();
    const refreshed = await post(h.app, old, LIST);
    const resealed = refreshed.headers.get('x-session-token');
    expect(resealed).toBeTruthy();
    expect((await (await h.app.sessions()).open(resealed)).session?.ctUserId).toBe(simulatorUserId(h.sim));
    h.sim.resetLog();
    await post(h.app, resealed!, LIST);
    expect(h.ctCalls().map((c) => c.path)).toEqual(['/api/v1/locations']);
  });
});

describe.skipIf(!hasRedis)('the CT-call budget across two instances (REDIS_URL, a real redis-server)', () => {
  let redisServer: { child: ChildProcess; url: string };
  const apps: App[] = [];
  beforeAll(async () => {
    redisServer = await startRedis();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    redisServer?.child.kill();
  });

  it("stops an account's requests spread over both at the budget in total; a refusal has Retry-After, costs no CT call", async () => {
    const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
    const env = { REDIS_URL: redisServer.url, RATE_LIMIT_CT_CALLS: '6' };
    const [one, two] = [createAppOver(sim, env).app, createAppOver(sim, env).app];
    apps.push(one, two);
    // The same SESSION_SECRET on both, as several instances must have: one session works on either.
    const token = await sessionFor(one, sim);
    const slug = await firstSlug(sim);

    // In turns: each answer says what is left of the one shared budget.
    const remaining: number[] = [];
    for (const app of [one, two, one, two]) {
      const response = await post(app, token, ONE_CALL, { slug });
      expect(response.status).toBe(200);
      remaining.push((await response.json()).extensions.cost.budget.remaining);
    }
    expect(remaining).toEqual([5, 4, 3, 2]);

    // At once, over both: the two calls left go to two requests, the others are refused.
    const burst = await Promise.all([one, two, one, two, one, two].map((app) => post(app, token, ONE_CALL, { slug })));
    expect(burst.filter((r) => r.status === 200)).toHaveLength(2);
    const refused = burst.filter((r) => r.status === 429);
    expect(refused).toHaveLength(4);
    for (const response of refused) {
      const body = await response.json();
      expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
      expect(Number(response.headers.get('retry-after'))).toBe(body.errors[0].extensions.retryAfter);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    for (const app of [one, two]) expect((await post(app, token, ONE_CALL, { slug })).status).toBe(429);
    // Six CT calls in all: the budget, not twice it; no refusal reached CT.
    expect(sim.apiCalls()).toHaveLength(6);
  });
});
