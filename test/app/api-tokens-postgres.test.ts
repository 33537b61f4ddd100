/**
 * Two facade instances (two createApp, each with its own pg Pool) over one simulator and ONE real
 * PostgreSQL (test/postgres.ts; skipped with a message when it is not installed), as production
 * runs with DATABASE_URL: requests split between them across CT rotations succeed with exactly one
 * refresh per rotation, concurrent requests on both at a rotation share one, a revocation on one
 * reaches the other within the re-check interval, and no table holds a CT token in clear.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/app.js';
import type { App } from '../../src/app.js';
import { disposeApp, grantTokens, issueApiToken } from '../api-tokens.js';
import { createAppOver, FACADE_URL } from '../harness.js';
import { POSTGRES_MISSING, postgresBinaries, startPostgres, type PostgresServer } from '../postgres.js';

if (!postgresBinaries) console.warn(POSTGRES_MISSING);

const VIEWER = 'query Me { viewer { username } }';
const PROBE = 'query Probe { locations(first: 1) { totalCount } }';

async function gql(app: App, secret: string, query: string) {
  const response = await app.fetch(
    new Request(`${FACADE_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ query }),
    }),
  );
  return { response, body: (await response.json()) as { data?: any; errors?: Array<{ extensions: Record<string, unknown> }> } };
}

const refreshes = (sim: Simulator) => sim.log.filter((e) => e.method === 'POST' && e.path === '/oauth/token').length;

describe.skipIf(!postgresBinaries)('API tokens on two instances sharing one PostgreSQL', () => {
  let server: PostgresServer;
  let databases = 0;
  const disposers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());
  afterEach(async () => {
    for (const dispose of disposers.splice(0)) await dispose();
  });

  async function twoInstances(clock = { now: Date.now() }) {
    databases += 1;
    const url = await server.createDatabase(`facade_${databases}`);
    const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
    const a = createAppOver(sim, { DATABASE_URL: url }, undefined, () => clock.now);
    const b = createAppOver(sim, { DATABASE_URL: url }, undefined, () => clock.now);
    disposers.push(
      () => disposeApp(a.app, a.config.dataDir),
      () => disposeApp(b.app, b.config.dataDir),
    );
    return { sim, url, a: a.app, b: b.app, logs: [a.logs, b.logs], clock };
  }

  it('requests split between the instances across three rotations: all succeed, one refresh per rotation', async () => {
    const { sim, a, b } = await twoInstances();
    const token = await issueApiToken(a, sim);
    expect((await a.store.get()).engine).toBe('postgres');
    for (let rotation = 1; rotation <= 3; rotation++) {
      sim.control.expireAllTokens();
      // a, b, a, b: whichever refreshes, the other one's cached grant is stale and must learn the new one from the store.
      for (const app of [a, b, a, b, b, a]) {
        const { response, body } = await gql(app, token.secret, VIEWER);
        expect(body.errors, `rotation ${rotation}`).toBeUndefined();
        expect(body.data.viewer.username).toBe('demo');
        expect(response.headers.get('x-session-token')).toBeNull();
      }
      expect(refreshes(sim), `after rotation ${rotation}`).toBe(rotation);
    }
    expect(a.apiTokens.refreshStats.refreshes + b.apiTokens.refreshStats.refreshes).toBe(3);
  });

  it('eight concurrent requests, four on each instance, at a rotation: one refresh, no failure', async () => {
    const { sim, a, b } = await twoInstances();
    const token = await issueApiToken(a, sim);
    expect((await gql(a, token.secret, VIEWER)).body.errors).toBeUndefined();
    expect((await gql(b, token.secret, VIEWER)).body.errors).toBeUndefined();
    sim.control.setLatency(20);
    for (let rotation = 1; rotation <= 3; rotation++) {
      sim.control.expireAllTokens();
      sim.resetLog();
      const answers = await Promise.all([a, b, a, b, a, b, a, b].map((app) => gql(app, token.secret, VIEWER)));
      for (const { body } of answers) expect(body).toEqual({ data: { viewer: { username: 'demo' } }, extensions: expect.anything() });
      expect(refreshes(sim), `rotation ${rotation}`).toBe(1);
    }
  });

  it('a token revoked on one instance stops working on the other once its cache entry is re-checked (seconds)', async () => {
    const { sim, a, b, clock } = await twoInstances();
    const token = await issueApiToken(a, sim);
    expect((await gql(b, token.secret, VIEWER)).body.data.viewer.username).toBe('demo');
    const list = await gql(a, token.secret, '{ viewer { apiTokens { id } } }');
    const id = list.body.data.viewer.apiTokens[0].id;
    const revoke = await a.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token.secret}` },
        body: JSON.stringify({ query: 'mutation R($id: ID!) { revokeApiToken(input: { id: $id }) { deletedId } }', variables: { id } }),
      }),
    );
    expect(((await revoke.json()) as any).data.revokeApiToken.deletedId).toBe(id);
    expect((await gql(a, token.secret, PROBE)).body.errors?.[0]?.extensions.reason).toBe('API_TOKEN_INVALID');
    clock.now += 5_000;
    sim.resetLog();
    expect((await gql(b, token.secret, PROBE)).body.errors?.[0]?.extensions.reason).toBe('API_TOKEN_INVALID');
    expect(sim.apiCalls()).toEqual([]);
  });

  it('no table holds a CT token or the API token in clear', async () => {
    const { sim, url, a, b, logs } = await twoInstances();
    const token = await issueApiToken(a, sim);
    sim.control.expireAllTokens();
    expect((await gql(b, token.secret, VIEWER)).body.errors).toBeUndefined();
    const current = (await grantTokens(a, token.grantId))!;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const tables = await client.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
      expect(tables.rows.map((r) => r.tablename).sort()).toEqual([
        'api_tokens',
        'ct_grants',
        'device_codes',
        'idempotency_records',
        'store_migrations',
        'store_migrations_lock',
      ]);
      let dump = '';
      for (const { tablename } of tables.rows) dump += JSON.stringify((await client.query(`SELECT * FROM "${tablename}"`)).rows);
      expect(dump).toContain(token.grantId);
      for (const secret of [current.accessToken, current.refreshToken, token.secret, token.secret.slice(4)]) {
        expect(dump.includes(secret)).toBe(false);
        expect(logs.flat().join('\n').includes(secret)).toBe(false);
      }
      // Nor the URL's credentials, in any log line (the URL here has none; the log names host and database only).
      expect(logs.flat().join('\n')).toContain('store opened: PostgreSQL at 127.0.0.1');
    } finally {
      await client.end();
    }
  });
});
