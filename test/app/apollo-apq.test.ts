/**
 * Apollo Client's automatic persisted queries against the facade, as a frontend runs them:
 * ApolloClient with PersistedQueryLink (what createPersistedQueryLink returns; SHA-256 from
 * node:crypto) over HttpLink, whose fetch is the facade's app.fetch. The wire is recorded, not
 * altered: the first run sends the hash alone, is told PERSISTED_QUERY_NOT_FOUND and retries with
 * the document; the second run's hash alone succeeds. Then a trusted-documents file made from what
 * Apollo sent, under PERSISTED_OPERATIONS_ONLY=true: the known operation runs from its hash, and an
 * unknown one is refused even after Apollo retries with its document.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { afterAll, describe, expect, it } from 'vitest';
import { createHarness, FACADE_URL, type Harness } from '../harness.js';

const VIEWER = gql`
  query ApqViewer {
    viewer {
      username
    }
    locations(first: 2) {
      totalCount
    }
  }
`;
const OTHER = gql`
  query NotAllowListed {
    viewer {
      email
    }
  }
`;

interface Exchange {
  body: { query?: string; operationName?: string; extensions?: { persistedQuery?: { version: number; sha256Hash: string } } };
  status: number;
  code: string | undefined;
}

/** An Apollo Client signed in with a session token, and the requests it sent with the facade's answers. */
function apollo(h: Harness, token: string): { client: ApolloClient; wire: Exchange[] } {
  const wire: Exchange[] = [];
  const fetchThroughFacade = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const body = JSON.parse(await request.clone().text()) as Exchange['body'];
    const response = await h.app.fetch(request);
    const answer = (await response.clone().json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    wire.push({ body, status: response.status, code: answer.errors?.[0]?.extensions?.code });
    return response;
  };
  const link = new PersistedQueryLink({ sha256: (text) => createHash('sha256').update(text).digest('hex') }).concat(
    new HttpLink({ uri: `${FACADE_URL}/graphql`, fetch: fetchThroughFacade, headers: { authorization: `Bearer ${token}` } }),
  );
  return { client: new ApolloClient({ link, cache: new InMemoryCache() }), wire };
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('Apollo Client with automatic persisted queries', () => {
  let sentDocument = '';
  let sentHash = '';

  it('first run: hash only, PERSISTED_QUERY_NOT_FOUND, then hash plus document; second run: hash only succeeds', async () => {
    const h = createHarness();
    const { client, wire } = apollo(h, await h.login());

    const first = await client.query({ query: VIEWER, fetchPolicy: 'network-only' });
    expect(first.data).toMatchObject({ viewer: { username: 'demo' } });
    expect(wire.map((w) => [w.body.query === undefined ? 'hash only' : 'hash + document', w.status, w.code ?? 'ok'])).toEqual([
      ['hash only', 404, 'PERSISTED_QUERY_NOT_FOUND'],
      ['hash + document', 200, 'ok'],
    ]);
    sentDocument = wire[1]!.body.query!;
    sentHash = wire[1]!.body.extensions!.persistedQuery!.sha256Hash;
    expect(wire[0]!.body.extensions?.persistedQuery).toEqual({ version: 1, sha256Hash: sentHash });

    h.sim.resetLog();
    const second = await client.query({ query: VIEWER, fetchPolicy: 'network-only' });
    expect(second.data).toEqual(first.data);
    expect(wire.slice(2).map((w) => [w.body.query === undefined ? 'hash only' : 'hash + document', w.status, w.code ?? 'ok'])).toEqual([
      ['hash only', 200, 'ok'],
    ]);
    // A real run: CT was asked again (me, one page of locations), not a cached answer.
    expect(h.ctCalls().map((c) => c.path)).toEqual(['/api/v1/me.json', '/api/v1/locations']);
  });

  it('with PERSISTED_OPERATIONS_ONLY=true: the allow-listed operation runs from its hash, an unknown one is refused', async () => {
    expect(sentHash).toMatch(/^[0-9a-f]{64}$/);
    const dir = mkdtempSync(join(tmpdir(), 'ctg-apollo-'));
    dirs.push(dir);
    const file = join(dir, 'persisted-documents.json');
    writeFileSync(file, JSON.stringify({ [sentHash]: sentDocument }));
    const h = createHarness({ env: { PERSISTED_OPERATIONS_FILE: file, PERSISTED_OPERATIONS_ONLY: 'true' } });
    const { client, wire } = apollo(h, await h.login());

    const allowed = await client.query({ query: VIEWER, fetchPolicy: 'network-only' });
    expect(allowed.data).toMatchObject({ viewer: { username: 'demo' } });
    expect(wire.map((w) => [w.body.query === undefined ? 'hash only' : 'hash + document', w.status])).toEqual([['hash only', 200]]);

    h.sim.resetLog();
    await expect(client.query({ query: OTHER, fetchPolicy: 'network-only' })).rejects.toThrow(/Only persisted operations/);
    expect(wire.slice(1).map((w) => [w.body.query === undefined ? 'hash only' : 'hash + document', w.status, w.code])).toEqual([
      ['hash only', 404, 'PERSISTED_QUERY_NOT_FOUND'],
      ['hash + document', 400, 'PERSISTED_QUERY_ONLY'],
    ]);
    expect(h.ctCalls()).toEqual([]);
  });
});
