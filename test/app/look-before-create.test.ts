/**
 * Look before create: a create whose outcome is unknown (the simulator processed the POST, then the
 * connection dropped, or it answered 5xx or too late) is retried with the same Idempotency-Key; the
 * retry looks on CT first (a voucher batch by name in its location, a location by its exact name, a
 * box by its MAC) and answers with what it finds, so CT holds exactly one. Also: an instance that
 * dies after CT acted (its record left running) and a batch of the same name from before the first
 * attempt, which is not taken for ours.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSimulator } from '../../simulator/app.js';
import { DEFAULT_LEASE_MS } from '../../src/idempotency.js';
import { FACADE_URL } from '../harness.js';
import { CREATE_VOUCHER, ctCalls, disposeFacades, type Facade, facade, globalId } from '../idempotency.js';

afterEach(disposeFacades);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const VOUCHERS = '/api/v1/locations/*/vouchers';

async function place(f: Facade, name = 'Unknown outcomes'): Promise<string> {
  return (await f.ct('POST', '/locations', { location: { location_name: name } })).slug as string;
}

async function batchesNamed(f: Facade, slug: string, name: string): Promise<any[]> {
  return (await f.ct('GET', `/locations/${slug}/vouchers?batch_name=${encodeURIComponent(name)}`)).vouchers;
}

const voucherInput = (slug: string, name: string) => ({ input: { locationId: globalId('Location', slug), name, quantity: 3 } });

describe('createVoucher after an unknown outcome', () => {
  it.each([
    ['the connection dropped after CT made the batch', { drop: true }],
    ['CT answered 500 after making the batch', { status: 500 }],
  ] as const)('%s: the retry with the key returns that batch; CT holds exactly one', async (_what, fault) => {
    const f = await facade();
    const slug = await place(f);
    const key = randomUUID();
    f.sim.control.addFault({ method: 'POST', path: VOUCHERS, afterProcessing: true, times: 1, ...fault });
    const first = await f.post(f.session, CREATE_VOUCHER, voucherInput(slug, 'Night shift'), { key });
    expect(first.body.data).toBeNull();
    expect(first.body.errors).toEqual([
      expect.objectContaining({ path: ['createVoucher'], extensions: { code: 'UPSTREAM_UNAVAILABLE', outcomeUnknown: true } }),
    ]);
    const made = await batchesNamed(f, slug, 'Night shift');
    expect(made).toHaveLength(1);

    f.sim.resetLog();
    const retry = await f.post(f.session, CREATE_VOUCHER, voucherInput(slug, 'Night shift'), { key });
    expect(retry.body.errors).toBeUndefined();
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.body.data.createVoucher).toEqual({
      voucher: { id: globalId('Voucher', `${slug}/${made[0].unique_id}`), name: 'Night shift', quantity: 3 },
      userErrors: [],
    });
    // It looked (CT's batch_name filter) and made nothing.
    expect(ctCalls(f.sim)).toEqual([`GET /api/v1/locations/${slug}/vouchers`]);
    expect(f.sim.apiCalls()[0]?.query).toMatchObject({ batch_name: 'Night shift' });
    expect(await batchesNamed(f, slug, 'Night shift')).toHaveLength(1);

    // Now final: a third request replays the retry's answer.
    const third = await f.post(f.session, CREATE_VOUCHER, voucherInput(slug, 'Night shift'), { key });
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(third.text).toBe(retry.text);
  });

  it('CT answered too late (a timeout after it acted): the retry finds the batch', async () => {
    const f = await facade({ env: { CT_TIMEOUT_MS: '100' } });
    const slug = await place(f);
    const key = randomUUID();
    f.sim.control.addFault({ method: 'POST', path: VOUCHERS, afterProcessing: true, delayMs: 1_000, times: 1 });
    const first = await f.post(f.apiToken, CREATE_VOUCHER, voucherInput(slug, 'Late answer'), { key });
    expect(first.body.errors[0].extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', outcomeUnknown: true });
    f.sim.resetLog();
    const retry = await f.post(f.apiToken, CREATE_VOUCHER, voucherInput(slug, 'Late answer'), { key });
    expect(retry.body.data.createVoucher.voucher.name).toBe('Late answer');
    expect(ctCalls(f.sim).filter((c) => c.startsWith('POST'))).toEqual([]);
    expect(await batchesNamed(f, slug, 'Late answer')).toHaveLength(1);
  });

  it('the connection dropped before CT acted: the retry finds nothing and creates the batch once', async () => {
    const f = await facade();
    const slug = await place(f);
    const key = randomUUID();
    f.sim.control.addFault({ method: 'POST', path: VOUCHERS, drop: true, times: 1 });
    const first = await f.post(f.apiToken, CREATE_VOUCHER, voucherInput(slug, 'Never made'), { key });
    expect(first.body.errors[0].extensions.outcomeUnknown).toBe(true);
    expect(await batchesNamed(f, slug, 'Never made')).toHaveLength(0);
    f.sim.resetLog();
    const retry = await f.post(f.apiToken, CREATE_VOUCHER, voucherInput(slug, 'Never made'), { key });
    expect(retry.body.data.createVoucher.voucher.name).toBe('Never made');
    expect(ctCalls(f.sim)).toEqual([`GET /api/v1/locations/${slug}/vouchers`, `POST /api/v1/locations/${slug}/vouchers`]);
    expect(await batchesNamed(f, slug, 'Never made')).toHaveLength(1);
  });

  it('a batch of that name made well before the first attempt is not taken for the one it made', async () => {
    const clock = { now: Date.UTC(2026, 10, 30, 9) };
    const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`], now: () => clock.now });
    const f = await facade({ sim, clock });
    const slug = await place(f);
    const old = await f.ct('POST', `/locations/${slug}/vouchers`, { voucher: { batch_name: 'Weekly', quantity: 3 } });
    // An hour later (well past the clock slack, within the CT tokens' two hours).
    clock.now += 3_600_000;
    const key = randomUUID();
    f.sim.control.addFault({ method: 'POST', path: VOUCHERS, drop: true, times: 1 });
    await f.post(f.apiToken, CREATE_VOUCHER, voucherInput(slug, 'Weekly'), { key });
    const retry = await f.post(f.apiToken, CREATE_VOUCHER, voucherInput(slug, 'Weekly'), { key });
    expect(retry.body.data.createVoucher.voucher.id).not.toBe(globalId('Voucher', `${slug}/${old.unique_id}`));
    expect(await batchesNamed(f, slug, 'Weekly')).toHaveLength(2);
  });

  it('without the key, nothing looks: a blind retry makes a second batch (the case the key exists for)', async () => {
    const f = await facade();
    const slug = await place(f);
    f.sim.control.addFault({ method: 'POST', path: VOUCHERS, afterProcessing: true, drop: true, times: 1 });
    await f.post(f.apiToken, CREATE_VOUCHER, voucherInput(slug, 'Blind'));
    await f.post(f.apiToken, CREATE_VOUCHER, voucherInput(slug, 'Blind'));
    expect(await batchesNamed(f, slug, 'Blind')).toHaveLength(2);
  });
});

describe('createVouchers after an unknown outcome', () => {
  it('one of three POSTs lost after CT acted: the retry finds all three, creates none, and CT holds three', async () => {
    const f = await facade();
    const slug = await place(f);
    const key = randomUUID();
    const query = `mutation($input: CreateVouchersInput!) {
      createVouchers(input: $input) { results { voucher { name } userErrors { code } } }
    }`;
    const items = ['A', 'B', 'C'].map((n) => ({ locationId: globalId('Location', slug), name: `Bulk ${n}`, quantity: 2 }));
    f.sim.control.addFault({ method: 'POST', path: VOUCHERS, afterProcessing: true, drop: true, times: 1 });
    const first = await f.post(f.apiToken, query, { input: { items } }, { key });
    expect(first.body.errors).toHaveLength(1);
    expect(first.body.errors[0]).toMatchObject({ path: ['createVouchers', 'results', expect.any(Number), 'voucher'] });
    expect(first.body.data.createVouchers.results.filter((r: any) => r.voucher)).toHaveLength(2);

    f.sim.resetLog();
    const retry = await f.post(f.apiToken, query, { input: { items } }, { key });
    expect(retry.body.errors).toBeUndefined();
    expect(retry.body.data.createVouchers.results.map((r: any) => r.voucher.name)).toEqual(['Bulk A', 'Bulk B', 'Bulk C']);
    expect(ctCalls(f.sim).filter((c) => c.startsWith('POST'))).toEqual([]);
    const all = (await f.ct('GET', `/locations/${slug}/vouchers?per=100`)).vouchers.map((v: any) => v.batch_name).sort();
    expect(all).toEqual(['Bulk A', 'Bulk B', 'Bulk C']);
  });
});

describe('createLocation and addBox after an unknown outcome', () => {
  it('createLocation: the retry finds the location by its exact name', async () => {
    const f = await facade();
    const key = randomUUID();
    const query = 'mutation($input: CreateLocationInput!) { createLocation(input: $input) { location { id name } userErrors { code } } }';
    const variables = { input: { name: 'Harbour Café', town: 'Cork' } };
    f.sim.control.addFault({ method: 'POST', path: '/api/v1/locations', afterProcessing: true, drop: true, times: 1 });
    const first = await f.post(f.session, query, variables, { key });
    expect(first.body.errors[0].extensions.outcomeUnknown).toBe(true);
    f.sim.resetLog();
    const retry = await f.post(f.session, query, variables, { key });
    expect(retry.body.data.createLocation.location.name).toBe('Harbour Café');
    expect(ctCalls(f.sim)).toEqual(['GET /api/v1/locations']);
    expect(f.sim.apiCalls()[0]?.query).toMatchObject({ location_name: 'Harbour Café' });
    expect((await f.ct('GET', `/locations?location_name=${encodeURIComponent('Harbour Café')}`)).locations).toHaveLength(1);
  });

  it('addBox: the retry finds the box by its MAC at that location', async () => {
    const f = await facade();
    const slug = await place(f, 'Box site');
    const key = randomUUID();
    const query = 'mutation($input: AddBoxInput!) { addBox(input: $input) { box { slug mac } userErrors { code } } }';
    const variables = { input: { locationId: globalId('Location', slug), mac: 'AA-BB-CC-13-13-13' } };
    f.sim.control.addFault({ method: 'POST', path: '/api/v1/boxes', afterProcessing: true, status: 502, times: 1 });
    const first = await f.post(f.apiToken, query, variables, { key });
    expect(first.body.errors[0].extensions.outcomeUnknown).toBe(true);
    f.sim.resetLog();
    const retry = await f.post(f.apiToken, query, variables, { key });
    expect(retry.body.data.addBox).toMatchObject({ box: { mac: 'aa:bb:cc:13:13:13' }, userErrors: [] });
    expect(ctCalls(f.sim)).toEqual(['GET /api/v1/boxes']);
    expect((await f.ct('GET', '/boxes?q=aa:bb:cc:13:13:13')).boxes).toHaveLength(1);
  });
});

describe('an instance that dies after CT acted', () => {
  it('leaves its record running; once the lease lapses, a retry on another instance finds the batch and makes none', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ct-graphql-idem-crash-'));
    dirs.push(dataDir);
    const clock = { now: Date.now() };
    const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
    const dying = await facade({ sim, clock, env: { DATA_DIR: dataDir } });
    const slug = await place(dying);
    const key = randomUUID();
    // CT makes the batch; the instance never hears back (it is gone).
    const gone = dying.hold('POST', /\/vouchers$/);
    void dying.post(dying.apiToken, CREATE_VOUCHER, voucherInput(slug, 'Crash'), { key });
    await gone.arrived;
    await dying.ct('POST', `/locations/${slug}/vouchers`, { voucher: { batch_name: 'Crash', quantity: 3 } });

    const survivor = await facade({ sim, clock, env: { DATA_DIR: dataDir } });
    const caller = survivor.apiToken;
    const early = await survivor.post(caller, CREATE_VOUCHER, voucherInput(slug, 'Crash'), { key });
    expect(early.body.errors[0].extensions.code).toBe('IDEMPOTENCY_IN_PROGRESS');

    clock.now += DEFAULT_LEASE_MS + 1;
    sim.resetLog();
    const retry = await survivor.post(caller, CREATE_VOUCHER, voucherInput(slug, 'Crash'), { key });
    expect(retry.body.data.createVoucher.voucher.name).toBe('Crash');
    expect(ctCalls(sim).filter((c) => c.startsWith('POST'))).toEqual([]);
    expect(await batchesNamed(survivor, slug, 'Crash')).toHaveLength(1);
  });
});
