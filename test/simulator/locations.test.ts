// Locations: paging `_links` and the `per` clamp, search, show by slug or id, create/update/delete
// with their status codes and 422 shapes, and the seeded data's shape.

import { describe, expect, it } from 'vitest';
import { call, setup } from './helpers.js';

describe('GET /api/v1/locations', () => {
  it('pages with will_paginate-style _links, 15 per page by default', async () => {
    const { sim, token } = setup();
    const p1 = await call(sim, 'GET', '/api/v1/locations', { token });
    expect(p1.status).toBe(200);
    expect(p1.body.locations).toHaveLength(15);
    expect(p1.body._links).toEqual({ current_page: 1, total_pages: 3, next_page: 2, total_entries: 44, size: 15 });
    const p3 = await call(sim, 'GET', '/api/v1/locations?page=3', { token });
    expect(p3.body.locations).toHaveLength(14);
    expect(p3.body._links).toEqual({ current_page: 3, total_pages: 3, next_page: null, total_entries: 44, size: 15 });
    const beyond = await call(sim, 'GET', '/api/v1/locations?page=9', { token });
    expect(beyond.body.locations).toEqual([]);
    expect(beyond.body._links.next_page).toBeNull();
  });

  it('walks every location exactly once in a stable id order', async () => {
    const { sim, token } = setup();
    const ids: string[] = [];
    for (let page: number | null = 1; page !== null; ) {
      const res = await call(sim, 'GET', `/api/v1/locations?per=10&page=${page}`, { token });
      ids.push(...res.body.locations.map((l: { id: string }) => l.id));
      page = res.body._links.next_page;
    }
    expect(ids).toHaveLength(44);
    expect(new Set(ids).size).toBe(44);
    expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual(ids);
  });

  it('clamps per to 100 and ignores junk paging values', async () => {
    const { sim, token } = setup();
    const big = await call(sim, 'GET', '/api/v1/locations?per=500', { token });
    expect(big.body._links).toMatchObject({ size: 100, total_pages: 1, next_page: null });
    expect(big.body.locations).toHaveLength(44);
    const junk = await call(sim, 'GET', '/api/v1/locations?per=abc&page=-2', { token });
    expect(junk.body._links).toMatchObject({ size: 15, current_page: 1 });
  });

  it('an empty result still has one page', async () => {
    const { sim, token } = setup();
    const res = await call(sim, 'GET', '/api/v1/locations?q=zzzz-nothing', { token });
    expect(res.body).toEqual({ locations: [], _links: { current_page: 1, total_pages: 1, next_page: null, total_entries: 0, size: 15 } });
  });

  it('searches name, town and address with q', async () => {
    const { sim, token } = setup();
    const town = await call(sim, 'GET', '/api/v1/locations?q=manchester', { token });
    expect(town.body.locations.map((l: { town: string }) => l.town)).toEqual(['Manchester', 'Manchester']);
    const name = await call(sim, 'GET', '/api/v1/locations?q=Riverside', { token });
    expect(name.body.locations[0].location_name).toBe('Riverside Hotel');
  });

  it('returns the bare picker array for short=...', async () => {
    const { sim, token } = setup();
    const res = await call(sim, 'GET', '/api/v1/locations?short=yep', { token });
    expect(Array.isArray(res.body)).toBe(true);
    expect(Object.keys(res.body[0]).sort()).toEqual(['id', 'location_name', 'slug', 'unique_id']);
  });

  it('renders the wire fields of §5.1', async () => {
    const { sim, token } = setup();
    const [loc] = (await call(sim, 'GET', '/api/v1/locations?per=1', { token })).body.locations;
    expect(loc).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      slug: expect.stringMatching(/^[a-z0-9-]+-[a-z0-9]{22}$/),
      unique_id: expect.any(Number),
      location_name: 'Stuff Got Real',
      town: 'Derby',
      archived: false,
      state: 'active',
      user_id: 103,
      created_at: expect.any(Number),
      updated_at: expect.any(Number),
      timezone: 'Europe/London',
      lat: expect.any(Number),
      lng: expect.any(Number),
      boxes_count: expect.any(Number),
      clients_online: expect.any(Number),
    });
  });
});

describe('GET /api/v1/locations/{loc}', () => {
  it('finds a location by slug or by numeric id', async () => {
    const { sim, token } = setup();
    const [first] = (await call(sim, 'GET', '/api/v1/locations?per=1', { token })).body.locations;
    const bySlug = await call(sim, 'GET', `/api/v1/locations/${first.slug}`, { token });
    const byId = await call(sim, 'GET', `/api/v1/locations/${first.id}`, { token });
    expect(bySlug.body).toEqual(first);
    expect(byId.body).toEqual(first);
  });

  it('404s with {message:"Not found"}', async () => {
    const { sim, token } = setup();
    const res = await call(sim, 'GET', '/api/v1/locations/no-such-place', { token });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Not found' });
  });

  it('401s with WWW-Authenticate and an invalid_token body without a token', async () => {
    const { sim } = setup();
    const res = await call(sim, 'GET', '/api/v1/locations');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="CT", error="invalid_token"');
    expect(res.body).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
  });
});

describe('writing locations', () => {
  it('creates with 201 and the bare location', async () => {
    const { sim, token } = setup();
    const res = await call(sim, 'POST', '/api/v1/locations', {
      token,
      json: {
        location: {
          location_name: 'Test Cafe',
          location_address: '1 High St',
          town: 'York',
          postcode: 'YO1 7HH',
          country: 'GB',
          timezone: 'Europe/London',
          lat: 53.96,
          lng: -1.08,
        },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      location_name: 'Test Cafe',
      town: 'York',
      slug: expect.stringMatching(/^test-cafe-/),
      boxes_count: 0,
      archived: false,
      user_id: 103,
    });
    const list = await call(sim, 'GET', '/api/v1/locations?per=100', { token });
    expect(list.body._links.total_entries).toBe(45);
  });

  it('accepts Rails-style form bodies too', async () => {
    const { sim, token } = setup();
    const res = await sim.fetch(
      new Request('http://ct.test/api/v1/locations', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: new URLSearchParams({ 'location[location_name]': 'Form Place' }),
      }),
    );
    expect(res.status).toBe(201);
    expect((await res.json()).location_name).toBe('Form Place');
  });

  it('422s with field errors', async () => {
    const { sim, token } = setup();
    const blank = await call(sim, 'POST', '/api/v1/locations', { token, json: { location: { town: 'York' } } });
    expect(blank.status).toBe(422);
    expect(blank.body).toEqual({ errors: { location_name: ["can't be blank"] } });
    const bad = await call(sim, 'POST', '/api/v1/locations', {
      token,
      json: { location: { location_name: 'X', timezone: 'Mars/Olympus', lat: 'north' } },
    });
    expect(bad.body.errors).toEqual({ timezone: ['is not included in the list'], lat: ['is not a number'] });
  });

  it('400s when the wrapper is missing', async () => {
    const { sim, token } = setup();
    const res = await call(sim, 'POST', '/api/v1/locations', { token, json: { location_name: 'Unwrapped' } });
    expect(res.status).toBe(400);
  });

  it('updates, archives and restores', async () => {
    const { sim, token, clock } = setup();
    const [loc] = (await call(sim, 'GET', '/api/v1/locations?per=1', { token })).body.locations;
    clock.advance(5000);
    const renamed = await call(sim, 'PATCH', `/api/v1/locations/${loc.slug}`, {
      token,
      json: { location: { location_name: 'Renamed', phone1: '+44 1332 000000' } },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      location_name: 'Renamed',
      phone1: '+44 1332 000000',
      slug: loc.slug,
      updated_at: Math.floor(clock.now() / 1000),
    });
    const archived = await call(sim, 'PATCH', `/api/v1/locations/${loc.slug}`, { token, json: { location: { state: 'archived' } } });
    expect(archived.body).toMatchObject({ archived: true, state: 'archived' });
    const active = await call(sim, 'PUT', `/api/v1/locations/${loc.id}`, { token, json: { location: { state: 'active' } } });
    expect(active.body).toMatchObject({ archived: false, state: 'active' });
    const blank = await call(sim, 'PATCH', `/api/v1/locations/${loc.slug}`, { token, json: { location: { location_name: '' } } });
    expect(blank.status).toBe(422);
  });

  it('deletes with 204, but refuses while the location has boxes', async () => {
    const { sim, token } = setup();
    const [withBoxes] = (await call(sim, 'GET', '/api/v1/locations?per=1', { token })).body.locations;
    const refused = await call(sim, 'DELETE', `/api/v1/locations/${withBoxes.id}`, { token });
    expect(refused.status).toBe(422);
    expect(refused.body.errors.base).toHaveLength(1);

    const created = (await call(sim, 'POST', '/api/v1/locations', { token, json: { location: { location_name: 'Short lived' } } })).body;
    const gone = await call(sim, 'DELETE', `/api/v1/locations/${created.id}`, { token });
    expect(gone.status).toBe(204);
    expect(gone.body).toBeNull();
    expect((await call(sim, 'GET', `/api/v1/locations/${created.slug}`, { token })).status).toBe(404);
  });
});

describe('account endpoints and routing', () => {
  it('serves /me.json and /ping.json (ping without a token)', async () => {
    const { sim, token } = setup();
    const me = await call(sim, 'GET', '/api/v1/me.json', { token });
    expect(me.body).toMatchObject({ id: 103, username: 'demo', email: 'demo@ctapp.test', slug: expect.any(String), locale: 'en-GB' });
    expect((await call(sim, 'GET', '/api/v1/ping.json?q=123')).body).toEqual({});
  });

  it('404s unknown routes and .json suffixes CT does not use', async () => {
    const { sim, token } = setup();
    for (const path of ['/api/v1/nothing', '/api/v1/locations.json', '/api/v2/locations', '/']) {
      const res = await call(sim, 'GET', path, { token });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ message: 'Not found' });
    }
  });
});
