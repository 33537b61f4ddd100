/**
 * API tokens through app.fetch with the simulator as CT and the embedded store (SQLite in a
 * temporary DATA_DIR): a token survives CT's rotations with one refresh each and nothing written
 * back, concurrent requests share one refresh, scopes, expiry, revocation (GraphQL and sign-out),
 * needsSignIn, restarts, and what the store and the logs may contain.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/app.js';
import type { App } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { disposeApp, grantTokens, issueApiToken } from '../api-tokens.js';
import { createAppOver, CT_URL, FACADE_URL } from '../harness.js';

const VIEWER = 'query Me { viewer { username } }';
/** `viewer` is null without an error when signed out; a field that needs a user says why. */
const PROBE = 'query Probe { locations(first: 1) { totalCount } }';
const TOKENS = 'query Tokens { viewer { apiTokens { id name scope createdAt lastUsedAt expiresAt needsSignIn } } }';
const CREATE =
  'mutation Create($input: CreateLocationInput!) { createLocation(input: $input) { location { name } userErrors { message } } }';

interface Setup {
  sim: Simulator;
  app: App;
  config: Config;
  logs: string[];
  clock: { now: number };
}
const disposers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0)) await dispose();
});

function setup(o: { sim?: Simulator; env?: Record<string, string>; clock?: { now: number } } = {}): Setup {
  const sim = o.sim ?? createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
  const clock = o.clock ?? { now: Date.now() };
  const { app, config, logs } = createAppOver(sim, o.env, undefined, () => clock.now);
  disposers.push(() => disposeApp(app, config.dataDir));
  return { sim, app, config, logs, clock };
}

async function gql(app: App, secret: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await app.fetch(
    new Request(`${FACADE_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${secret}`, ...headers },
      body: JSON.stringify({ query, variables }),
    }),
  );
  return {
    response,
    body: (await response.json()) as {
      data?: any;
      errors?: Array<{ message: string; extensions: Record<string, unknown> }>;
      extensions?: any;
    },
  };
}

const refreshes = (sim: Simulator) => sim.log.filter((e) => e.method === 'POST' && e.path === '/oauth/token').length;

describe('API tokens on /graphql', () => {
  it('a token signs in; the answer carries no session, no cookie, and is not cacheable', async () => {
    const { sim, app } = setup();
    const token = await issueApiToken(app, sim);
    expect(token.secret).toMatch(/^ctg_[0-9A-Za-z]{43}$/);
    const { response, body } = await gql(app, token.secret, VIEWER);
    expect(body).toMatchObject({ data: { viewer: { username: 'demo' } } });
    expect(response.headers.get('x-session-token')).toBeNull();
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(response.headers.get('www-authenticate')).toBeNull();
  });

  it('a refused token is named in WWW-Authenticate (RFC 6750) even when the answer is a signed-out viewer', async () => {
    const { app } = setup();
    const { response, body } = await gql(app, `ctg_${'x'.repeat(43)}`, VIEWER);
    expect(body.data).toEqual({ viewer: null });
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="API_TOKEN_INVALID"');
    // Nobody presented anything: nothing was refused.
    const anonymous = await app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ viewer { username } }"}',
      }),
    );
    expect(anonymous.headers.get('www-authenticate')).toBeNull();
  });

  it('survives three CT rotations: every request succeeds, one refresh per rotation, nothing written back', async () => {
    const { sim, app } = setup();
    const token = await issueApiToken(app, sim);
    const seen = new Set<string>();
    for (let rotation = 1; rotation <= 3; rotation++) {
      sim.control.expireAllTokens();
      for (let i = 0; i < 3; i++) {
        const { response, body } = await gql(app, token.secret, VIEWER);
        expect(body.errors).toBeUndefined();
        expect(body.data.viewer.username).toBe('demo');
        expect(response.headers.get('x-session-token')).toBeNull();
        expect(response.headers.getSetCookie()).toEqual([]);
      }
      expect(refreshes(sim), `after rotation ${rotation}`).toBe(rotation);
      const current = (await grantTokens(app, token.grantId))!;
      seen.add(current.refreshToken);
    }
    // Three rotations, three distinct refresh tokens stored; the client sent the same secret throughout.
    expect(seen.size).toBe(3);
    expect(app.apiTokens.refreshStats.refreshes).toBe(3);
    const metrics = await (await app.fetch(new Request(`${FACADE_URL}/metrics`))).text();
    expect(metrics).toMatch(/^ct_graphql_api_token_refreshes_total 3$/m);
  });

  it('eight concurrent requests at a rotation share one refresh', async () => {
    const { sim, app } = setup();
    const token = await issueApiToken(app, sim);
    expect((await gql(app, token.secret, VIEWER)).body.errors).toBeUndefined();
    sim.control.setLatency(20);
    sim.control.expireAllTokens();
    sim.resetLog();
    const answers = await Promise.all(Array.from({ length: 8 }, () => gql(app, token.secret, VIEWER)));
    for (const { body } of answers) expect(body).toMatchObject({ data: { viewer: { username: 'demo' } } });
    expect(refreshes(sim)).toBe(1);
  });

  it('a read token may query; its mutation is FORBIDDEN before any CT call, on both GraphQL paths', async () => {
    const { sim, app } = setup();
    const reader = await issueApiToken(app, sim, { scope: 'read' });
    expect((await gql(app, reader.secret, VIEWER)).body.data.viewer.username).toBe('demo');
    sim.resetLog();
    const fast = await gql(app, reader.secret, CREATE, { input: { name: 'Not allowed' } });
    // multipart/mixed is served by yoga, not by the JSON fast path.
    const viaYoga = await app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'multipart/mixed', authorization: `Bearer ${reader.secret}` },
        body: JSON.stringify({ query: CREATE, variables: { input: { name: 'Not allowed either' } } }),
      }),
    );
    const yogaText = await viaYoga.text();
    expect(fast.body.data ?? null).toBeNull();
    expect(fast.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(yogaText).toContain('FORBIDDEN');
    expect(yogaText).toContain('may only read');
    expect(sim.log).toEqual([]);
    const writer = await issueApiToken(app, sim, { scope: 'write' });
    const written = await gql(app, writer.secret, CREATE, { input: { name: 'Allowed' } });
    expect(written.body.data.createLocation).toEqual({ location: { name: 'Allowed' }, userErrors: [] });
  });

  it('an expired token is UNAUTHENTICATED (API_TOKEN_EXPIRED), with no CT call', async () => {
    const { sim, app, clock } = setup();
    const token = await issueApiToken(app, sim, { lifetimeMs: 60_000 });
    expect((await gql(app, token.secret, VIEWER)).body.data.viewer.username).toBe('demo');
    clock.now += 60_001;
    sim.resetLog();
    const { body } = await gql(app, token.secret, PROBE);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'API_TOKEN_EXPIRED' });
    expect(sim.log).toEqual([]);
  });

  it('an unknown or malformed ctg_ token is UNAUTHENTICATED and never tried as a session', async () => {
    const { sim, app } = setup();
    for (const secret of [`ctg_${'A'.repeat(43)}`, 'ctg_short', 'ctg_']) {
      const { body } = await gql(app, secret, PROBE);
      expect(body.data?.locations ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'API_TOKEN_INVALID' });
    }
    expect(sim.log).toEqual([]);
  });

  it("viewer.apiTokens lists the CT account's tokens (newest first, no secret), whatever signed in; lastUsedAt is coarse", async () => {
    const { sim, app, clock } = setup();
    const first = await issueApiToken(app, sim, { name: 'first', scope: 'read' });
    clock.now += 1000;
    const second = await issueApiToken(app, sim, { name: 'second' });
    await issueApiToken(app, sim, { username: 'other', name: 'not yours' });
    const { body } = await gql(app, first.secret, TOKENS);
    const listed = body.data.viewer.apiTokens;
    expect(listed.map((t: { name: string; scope: string }) => [t.name, t.scope])).toEqual([
      ['second', 'WRITE'],
      ['first', 'READ'],
    ]);
    expect(JSON.stringify(body)).not.toContain(first.secret);
    expect(listed[1].lastUsedAt).toBe(new Date(clock.now).toISOString());
    // Refetchable as a Node by its owner; another CT account's token is null (not theirs to see).
    const NODE = 'query N($id: ID!) { node(id: $id) { __typename ... on ApiToken { name scope needsSignIn } } }';
    expect((await gql(app, second.secret, NODE, { id: listed[1].id })).body.data.node).toEqual({
      __typename: 'ApiToken',
      name: 'first',
      scope: 'READ',
      needsSignIn: false,
    });
    const stranger = await issueApiToken(app, sim, { username: 'other', name: 'stranger' });
    expect((await gql(app, stranger.secret, NODE, { id: listed[1].id })).body.data.node).toBeNull();
    // Used again within the minute: lastUsedAt stays; a minute later it moves.
    const usedAt = clock.now;
    clock.now += 30_000;
    await gql(app, first.secret, VIEWER);
    clock.now += 31_000;
    await gql(app, first.secret, VIEWER);
    await app.apiTokens.flush();
    const again = (await gql(app, second.secret, TOKENS)).body.data.viewer.apiTokens;
    expect(again[1].lastUsedAt).toBe(new Date(clock.now).toISOString());
    expect(new Date(again[1].lastUsedAt).getTime() - usedAt).toBe(61_000);
  });

  it('revokeApiToken: the token stops working and its CT grant is revoked at CT', async () => {
    const { sim, app } = setup();
    const doomed = await issueApiToken(app, sim, { name: 'doomed' });
    const keeper = await issueApiToken(app, sim, { name: 'keeper' });
    expect((await gql(app, doomed.secret, VIEWER)).body.data.viewer.username).toBe('demo');
    const ct = (await grantTokens(app, doomed.grantId))!;
    const list = (await gql(app, keeper.secret, TOKENS)).body.data.viewer.apiTokens as Array<{ id: string; name: string }>;
    const id = list.find((t) => t.name === 'doomed')!.id;
    sim.resetLog();
    const revoke = await gql(
      app,
      keeper.secret,
      'mutation R($input: ApiTokenIdInput!) { revokeApiToken(input: $input) { deletedId userErrors { code } } }',
      { input: { id } },
    );
    expect(revoke.body.data.revokeApiToken).toEqual({ deletedId: id, userErrors: [] });
    expect(sim.log.filter((e) => e.path === '/oauth/revoke')).toHaveLength(2);
    const after = await gql(app, doomed.secret, PROBE);
    expect(after.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'API_TOKEN_INVALID' });
    // CT itself refuses the grant's tokens now.
    const atCt = await sim.fetch(new Request(`${CT_URL}/api/v1/me.json`, { headers: { authorization: `Bearer ${ct.accessToken}` } }));
    expect(atCt.status).toBe(401);
    expect(await atCt.text()).toContain('revoked');
    expect(await grantTokens(app, doomed.grantId)).toBeNull();
    // Revoking it again, or another account's token, is NOT_FOUND as data.
    const twice = await gql(
      app,
      keeper.secret,
      'mutation R($input: ApiTokenIdInput!) { revokeApiToken(input: $input) { deletedId userErrors { code field } } }',
      { input: { id } },
    );
    expect(twice.body.data.revokeApiToken).toEqual({ deletedId: null, userErrors: [{ code: 'NOT_FOUND', field: ['input', 'id'] }] });
  });

  it('POST /auth/logout with an API token revokes that token (no CSRF header needed for a bearer)', async () => {
    const { sim, app } = setup();
    const token = await issueApiToken(app, sim);
    const ct = (await grantTokens(app, token.grantId))!;
    const logout = await app.fetch(
      new Request(`${FACADE_URL}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token.secret}` } }),
    );
    expect(logout.status).toBe(204);
    expect((await gql(app, token.secret, PROBE)).body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    const atCt = await sim.fetch(new Request(`${CT_URL}/api/v1/me.json`, { headers: { authorization: `Bearer ${ct.accessToken}` } }));
    expect(atCt.status).toBe(401);
  });

  // The token then needs a new sign-in, and CT is not asked again.
  it('when CT refuses the refresh: UNAUTHENTICATED with reauthenticate', async () => {
    const { sim, app, clock } = setup();
    const token = await issueApiToken(app, sim);
    clock.now += 1000;
    const other = await issueApiToken(app, sim, { name: 'other' });
    expect((await gql(app, token.secret, VIEWER)).body.data.viewer.username).toBe('demo');
    // CT withdraws the grant behind `token` only: its refresh token stops working.
    const ct = (await grantTokens(app, token.grantId))!;
    await sim.fetch(
      new Request(`${CT_URL}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: ct.refreshToken }),
      }),
    );
    sim.resetLog();
    const refused = await gql(app, token.secret, VIEWER);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reauthenticate: '/auth/login' });
    expect(refreshes(sim)).toBe(1);
    sim.resetLog();
    const again = await gql(app, token.secret, PROBE);
    expect(again.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'API_TOKEN_NEEDS_SIGN_IN' });
    expect(sim.log).toEqual([]);
    const listed = (await gql(app, other.secret, TOKENS)).body.data.viewer.apiTokens as Array<{ name: string; needsSignIn: boolean }>;
    expect(listed.map((t) => [t.name, t.needsSignIn])).toEqual([
      ['other', false],
      ['test token', true],
    ]);
  });
});

describe('API tokens when CT is in trouble', () => {
  it('a refresh that CT cannot answer is no sign-out: UPSTREAM_UNAVAILABLE now, the token works once CT is back', async () => {
    const { sim, app } = setup();
    const token = await issueApiToken(app, sim);
    sim.control.expireAllTokens();
    sim.control.addFault({ method: 'POST', path: '/oauth/token', status: 503, times: 1 });
    const failed = await gql(app, token.secret, VIEWER);
    expect(failed.body.errors?.[0]?.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    expect((await (await app.store.get()).grants.get(token.grantId))?.needsSignIn).toBe(false);
    const { body } = await gql(app, token.secret, VIEWER);
    expect(body).toMatchObject({ data: { viewer: { username: 'demo' } } });
  });
});

describe('the embedded store', () => {
  it('is never opened by a facade that only serves sessions: no file appears in DATA_DIR', async () => {
    const { sim, app, config } = setup();
    const issued = sim.control.issueTokens();
    const session = await (await app.sessions()).seal({
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
      expiresAt: Date.now() + 3600_000,
    });
    const { body } = await gql(app, session.token, VIEWER);
    expect(body.data.viewer.username).toBe('demo');
    await app.fetch(new Request(`${FACADE_URL}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${session.token}` } }));
    expect(app.store.opened).toBe(false);
    expect(existsSync(config.dataDir)).toBe(false);
  });

  it('keeps tokens across a restart: a new app on the same DATA_DIR accepts the token', async () => {
    const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
    const first = setup({ sim });
    const token = await issueApiToken(first.app, sim);
    sim.control.expireAllTokens();
    expect((await gql(first.app, token.secret, VIEWER)).body.data.viewer.username).toBe('demo');
    await first.app.close();
    const second = setup({ sim, env: { DATA_DIR: first.config.dataDir } });
    sim.resetLog();
    const { body } = await gql(second.app, token.secret, VIEWER);
    expect(body).toMatchObject({ data: { viewer: { username: 'demo' } } });
    // The refreshed grant was stored by the first app: the second needs no refresh.
    expect(refreshes(sim)).toBe(0);
  });

  it('holds no CT token, API token secret or other secret in clear, in its files or in the logs', async () => {
    const { sim, app, config, logs } = setup();
    const token = await issueApiToken(app, sim);
    sim.control.expireAllTokens();
    expect((await gql(app, token.secret, VIEWER)).body.data.viewer.username).toBe('demo');
    const current = (await grantTokens(app, token.grantId))!;
    await app.close();
    const files = readdirSync(config.dataDir);
    expect(files).toContain('ct-graphql.db');
    const bytes = Buffer.concat(files.map((f) => readFileSync(join(config.dataDir, f))));
    expect(bytes.length).toBeGreaterThan(0);
    for (const secret of [current.accessToken, current.refreshToken, token.secret, token.secret.slice(4)]) {
      expect(bytes.includes(Buffer.from(secret)), 'store file').toBe(false);
      expect(logs.join('\n').includes(secret), 'logs').toBe(false);
    }
  });
});
