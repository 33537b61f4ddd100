// The location endpoints operators use every day: favourites, sorting and the archived filter on the
// list, `/stats` (box counts that agree with the box list) and `/splash_pages` (the pages a voucher
// batch may name, checked when a batch is created).

import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../simulator/app.js';
import { call, setup } from './helpers.js';

interface Loc {
  id: string;
  slug: string;
  location_name: string;
  created_at: number;
  is_favourite: boolean;
  archived: boolean;
}
const allLocations = async (sim: Simulator, token: string): Promise<Loc[]> =>
  (await call(sim, 'GET', '/api/v1/locations?per=100', { token })).body.locations;

describe('GET /api/v1/locations filters and order', () => {
  it('favourites=true lists only favourites, paged like any list', async () => {
    const { sim, token } = setup();
    const favourites = (await allLocations(sim, token)).filter((l) => l.is_favourite);
    expect(favourites.length).toBeGreaterThan(2);
    const page = await call(sim, 'GET', '/api/v1/locations?favourites=true&per=2&page=2', { token });
    expect(page.body.locations.map((l: Loc) => l.slug)).toEqual(favourites.slice(2, 4).map((l) => l.slug));
    expect(page.body._links).toMatchObject({ current_page: 2, total_entries: favourites.length, size: 2 });
  });

  it('sorts by location_name, created_at or updated_at in either direction', async () => {
    const { sim, token } = setup();
    const names = (await call(sim, 'GET', '/api/v1/locations?sort=location_name&direction=desc&per=100', { token })).body.locations.map(
      (l: Loc) => l.location_name.toLowerCase(),
    );
    expect(names).toEqual([...names].sort().reverse());
    const created = (await call(sim, 'GET', '/api/v1/locations?sort=created_at&per=100', { token })).body.locations.map(
      (l: Loc) => l.created_at,
    );
    expect(created).toEqual([...created].sort((a: number, b: number) => a - b));
  });

  it('archived=true|false filters on the archived flag', async () => {
    const { sim, token } = setup();
    const all = await allLocations(sim, token);
    const archived = (await call(sim, 'GET', '/api/v1/locations?archived=true', { token })).body;
    expect(archived.locations.map((l: Loc) => l.slug)).toEqual(all.filter((l) => l.archived).map((l) => l.slug));
    const active = (await call(sim, 'GET', '/api/v1/locations?archived=false&per=100', { token })).body;
    expect(active._links.total_entries).toBe(all.length - archived._links.total_entries);
  });
});

describe('GET /api/v1/locations/{loc}/stats', () => {
  it('counts boxes by state exactly as the box list shows them, for every location', async () => {
    const { sim, token } = setup();
    for (const loc of await allLocations(sim, token)) {
      const boxes: Array<{ state: string }> = (await call(sim, 'GET', `/api/v1/boxes?location_id=${loc.slug}&per=100`, { token })).body
        .boxes;
      const stats = await call(sim, 'GET', `/api/v1/locations/${loc.slug}/stats`, { token });
      expect(stats.status).toBe(200);
      const counted = new Map<string, number>();
      for (const b of boxes) counted.set(b.state, (counted.get(b.state) ?? 0) + 1);
      expect(stats.body.stats.boxes.total).toBe(boxes.length);
      const states = stats.body.stats.boxes.states as Array<{ state: string; total: number }>;
      expect(new Map(states.map((s) => [s.state, s.total]))).toEqual(counted);
    }
  });

  it('follows a reboot at once, takes the numeric id, and is a 404 for another account', async () => {
    const { sim, token, otherToken } = setup();
    const loc = (await allLocations(sim, token))[0] as Loc;
    const box = (await call(sim, 'GET', `/api/v1/boxes?location_id=${loc.slug}&state=online`, { token })).body.boxes.find(
      (b: { allowed_job: boolean }) => b.allowed_job,
    );
    await call(sim, 'PATCH', `/api/v1/boxes/${box.slug}`, { token, json: { box: { action: 'reboot' } } });
    const states = (await call(sim, 'GET', `/api/v1/locations/${loc.id}/stats`, { token })).body.stats.boxes.states;
    expect(states).toContainEqual({ state: 'rebooting', total: 1 });
    expect((await call(sim, 'GET', `/api/v1/locations/${loc.slug}/stats`, { token: otherToken })).status).toBe(404);
  });
});

describe('GET /api/v1/locations/{loc}/splash_pages', () => {
  it('lists {splash_pages:[...]} without _links; some locations have two or more; seeded batches use their own', async () => {
    const { sim, token } = setup();
    const counts: number[] = [];
    for (const loc of await allLocations(sim, token)) {
      const res = await call(sim, 'GET', `/api/v1/locations/${loc.slug}/splash_pages`, { token });
      expect(Object.keys(res.body)).toEqual(['splash_pages']);
      const pages = res.body.splash_pages as Array<{ id: number; unique_id: number; splash_name: string }>;
      counts.push(pages.length);
      for (const p of pages)
        expect(p).toMatchObject({ id: expect.any(Number), unique_id: expect.any(Number), splash_name: expect.any(String) });
      const vouchers = (await call(sim, 'GET', `/api/v1/locations/${loc.slug}/vouchers?per=100`, { token })).body.vouchers;
      for (const v of vouchers) expect(pages.map((p) => p.id)).toContain(v.splash_page_id);
    }
    expect(counts.filter((n) => n >= 2).length).toBeGreaterThan(3);
  });

  it('a new location gets one page, which a new batch picks by itself', async () => {
    const { sim, token } = setup();
    const loc = (await call(sim, 'POST', '/api/v1/locations', { token, json: { location: { location_name: 'Pop-up' } } })).body;
    const pages = (await call(sim, 'GET', `/api/v1/locations/${loc.slug}/splash_pages`, { token })).body.splash_pages;
    expect(pages).toHaveLength(1);
    const batch = await call(sim, 'POST', `/api/v1/locations/${loc.slug}/vouchers`, { token, json: { voucher: { batch_name: 'Auto' } } });
    expect(batch.body.splash_page_id).toBe(pages[0].id);
  });

  it('refuses a batch naming another location\'s page with 422; takes its own, or "external"', async () => {
    const { sim, token } = setup();
    const [a, b] = (await allLocations(sim, token)) as [Loc, Loc];
    const pageOf = async (loc: Loc) => (await call(sim, 'GET', `/api/v1/locations/${loc.slug}/splash_pages`, { token })).body.splash_pages;
    const foreign = (await pageOf(b))[0].id;
    const create = (splash_page_id: unknown) =>
      call(sim, 'POST', `/api/v1/locations/${a.slug}/vouchers`, { token, json: { voucher: { batch_name: 'Splash', splash_page_id } } });
    const refused = await create(foreign);
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({ errors: { splash_page_id: ['is invalid'] } });
    const own = (await pageOf(a))[1].id;
    expect((await create(own)).body.splash_page_id).toBe(own);
    expect((await create('external')).body.splash_page_id).toBe('external');
    // Several pages and none named: CT has no page to guess.
    expect((await create(undefined)).body.splash_page_id).toBeNull();
  });

  it('is a 404 for an unknown or foreign location', async () => {
    const { sim, token, otherToken } = setup();
    const loc = (await allLocations(sim, token))[0] as Loc;
    expect((await call(sim, 'GET', '/api/v1/locations/nope/splash_pages', { token })).status).toBe(404);
    expect((await call(sim, 'GET', `/api/v1/locations/${loc.slug}/splash_pages`, { token: otherToken })).body).toEqual({
      message: 'Not found',
    });
  });
});
