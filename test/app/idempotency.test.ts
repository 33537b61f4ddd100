/**
 * Idempotency-Key on POST /graphql mutations (src/idempotency.ts through pipeline.ts), with the
 * simulator as CT and the embedded store: a replay makes no CT call and answers byte for byte with
 * `idempotent-replayed: true`; another request under the key is IDEMPOTENCY_KEY_REUSED; a second
 * request while the first runs is IDEMPOTENCY_IN_PROGRESS; the record is written before the CT call;
 * the key is scoped to the CT user; sessions and API tokens alike; the fast path and yoga alike.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator } from '../../simulator/app.js';
import { fingerprint } from '../../src/idempotency.js';
import { FACADE_URL } from '../harness.js';
import { CREATE_VOUCHER, ctCalls, disposeFacades, type Facade, facade, globalId, otherSession, type Path } from '../idempotency.js';

afterEach(disposeFacades);

/** The demo account's CT user id (simulator/README.md): what its records are filed under. */
const DEMO_USER = '103';

async function place(f: Facade, name = 'Idempotent site'): Promise<string> {
  return (await f.ct('POST', '/locations', { location: { location_name: name } })).slug as string;
}

async function batches(f: Facade, slug: string): Promise<Array<{ batch_name: string }>> {
  return (await f.ct('GET', `/locations/${slug}/vouchers?per=100`)).vouchers;
}

const input = (slug: string, name = 'Lobby', quantity = 5) => ({ input: { locationId: globalId('Location', slug), name, quantity } });

describe('the same key and request twice', () => {
  it.each([
    ['session', 'fast', 'fast'],
    ['API token', 'fast', 'fast'],
    ['session', 'fast', 'yoga'],
    ['API token', 'yoga', 'fast'],
  ] as const)(
    '%s, first on the %s path, again on the %s path: one POST at CT, the same bytes, replayed with no CT call',
    async (who, first, second) => {
      const f = await facade();
      const caller = who === 'session' ? f.session : f.apiToken;
      const slug = await place(f);
      const key = randomUUID();
      f.sim.resetLog();
      const a = await f.post(caller, CREATE_VOUCHER, input(slug), { key, path: first as Path });
      expect(a.status).toBe(200);
      expect(a.body.errors).toBeUndefined();
      expect(a.body.data.createVoucher.voucher.name).toBe('Lobby');
      expect(a.headers.get('idempotent-replayed')).toBeNull();
      const seenFirst = ctCalls(f.sim);
      expect(seenFirst.filter((c) => c.startsWith('POST'))).toEqual([`POST /api/v1/locations/${slug}/vouchers`]);

      f.sim.resetLog();
      const b = await f.post(caller, CREATE_VOUCHER, input(slug), { key, path: second as Path });
      expect(b.status).toBe(200);
      expect(b.headers.get('idempotent-replayed')).toBe('true');
      expect(b.text).toBe(a.text);
      expect(ctCalls(f.sim)).toEqual([]);
      expect((await batches(f, slug)).filter((v) => v.batch_name === 'Lobby')).toHaveLength(1);
    },
  );

  it('replays a final answer with userErrors too (nothing was created either time)', async () => {
    const f = await facade();
    const slug = await place(f);
    const key = randomUUID();
    const a = await f.post(f.session, CREATE_VOUCHER, input(slug, 'Too big', 5000), { key });
    expect(a.body.data.createVoucher.userErrors[0].code).toBe('INVALID');
    f.sim.resetLog();
    const b = await f.post(f.session, CREATE_VOUCHER, input(slug, 'Too big', 5000), { key });
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(b.text).toBe(a.text);
    expect(ctCalls(f.sim)).toEqual([]);
  });

  it('takes the same variables in another key order and another layout of the document as the same request', async () => {
    const f = await facade();
    const slug = await place(f);
    const key = randomUUID();
    await f.post(f.apiToken, CREATE_VOUCHER, input(slug), { key });
    const reordered = { input: { quantity: 5, name: 'Lobby', locationId: globalId('Location', slug) } };
    const b = await f.post(f.apiToken, CREATE_VOUCHER.replace(/\s+/g, ' '), reordered, { key });
    expect(b.headers.get('idempotent-replayed')).toBe('true');
  });

  it('accepts the IETF form of the header, a quoted string, as the same key', async () => {
    const f = await facade();
    const slug = await place(f);
    await f.post(f.apiToken, CREATE_VOUCHER, input(slug), { key: 'nightly-2026-11-30' });
    const b = await f.post(f.apiToken, CREATE_VOUCHER, input(slug), { key: '"nightly-2026-11-30"' });
    expect(b.headers.get('idempotent-replayed')).toBe('true');
  });
});

describe('the same key with another request', () => {
  it.each(['fast', 'yoga'] as const)('is IDEMPOTENCY_KEY_REUSED (422) on the %s path, and CT is not called', async (path) => {
    const f = await facade();
    const slug = await place(f);
    const key = randomUUID();
    await f.post(f.session, CREATE_VOUCHER, input(slug, 'First'), { key });
    f.sim.resetLog();
    const b = await f.post(f.session, CREATE_VOUCHER, input(slug, 'Other name'), { key, path });
    expect(b.status).toBe(422);
    expect(b.body).toEqual({
      errors: [{ message: expect.stringContaining('another request'), extensions: { code: 'IDEMPOTENCY_KEY_REUSED' } }],
    });
    expect(ctCalls(f.sim)).toEqual([]);
    expect((await batches(f, slug)).map((v) => v.batch_name)).toEqual(['First']);
  });

  it('answers alike on both paths, byte for byte', async () => {
    const f = await facade();
    const slug = await place(f);
    const key = randomUUID();
    await f.post(f.apiToken, CREATE_VOUCHER, input(slug, 'First'), { key });
    const fast = await f.post(f.apiToken, CREATE_VOUCHER, input(slug, 'Second'), { key, path: 'fast' });
    const yoga = await f.post(f.apiToken, CREATE_VOUCHER, input(slug, 'Second'), { key, path: 'yoga' });
    expect([fast.status, fast.text]).toEqual([yoga.status, yoga.text]);
  });

  it('keys are per CT user: another account may use the same key for its own request', async () => {
    const f = await facade();
    const key = randomUUID();
    const mine = await place(f, 'Mine');
    await f.post(f.session, CREATE_VOUCHER, input(mine), { key });
    const other = await otherSession(f);
    const theirs = (await f.post(other, 'query { locations(first: 1) { nodes { id } } }')).body.data.locations.nodes[0].id;
    const b = await f.post(other, CREATE_VOUCHER, { input: { locationId: theirs, name: 'Theirs' } }, { key });
    expect(b.status).toBe(200);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.body.data.createVoucher.voucher.name).toBe('Theirs');
  });

  it('a session and an API token of one CT account share its keys', async () => {
    const f = await facade();
    const slug = await place(f);
    const key = randomUUID();
    await f.post(f.session, CREATE_VOUCHER, input(slug), { key });
    f.sim.resetLog();
    const b = await f.post(f.apiToken, CREATE_VOUCHER, input(slug), { key });
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(ctCalls(f.sim)).toEqual([]);
  });
});

describe('two requests with one key at once', () => {
  it.each(['fast', 'yoga'] as const)(
    'the second (on the %s path) is IDEMPOTENCY_IN_PROGRESS (409, Retry-After) while the first runs; then it replays',
    async (path) => {
      const f = await facade();
      const slug = await place(f);
      const key = randomUUID();
      const gate = f.hold('POST', /\/vouchers$/);
      const first = f.post(f.apiToken, CREATE_VOUCHER, input(slug), { key });
      await gate.arrived;
      // The record was written before the CT call: it is there, running, while the POST waits.
      const store = await f.app.store.get();
      expect(await store.idempotency.get(DEMO_USER, key)).toMatchObject({ status: 'running', attempts: 1, response: null });

      f.sim.resetLog();
      const second = await f.post(f.apiToken, CREATE_VOUCHER, input(slug), { key, path });
      expect(second.status).toBe(409);
      expect(second.headers.get('retry-after')).toBe('1');
      expect(second.body.errors[0].extensions).toEqual({ code: 'IDEMPOTENCY_IN_PROGRESS', retryAfter: 1 });
      expect(ctCalls(f.sim)).toEqual([]);

      gate.release();
      const done = await first;
      expect(done.body.data.createVoucher.voucher.name).toBe('Lobby');
      // Kept sealed: the store never holds a response (voucher codes, say) in clear.
      const kept = await store.idempotency.get(DEMO_USER, key);
      expect(kept).toMatchObject({ status: 'done', attempts: 1 });
      expect(kept?.response).toMatch(/^ey[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(kept?.response).not.toContain('Lobby');
      const third = await f.post(f.apiToken, CREATE_VOUCHER, input(slug), { key, path });
      expect(third.text).toBe(done.text);
      expect(third.headers.get('idempotent-replayed')).toBe('true');
      expect(await batches(f, slug)).toHaveLength(1);
    },
  );
});

describe('the header itself', () => {
  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['not printable ASCII', 'clé'],
  ])('%s: BAD_USER_INPUT (400) with reason IDEMPOTENCY_KEY_INVALID on both paths, no CT call', async (_what, key) => {
    const f = await facade();
    const slug = await place(f);
    f.sim.resetLog();
    const fast = await f.post(f.session, CREATE_VOUCHER, input(slug), { key });
    const yoga = await f.post(f.session, CREATE_VOUCHER, input(slug), { key, path: 'yoga' });
    for (const answer of [fast, yoga]) {
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'IDEMPOTENCY_KEY_INVALID', maxLength: 255 });
    }
    expect(fast.text).toBe(yoga.text);
    expect(ctCalls(f.sim)).toEqual([]);
  });

  it('takes a key of 255 characters', async () => {
    const f = await facade();
    const slug = await place(f);
    const key = 'k'.repeat(255);
    await f.post(f.apiToken, CREATE_VOUCHER, input(slug), { key });
    expect((await f.post(f.apiToken, CREATE_VOUCHER, input(slug), { key })).headers.get('idempotent-replayed')).toBe('true');
  });

  it('is ignored on a query: it runs each time, and nothing is stored', async () => {
    const f = await facade();
    const key = randomUUID();
    const query = 'query { locations(first: 1) { totalCount } }';
    f.sim.resetLog();
    const a = await f.post(f.apiToken, query, undefined, { key });
    const b = await f.post(f.apiToken, query, undefined, { key });
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(a.body.data).toEqual(b.body.data);
    expect(ctCalls(f.sim)).toHaveLength(2);
    expect(await (await f.app.store.get()).idempotency.get(DEMO_USER, key)).toBeNull();
  });

  it('a request refused before it runs (its variables do not fit) leaves the key unused', async () => {
    const f = await facade();
    const slug = await place(f);
    const key = randomUUID();
    const refused = await f.post(f.apiToken, CREATE_VOUCHER, { input: { name: 'No location' } }, { key });
    expect(refused.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const ran = await f.post(f.apiToken, CREATE_VOUCHER, input(slug), { key });
    expect(ran.headers.get('idempotent-replayed')).toBeNull();
    expect(ran.body.data.createVoucher.voucher.name).toBe('Lobby');
  });
});

describe('from a page on an allowed origin (CORS)', () => {
  it('may send the header and read idempotent-replayed and Retry-After', async () => {
    const app = 'https://app.example';
    const f = await facade({ env: { CORS_ORIGINS: app } });
    const preflight = await f.app.fetch(
      new Request('http://facade.test/graphql', {
        method: 'OPTIONS',
        headers: { origin: app, 'access-control-request-method': 'POST', 'access-control-request-headers': 'idempotency-key' },
      }),
    );
    expect(preflight.headers.get('access-control-allow-headers')?.split(', ')).toContain('idempotency-key');
    const slug = await place(f);
    const key = randomUUID();
    await f.post(f.apiToken, CREATE_VOUCHER, input(slug), { key, headers: { origin: app } });
    const replay = await f.post(f.apiToken, CREATE_VOUCHER, input(slug), { key, headers: { origin: app } });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('access-control-expose-headers')?.split(', ')).toEqual(
      expect.arrayContaining(['idempotent-replayed', 'retry-after']),
    );
  });
});

describe('cost and the store', () => {
  it("a session's first keyed mutation asks CT whose it is (/me.json), once, and counts it in the estimate", async () => {
    const f = await facade();
    const boxes = (await f.ct('GET', '/boxes?per=100')).boxes.filter((b: any) => b.allowed_job).slice(0, 2);
    const query = 'mutation($input: BoxIdInput!) { rebootBox(input: $input) { box { state } } }';
    f.sim.resetLog();
    const a = await f.post(f.session, query, { input: { id: globalId('Box', boxes[0].slug) } }, { key: randomUUID() });
    expect(ctCalls(f.sim)).toEqual(['GET /api/v1/me.json', `PATCH /api/v1/boxes/${boxes[0].slug}`]);
    expect(a.body.extensions.cost).toMatchObject({ ctCalls: 2, estimated: 3 });
    f.sim.resetLog();
    const b = await f.post(f.session, query, { input: { id: globalId('Box', boxes[1].slug) } }, { key: randomUUID() });
    expect(ctCalls(f.sim)).toEqual([`PATCH /api/v1/boxes/${boxes[1].slug}`]);
    expect(b.body.extensions.cost).toMatchObject({ ctCalls: 1, estimated: 2 });
  });

  it.each(['fast', 'yoga'] as const)(
    'with the store down, a keyed mutation is UPSTREAM_UNAVAILABLE (503) on the %s path, and CT is not called',
    async (path) => {
      // Nothing listens on port 9: the store cannot open.
      const f = await facade({ env: { DATABASE_URL: 'postgres://ct@127.0.0.1:9/none' }, apiToken: false });
      f.sim.resetLog();
      const answer = await f.post(f.session, CREATE_VOUCHER, input('anywhere'), { key: randomUUID(), path });
      expect(answer.status).toBe(503);
      expect(answer.body.errors[0].extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', reason: 'IDEMPOTENCY_STORE_UNAVAILABLE' });
      expect(ctCalls(f.sim)).toEqual([]);
    },
  );
});

describe('a stored response that can no longer be read', () => {
  it('after SESSION_SECRET dropped the secret that sealed it: the request runs again, its create looking first', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ct-graphql-idem-rotate-'));
    try {
      const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
      const before = await facade({ sim, env: { DATA_DIR: dataDir } });
      const slug = await place(before);
      const key = randomUUID();
      const first = await before.post(before.apiToken, CREATE_VOUCHER, input(slug), { key });
      const made = first.body.data.createVoucher.voucher;
      const rotated = 'a-new-session-secret-0123456789-abcdefghijklmnopq';
      // Another instance whose SESSION_SECRET no longer has the old secret (its own API token is sealed under the new one).
      const after = await facade({ sim, env: { DATA_DIR: dataDir, SESSION_SECRET: rotated } });
      sim.resetLog();
      const again = await after.post(after.apiToken, CREATE_VOUCHER, input(slug), { key });
      expect(again.headers.get('idempotent-replayed')).toBeNull();
      expect(again.body.data.createVoucher.voucher).toEqual(made);
      expect(ctCalls(sim)).toEqual([`GET /api/v1/locations/${slug}/vouchers`]);
      expect(await batches(after, slug)).toHaveLength(1);
    } finally {
      await disposeFacades();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('responses that are not final', () => {
  it('a bulk item that failed keeps the key open: the retry runs again (no replay), and only the items are sent again', async () => {
    const f = await facade();
    const boxes = (await f.ct('GET', '/boxes?per=100')).boxes.filter((b: any) => b.allowed_job).slice(0, 2);
    const query = `mutation($input: RebootBoxesInput!) { rebootBoxes(input: $input) { results { id box { state } } } }`;
    const variables = { input: { ids: boxes.map((b: any) => globalId('Box', b.slug)) } };
    const key = randomUUID();
    f.sim.control.addFault({ method: 'PATCH', path: `/api/v1/boxes/${boxes[1].slug}`, status: 503, times: 1 });
    const a = await f.post(f.apiToken, query, variables, { key });
    expect(a.body.errors[0].path).toEqual(['rebootBoxes', 'results', 1, 'box']);
    expect(await (await f.app.store.get()).idempotency.get(DEMO_USER, key)).toMatchObject({ status: 'incomplete', attempts: 1 });
    f.sim.resetLog();
    const b = await f.post(f.apiToken, query, variables, { key });
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.body.errors).toBeUndefined();
    expect(ctCalls(f.sim).filter((c) => c.startsWith('PATCH'))).toHaveLength(2);
    expect(await (await f.app.store.get()).idempotency.get(DEMO_USER, key)).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('the fingerprint is what tells requests apart: the operation name counts, layout does not', () => {
    const base = { variables: { a: 1, b: [{ y: 2, x: 1 }] } };
    const doc = (source: string) => parse(source);
    const one = fingerprint({ document: doc('mutation A { x }'), operationName: 'A', ...base });
    expect(fingerprint({ document: doc('mutation   A {\n  x\n}'), operationName: 'A', variables: { b: [{ x: 1, y: 2 }], a: 1 } })).toBe(
      one,
    );
    expect(fingerprint({ document: doc('mutation A { x }'), operationName: null, ...base })).not.toBe(one);
    expect(fingerprint({ document: doc('mutation A { x }'), operationName: 'A', variables: { a: 2, b: [] } })).not.toBe(one);
  });
});
