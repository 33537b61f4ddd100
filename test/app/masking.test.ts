/**
 * Error masking through app.fetch: an error nobody planned for (CT data the facade cannot
 * represent) reaches the client as the generic INTERNAL_SERVER_ERROR with nothing of the cause,
 * and the operator's log has the cause without any token; GraphQL syntax and validation errors
 * are BAD_USER_INPUT; a malformed JSON body is refused without being echoed.
 */
import { describe, expect, it } from 'vitest';
import { DEMO } from '../../simulator/app.js';
import type { Store } from '../../simulator/store.js';
import { createHarness, FACADE_URL, TEST_SECRET, type Harness } from '../harness.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/** What a response to a client must never contain. */
function assertNothingLeaks(text: string, token: string): void {
  expect(text).not.toContain(token);
  expect(text).not.toContain('ct.test');
  expect(text).not.toContain('/api/v1');
  expect(text).not.toMatch(/[0-9a-f]{64}/);
  expect(text).not.toMatch(/\bat .+\.(ts|js):\d+/); // a stack frame
  expect(text).not.toMatch(/stack/i);
}

/** A completed voucher batch of the demo account, straight from the simulator's store, and its location slug. */
function demoVoucher(h: Harness): { store: Store; voucher: Store['vouchers'][number]; slug: string } {
  const store = h.sim.store as Store;
  const demo = store.userByLogin(DEMO.username)!;
  for (const voucher of store.vouchers) {
    const location = store.locations.find((l) => Number(l.id) === voucher.location_id);
    if (location?.user_id === demo.id && voucher.completed) return { store, voucher, slug: location.slug };
  }
  throw new Error('the seeded store has no completed voucher batch of the demo account');
}

describe('an unexpected error is masked for the client and logged for the operator', () => {
  it('a voucher whose access_type CT sends as 99 answers INTERNAL_SERVER_ERROR "Unexpected error." with no cause', async () => {
    const h = createHarness();
    const token = await h.login();
    const { voucher, slug } = demoVoucher(h);
    const query = {
      query: 'query Batch($id: ID!) { node(id: $id) { id ... on Voucher { uniqueId accessType } } }',
      variables: { id: b64(`Voucher:${slug}/${voucher.unique_id}`) },
    };

    // The same query answers while CT's data is representable: the error below is the data's doing.
    const fine = await (await h.post(query, { authorization: `Bearer ${token}` })).json();
    expect(fine.errors).toBeUndefined();
    expect(fine.data.node.uniqueId).toBe(voucher.unique_id);

    (voucher as { access_type: number }).access_type = 99;
    h.logs.length = 0;
    const res = await h.post(query, { authorization: `Bearer ${token}` });
    const text = await res.text();
    const body = JSON.parse(text);
    expect(body.data?.node ?? null).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].message).toBe('Unexpected error.');
    expect(body.errors[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(body.errors[0].path).toEqual(['node']);
    // Nothing of the cause: not CT's value, not our message about it, no stack, URL or token.
    expect(text).not.toContain('access_type');
    expect(text).not.toContain('CT sent');
    assertNothingLeaks(text, token);

    const logged = h.logs.filter((line) => line.includes('unexpected error'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('unknown voucher access_type');
    const allLogs = h.logs.join('\n');
    expect(allLogs).not.toContain(token);
    expect(allLogs).not.toContain(TEST_SECRET);
    expect(allLogs).not.toMatch(/[0-9a-f]{64}/);
  });
});

describe('GraphQL syntax and validation errors', () => {
  it.each([
    ['a field the schema does not have', '{ nope }'],
    ['a syntax error', '{ viewer { id '],
  ])('%s answers BAD_USER_INPUT without extensions.originalError, before any CT call', async (_what, query) => {
    const h = createHarness();
    const token = await h.login();
    h.sim.resetLog();
    const res = await h.post({ query }, { authorization: `Bearer ${token}` });
    expect(res.status).toBeLessThan(500);
    const text = await res.text();
    const body = JSON.parse(text);
    expect(body.data ?? null).toBeNull();
    expect(body.errors.length).toBeGreaterThan(0);
    for (const error of body.errors) {
      expect(error.extensions.code).toBe('BAD_USER_INPUT');
      expect(error.extensions.originalError).toBeUndefined();
    }
    assertNothingLeaks(text, token);
    expect(h.ctCalls()).toHaveLength(0);
  });
});

describe('malformed JSON in production', () => {
  it('answers 4xx without echoing the body', async () => {
    const h = createHarness({ env: { NODE_ENV: 'production' } });
    expect(h.config.production).toBe(true);
    const token = await h.login();
    const marker = 'PRIVATE-MARKER-7f3a';
    h.sim.resetLog();
    const res = await h.app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
        body: `{"query": "{ viewer { id } }", "note": ${marker}`,
      }),
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const text = await res.text();
    expect(text).not.toContain(marker);
    expect(text).not.toContain('viewer');
    expect(text).not.toContain('originalError');
    assertNothingLeaks(text, token);
    expect(h.ctCalls()).toHaveLength(0);
  });
});
