/**
 * Persisted operations on both HTTP paths (the JSON fast path and yoga): Apollo's automatic
 * persisted queries (hash only, PERSISTED_QUERY_NOT_FOUND, hash plus document, then hash only
 * again), what is and is not kept (only admitted documents, only for signed-in callers, bounded by
 * bytes), trusted documents from an allow-list file, and PERSISTED_OPERATIONS_ONLY, where only the
 * playground (a cookie session on our origin) may still send queries in full.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createErrorMasker } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { sha256Hex } from '../../src/persisted.js';
import { createPipeline } from '../../src/pipeline.js';
import { schema } from '../../src/schema/index.js';
import { createHarness, FACADE_URL, type Harness } from '../harness.js';

const QUERY = 'query Few { viewer { username } locations(first: 2) { totalCount nodes { name } } }';
const MUTATION = 'mutation Make($input: CreateLocationInput!) { createLocation(input: $input) { location { name } userErrors { code } } }';
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function apq(query: string | undefined, hash = sha256Hex(query ?? '')): Record<string, unknown> {
  return { ...(query === undefined ? {} : { query }), extensions: { persistedQuery: { version: 1, sha256Hash: hash } } };
}

/** The same parameters as a GET (yoga's path); bearer callers need no CSRF header. */
function getRequest(h: Harness, params: Record<string, unknown>, headers: Record<string, string>): Promise<Response> {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) search.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  return h.app.fetch(new Request(`${FACADE_URL}/graphql?${search}`, { headers: { accept: 'application/json', ...headers } }));
}

/** The response body, without the CT-call budget's `remaining`, which every request moves on. */
async function body(res: Response): Promise<{ data?: any; errors?: Array<{ message: string; extensions: Record<string, unknown> }> }> {
  const parsed = (await res.json()) as any;
  if (parsed?.extensions?.cost?.budget) delete parsed.extensions.cost.budget.remaining;
  return parsed;
}

/** An allow-list file in GraphQL Code Generator's client preset format: { sha256: document }. */
function trustedFile(documents: string[]): { file: string; ids: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ctg-persisted-'));
  dirs.push(dir);
  const file = join(dir, 'persisted-documents.json');
  writeFileSync(file, JSON.stringify(Object.fromEntries(documents.map((d) => [sha256Hex(d), d]))));
  return { file, ids: documents.map(sha256Hex) };
}

describe('automatic persisted queries (Apollo APQ)', () => {
  it.each([
    ['the JSON fast path', false],
    ['yoga (GET)', true],
  ])('on %s: hash only is NOT_FOUND, hash plus document runs and is kept, then hash only runs', async (_path, viaGet) => {
    const h = createHarness();
    const auth = { authorization: `Bearer ${await h.login()}` };
    const send = (params: Record<string, unknown>) => (viaGet ? getRequest(h, params, auth) : h.post(params, auth));

    h.sim.resetLog();
    const first = await send(apq(undefined, sha256Hex(QUERY)));
    expect(first.status).toBe(404);
    expect(await body(first)).toEqual({
      errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }],
    });
    expect(h.ctCalls()).toEqual([]);

    const full = await send(apq(QUERY));
    expect(full.status).toBe(200);
    const registered = await body(full);
    expect(registered.data.viewer.username).toBe('demo');

    const again = await send(apq(undefined, sha256Hex(QUERY)));
    expect(again.status).toBe(200);
    const replayed = await body(again);
    expect(replayed).toEqual(registered);
    expect(replayed).toMatchObject({ extensions: { cost: { ctCalls: 2 } } });
    // The persisted documents draft's id for the same document.
    expect(await body(await send({ documentId: `sha256:${sha256Hex(QUERY)}` }))).toEqual(registered);
  });

  it('answers both paths alike, byte for byte, for every persisted outcome', async () => {
    const h = createHarness();
    const auth = { authorization: `Bearer ${await h.login()}` };
    await h.post(apq(QUERY), auth);
    for (const params of [
      apq(undefined, sha256Hex('{ never }')),
      apq(undefined),
      apq(QUERY, sha256Hex('something else')),
      { extensions: { persistedQuery: { version: 2, sha256Hash: sha256Hex(QUERY) } } },
      { documentId: 'unknown' },
    ]) {
      const viaPost = await h.post(params, auth);
      const viaGet = await getRequest(h, params, auth);
      expect(viaGet.status, JSON.stringify(params)).toBe(viaPost.status);
      expect(await viaGet.text()).toBe(await viaPost.text());
    }
  });

  it('keeps only documents that parse, validate and pass the limits, with a hash that matches', async () => {
    const h = createHarness({ env: { MAX_DEPTH: '3' } });
    const auth = { authorization: `Bearer ${await h.login()}` };
    const invalid = '{ viewer { nope } }';
    const tooDeep = '{ locations(first: 1) { nodes { boxes(first: 1) { nodes { location { name } } } } } }';
    for (const [document, code] of [
      [invalid, 'BAD_USER_INPUT'],
      [tooDeep, 'QUERY_TOO_COSTLY'],
      ['{ viewer {', 'BAD_USER_INPUT'],
    ] as const) {
      expect((await body(await h.post(apq(document), auth))).errors?.[0]?.extensions.code).toBe(code);
      expect((await body(await h.post(apq(undefined, sha256Hex(document)), auth))).errors?.[0]?.extensions.code).toBe(
        'PERSISTED_QUERY_NOT_FOUND',
      );
    }
    const mismatch = await h.post(apq(QUERY, sha256Hex('{ viewer { id } }')), auth);
    expect(mismatch.status).toBe(400);
    expect((await body(mismatch)).errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect((await body(await h.post(apq(undefined, sha256Hex('{ viewer { id } }')), auth))).errors?.[0]?.extensions.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
  });

  it('keeps nothing for a signed-out caller (the document still runs)', async () => {
    const h = createHarness();
    const full = await body(await h.post(apq('{ viewer { username } }')));
    expect(full.data).toEqual({ viewer: null });
    expect((await body(await h.post(apq(undefined, sha256Hex('{ viewer { username } }'))))).errors?.[0]?.extensions.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
  });

  it('bounds the store by bytes, whatever the number of documents', () => {
    const logger = createLogger({ level: 'silent' });
    const limits = { maxDepth: 10, maxAliases: 30, maxCtCalls: 200, maxTokens: 2000 };
    const pipeline = createPipeline({
      schema,
      limits,
      maskError: createErrorMasker({ logger, production: false }),
      persisted: { apqBytes: 16_384 },
    });
    const caller = { credential: { kind: 'session' as const } };
    for (let i = 0; i < 500; i++) {
      const query = `query Q${i} { viewer { username } }`;
      pipeline.persisted.register({ kind: 'register', hash: sha256Hex(query) }, query, caller);
    }
    expect(pipeline.persisted.stats.apqBytes).toBeLessThanOrEqual(16_384);
    expect(pipeline.persisted.stats.apqEntries).toBeGreaterThan(50);
    expect(pipeline.persisted.stats.apqEntries).toBeLessThan(500);
  });
});

describe('trusted documents (PERSISTED_OPERATIONS_FILE)', () => {
  it('runs an allow-listed document by documentId or by its hash in the APQ extension, on both paths', async () => {
    const { file, ids } = trustedFile([QUERY]);
    const h = createHarness({ env: { PERSISTED_OPERATIONS_FILE: file } });
    const auth = { authorization: `Bearer ${await h.login()}` };
    for (const params of [{ documentId: ids[0] }, apq(undefined, ids[0])]) {
      const viaPost = await body(await h.post(params, auth));
      expect(viaPost.data.viewer.username).toBe('demo');
      expect(await body(await getRequest(h, params, auth))).toEqual(viaPost);
    }
    const unknown = await h.post({ documentId: sha256Hex('{ viewer { id } }') }, auth);
    expect(unknown.status).toBe(404);
    expect((await body(unknown)).errors?.[0]?.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it("runs what GraphQL Code Generator's client preset writes (persistedDocuments: true)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctg-codegen-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'app.graphql'), `${QUERY}\n`);
    const outputs = (await generate(
      {
        schema: join(process.cwd(), 'schema.graphql'),
        documents: [join(dir, 'app.graphql')],
        generates: { [`${dir}/gql/`]: { preset: 'client', presetConfig: { persistedDocuments: true, fragmentMasking: false } } },
        silent: true,
      },
      false,
    )) as Array<{ filename: string; content: string }>;
    const written = outputs.find((o) => o.filename.endsWith('persisted-documents.json'))!;
    const file = join(dir, 'persisted-documents.json');
    writeFileSync(file, written.content);
    const [id] = Object.keys(JSON.parse(written.content) as Record<string, string>);
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);

    const h = createHarness({ env: { PERSISTED_OPERATIONS_FILE: file, PERSISTED_OPERATIONS_ONLY: 'true' } });
    const auth = { authorization: `Bearer ${await h.login()}` };
    // The client preset's documents carry the id; a client sends it as documentId, or its hex as the APQ hash.
    for (const params of [{ documentId: id }, apq(undefined, id!.slice('sha256:'.length))]) {
      expect((await body(await h.post(params, auth))).data.viewer.username).toBe('demo');
    }
  });

  it("reads Apollo's persisted query manifest too", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctg-manifest-'));
    dirs.push(dir);
    const file = join(dir, 'manifest.json');
    const operations = [{ id: 'few-v1', name: 'Few', type: 'query', body: QUERY }];
    writeFileSync(file, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }));
    const h = createHarness({ env: { PERSISTED_OPERATIONS_FILE: file } });
    const answer = await body(await h.post({ documentId: 'few-v1' }, { authorization: `Bearer ${await h.login()}` }));
    expect(answer.data.locations.totalCount).toBeGreaterThan(0);
  });

  it('refuses to start with a document that no longer fits the schema, naming it', () => {
    const { file, ids } = trustedFile([QUERY, '{ viewer { removedField } }']);
    expect(() => createHarness({ env: { PERSISTED_OPERATIONS_FILE: file } })).toThrow(
      new RegExp(`1 document\\(s\\) do not fit the schema: ${ids[1]}: Cannot query field "removedField"`),
    );
    expect(() => createHarness({ env: { PERSISTED_OPERATIONS_FILE: join(tmpdir(), 'no-such-file.json') } })).toThrow(
      /PERSISTED_OPERATIONS_FILE .*no-such-file\.json: ENOENT/,
    );
  });

  it('PERSISTED_OPERATIONS_ONLY needs a file, and is true or false', () => {
    expect(() => loadConfig({ PERSISTED_OPERATIONS_ONLY: 'true' })).toThrow(/needs PERSISTED_OPERATIONS_FILE/);
    expect(() => loadConfig({ PERSISTED_OPERATIONS_ONLY: 'yes', PERSISTED_OPERATIONS_FILE: 'x.json' })).toThrow(/true or false/);
    expect(loadConfig({ PERSISTED_OPERATIONS_ONLY: 'false' }).persistedOperationsOnly).toBe(false);
  });
});

describe('PERSISTED_OPERATIONS_ONLY=true', async () => {
  const { file, ids } = trustedFile([QUERY]);
  const h = createHarness({ env: { PERSISTED_OPERATIONS_FILE: file, PERSISTED_OPERATIONS_ONLY: 'true' } });
  const token = await h.login();
  const bearer = { authorization: `Bearer ${token}` };
  const playground = { cookie: `ct_session=${token}`, origin: FACADE_URL, 'x-csrf-protection': '1' };
  const refused = {
    errors: [{ message: expect.stringMatching(/^Only persisted operations/), extensions: { code: 'PERSISTED_QUERY_ONLY' } }],
  };

  it('refuses an unknown document sent in full, on both paths, before any CT call', async () => {
    h.sim.resetLog();
    const viaPost = await h.post({ query: '{ viewer { username } }' }, bearer);
    expect(viaPost.status).toBe(400);
    const text = await viaPost.text();
    expect(JSON.parse(text)).toEqual(refused);
    const viaGet = await getRequest(h, { query: '{ viewer { username } }' }, bearer);
    expect(viaGet.status).toBe(400);
    expect(await viaGet.text()).toBe(text);
    expect(h.ctCalls()).toEqual([]);
  });

  it('registers nothing through APQ: hash plus document is a document sent in full', async () => {
    expect(await body(await h.post(apq('{ viewer { username } }'), bearer))).toEqual(refused);
    expect((await body(await h.post(apq(undefined, sha256Hex('{ viewer { username } }')), bearer))).errors?.[0]?.extensions.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
  });

  it('runs the allow-listed documents for every caller', async () => {
    expect((await body(await h.post({ documentId: ids[0] }, bearer))).data.viewer.username).toBe('demo');
    expect((await body(await h.post(apq(undefined, ids[0]), bearer))).data.viewer.username).toBe('demo');
  });

  it('lets the playground (a cookie session on our origin) run introspection and queries, but not mutations', async () => {
    const query = await body(await h.post({ query: '{ viewer { username } }' }, playground));
    expect(query.data).toEqual({ viewer: { username: 'demo' } });
    const introspection = await body(await h.post({ query: '{ __schema { queryType { name } } }' }, playground));
    expect(introspection.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    h.sim.resetLog();
    const mutation = await h.post({ query: MUTATION, variables: { input: { name: 'Never made' } } }, playground);
    expect(await body(mutation)).toEqual(refused);
    expect(h.ctCalls()).toEqual([]);
  });

  it('refuses the same queries from another origin, signed out, or with the session as a bearer token', async () => {
    const other = createHarness({
      env: { PERSISTED_OPERATIONS_FILE: file, PERSISTED_OPERATIONS_ONLY: 'true', CORS_ORIGINS: 'http://127.0.0.1:5173' },
    });
    const otherToken = await other.login();
    for (const headers of <Array<Record<string, string>>>[
      { cookie: `ct_session=${otherToken}`, origin: 'http://127.0.0.1:5173', 'x-csrf-protection': '1' },
      { origin: FACADE_URL, 'x-csrf-protection': '1' },
      { authorization: `Bearer ${otherToken}`, origin: FACADE_URL },
    ]) {
      expect(await body(await other.post({ query: '{ viewer { username } }' }, headers))).toEqual(refused);
    }
  });
});
