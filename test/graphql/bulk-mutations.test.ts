// Issue 13, bulk mutations: rebootBoxes, resetBoxes, transferBoxes, createVouchers, deleteVouchers
// through app.fetch with the simulator as CT. What CT saw (its request log: one call per item, none
// before every item is valid), results in input order each with its own userErrors, the CT calls in
// flight at once (the request's bound, not one after another), the 100-item cap and the price.
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/app.js';
import type { App } from '../../src/app.js';
import { disposeApp } from '../api-tokens.js';
import { createAppOver, CT_URL, FACADE_URL, simulatorUserId, sessionFor } from '../harness.js';
import { globalId, type SimBox } from './mutations-helpers.js';

interface Bench {
  sim: Simulator;
  app: App;
  /** The most CT calls that were in flight at once, and the calls now in flight. */
  inFlight: { now: number; max: number };
  gql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  ct(method: string, path: string, body?: unknown): Promise<any>;
  boxes(): Promise<SimBox[]>;
}

const apps: Array<{ app: App; dataDir: string }> = [];
afterEach(async () => {
  for (const { app, dataDir } of apps.splice(0)) await disposeApp(app, dataDir);
});

async function bench(env: Record<string, string> = {}): Promise<Bench> {
  // A little CT latency so that calls overlap; nothing below measures time.
  const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`], latencyMs: 2 });
  const inFlight = { now: 0, max: 0 };
  const counting = async (request: Request): Promise<Response> => {
    inFlight.now += 1;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    try {
      return await sim.fetch(request);
    } finally {
      inFlight.now -= 1;
    }
  };
  const { app, config } = createAppOver(sim, env, counting);
  apps.push({ app, dataDir: config.dataDir });
  const issued = sim.control.issueTokens();
  // Sealed as sign-in seals it, with the CT account: no /me.json in the log below.
  const sealed = await (await app.sessions()).seal(
    { accessToken: issued.access_token, refreshToken: issued.refresh_token, expiresAt: Date.now() + 3_600_000 },
    { ctUserId: simulatorUserId(sim) },
  );
  const ct = async (method: string, path: string, body?: unknown) => {
    const response = await sim.fetch(
      new Request(`${CT_URL}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${issued.access_token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    const text = await response.text();
    return text === '' ? null : JSON.parse(text);
  };
  return {
    sim,
    app,
    inFlight,
    async gql(query, variables, headers = {}) {
      inFlight.max = 0;
      sim.resetLog();
      const response = await app.fetch(
        new Request(`${FACADE_URL}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${sealed.token}`, ...headers },
          body: JSON.stringify({ query, variables }),
        }),
      );
      return { status: response.status, body: await response.json() };
    },
    ct,
    async boxes() {
      const out: SimBox[] = [];
      for (let page = 1; ; page++) {
        const list = await ct('GET', `/boxes?per=100&page=${page}`);
        out.push(...list.boxes);
        if (!list._links.next_page) return out;
      }
    },
  };
}

const REBOOT = `mutation Reboot($input: RebootBoxesInput!) {
  rebootBoxes(input: $input) { results { id box { slug state } userErrors { code field message } } userErrors { code field message } }
}`;

const calls = (sim: Simulator, method?: string) =>
  sim
    .apiCalls()
    .filter((c) => method === undefined || c.method === method)
    .map((c) => `${c.method} ${c.path}`);

describe('rebootBoxes', () => {
  it('40 boxes: one PATCH each, up to the CT concurrency in flight at once, a refusing box FORBIDDEN in its own result', async () => {
    const b = await bench();
    const boxes = await b.boxes();
    const willing = boxes.filter((x) => x.allowed_job).slice(0, 39);
    const refusing = boxes.find((x) => !x.allowed_job)!;
    const chosen = [...willing.slice(0, 17), refusing, ...willing.slice(17)];
    expect(chosen).toHaveLength(40);

    const { body } = await b.gql(REBOOT, { input: { ids: chosen.map((x) => globalId('Box', x.slug)) } });
    expect(body.errors).toBeUndefined();
    const { results, userErrors } = body.data.rebootBoxes;
    expect(userErrors).toEqual([]);
    // In input order, each echoing its ID.
    expect(results.map((r: any) => r.id)).toEqual(chosen.map((x) => globalId('Box', x.slug)));
    results.forEach((r: any, i: number) => {
      if (i === 17) {
        expect(r.box).toBeNull();
        expect(r.userErrors).toEqual([{ code: 'FORBIDDEN', field: ['input', 'ids', '17'], message: expect.any(String) }]);
      } else {
        expect(r.userErrors).toEqual([]);
        expect(r.box).toEqual({ slug: chosen[i]!.slug, state: 'REBOOTING' });
      }
    });
    // CT saw exactly one action per box, and nothing else (CT answered each PATCH with the box).
    expect(calls(b.sim).sort()).toEqual(chosen.map((x) => `PATCH /api/v1/boxes/${x.slug}`).sort());
    // Together, within the request's bound (CT_CONCURRENCY, 8 by default), not one after another.
    expect(b.inFlight.max).toBe(8);
    expect(body.extensions.cost.ctCalls).toBe(40);
    expect(body.extensions.cost.estimated).toBe(80);
    const states = new Map((await b.boxes()).map((x) => [x.slug, x.state]));
    expect(chosen.filter((x) => states.get(x.slug) === 'rebooting')).toHaveLength(39);
  });

  it('honours CT_CONCURRENCY as the bound', async () => {
    const b = await bench({ CT_CONCURRENCY: '3' });
    const ids = (await b.boxes())
      .filter((x) => x.allowed_job)
      .slice(0, 10)
      .map((x) => globalId('Box', x.slug));
    const { body } = await b.gql(REBOOT, { input: { ids } });
    expect(body.data.rebootBoxes.results).toHaveLength(10);
    expect(b.inFlight.max).toBe(3);
  });

  it('checks every ID before the first CT call: malformed and repeated ones at their paths, and then nothing is done', async () => {
    const b = await bench();
    const [one, two] = (await b.boxes()).filter((x) => x.allowed_job);
    const ids = [
      globalId('Box', one!.slug),
      'not-an-id',
      globalId('Location', 'somewhere'),
      globalId('Box', two!.slug),
      globalId('Box', one!.slug),
    ];
    const { body } = await b.gql(REBOOT, { input: { ids } });
    expect(body.errors).toBeUndefined();
    expect(body.data.rebootBoxes.results).toEqual([]);
    expect(body.data.rebootBoxes.userErrors.map((e: any) => ({ code: e.code, field: e.field }))).toEqual([
      { code: 'INVALID', field: ['input', 'ids', '1'] },
      { code: 'INVALID', field: ['input', 'ids', '2'] },
      { code: 'INVALID', field: ['input', 'ids', '4'] },
    ]);
    expect(calls(b.sim)).toEqual([]);
  });

  it('a box whose call fails unexpectedly: null box and an error at its path; the others succeed', async () => {
    const b = await bench();
    const [one, two, three] = (await b.boxes()).filter((x) => x.allowed_job);
    b.sim.control.addFault({ method: 'PATCH', path: `/api/v1/boxes/${two!.slug}`, status: 503 });
    const ids = [one!, two!, three!].map((x) => globalId('Box', x.slug));
    const { body } = await b.gql(REBOOT, { input: { ids } });
    const results = body.data.rebootBoxes.results;
    expect(results.map((r: any) => r.box?.state ?? null)).toEqual(['REBOOTING', null, 'REBOOTING']);
    expect(results[1].userErrors).toEqual([]);
    expect(body.errors).toEqual([
      expect.objectContaining({
        path: ['rebootBoxes', 'results', 1, 'box'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE', outcomeUnknown: true },
      }),
    ]);
    expect(calls(b.sim, 'PATCH')).toHaveLength(3); // never repeated
  });

  it('more than 100 IDs is BAD_USER_INPUT before any CT call, given inline or in variables, on both HTTP paths', async () => {
    const b = await bench();
    const ids = Array.from({ length: 101 }, (_, i) => globalId('Box', `box-${i}`));
    const viaVariables = await b.gql(REBOOT, { input: { ids } });
    expect(viaVariables.body.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', maxItems: 100, items: 101 }) }),
    ]);
    expect(viaVariables.body.data).toBeUndefined();
    const inline = `mutation { rebootBoxes(input: { ids: ${JSON.stringify(ids)} }) { results { id } } }`;
    const viaDocument = await b.gql(inline);
    expect(viaDocument.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'ids'] });
    // yoga's path (a multipart/mixed client) refuses it alike.
    b.sim.resetLog();
    const yoga = await b.app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'multipart/mixed',
          authorization: await sessionHeader(b),
        },
        body: JSON.stringify({ query: REBOOT, variables: { input: { ids } } }),
      }),
    );
    const text = await yoga.text();
    expect(text).toContain('BAD_USER_INPUT');
    expect(text).toContain('at most 100 items');
    expect(calls(b.sim)).toEqual([]);
  });

  it('is priced per box, whatever the payload selects under each result', async () => {
    const b = await bench();
    const ids = (await b.boxes()).slice(0, 5).map((x) => globalId('Box', x.slug));
    const query = `mutation($input: RebootBoxesInput!) { rebootBoxes(input: $input) { results { box { location { name } } } } }`;
    const { body } = await b.gql(query, { input: { ids } });
    // Per box: the PATCH, a read back, and the box's location.
    expect(body.extensions.cost.estimated).toBe(5 * 3);
    expect(body.extensions.cost.ctCalls).toBeLessThanOrEqual(body.extensions.cost.estimated);
  });
});

/** The bearer header of a fresh session on the bench's simulator. */
async function sessionHeader(b: Bench): Promise<string> {
  // Sealed as sign-in seals it, with the CT account: no /me.json in the log below.
  return `Bearer ${await sessionFor(b.app, b.sim)}`;
}

describe('resetBoxes and transferBoxes', () => {
  it('resetBoxes: one PATCH per box, each answering in state NEW', async () => {
    const b = await bench();
    const chosen = (await b.boxes()).filter((x) => x.allowed_job).slice(0, 3);
    const query = `mutation($input: ResetBoxesInput!) { resetBoxes(input: $input) { results { id box { state } userErrors { code } } } }`;
    const { body } = await b.gql(query, { input: { ids: chosen.map((x) => globalId('Box', x.slug)) } });
    expect(body.data.resetBoxes.results.map((r: any) => r.box.state)).toEqual(['NEW', 'NEW', 'NEW']);
    expect(calls(b.sim).sort()).toEqual(chosen.map((x) => `PATCH /api/v1/boxes/${x.slug}`).sort());
  });

  it('transferBoxes: the target read once before the writes, one PATCH per box, every box at the new location', async () => {
    const b = await bench();
    const target = await b.ct('POST', '/locations', { location: { location_name: 'Bulk target' } });
    const chosen = (await b.boxes()).slice(0, 4);
    const query = `mutation($input: TransferBoxesInput!) {
      transferBoxes(input: $input) { results { id box { slug location { slug } } userErrors { code } } userErrors { code field } }
    }`;
    const { body } = await b.gql(query, {
      input: { ids: chosen.map((x) => globalId('Box', x.slug)), toLocationId: globalId('Location', target.slug) },
    });
    expect(body.errors).toBeUndefined();
    expect(body.data.transferBoxes.results.map((r: any) => r.box.location.slug)).toEqual(chosen.map(() => target.slug));
    const seen = calls(b.sim);
    // Read once, before the PATCHes (for its unique id); `location { slug }` in the answer comes from the moved boxes CT returned.
    const reads = seen.flatMap((c, i) => (c === `GET /api/v1/locations/${target.slug}` ? [i] : []));
    expect(reads).toEqual([0]);
    expect(seen.filter((c) => c.startsWith('PATCH')).sort()).toEqual(chosen.map((x) => `PATCH /api/v1/boxes/${x.slug}`).sort());
    expect((await b.boxes()).filter((x) => x.location_slug === target.slug)).toHaveLength(4);
  });

  it('transferBoxes to a location CT does not know: NOT_FOUND at toLocationId, nothing moved', async () => {
    const b = await bench();
    const chosen = (await b.boxes()).slice(0, 2);
    const query = `mutation($input: TransferBoxesInput!) { transferBoxes(input: $input) { results { id } userErrors { code field } } }`;
    const { body } = await b.gql(query, {
      input: { ids: chosen.map((x) => globalId('Box', x.slug)), toLocationId: globalId('Location', 'no-such-place') },
    });
    expect(body.data.transferBoxes).toEqual({ results: [], userErrors: [{ code: 'NOT_FOUND', field: ['input', 'toLocationId'] }] });
    expect(calls(b.sim, 'PATCH')).toEqual([]);
  });
});

const CREATE = `mutation Create($input: CreateVouchersInput!) {
  createVouchers(input: $input) { results { voucher { id name quantity } userErrors { code field } } userErrors { code field message } }
}`;

describe('createVouchers', () => {
  it('three valid items: one POST each, results in input order', async () => {
    const b = await bench();
    const place = await b.ct('POST', '/locations', { location: { location_name: 'Bulk vouchers' } });
    const locationId = globalId('Location', place.slug);
    const items = [1, 2, 3].map((n) => ({ locationId, name: `Batch ${n}`, quantity: n }));
    const { body } = await b.gql(CREATE, { input: { items } });
    expect(body.errors).toBeUndefined();
    expect(body.data.createVouchers.results.map((r: any) => [r.voucher.name, r.voucher.quantity])).toEqual([
      ['Batch 1', 1],
      ['Batch 2', 2],
      ['Batch 3', 3],
    ]);
    expect(calls(b.sim)).toEqual(Array(3).fill(`POST /api/v1/locations/${place.slug}/vouchers`));
    expect(body.extensions.cost.estimated).toBe(3 * 2);
  });

  it('three items, one invalid: the problems at their paths, and nothing at all created', async () => {
    const b = await bench();
    const place = await b.ct('POST', '/locations', { location: { location_name: 'All or nothing' } });
    const locationId = globalId('Location', place.slug);
    const items = [
      { locationId, name: 'Fine', quantity: 5 },
      { locationId, name: 'Too many', quantity: 5000, simultaneousUse: 0 },
      { locationId, name: 'Also fine', quantity: 5 },
    ];
    const { body } = await b.gql(CREATE, { input: { items } });
    expect(body.errors).toBeUndefined();
    expect(body.data.createVouchers.results).toEqual([]);
    expect(body.data.createVouchers.userErrors).toEqual([
      { code: 'INVALID', field: ['input', 'items', '1', 'quantity'], message: 'Quantity must be between 1 and 1000' },
      { code: 'INVALID', field: ['input', 'items', '1', 'simultaneousUse'], message: 'Simultaneous use must be between 1 and 100' },
    ]);
    expect(calls(b.sim)).toEqual([]);
    expect((await b.ct('GET', `/locations/${place.slug}/vouchers`)).vouchers).toEqual([]);
  });

  it("a CT splash page id the location does not have: refused at its path after the check's read, before any POST", async () => {
    const b = await bench();
    const place = await b.ct('POST', '/locations', { location: { location_name: 'Splash check' } });
    const locationId = globalId('Location', place.slug);
    const items = [
      { locationId, name: 'Good', quantity: 2 },
      { locationId, name: 'Bad page', quantity: 2, splashPageId: '999999' },
    ];
    const { body } = await b.gql(CREATE, { input: { items } });
    expect(body.data.createVouchers.results).toEqual([]);
    expect(body.data.createVouchers.userErrors).toEqual([
      {
        code: 'INVALID',
        field: ['input', 'items', '1', 'splashPageId'],
        message: expect.stringContaining('not a splash page of this location'),
      },
    ]);
    expect(calls(b.sim)).toEqual([`GET /api/v1/locations/${place.slug}/splash_pages`]);
    expect((await b.ct('GET', `/locations/${place.slug}/vouchers`)).vouchers).toEqual([]);
  });

  it('two items with one name in one location are refused (a batch is found again by its name)', async () => {
    const b = await bench();
    const place = await b.ct('POST', '/locations', { location: { location_name: 'Twins' } });
    const locationId = globalId('Location', place.slug);
    const { body } = await b.gql(CREATE, {
      input: {
        items: [
          { locationId, name: 'Same' },
          { locationId, name: ' Same ' },
        ],
      },
    });
    expect(body.data.createVouchers.userErrors).toEqual([
      { code: 'INVALID', field: ['input', 'items', '1', 'name'], message: expect.stringContaining('repeats item 0') },
    ]);
    expect(calls(b.sim)).toEqual([]);
  });

  it("CT's refusal of one batch stays in its result; the others are made", async () => {
    const b = await bench();
    const place = await b.ct('POST', '/locations', { location: { location_name: 'Partly' } });
    const items = [
      { locationId: globalId('Location', place.slug), name: 'Made' },
      { locationId: globalId('Location', 'not-a-real-location'), name: 'Nowhere' },
    ];
    const { body } = await b.gql(CREATE, { input: { items } });
    const [made, nowhere] = body.data.createVouchers.results;
    expect(made).toMatchObject({ voucher: { name: 'Made' }, userErrors: [] });
    expect(nowhere).toEqual({ voucher: null, userErrors: [{ code: 'NOT_FOUND', field: ['input', 'items', '1', 'locationId'] }] });
  });
});

describe('deleteVouchers', () => {
  it('one DELETE per batch; a batch CT does not have is NOT_FOUND in its own result', async () => {
    const b = await bench();
    const place = await b.ct('POST', '/locations', { location: { location_name: 'Bulk deletes' } });
    const one = await b.ct('POST', `/locations/${place.slug}/vouchers`, { voucher: { batch_name: 'One' } });
    const two = await b.ct('POST', `/locations/${place.slug}/vouchers`, { voucher: { batch_name: 'Two' } });
    const ids = [one.unique_id, 999_999, two.unique_id].map((u) => globalId('Voucher', `${place.slug}/${u}`));
    const query = `mutation($input: DeleteVouchersInput!) {
      deleteVouchers(input: $input) { results { id deletedId userErrors { code field } } }
    }`;
    const { body } = await b.gql(query, { input: { ids } });
    expect(body.data.deleteVouchers.results).toEqual([
      { id: ids[0], deletedId: ids[0], userErrors: [] },
      { id: ids[1], deletedId: null, userErrors: [{ code: 'NOT_FOUND', field: ['input', 'ids', '1'] }] },
      { id: ids[2], deletedId: ids[2], userErrors: [] },
    ]);
    expect(calls(b.sim).filter((c) => c.startsWith('DELETE'))).toHaveLength(3);
    expect((await b.ct('GET', `/locations/${place.slug}/vouchers`)).vouchers).toEqual([]);
  });
});
