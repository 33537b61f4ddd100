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
