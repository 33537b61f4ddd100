// Guest codes across batches: `GET /codes` (search, location and batch filters, activated, time range,
// paging with `_links` and `_stats`), one code enabled or disabled with PATCH, regenerating a batch's
// download links, and what another account can never see.

import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../simulator/app.js';
import { call, setup } from './helpers.js';

interface Code {
  username: string;
  active: boolean;
  date_activated: number | null;
  created_at: number;
  location_id: number;
}
interface Loc {
  id: string;
  slug: string;
}

async function everyCode(sim: Simulator, token: string, query = ''): Promise<Code[]> {
  const out: Code[] = [];
  for (let page = 1; ; page++) {
    const res = await call(sim, 'GET', `/api/v1/codes?per=100&page=${page}${query}`, { token });
    expect(res.status).toBe(200);
    out.push(...res.body.codes);
    if (!res.body._links.next_page) return out;
  }
}

const locations = async (sim: Simulator, token: string): Promise<Loc[]> =>
  (await call(sim, 'GET', '/api/v1/locations?per=100', { token })).body.locations;

describe('GET /api/v1/codes', () => {
  it('lists every generated code of the account across batches and locations, with _links and _stats', async () => {
    const { sim, token } = setup();
    const first = await call(sim, 'GET', '/api/v1/codes', { token });
    expect(first.body._links).toMatchObject({ current_page: 1, size: 15, next_page: 2 });
    expect(first.body._stats).toEqual({ start: expect.any(Number), end: expect.any(Number) });
    expect(first.body.codes[0]).toEqual({
      username: expect.any(String),
      password: expect.any(String),
      serial: 1,
      active: expect.any(Boolean),
      date_activated: expect.toSatisfy((v: unknown) => v === null || typeof v === 'number'),
      created_at: expect.any(Number),
      location_id: expect.any(Number),
    });
    const all = await everyCode(sim, token);
    expect(all.length).toBe(first.body._links.total_entries);
    expect(new Set(all.map((c) => c.location_id)).size).toBeGreaterThan(5);
    // Every code belongs to one of the caller's own locations.
    const mine = new Set((await locations(sim, token)).map((l) => Number(l.id)));
    expect(all.every((c) => mine.has(c.location_id))).toBe(true);
  });

  it('q finds a code whatever its batch, ignoring case; username on the batch list then names the batch', async () => {
    const { sim, token } = setup();
    const all = await everyCode(sim, token);
    const target = all[Math.floor(all.length / 2)] as Code;
    const found = await call(sim, 'GET', `/api/v1/codes?q=${target.username.toUpperCase()}`, { token });
    expect(found.body.codes.map((c: Code) => c.username)).toContain(target.username);
    const loc = (await call(sim, 'GET', `/api/v1/locations/${target.location_id}`, { token })).body;
    const batches = (await call(sim, 'GET', `/api/v1/locations/${loc.slug}/vouchers?username=${target.username}`, { token })).body;
    expect(batches.vouchers).toHaveLength(1);
    const codes = await call(sim, 'GET', `/api/v1/locations/${loc.slug}/vouchers/${batches.vouchers[0].unique_id}/codes?per=100`, {
      token,
    });
    expect(codes.body.codes.map((c: Code) => c.username)).toContain(target.username);
  });

  it('filters by location (slug or numeric id), batch, activated and time range', async () => {
    const { sim, token } = setup();
    const all = await everyCode(sim, token);
    const loc = (await locations(sim, token)).find((l) => all.some((c) => c.location_id === Number(l.id))) as Loc;
    const atLoc = all.filter((c) => c.location_id === Number(loc.id));
    expect(await everyCode(sim, token, `&location_id=${loc.slug}`)).toEqual(atLoc);
    expect(await everyCode(sim, token, `&location_id=${loc.id}`)).toEqual(atLoc);
    const batch = (await call(sim, 'GET', `/api/v1/locations/${loc.slug}/vouchers`, { token })).body.vouchers[0];
    const inBatch = await everyCode(sim, token, `&voucher_id=${batch.unique_id}`);
    expect(inBatch).toHaveLength(batch.quantity);
    const used = await everyCode(sim, token, '&activated=true');
    expect(used.length).toBe(all.filter((c) => c.date_activated !== null).length);
    expect(used.length).toBeGreaterThan(0);
    const times = [...new Set(all.map((c) => c.created_at))].sort((a, b) => a - b);
    const [start, end] = [times[1] as number, times[times.length - 2] as number];
    const ranged = await call(sim, 'GET', `/api/v1/codes?start=${start}&end=${end}&per=100`, { token });
    expect(ranged.body._stats).toEqual({ start, end });
    expect(ranged.body._links.total_entries).toBe(all.filter((c) => c.created_at >= start && c.created_at <= end).length);
  });

  it('is a 404 for a location that is not yours; another account finds none of your codes', async () => {
    const { sim, token, otherToken } = setup();
    const loc = (await locations(sim, token))[0] as Loc;
    expect((await call(sim, 'GET', `/api/v1/codes?location_id=${loc.slug}`, { token: otherToken })).status).toBe(404);
    const mine = new Set((await everyCode(sim, token)).map((c) => c.username));
    const theirs = await everyCode(sim, otherToken);
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.some((c) => mine.has(c.username))).toBe(false);
  });
});

describe('PATCH /api/v1/locations/{loc}/clients/{username}/codes/{username}', () => {
  it('disables and enables one code, answering the bare code', async () => {
    const { sim, token } = setup();
    const code = (await everyCode(sim, token, '&activated=false')).find((c) => c.active) as Code;
    const loc = (await call(sim, 'GET', `/api/v1/locations/${code.location_id}`, { token })).body;
    const path = `/api/v1/locations/${loc.slug}/clients/${code.username}/codes/${code.username}`;
    const off = await call(sim, 'PATCH', path, { token, json: { code: { active: false } } });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ username: code.username, active: false, location_id: code.location_id });
    expect((await call(sim, 'GET', `/api/v1/codes?q=${code.username}`, { token })).body.codes[0].active).toBe(false);
    expect((await call(sim, 'PATCH', path, { token, json: { code: { active: 'true' } } })).body.active).toBe(true);
  });

  it('refuses what does not name one of your codes (404), a missing wrapper (400) and a bad value (422)', async () => {
    const { sim, token, otherToken } = setup();
    const code = (await everyCode(sim, token))[0] as Code;
    const [home, elsewhere] = await (async () => {
      const all = await locations(sim, token);
      return [all.find((l) => Number(l.id) === code.location_id) as Loc, all.find((l) => Number(l.id) !== code.location_id) as Loc];
    })();
    const patch = (loc: Loc, client: string, username: string, json: unknown, as = token) =>
      call(sim, 'PATCH', `/api/v1/locations/${loc.slug}/clients/${client}/codes/${username}`, { token: as, json });
    const body = { code: { active: false } };
    expect((await patch(elsewhere, code.username, code.username, body)).status).toBe(404);
    expect((await patch(home, 'someone-else', code.username, body)).status).toBe(404);
    expect((await patch(home, 'nope', 'nope', body)).status).toBe(404);
    expect((await patch(home, code.username, code.username, body, otherToken)).status).toBe(404);
    expect((await patch(home, code.username, code.username, { active: false })).status).toBe(400);
    const bad = await patch(home, code.username, code.username, { code: { active: 'maybe' } });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ errors: { active: ['is not included in the list'] } });
  });
});

describe('regenerating download links', () => {
  it('issues new links for a completed batch and refuses (422) one still generating', async () => {
    const { sim, token } = setup({ voucherGenerationDelayMs: 60_000 });
    const loc = (await locations(sim, token))[0] as Loc;
    const path = `/api/v1/locations/${loc.slug}/vouchers`;
    const done = (await call(sim, 'GET', path, { token })).body.vouchers.find((v: { completed: boolean }) => v.completed);
    const relinked = await call(sim, 'PATCH', `${path}/${done.unique_id}`, { token, json: { voucher: { regenerate_link: true } } });
    expect(relinked.body.csv_link).not.toBe(done.csv_link);
    expect(relinked.body.pdf_link).not.toBe(done.pdf_link);
    const pending = (await call(sim, 'POST', path, { token, json: { voucher: { batch_name: 'Later' } } })).body;
    const refused = await call(sim, 'PATCH', `${path}/${pending.unique_id}`, { token, json: { voucher: { regenerate_link: true } } });
    expect(refused.status).toBe(422);
    expect(refused.body.errors.base).toHaveLength(1);
  });
});
