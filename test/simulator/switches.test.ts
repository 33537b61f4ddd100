// Control switches: faults (glob, method, times, drop, Retry-After), the per-token rate limit,
// the request log and apiCalls(), the /__sim HTTP control API, latency, and reset().

import { describe, expect, it } from 'vitest';
import { SimulatedNetworkError } from '../../simulator/app.js';
import { globMatch } from '../../simulator/faults.js';
import { BASE, call, setup } from './helpers.js';

describe('globMatch', () => {
  it('matches * as one segment and ** as any number', () => {
    expect(globMatch('/api/v1/locations/*/vouchers', '/api/v1/locations/abc/vouchers')).toBe(true);
    expect(globMatch('/api/v1/locations/*/vouchers', '/api/v1/locations/abc/vouchers/1')).toBe(false);
    expect(globMatch('/api/v1/locations/*', '/api/v1/locations')).toBe(false);
    expect(globMatch('/api/**', '/api/v1/boxes/x/status')).toBe(true);
    expect(globMatch('/api/**/codes', '/api/v1/locations/a/vouchers/1/codes')).toBe(true);
    expect(globMatch('/**', '/oauth/token')).toBe(true);
  });
});

describe('faults', () => {
  it('answers the status for `times` matching requests, then stops', async () => {
    const { sim, token } = setup();
    sim.control.addFault({ path: '/api/v1/locations', status: 503, times: 2 });
    const a = await call(sim, 'GET', '/api/v1/locations', { token });
    expect(a.status).toBe(503);
    expect(a.body).toEqual({ message: 'Service Unavailable' });
    expect((await call(sim, 'GET', '/api/v1/locations', { token })).status).toBe(503);
    expect((await call(sim, 'GET', '/api/v1/locations', { token })).status).toBe(200);
    expect(sim.apiCalls().map((e) => e.status)).toEqual([503, 503, 200]);
  });

  it('honours the method and sends Retry-After on 429', async () => {
    const { sim, token } = setup();
    sim.control.addFault({ method: 'post', path: '/api/v1/**', status: 429, retryAfterSeconds: 7 });
    expect((await call(sim, 'GET', '/api/v1/locations', { token })).status).toBe(200);
    const res = await call(sim, 'POST', '/api/v1/locations', { token, json: { location: { location_name: 'x' } } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    sim.control.clearFaults();
    expect((await call(sim, 'POST', '/api/v1/locations', { token, json: { location: { location_name: 'x' } } })).status).toBe(201);
  });

  it('drop throws a TypeError like a failed fetch, logged with status 0', async () => {
    const { sim, token } = setup();
    sim.control.addFault({ path: '/api/v1/boxes', drop: true, times: 1 });
    const req = new Request(`${BASE}/api/v1/boxes`, { headers: { authorization: `Bearer ${token}` } });
    const err = await sim.fetch(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err).toBeInstanceOf(SimulatedNetworkError);
    expect(sim.log.at(-1)).toMatchObject({ path: '/api/v1/boxes', status: 0 });
    expect((await call(sim, 'GET', '/api/v1/boxes', { token })).status).toBe(200);
  });

  it('can fault the OAuth endpoints too', async () => {
    const { sim } = setup();
    sim.control.addFault({ path: '/oauth/token', status: 500, times: 1 });
    const res = await sim.fetch(
      new Request(`${BASE}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token' }) }),
    );
    expect(res.status).toBe(500);
  });
});

describe('rate limit', () => {
  it('429s with Retry-After once a token spends its window, per token', async () => {
    const { sim, token, otherToken, clock } = setup();
    sim.control.setRateLimit({ requests: 3, windowSeconds: 60 });
    for (let i = 0; i < 3; i++) expect((await call(sim, 'GET', '/api/v1/me.json', { token })).status).toBe(200);
    clock.advance(15_000);
    const limited = await call(sim, 'GET', '/api/v1/locations', { token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('45');
    expect(limited.body).toEqual({ message: expect.any(String) });
    expect((await call(sim, 'GET', '/api/v1/locations', { token: otherToken })).status).toBe(200);
    clock.advance(45_000);
    expect((await call(sim, 'GET', '/api/v1/locations', { token })).status).toBe(200);
    sim.control.setRateLimit(null);
    for (let i = 0; i < 5; i++) expect((await call(sim, 'GET', '/api/v1/me.json', { token })).status).toBe(200);
  });
});

describe('request log', () => {
  it('records method, path without query, query object, status and time; apiCalls() keeps /api/ only', async () => {
    const { sim, token, clock } = setup();
    await call(sim, 'GET', '/api/v1/locations?page=2&per=5', { token });
    await call(sim, 'GET', '/api/v1/locations/missing', { token });
    await sim.fetch(new Request(`${BASE}/oauth/revoke?token=x`, { method: 'POST' }));
    await call(sim, 'GET', '/__sim/log');
    expect(sim.log).toEqual([
      { method: 'GET', path: '/api/v1/locations', query: { page: '2', per: '5' }, status: 200, time: clock.now() },
      { method: 'GET', path: '/api/v1/locations/missing', query: {}, status: 404, time: clock.now() },
      { method: 'POST', path: '/oauth/revoke', query: { token: 'x' }, status: 200, time: clock.now() },
    ]);
    expect(sim.apiCalls().map((e) => e.path)).toEqual(['/api/v1/locations', '/api/v1/locations/missing']);
    sim.resetLog();
    expect(sim.log).toEqual([]);
  });
});

describe('HTTP control under /__sim', () => {
  it('drives the switches and is neither logged nor faulted', async () => {
    const { sim, token } = setup();
    const post = (path: string, json?: unknown) => call(sim, 'POST', path, { json });
    expect((await post('/__sim/faults', { path: '/**', status: 500 })).status).toBe(200);
    expect((await call(sim, 'GET', '/api/v1/me.json', { token })).status).toBe(500);
    expect((await call(sim, 'GET', '/__sim')).body.faults).toHaveLength(1);
    expect((await call(sim, 'DELETE', '/__sim/faults')).status).toBe(200);
    expect((await call(sim, 'GET', '/api/v1/me.json', { token })).status).toBe(200);

    await post('/__sim/rate-limit', { requests: 1, windowSeconds: 10 });
    expect((await call(sim, 'GET', '/api/v1/me.json', { token })).status).toBe(200);
    expect((await call(sim, 'GET', '/api/v1/me.json', { token })).status).toBe(429);
    await post('/__sim/rate-limit', null);

    await post('/__sim/expire-tokens');
    expect((await call(sim, 'GET', '/api/v1/me.json', { token })).status).toBe(401);
    const fresh = (await post('/__sim/tokens', { username: 'other' })).body;
    expect(fresh).toMatchObject({ token_type: 'bearer', access_token: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await call(sim, 'GET', '/api/v1/me.json', { token: fresh.access_token })).body.username).toBe('other');
    await post('/__sim/revoke-tokens');
    expect((await call(sim, 'GET', '/api/v1/me.json', { token: fresh.access_token })).status).toBe(401);

    await post('/__sim/token-lifetime', { seconds: 60 });
    expect((await post('/__sim/tokens')).body.expires_in).toBe(60);
    expect((await post('/__sim/voucher-delay', { ms: 5 })).body.voucherGenerationDelayMs).toBe(5);
    expect((await post('/__sim/latency', { ms: 0 })).body.latencyMs).toBe(0);

    const log = await call(sim, 'GET', '/__sim/log');
    expect(log.body.log.every((e: { path: string }) => !e.path.startsWith('/__sim'))).toBe(true);
    expect((await call(sim, 'DELETE', '/__sim/log')).status).toBe(204);
    expect(sim.log).toEqual([]);
    expect((await call(sim, 'GET', '/__sim/nope')).status).toBe(404);
    expect((await post('/__sim/faults', { status: 500 })).status).toBe(400); // no path
  });
});

describe('latency and reset', () => {
  it('applies latency to API calls (asserted via the switch, not timing)', async () => {
    const { sim, token } = setup({ latencyMs: 1 });
    expect((await call(sim, 'GET', '/api/v1/ping.json', { token })).status).toBe(200);
    expect((await call(sim, 'GET', '/__sim')).body.latencyMs).toBe(1);
  });

  it('reset() restores seeded data, clears the log and switches, keeps issued tokens', async () => {
    const { sim, token } = setup();
    const before = (await call(sim, 'GET', '/api/v1/locations?per=100', { token })).body;
    await call(sim, 'POST', '/api/v1/locations', { token, json: { location: { location_name: 'Temp' } } });
    sim.control.addFault({ path: '/api/**', status: 500 });
    sim.control.setRateLimit({ requests: 1, windowSeconds: 60 });
    sim.control.reset();
    expect(sim.log).toEqual([]);
    const after = (await call(sim, 'GET', '/api/v1/locations?per=100', { token })).body;
    expect(after).toEqual(before);
    expect((await call(sim, 'GET', '/api/v1/locations', { token })).status).toBe(200);
  });

  it('seeds identically for the same seed, differently for another', async () => {
    const a = setup();
    const b = setup();
    const c = setup({ seed: 7 });
    const get = async (s: typeof a) => (await call(s.sim, 'GET', '/api/v1/boxes?per=100', { token: s.token })).body.boxes;
    expect(await get(a)).toEqual(await get(b));
    expect(await get(a)).not.toEqual(await get(c));
  });

  it('demoData:false leaves both accounts empty but able to log in', async () => {
    const { sim, token } = setup({ demoData: false });
    expect((await call(sim, 'GET', '/api/v1/locations', { token })).body._links.total_entries).toBe(0);
    expect((await call(sim, 'GET', '/api/v1/me.json', { token })).body.username).toBe('demo');
  });
});

describe('fetch signature', () => {
  it('can be called like global fetch with a URL string and init', async () => {
    const { sim, token } = setup();
    const f: typeof fetch = sim.fetch;
    const res = await f(`${BASE}/api/v1/me.json`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
  });
});
