// Voucher batches: asynchronous generation on an injected clock, codes paging and the activated
// filter, server-side validation, update/delete, and 404 for a batch under the wrong location.

import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../simulator/app.js';
import { call, setup } from './helpers.js';

type Loc = { slug: string; id: string };
const locations = async (sim: Simulator, token: string): Promise<Loc[]> =>
  (await call(sim, 'GET', '/api/v1/locations?per=100', { token })).body.locations;

const valid = {
  batch_name: 'Lobby',
  batch_description: 'Weekend guests',
  quantity: 25,
  access_type: 1,
  validity_minutes: 120,
  session_timeout: 60,
};

describe('seeded vouchers', () => {
  it('lists batches with _links and codes with the activated filter', async () => {
    const { sim, token } = setup();
    const [first] = await locations(sim, token);
    const list = await call(sim, 'GET', `/api/v1/locations/${first?.slug}/vouchers`, { token });
    expect(list.status).toBe(200);
    expect(list.body._links).toMatchObject({ current_page: 1, total_entries: list.body.vouchers.length, size: 15 });
    const batch = list.body.vouchers.find((v: { completed: boolean }) => v.completed);
    expect(batch).toMatchObject({
      unique_id: expect.any(Number),
      csv_link: expect.stringMatching(/\.csv$/),
      pdf_link: expect.stringMatching(/\.pdf$/),
    });

    const all = await call(sim, 'GET', `/api/v1/locations/${first?.slug}/vouchers/${batch.unique_id}/codes?per=100`, { token });
    expect(all.body.codes).toHaveLength(batch.quantity);
    expect(all.body.codes[0]).toEqual({
      username: expect.any(String),
      password: expect.any(String),
      serial: 1,
      active: expect.any(Boolean),
      date_activated: expect.toSatisfy((v: unknown) => v === null || typeof v === 'number'),
      created_at: expect.any(Number),
    });
    const used = await call(sim, 'GET', `/api/v1/locations/${first?.slug}/vouchers/${batch.unique_id}/codes?activated=true&per=100`, {
      token,
    });
    const unused = await call(sim, 'GET', `/api/v1/locations/${first?.slug}/vouchers/${batch.unique_id}/codes?activated=false&per=100`, {
      token,
    });
    expect(used.body.codes.length + unused.body.codes.length).toBe(batch.quantity);
    expect(used.body.codes.every((c: { date_activated: number | null }) => c.date_activated !== null)).toBe(true);
    expect(unused.body.codes.every((c: { date_activated: number | null }) => c.date_activated === null)).toBe(true);
    const paged = await call(sim, 'GET', `/api/v1/locations/${first?.slug}/vouchers/${batch.unique_id}/codes?per=5&page=2`, { token });
    expect(paged.body.codes.map((c: { serial: number }) => c.serial)).toEqual([6, 7, 8, 9, 10]);
  });

  it('filters batches by q on batch_name', async () => {
    const { sim, token } = setup();
    const [first] = await locations(sim, token);
    const all = (await call(sim, 'GET', `/api/v1/locations/${first?.slug}/vouchers`, { token })).body.vouchers;
    const name: string = all[0].batch_name;
    const found = await call(
      sim,
      'GET',
      `/api/v1/locations/${first?.slug}/vouchers?q=${encodeURIComponent(name.slice(0, 4).toLowerCase())}`,
      { token },
    );
    expect(
      found.body.vouchers.every((v: { batch_name: string }) => v.batch_name.toLowerCase().includes(name.slice(0, 4).toLowerCase())),
    ).toBe(true);
    expect(found.body.vouchers.length).toBeGreaterThan(0);
  });
});

describe('creating vouchers', () => {
  it('answers 201 with completed:false and generates codes after the delay', async () => {
    const { sim, token, clock } = setup({ voucherGenerationDelayMs: 2000 });
    const loc = (await locations(sim, token))[6] as Loc;
    const created = await call(sim, 'POST', `/api/v1/locations/${loc.slug}/vouchers`, { token, json: { voucher: valid } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      ...valid,
      unique_id: expect.any(Number),
      completed: false,
      csv_link: null,
      pdf_link: null,
      is_active: true,
    });
    const path = `/api/v1/locations/${loc.slug}/vouchers/${created.body.unique_id}`;
    expect((await call(sim, 'GET', `${path}/codes`, { token })).body.codes).toEqual([]);

    clock.advance(1999);
    expect((await call(sim, 'GET', path, { token })).body.completed).toBe(false);
    clock.advance(1);
    const done = await call(sim, 'GET', path, { token });
    expect(done.body).toMatchObject({
      completed: true,
      csv_link: expect.stringMatching(/^https:\/\//),
      pdf_link: expect.stringMatching(/^https:\/\//),
    });
    const codes = await call(sim, 'GET', `${path}/codes?per=100`, { token });
    expect(codes.body._links.total_entries).toBe(25);
    expect(
      codes.body.codes.every(
        (c: { username: string; date_activated: null }) => /^[a-z0-9]{6}$/.test(c.username) && c.date_activated === null,
      ),
    ).toBe(true);
  });

  it('completePendingVouchers and setVoucherGenerationDelay(0) finish generation at once', async () => {
    const { sim, token } = setup();
    const loc = (await locations(sim, token))[6] as Loc;
    const a = (await call(sim, 'POST', `/api/v1/locations/${loc.slug}/vouchers`, { token, json: { voucher: valid } })).body;
    sim.control.completePendingVouchers();
    expect((await call(sim, 'GET', `/api/v1/locations/${loc.slug}/vouchers/${a.unique_id}`, { token })).body.completed).toBe(true);
    sim.control.setVoucherGenerationDelay(0);
    const b = (
      await call(sim, 'POST', `/api/v1/locations/${loc.slug}/vouchers`, {
        token,
        json: { voucher: { ...valid, voucher_format: 'numeric', length: 8 } },
      })
    ).body;
    expect(b.completed).toBe(false); // the create response itself is always "in progress"
    const codes = await call(sim, 'GET', `/api/v1/locations/${loc.slug}/vouchers/${b.unique_id}/codes`, { token });
    expect(codes.body.codes[0].username).toMatch(/^\d{8}$/);
  });

  it('validates server-side with 422 {errors:{field:[msg]}}', async () => {
    const { sim, token } = setup();
    const loc = (await locations(sim, token))[6] as Loc;
    const post = (voucher: Record<string, unknown>) =>
      call(sim, 'POST', `/api/v1/locations/${loc.slug}/vouchers`, { token, json: { voucher } });
    expect((await post({ ...valid, batch_name: '' })).body).toEqual({ errors: { batch_name: ["can't be blank"] } });
    expect((await post({ ...valid, quantity: 0 })).body).toEqual({ errors: { quantity: ['must be greater than or equal to 1'] } });
    expect((await post({ ...valid, quantity: 1001 })).body).toEqual({ errors: { quantity: ['must be less than or equal to 1000'] } });
    expect((await post({ ...valid, quantity: 1000 })).status).toBe(201);
    expect((await post({ ...valid, quantity: 1 })).status).toBe(201);
    expect((await post({ ...valid, session_timeout: 121 })).body).toEqual({
      errors: { session_timeout: ['must be less than or equal to 120'] },
    });
    expect((await post({ ...valid, access_type: 3 })).body.errors.access_type).toEqual(['is not included in the list']);
    expect((await post({ ...valid, access_type: 2 })).body.errors.access_restrict_data).toEqual(["can't be blank"]);
    expect((await post({ ...valid, access_type: 2, access_restrict_data: 500 })).status).toBe(201);
    expect((await post({ ...valid, voucher_format: 'emoji', length: 2 })).body.errors).toEqual({
      voucher_format: ['is not included in the list'],
      length: ['must be greater than or equal to 6'],
    });
    expect((await post({ ...valid, quantity: 'ten' })).body.errors.quantity).toEqual(['is not a number']);
    const missing = await call(sim, 'POST', `/api/v1/locations/${loc.slug}/vouchers`, { token, json: valid });
    expect(missing.status).toBe(400);
  });
});

describe('updating and deleting vouchers', () => {
  it('updates, disables codes with the batch, regenerates links, deletes with 204', async () => {
    const { sim, token } = setup();
    const [first] = await locations(sim, token);
    const batch = (await call(sim, 'POST', `/api/v1/locations/${first?.slug}/vouchers`, { token, json: { voucher: valid } })).body;
    sim.control.completePendingVouchers();
    batch.csv_link = (await call(sim, 'GET', `/api/v1/locations/${first?.slug}/vouchers/${batch.unique_id}`, { token })).body.csv_link;
    const path = `/api/v1/locations/${first?.slug}/vouchers/${batch.unique_id}`;
    const updated = await call(sim, 'PATCH', path, {
      token,
      json: { voucher: { batch_name: 'Renamed', is_active: false, quantity: 999 } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ batch_name: 'Renamed', is_active: false, quantity: batch.quantity }); // quantity is create-only
    const codes = (await call(sim, 'GET', `${path}/codes?per=100`, { token })).body.codes;
    expect(codes.every((c: { active: boolean }) => !c.active)).toBe(true);
    const relinked = await call(sim, 'PATCH', path, { token, json: { voucher: { regenerate_link: true } } });
    expect(relinked.body.csv_link).not.toBe(batch.csv_link);
    expect((await call(sim, 'PATCH', path, { token, json: { voucher: { batch_name: '' } } })).status).toBe(422);
    expect((await call(sim, 'DELETE', path, { token })).status).toBe(204);
    expect((await call(sim, 'GET', path, { token })).status).toBe(404);
    expect((await call(sim, 'GET', `${path}/codes`, { token })).status).toBe(404);
  });

  it('404s a batch addressed under another location', async () => {
    const { sim, token } = setup();
    const [first, second] = await locations(sim, token);
    const batch = (await call(sim, 'GET', `/api/v1/locations/${first?.slug}/vouchers`, { token })).body.vouchers[0];
    const wrong = await call(sim, 'GET', `/api/v1/locations/${second?.slug}/vouchers/${batch.unique_id}`, { token });
    expect(wrong.status).toBe(404);
    expect(wrong.body).toEqual({ message: 'Not found' });
    expect((await call(sim, 'GET', `/api/v1/locations/nowhere/vouchers`, { token })).status).toBe(404);
  });
});
