// The CT client against the in-process simulator: requests, CT's real error answers, the token
// lifecycle (proactive refresh, 401 refresh + replay, single flight, reuse across clients),
// retries of reads only, timeouts, and that errors never carry a token or a URL.

import { describe, expect, it } from 'vitest';
import { createCtClient, type CtCallEvent } from '../../src/ct/client.js';
import { ctPath } from '../../src/ct/paths.js';
import { CtAuthError, CtHttpError, CtRateLimitedError, CtUnavailableError } from '../../src/ct/errors.js';
import { API_URL, errorText, rejection, setup } from './helpers.js';

interface LocationList {
  locations: Array<{ slug: string; unique_id: number; location_name: string }>;
  _links: { total_entries: number };
}
interface BoxList {
  boxes: Array<{ slug: string; state: string; allowed_job?: boolean }>;
}

describe('requests', () => {
  it('GETs with the bearer token and a query without undefined/null values', async () => {
    const s = setup();
    const ct = s.client();
    const list = await ct.get<LocationList>('/locations', { per: 2, q: undefined, sort: null });
    expect(list.locations.length).toBeGreaterThan(0);
    expect(list.locations.length).toBeLessThanOrEqual(2);
    const calls = s.sim.apiCalls();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'GET', path: '/api/v1/locations', query: { per: '2' }, status: 200 });
    expect(ct.stats).toEqual({ calls: 1, retries: 0, replays401: 0 });
    expect(ct.tokensChanged).toBe(false);
  });

  it('writes JSON: create answers the object, delete answers null (204)', async () => {
    const s = setup();
    const ct = s.client();
    const created = await ct.send<{ slug: string; location_name: string }>('POST', '/locations', {
      location: { location_name: 'Client test cafe' },
    });
    expect(created?.location_name).toBe('Client test cafe');
    const slug = created?.slug ?? '';
    const updated = await ct.send<{ location_name: string }>('PATCH', ctPath`/locations/${slug}`, {
      location: { location_name: 'Renamed cafe' },
    });
    expect(updated?.location_name).toBe('Renamed cafe');
    expect(await ct.send('DELETE', ctPath`/locations/${slug}`)).toBeNull();
    expect(s.sim.apiCalls().map((c) => [c.method, c.status])).toEqual([
      ['POST', 201],
      ['PATCH', 200],
      ['DELETE', 204],
    ]);
  });

  it('refuses a path naming no resource without calling CT', async () => {
    const s = setup();
    const e = await rejection(s.client().get('/locations/'));
    expect(e).toBeInstanceOf(CtHttpError);
    expect((e as CtHttpError).code).toBe('ERR_CT_NOT_FOUND');
    expect(s.sim.apiCalls()).toHaveLength(0);
  });

  it('reports every HTTP call to onCall with a path template free of ids', async () => {
    const s = setup();
    const events: CtCallEvent[] = [];
    const ct = s.client({ onCall: (e) => events.push(e) });
    const list = await ct.get<LocationList>('/locations', { per: 1 });
    const slug = list.locations[0]?.slug ?? '';
    s.sim.control.addFault({ path: '/api/v1/locations/*/vouchers', status: 503, times: 1 });
    await ct.get(ctPath`/locations/${slug}/vouchers`);
    expect(events.map((e) => [e.method, e.pathTemplate, e.status, e.retry])).toEqual([
      ['GET', '/locations', 200, false],
      ['GET', '/locations/:slug/vouchers', 503, false],
      ['GET', '/locations/:slug/vouchers', 200, true],
    ]);
    expect(events.every((e) => e.durationMs >= 0)).toBe(true);
    expect(JSON.stringify(events)).not.toContain(slug);
  });
});

describe('CT error answers', () => {
  it("404 => ERR_CT_NOT_FOUND with CT's message, not retried", async () => {
    const s = setup();
    const e = await rejection(s.client().get('/locations/no-such-location-anywhere'));
    expect(e).toBeInstanceOf(CtHttpError);
    const h = e as CtHttpError;
    expect(h.code).toBe('ERR_CT_NOT_FOUND');
    expect(h.status).toBe(404);
    expect(h.method).toBe('GET');
    expect(h.fieldErrors).toEqual([{ field: null, message: 'Not found' }]);
    expect(s.sim.apiCalls()).toHaveLength(1);
  });

  it('422 => ERR_CT_VALIDATION with field errors', async () => {
    const s = setup();
    const e = await rejection(s.client().send('POST', '/locations', { location: { location_name: '' } }));
    expect(e).toBeInstanceOf(CtHttpError);
    const h = e as CtHttpError;
    expect(h.code).toBe('ERR_CT_VALIDATION');
    expect(h.status).toBe(422);
    expect(h.fieldErrors.length).toBeGreaterThan(0);
    expect(h.fieldErrors.every((f) => f.message.length > 0)).toBe(true);
    expect(s.sim.apiCalls().filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  it("403 => ERR_CT_FORBIDDEN with CT's message (a box that refuses jobs)", async () => {
    const s = setup();
    const ct = s.client();
    const { boxes } = await ct.get<BoxList>('/boxes', { per: 100 });
    const refusing = boxes.find((b) => b.allowed_job === false);
    expect(refusing).toBeDefined();
    const e = await rejection(ct.send('PATCH', ctPath`/boxes/${refusing?.slug ?? ''}`, { box: { action: 'reboot' } }));
    expect(e).toBeInstanceOf(CtHttpError);
    const h = e as CtHttpError;
    expect(h.code).toBe('ERR_CT_FORBIDDEN');
    expect(h.fieldErrors[0]?.message.length).toBeGreaterThan(0);
    expect(h.message).toContain(h.fieldErrors[0]?.message ?? '');
  });
});

describe('token lifecycle', () => {
  it('on a 401 refreshes once, replays the call, and reports the new tokens', async () => {
    const s = setup();
    const ct = s.client();
    s.sim.control.expireAllTokens();
    const list = await ct.get<LocationList>('/locations');
    expect(list.locations.length).toBeGreaterThan(0);
    expect(s.tokenPosts()).toBe(1);
    expect(s.sim.apiCalls().map((c) => c.status)).toEqual([401, 200]);
    expect(ct.tokensChanged).toBe(true);
    expect(ct.tokens.accessToken).not.toBe(s.tokens.accessToken);
    expect(ct.tokens.refreshToken).not.toBe(s.tokens.refreshToken);
    expect(ct.stats).toEqual({ calls: 2, retries: 0, replays401: 1 });
    expect(s.refresher.stats).toEqual({ refreshes: 1, failures: 0, reused: 0 });
  });

  it('replays a write after a 401: CT did not process it, so it happens exactly once', async () => {
    const s = setup();
    const ct = s.client();
    s.sim.control.expireAllTokens();
    const created = await ct.send<{ slug: string }>('POST', '/locations', { location: { location_name: 'After expiry' } });
    expect(created?.slug).toBeTruthy();
    expect(s.sim.apiCalls().map((c) => [c.method, c.status])).toEqual([
      ['POST', 401],
      ['POST', 201],
    ]);
  });

  it('refreshes ahead of time when the access token is within a minute of expiry', async () => {
    const s = setup();
    const ct = s.client({ tokens: { ...s.tokens, expiresAt: Date.now() + 30_000 } });
    await ct.get('/locations');
    // The refresh came first: CT never saw the old token on the API, so no 401.
    expect(s.sim.log.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(['POST /oauth/token 200', 'GET /api/v1/locations 200']);
    expect(ct.tokensChanged).toBe(true);
    expect(ct.tokens.expiresAt).toBeGreaterThan(Date.now() + 60_000);
  });

  it('refreshes ahead of time at most once per client, even with short-lived tokens', async () => {
    const s = setup({ sim: { tokenLifetimeSeconds: 30 } });
    const ct = s.client({ tokens: { ...s.tokens, expiresAt: Date.now() + 30_000 } });
    await ct.get('/locations');
    await ct.get('/locations');
    expect(s.tokenPosts()).toBe(1);
  });

  it('8 concurrent calls after expiry share one refresh', async () => {
    const s = setup();
    const ct = s.client();
    s.sim.control.expireAllTokens();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => ct.get<LocationList>('/locations', { page: i + 1, per: 1 })));
    expect(results).toHaveLength(8);
    expect(s.tokenPosts()).toBe(1);
    expect(s.refresher.stats.refreshes).toBe(1);
    expect(s.sim.apiCalls().filter((c) => c.status === 200)).toHaveLength(8);
    expect(ct.stats.replays401).toBe(8);
  });

  it('8 concurrent calls with a token about to expire share one proactive refresh', async () => {
    const s = setup();
    const ct = s.client({ tokens: { ...s.tokens, expiresAt: Date.now() + 1_000 } });
    await Promise.all(Array.from({ length: 8 }, () => ct.get('/locations')));
    expect(s.tokenPosts()).toBe(1);
    expect(s.sim.apiCalls().every((c) => c.status === 200)).toBe(true);
  });

  it('a second request with the same old session reuses the refresh result', async () => {
    const s = setup();
    s.sim.control.expireAllTokens();
    const first = s.client();
    await first.get('/locations');
    // Same old tokens, as a parallel request that was sealed before the refresh would carry them.
    const second = s.client();
    await second.get('/locations');
    expect(s.tokenPosts()).toBe(1);
    expect(s.refresher.stats).toEqual({ refreshes: 1, failures: 0, reused: 1 });
    expect(second.tokensChanged).toBe(true);
    expect(second.tokens).toEqual(first.tokens);
  });

  it('two clients with the same old session at the same time: one refresh, both succeed', async () => {
    const s = setup();
    s.sim.control.expireAllTokens();
    const a = s.client();
    const b = s.client();
    await Promise.all([a.get('/locations'), b.get('/locations'), a.get('/boxes'), b.get('/boxes')]);
    expect(s.tokenPosts()).toBe(1);
    expect(a.tokens).toEqual(b.tokens);
  });

  it('revoked tokens => CtAuthError after one refresh attempt, for every concurrent call', async () => {
    const s = setup();
    const ct = s.client();
    s.sim.control.revokeAllTokens();
    const errors = await Promise.all([
      rejection(ct.get('/locations')),
      rejection(ct.get('/boxes')),
      rejection(ct.send('POST', '/locations', { location: { location_name: 'x' } })),
    ]);
    for (const e of errors) {
      expect(e).toBeInstanceOf(CtAuthError);
      expect((e as CtAuthError).code).toBe('ERR_CT_REAUTHENTICATE');
    }
    expect(s.tokenPosts()).toBe(1);
    expect(s.refresher.stats.failures).toBe(1);
    expect(ct.tokensChanged).toBe(false);
  });

  it('a 401 on the replay => CtAuthError, no third call', async () => {
    const s = setup();
    const ct = s.client();
    s.sim.control.addFault({ path: '/api/v1/locations', status: 401, times: 2 });
    const e = await rejection(ct.get('/locations'));
    expect(e).toBeInstanceOf(CtAuthError);
    expect(s.sim.apiCalls()).toHaveLength(2);
    expect(s.tokenPosts()).toBe(1);
  });

  it('a refresh that cannot reach CT is CT being unavailable, not a reason to sign in again', async () => {
    const s = setup();
    const ct = s.client();
    s.sim.control.expireAllTokens();
    s.sim.control.addFault({ path: '/oauth/token', status: 503 });
    const e = await rejection(ct.send('POST', '/locations', { location: { location_name: 'x' } }));
    expect(e).toBeInstanceOf(CtUnavailableError);
    expect((e as CtUnavailableError).code).toBe('ERR_CT_UNAVAILABLE');
    expect((e as CtUnavailableError).outcomeUnknown).toBe(false);
    // The write met a 401 and was never replayed: nothing happened at CT.
    expect(s.sim.apiCalls().map((c) => c.status)).toEqual([401]);
  });
});

describe('retries (reads only)', () => {
  it('503 once on a GET => retried, two calls', async () => {
    const s = setup();
    const ct = s.client();
    s.sim.control.addFault({ method: 'GET', path: '/api/v1/locations', status: 503, times: 1 });
    await ct.get('/locations');
    expect(s.sim.apiCalls().map((c) => c.status)).toEqual([503, 200]);
    expect(ct.stats).toEqual({ calls: 2, retries: 1, replays401: 0 });
  });

  it('persistent 502 => CtUnavailableError after maxRetries', async () => {
    const s = setup();
    const ct = s.client({ maxRetries: 2 });
    s.sim.control.addFault({ path: '/api/v1/locations', status: 502 });
    const e = await rejection(ct.get('/locations'));
    expect(e).toBeInstanceOf(CtUnavailableError);
    expect((e as CtUnavailableError).code).toBe('ERR_CT_UNAVAILABLE');
    expect((e as CtUnavailableError).outcomeUnknown).toBe(false);
    expect(s.sim.apiCalls()).toHaveLength(3);
  });

  it('persistent 500 => CtHttpError ERR_CT_SERVER, not retried', async () => {
    const s = setup();
    const ct = s.client();
    s.sim.control.addFault({ path: '/api/v1/locations', status: 500 });
    const e = await rejection(ct.get('/locations'));
    expect(e).toBeInstanceOf(CtHttpError);
    expect((e as CtHttpError).code).toBe('ERR_CT_SERVER');
    expect(s.sim.apiCalls()).toHaveLength(1);
  });

  it('429 with Retry-After 1 is waited out, then the GET succeeds', async () => {
    const s = setup();
    const waits: number[] = [];
    const ct = s.client({ sleep: async (ms: number) => void waits.push(ms) });
    s.sim.control.addFault({ method: 'GET', path: '/api/v1/locations', status: 429, retryAfterSeconds: 1, times: 1 });
    await ct.get('/locations');
    expect(s.sim.apiCalls().map((c) => c.status)).toEqual([429, 200]);
    expect(ct.stats.retries).toBe(1);
    // The one wait asked for covers CT's Retry-After (1 s), plus at most the jitter.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(1000);
    expect(waits[0]).toBeLessThan(1200);
  });

  it('429 asking for longer than the cap => CtRateLimitedError at once, with the wait', async () => {
    const s = setup();
    const ct = s.client();
    s.sim.control.addFault({ path: '/api/v1/locations', status: 429, retryAfterSeconds: 30 });
    const e = await rejection(ct.get('/locations'));
    expect(e).toBeInstanceOf(CtRateLimitedError);
    expect((e as CtRateLimitedError).retryAfterSeconds).toBe(30);
    expect(s.sim.apiCalls()).toHaveLength(1);
  });

  it("the simulator's rate limit: a 429 on a write is passed on, never retried", async () => {
    const s = setup();
    const ct = s.client();
    s.sim.control.setRateLimit({ requests: 1, windowSeconds: 60 });
    await ct.get('/locations');
    const e = await rejection(ct.send('POST', '/locations', { location: { location_name: 'x' } }));
    expect(e).toBeInstanceOf(CtRateLimitedError);
    expect((e as CtRateLimitedError).retryAfterSeconds).toBeGreaterThan(0);
    expect(s.sim.apiCalls().filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  it('503 on a POST => exactly one POST and an unknown outcome', async () => {
    const s = setup();
    const ct = s.client();
    s.sim.control.addFault({ method: 'POST', path: '/api/v1/locations', status: 503 });
    const e = await rejection(ct.send('POST', '/locations', { location: { location_name: 'Maybe created' } }));
    expect(e).toBeInstanceOf(CtUnavailableError);
    expect((e as CtUnavailableError).outcomeUnknown).toBe(true);
    expect(e.message).toMatch(/outcome .*unknown/);
    expect(s.sim.apiCalls().filter((c) => c.method === 'POST')).toHaveLength(1);
    expect(ct.stats.retries).toBe(0);
  });

  it('a dropped connection on a GET is retried', async () => {
    const s = setup();
    const ct = s.client();
    s.sim.control.addFault({ method: 'GET', path: '/api/v1/locations', drop: true, times: 1 });
    const list = await ct.get<LocationList>('/locations');
    expect(list.locations.length).toBeGreaterThan(0);
    expect(ct.stats).toEqual({ calls: 2, retries: 1, replays401: 0 });
    expect(s.sim.apiCalls().at(-1)?.status).toBe(200);
  });

  it('a dropped connection on a write => CtUnavailableError with an unknown outcome, not retried', async () => {
    const s = setup();
    const ct = s.client();
    s.sim.control.addFault({ method: 'POST', path: '/api/v1/locations', drop: true, times: 1 });
    const e = await rejection(ct.send('POST', '/locations', { location: { location_name: 'x' } }));
    expect(e).toBeInstanceOf(CtUnavailableError);
    expect((e as CtUnavailableError).code).toBe('ERR_CT_UNAVAILABLE');
    expect((e as CtUnavailableError).outcomeUnknown).toBe(true);
    expect(ct.stats.calls).toBe(1);
  });
});

describe('timeouts', () => {
  it('a slow CT => ERR_CT_TIMEOUT on a read', async () => {
    const s = setup();
    const ct = s.client({ timeoutMs: 200 });
    s.sim.control.setLatency(2_000);
    const e = await rejection(ct.get('/locations'));
    expect(e).toBeInstanceOf(CtUnavailableError);
    expect((e as CtUnavailableError).code).toBe('ERR_CT_TIMEOUT');
    expect((e as CtUnavailableError).outcomeUnknown).toBe(false);
  });

  it('a slow CT => ERR_CT_TIMEOUT with an unknown outcome on a write', async () => {
    const s = setup();
    const ct = s.client({ timeoutMs: 200 });
    s.sim.control.addFault({ method: 'POST', path: '/api/v1/locations', delayMs: 2_000 });
    const e = await rejection(ct.send('POST', '/locations', { location: { location_name: 'slow' } }));
    expect((e as CtUnavailableError).code).toBe('ERR_CT_TIMEOUT');
    expect((e as CtUnavailableError).outcomeUnknown).toBe(true);
    expect(ct.stats.calls).toBe(1);
  });
});

describe('no secrets in errors', () => {
  it('no error message or property carries a token, the client secret or a URL', async () => {
    const s = setup();
    const collected: Error[] = [];
    const ct = s.client({ timeoutMs: 200 });
    collected.push(await rejection(ct.get('/locations/nope')));
    collected.push(await rejection(ct.send('POST', '/locations', { location: { location_name: '' } })));
    s.sim.control.addFault({ path: '/api/v1/boxes', status: 500 });
    collected.push(await rejection(ct.get('/boxes')));
    s.sim.control.addFault({ method: 'POST', path: '/api/v1/locations', status: 503, times: 1 });
    collected.push(await rejection(ct.send('POST', '/locations', { location: { location_name: 'x' } })));
    s.sim.control.revokeAllTokens();
    collected.push(await rejection(ct.get('/locations')));
    const fresh = createCtClient({ apiUrl: API_URL, fetch: s.fetch, tokens: s.tokens, refresher: s.refresher, timeoutMs: 100 });
    s.sim.control.setLatency(1_000);
    collected.push(await rejection(fresh.get('/locations')));
    expect(collected.map((e) => e.constructor.name)).toEqual([
      'CtHttpError',
      'CtHttpError',
      'CtHttpError',
      'CtUnavailableError',
      'CtAuthError',
      'CtUnavailableError',
    ]);
    for (const e of collected) {
      const text = errorText(e);
      for (const secret of [
        s.tokens.accessToken,
        s.tokens.refreshToken,
        s.oauth.clientSecret,
        'http:',
        'ct-api.test',
        'ct-id.test',
        '/api/v1',
      ]) {
        expect(text, `${e.name}: ${e.message}`).not.toContain(secret);
      }
    }
  });
});
