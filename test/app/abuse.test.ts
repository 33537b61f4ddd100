/**
 * Misuse of the GraphQL endpoint and the session, found in review: pricing that cannot be made
 * slow or cheap, a compiled-operation cache that cannot be confused, sign-out CSRF, and session
 * tokens kept out of reach of page scripts and caches.
 */
import { describe, expect, it } from 'vitest';
import { createHarness, CT_URL, FACADE_URL } from '../harness.js';

const code = (body: { errors?: Array<{ extensions?: { code?: string } }> }) => body.errors?.[0]?.extensions?.code;

describe('query pricing', () => {
  it('prices a chain of doubled fragment spreads without walking it 2^n times, and refuses it', async () => {
    const h = createHarness();
    const auth = { authorization: `Bearer ${await h.login()}` };
    const levels = 40;
    let query = 'query Chain { ...F0 }\n';
    for (let i = 0; i < levels; i++) {
      query += `fragment F${i} on Query { ${i === levels - 1 ? 'locations(first: 1) { totalCount }' : `...F${i + 1} ...F${i + 1}`} }\n`;
    }
    h.sim.resetLog();
    const body = await (await h.post({ query }, auth)).json();
    expect(code(body)).toBe('QUERY_TOO_COSTLY');
    expect(h.ctCalls()).toHaveLength(0);
  });

  it('reads variable defaults: a default list of ids or a default page size counts like a literal', async () => {
    const h = createHarness();
    const auth = { authorization: `Bearer ${await h.login()}` };
    const ids = Array.from({ length: 300 }, (_, i) => Buffer.from(`Location:x${i}`).toString('base64url'));
    h.sim.resetLog();
    const many = await (
      await h.post({ query: `query Many($ids: [ID!]! = ${JSON.stringify(ids)}) { nodes(ids: $ids) { id } }` }, auth)
    ).json();
    expect(code(many)).toBe('QUERY_TOO_COSTLY');
    const pages = await (
      await h.post(
        {
          query:
            'query Pages($n: Int = 100) { locations(first: $n) { nodes { boxes(first: 1) { totalCount } vouchers(first: 1) { totalCount } } } }',
        },
        auth,
      )
    ).json();
    expect(code(pages)).toBe('QUERY_TOO_COSTLY');
    expect(h.ctCalls()).toHaveLength(0);
  });
});

describe('the compiled-operation cache', () => {
  it('does not serve operationName "" from the entry of the anonymous operation', async () => {
    const h = createHarness();
    const auth = { authorization: `Bearer ${await h.login()}` };
    const query = '{ viewer { id } }';
    expect((await (await h.post({ query }, auth)).json()).data.viewer.id).toBeTruthy();
    const named = await (await h.post({ query, operationName: '' }, auth)).json();
    expect(named.data?.viewer ?? null).toBeNull();
    expect(code(named)).toBe('BAD_USER_INPUT');
  });
});

describe('sign-out', () => {
  it('is refused from a foreign origin or without a CSRF header, even with no session cookie', async () => {
    const h = createHarness();
    const logout = (headers: Record<string, string>) => h.app.fetch(new Request(`${FACADE_URL}/auth/logout`, { method: 'POST', headers }));
    expect((await logout({ origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(403);
    expect((await logout({})).status).toBe(403);
    expect((await logout({ origin: FACADE_URL })).status).toBe(204);
    expect((await logout({ 'x-csrf-protection': '1' })).status).toBe(204);
  });

  it('with only a bearer session token needs no CSRF header and revokes that session at CT; the cookie stays strict', async () => {
    const h = createHarness();
    const logout = (headers: Record<string, string>) => h.app.fetch(new Request(`${FACADE_URL}/auth/logout`, { method: 'POST', headers }));
    const me = async (accessToken: string) =>
      (
        await h.sim.fetch(
          new Request(`${CT_URL}/api/v1/me.json`, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } }),
        )
      ).status;
    const token = await h.login();
    const { session } = await (await h.app.sessions()).open(token);
    expect(await me(session!.tokens.accessToken)).toBe(200);

    h.sim.resetLog();
    const res = await logout({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(204);
    expect(h.sim.log.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(['POST /oauth/revoke 200', 'POST /oauth/revoke 200']);
    expect(await me(session!.tokens.accessToken)).toBe(401);

    // The cookie is ambient: without Origin or a CSRF header, or from a foreign origin, it is still refused.
    const cookie = `ct_session=${await h.login()}`;
    h.sim.resetLog();
    expect((await logout({ cookie })).status).toBe(403);
    expect((await logout({ cookie, origin: 'https://evil.example', 'x-csrf-protection': '1' })).status).toBe(403);
    expect((await logout({ authorization: `Bearer ${await h.login()}`, origin: 'https://evil.example' })).status).toBe(403);
    expect(h.sim.log).toEqual([]);
  });
});

describe('a refreshed session', () => {
  it('goes back in x-session-token to bearer clients only; cookie sessions get it as a cookie; nothing is cacheable', async () => {
    const h = createHarness();
    const token = await h.login();
    h.sim.control.expireAllTokens();
    const byCookie = await h.post({ query: '{ viewer { id } }' }, { cookie: `ct_session=${token}` });
    expect((await byCookie.json()).data.viewer.id).toBeTruthy();
    expect(byCookie.headers.get('x-session-token')).toBeNull();
    expect(byCookie.headers.getSetCookie().some((c) => c.startsWith('ct_session=') && !c.startsWith('ct_session=;'))).toBe(true);
    expect(byCookie.headers.get('cache-control')).toBe('private, no-store');

    const other = await h.login();
    h.sim.control.expireAllTokens();
    const byBearer = await h.post({ query: '{ viewer { id } }' }, { authorization: `Bearer ${other}` });
    expect(byBearer.headers.get('x-session-token')).toBeTruthy();
    expect(byBearer.headers.get('cache-control')).toBe('private, no-store');
  });

  it('a proactive refresh that CT cannot serve leaves every field on the still-valid token', async () => {
    const h = createHarness({ sim: { tokenLifetimeSeconds: 30 } });
    const auth = { authorization: `Bearer ${await h.login()}` };
    h.sim.control.addFault({ method: 'POST', path: '/oauth/token', status: 503 });
    h.sim.resetLog();
    const body = await (
      await h.post({ query: '{ viewer { id } locations(first: 2) { totalCount } boxes(first: 2) { totalCount } }' }, auth)
    ).json();
    expect(body.errors).toBeUndefined();
    expect(body.data.viewer.id).toBeTruthy();
    expect(body.data.locations.totalCount).toBeGreaterThan(0);
    expect(body.data.boxes.totalCount).toBeGreaterThan(0);
    expect(h.sim.log.filter((e) => e.path === '/oauth/token')).toHaveLength(1);
  });
});

describe('metrics labels', () => {
  it('name operations of signed-in callers only', async () => {
    const h = createHarness();
    await h.post({ query: 'query SpamLabel123 { __typename }' });
    const auth = { authorization: `Bearer ${await h.login()}` };
    await h.post({ query: 'query RealDashboard { viewer { id } }' }, auth);
    const text = await (await h.app.fetch(new Request(`${FACADE_URL}/metrics`))).text();
    expect(text).toContain('operation="RealDashboard"');
    expect(text).not.toContain('SpamLabel123');
  });
});

describe('a create that CT accepts without answering the object', () => {
  it('reports the outcome as unknown, never as a plain failure that invites a duplicate', async () => {
    const h = createHarness();
    const auth = { authorization: `Bearer ${await h.login()}` };
    const list = await (await h.post({ query: '{ locations(first: 1) { nodes { id } } }' }, auth)).json();
    const locationId = list.data.locations.nodes[0].id;
    h.sim.control.addFault({ method: 'POST', path: '/api/v1/locations/*/vouchers', status: 201, times: 1 });
    h.sim.resetLog();
    const body = await (
      await h.post(
        {
          query: 'mutation ($input: CreateVoucherInput!) { createVoucher(input: $input) { voucher { id } userErrors { code } } }',
          variables: { input: { locationId, name: 'Lost answer', quantity: 10, accessType: 'TIME', validityMinutes: 60 } },
        },
        auth,
      )
    ).json();
    expect(body.errors[0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', outcomeUnknown: true });
    expect(h.ctCalls().filter((c) => c.method === 'POST')).toHaveLength(1);
  });
});
