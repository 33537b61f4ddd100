/**
 * GraphQL over HTTP conformance of /graphql (graphql-http's server audits), signed in and
 * signed out. The JSON fast path and yoga share the endpoint, so this is what keeps the two
 * answering the protocol the same way.
 */
import { serverAudits } from 'graphql-http';
import { describe, expect, it } from 'vitest';
import { createHarness, FACADE_URL } from '../harness.js';

for (const signedIn of [false, true]) {
  describe(`graphql-http server audits (${signedIn ? 'signed in' : 'signed out'})`, async () => {
    const h = createHarness();
    const token = signedIn ? await h.login() : null;
    const fetchFn = (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return h.app.fetch(request);
    };
    for (const audit of serverAudits({ url: `${FACADE_URL}/graphql`, fetchFn })) {
      it(`${audit.id} ${audit.name}`, async () => {
        const result = await audit.fn();
        // MUST audits have to pass; SHOULD and MAY ones may warn but never error.
        if (audit.name.startsWith('MUST')) expect(result.status, result.status === 'ok' ? '' : result.reason).toBe('ok');
        else expect(result.status, result.status === 'error' ? result.reason : '').not.toBe('error');
      });
    }
  });
}

/**
 * The JSON fast path (a POST with a JSON body) and yoga (here: the same query as a GET) must give
 * the same bytes, error cases included: the same errors with their `locations`, in the same order.
 */
describe('the fast path and yoga answer alike', async () => {
  const h = createHarness();
  const token = await h.login();
  const cases: Array<[string, string, Record<string, unknown>, boolean]> = [
    ['signed out', '{ viewer { username } locations(first: 2) { totalCount } }', {}, false],
    ['an invalid ID', '{ node(id: "garbage") { id } }', {}, true],
    ['a malformed cursor', 'query ($after: String) { locations(first: 2, after: $after) { totalCount } }', { after: 'not-a-cursor' }, true],
    ['first above 100', '{ locations(first: 500) { totalCount } }', {}, true],
    [
      'a nested error under a fragment',
      'query { ...Q } fragment Q on Query { a: location(slug: "no-such-location") { name } b: locations(first: 101) { totalCount } }',
      {},
      true,
    ],
    ['success', '{ viewer { username } locations(first: 2) { totalCount nodes { name } } }', {}, true],
  ];
  for (const [name, query, variables, signedIn] of cases) {
    it(name, async () => {
      const auth: Record<string, string> = signedIn ? { authorization: `Bearer ${token}` } : {};
      // Twice each: the second POST may run a compiled form of the operation.
      for (let i = 0; i < 2; i++) {
        const fast = await h.post({ query, variables }, auth);
        const url = `${FACADE_URL}/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify(variables))}`;
        const viaYoga = await h.app.fetch(new Request(url, { headers: { accept: 'application/json', ...auth } }));
        expect(fast.status).toBe(viaYoga.status);
        expect(fast.headers.get('content-type')).toBe(viaYoga.headers.get('content-type'));
        // The one difference: each answer tells how much of the budget is left after it.
        const [fastBody, fastBudget] = apartFromBudget(await fast.text());
        const [yogaBody, yogaBudget] = apartFromBudget(await viaYoga.text());
        expect(fastBody).toBe(yogaBody);
        expect(yogaBudget).toEqual(fastBudget && { ...fastBudget, remaining: fastBudget.remaining - JSON.parse(yogaBody).ctCalls });
      }
    });
  }
});

/**
 * The body with `extensions.cost.budget.remaining` taken out (JSON.stringify keeps the key order,
 * so the rest is still compared byte for byte), the budget, and the CT calls at the top for the sum.
 */
function apartFromBudget(text: string): [string, { limit: number; remaining: number; resetAt: string } | null] {
  const body = JSON.parse(text);
  const budget = body.extensions?.cost?.budget ?? null;
  if (budget) body.extensions.cost.budget = { ...budget, remaining: 'apart' };
  return [JSON.stringify({ ctCalls: body.extensions?.cost?.ctCalls ?? 0, body }), budget];
}
