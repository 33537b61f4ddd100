// Issue 17's mutations: setLocationFavourite, setVoucherCodeActive ("turn code K7P2QX off": one
// mutation, one CT write), cancelBoxReset, updateBox(alertsMuted), regenerateVoucherFiles, and
// createVoucher's splash page checked against the location before any write; each against CT's state
// and the exact CT calls, with CT's 422/403/404 as userErrors.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  allBoxes,
  codes,
  globalId,
  newLocation,
  payload,
  setup,
  USER_ERRORS,
  type MutationTest,
  type SimLocation,
} from './mutations-helpers.js';

const FAVOURITE = `mutation($input: SetLocationFavouriteInput!) { setLocationFavourite(input: $input) { location { id favourite }
  ${USER_ERRORS} } }`;
const SET_CODE =
  'mutation($input: SetVoucherCodeActiveInput!) { setVoucherCodeActive(input: $input) { voucherCode { username active activatedAt ' +
  `location { slug } voucher { uniqueId } } ${USER_ERRORS} } }`;
const FIND_CODE = 'query($search: String!) { voucherCodes(search: $search, first: 5) { nodes { username active location { id slug } } } }';
const CANCEL = `mutation($id: ID!) { cancelBoxReset(input: { id: $id }) { box { state online } ${USER_ERRORS} } }`;
const UPDATE_BOX = `mutation($input: UpdateBoxInput!) { updateBox(input: $input) { box { alertsMuted ignored } ${USER_ERRORS} } }`;
const REGENERATE = `mutation($id: ID!) { regenerateVoucherFiles(input: { id: $id }) { voucher { id csvUrl pdfUrl } ${USER_ERRORS} } }`;
const CREATE =
  'mutation($input: CreateVoucherInput!) { createVoucher(input: $input) { voucher { uniqueId splashPageId splashPage { id legacyId } } ' +
  `${USER_ERRORS} } }`;

interface CtCode {
  username: string;
  active: boolean;
  date_activated: number | null;
  location_id: number;
}

describe('everyday mutations', () => {
  let t: MutationTest;
  beforeEach(async () => {
    t = await setup();
  });

  describe('setLocationFavourite', () => {
    it('marks and unmarks with one PATCH; favourites: true then lists the location', async () => {
      const loc = await newLocation(t, 'Favourite site');
      const id = globalId('Location', loc.slug);
      const { result, calls } = await t.gqlWithCalls(FAVOURITE, { input: { id, favourite: true } });
      expect(payload(result, 'setLocationFavourite')).toEqual({ location: { id, favourite: true }, userErrors: [] });
      expect(calls).toEqual([{ method: 'PATCH', path: `/api/v1/locations/${loc.slug}` }]);
      expect((await t.ct('GET', `/locations/${loc.slug}`)).json.is_favourite).toBe(true);
      const listed = await t.gql('{ locations(favourites: true, first: 100) { nodes { slug } } }');
      expect(listed.data?.locations.nodes.map((l: { slug: string }) => l.slug)).toContain(loc.slug);

      const off = payload(await t.gql(FAVOURITE, { input: { id, favourite: false } }), 'setLocationFavourite');
      expect(off.location.favourite).toBe(false);
      expect((await t.ct('GET', `/locations/${loc.slug}`)).json.is_favourite).toBe(false);
    });

    it('a bad ID is INVALID with no call; an unknown location NOT_FOUND', async () => {
      const { result, calls } = await t.gqlWithCalls(FAVOURITE, { input: { id: globalId('Box', 'x'), favourite: true } });
      expect(codes(payload(result, 'setLocationFavourite'))).toEqual([{ code: 'INVALID', field: ['input', 'id'] }]);
      expect(calls).toEqual([]);
      const missing = payload(
        await t.gql(FAVOURITE, { input: { id: globalId('Location', 'no-such-place'), favourite: true } }),
        'setLocationFavourite',
      );
      expect(codes(missing)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
    });
  });

  describe('setVoucherCodeActive', () => {
    /** A code found the way an operator would: by searching for what the guest read out, in upper case. */
    async function findCode(): Promise<{ code: CtCode; locationId: string; slug: string }> {
      const { json } = await t.ct('GET', '/codes?activated=false&per=100');
      const code = (json.codes as CtCode[]).find((c) => c.active) as CtCode;
      const found = await t.gql(FIND_CODE, { search: code.username.toUpperCase() });
      const node = found.data?.voucherCodes.nodes.find((n: { username: string }) => n.username === code.username);
      return { code, locationId: node.location.id, slug: node.location.slug };
    }

    it('disables a code with one CT write and nothing else; enables it again', async () => {
      const { code, locationId, slug } = await findCode();
      const { result, calls } = await t.gqlWithCalls(SET_CODE, { input: { locationId, username: code.username, active: false } });
      const p = payload(result, 'setVoucherCodeActive');
      expect(p.userErrors).toEqual([]);
      expect(p.voucherCode).toMatchObject({ username: code.username, active: false, activatedAt: null, location: { slug } });
      expect(typeof p.voucherCode.voucher.uniqueId).toBe('number');
      // The mutation is one PATCH; the payload's location and batch are reads the query asked for.
      expect(calls.filter((c) => c.method !== 'GET')).toEqual([
        { method: 'PATCH', path: `/api/v1/locations/${slug}/clients/${code.username}/codes/${code.username}` },
      ]);
      const bare = await t.gqlWithCalls(
        'mutation($input: SetVoucherCodeActiveInput!) { ' +
          'setVoucherCodeActive(input: $input) { voucherCode { active } userErrors { code } } }',
        { input: { locationId, username: code.username, active: true } },
      );
      expect(payload(bare.result, 'setVoucherCodeActive')).toEqual({ voucherCode: { active: true }, userErrors: [] });
      expect(bare.calls).toHaveLength(1);
      const stored = (await t.ct('GET', `/codes?q=${code.username}`)).json.codes[0];
      expect(stored.active).toBe(true);
    });

    it('a code of another location is NOT_FOUND; a blank username or bad ID INVALID with no call', async () => {
      const { code } = await findCode();
      const other = await newLocation(t, 'Elsewhere');
      const wrong = payload(
        await t.gql(SET_CODE, { input: { locationId: globalId('Location', other.slug), username: code.username, active: false } }),
        'setVoucherCodeActive',
      );
      expect(codes(wrong)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'username'] }]);
      const { result, calls } = await t.gqlWithCalls(SET_CODE, {
        input: { locationId: globalId('Voucher', 'x/1'), username: '  ', active: false },
      });
      expect(codes(payload(result, 'setVoucherCodeActive'))).toEqual([
        { code: 'INVALID', field: ['input', 'locationId'] },
        { code: 'INVALID', field: ['input', 'username'] },
      ]);
      expect(calls).toEqual([]);
    });

    it("CT's 403 and 422 come back as FORBIDDEN and INVALID userErrors", async () => {
      const { code, locationId, slug } = await findCode();
      const path = `/api/v1/locations/${slug}/clients/${code.username}/codes/${code.username}`;
      t.h.sim.control.addFault({ method: 'PATCH', path, status: 403, times: 1 });
      const forbidden = payload(
        await t.gql(SET_CODE, { input: { locationId, username: code.username, active: false } }),
        'setVoucherCodeActive',
      );
      expect(codes(forbidden)).toEqual([{ code: 'FORBIDDEN', field: ['input', 'username'] }]);
      t.h.sim.control.addFault({ method: 'PATCH', path, status: 422, times: 1 });
      const invalid = payload(
        await t.gql(SET_CODE, { input: { locationId, username: code.username, active: false } }),
        'setVoucherCodeActive',
      );
      expect(invalid.userErrors.map((e: { code: string }) => e.code)).toEqual(['INVALID']);
      expect((await t.ct('GET', `/codes?q=${code.username}`)).json.codes[0].active).toBe(true);
    });
  });

  describe('boxes', () => {
    it('cancelBoxReset undoes a pending reset with one PATCH; a missing box is NOT_FOUND', async () => {
      const box = (await allBoxes(t)).find((b) => b.state === 'online' && b.allowed_job) as { slug: string };
      expect((await t.ct('PATCH', `/boxes/${box.slug}`, { box: { action: 'reset' } })).json.state).toBe('new');
      const { result, calls } = await t.gqlWithCalls(CANCEL, { id: globalId('Box', box.slug) });
      expect(payload(result, 'cancelBoxReset')).toEqual({ box: { state: 'ONLINE', online: true }, userErrors: [] });
      expect(calls).toEqual([{ method: 'PATCH', path: `/api/v1/boxes/${box.slug}` }]);
      expect((await t.ct('GET', `/boxes/${box.slug}`)).json.state).toBe('online');
      const missing = payload(await t.gql(CANCEL, { id: globalId('Box', 'no-such-box') }), 'cancelBoxReset');
      expect(codes(missing)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
    });

    it('a write to a box forgets its ping: reachable after a reboot in the same request is asked again', async () => {
      const box = (await allBoxes(t)).find((b) => b.state === 'online' && b.allowed_job) as { slug: string };
      const { result, calls } = await t.gqlWithCalls(
        `mutation($id: ID!) { a: updateBox(input: { id: $id, alertsMuted: true }) { box { reachable } }
          b: rebootBox(input: { id: $id }) { box { state reachable } } }`,
        { id: globalId('Box', box.slug) },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ a: { box: { reachable: true } }, b: { box: { state: 'REBOOTING', reachable: false } } });
      expect(calls.filter((c) => c.path.endsWith('/status'))).toHaveLength(2);
    });

    it("updateBox(alertsMuted) writes CT's ignored; giving ignored too is fine only when they agree", async () => {
      const box = (await allBoxes(t))[0] as { slug: string };
      const id = globalId('Box', box.slug);
      const { result, calls } = await t.gqlWithCalls(UPDATE_BOX, { input: { id, alertsMuted: true } });
      expect(payload(result, 'updateBox')).toEqual({ box: { alertsMuted: true, ignored: true }, userErrors: [] });
      expect(calls).toEqual([{ method: 'PATCH', path: `/api/v1/boxes/${box.slug}` }]);
      expect((await t.ct('GET', `/boxes/${box.slug}`)).json.ignored).toBe(true);
      const clash = await t.gqlWithCalls(UPDATE_BOX, { input: { id, alertsMuted: false, ignored: true } });
      expect(codes(payload(clash.result, 'updateBox'))).toEqual([{ code: 'INVALID', field: ['input', 'alertsMuted'] }]);
      expect(clash.calls).toEqual([]);
      const agreed = payload(await t.gql(UPDATE_BOX, { input: { id, alertsMuted: false, ignored: false } }), 'updateBox');
      expect(agreed.box).toEqual({ alertsMuted: false, ignored: false });
    });
  });

  describe('vouchers', () => {
    let loc: SimLocation;
    let locationId: string;
    beforeEach(async () => {
      loc = await newLocation(t, 'Voucher site');
      locationId = globalId('Location', loc.slug);
    });

    it('regenerateVoucherFiles gives new csvUrl and pdfUrl with one PATCH, and they are current afterwards', async () => {
      const created = (await t.ct('POST', `/locations/${loc.slug}/vouchers`, { voucher: { batch_name: 'Files', quantity: 2 } })).json;
      t.h.sim.control.completePendingVouchers();
      const before = (await t.ct('GET', `/locations/${loc.slug}/vouchers/${created.unique_id}`)).json;
      const id = globalId('Voucher', `${loc.slug}/${created.unique_id}`);
      const { result, calls } = await t.gqlWithCalls(REGENERATE, { id });
      const p = payload(result, 'regenerateVoucherFiles');
      expect(p.userErrors).toEqual([]);
      expect(p.voucher.csvUrl).toMatch(/\.csv$/);
      expect(p.voucher.csvUrl).not.toBe(before.csv_link);
      expect(p.voucher.pdfUrl).not.toBe(before.pdf_link);
      expect(calls).toEqual([{ method: 'PATCH', path: `/api/v1/locations/${loc.slug}/vouchers/${created.unique_id}` }]);
      const read = await t.gql('query($id: ID!) { node(id: $id) { ... on Voucher { csvUrl pdfUrl } } }', { id });
      expect(read.data?.node).toEqual({ csvUrl: p.voucher.csvUrl, pdfUrl: p.voucher.pdfUrl });
    });

    it("regenerateVoucherFiles on a batch CT is still generating is CT's INVALID; a missing batch NOT_FOUND", async () => {
      t.h.sim.control.setVoucherGenerationDelay(60_000);
      const pending = (await t.ct('POST', `/locations/${loc.slug}/vouchers`, { voucher: { batch_name: 'Later' } })).json;
      const p = payload(await t.gql(REGENERATE, { id: globalId('Voucher', `${loc.slug}/${pending.unique_id}`) }), 'regenerateVoucherFiles');
      expect(codes(p)).toEqual([{ code: 'INVALID', field: ['input'] }]);
      expect(p.userErrors[0].message).toMatch(/generated/);
      const missing = payload(await t.gql(REGENERATE, { id: globalId('Voucher', `${loc.slug}/1`) }), 'regenerateVoucherFiles');
      expect(codes(missing)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
    });

    it("createVoucher with another location's splash page is INVALID before any CT write", async () => {
      const other = await newLocation(t, 'Other site');
      const foreign = (await t.ct('GET', `/locations/${other.slug}/splash_pages`)).json.splash_pages[0];
      // A CT id: only the location's own list can tell, so one GET and no POST.
      const byCtId = await t.gqlWithCalls(CREATE, { input: { locationId, name: 'Splash', splashPageId: String(foreign.id) } });
      const p = payload(byCtId.result, 'createVoucher');
      expect(codes(p)).toEqual([{ code: 'INVALID', field: ['input', 'splashPageId'] }]);
      expect(p.voucher).toBeNull();
      expect(byCtId.calls).toEqual([{ method: 'GET', path: `/api/v1/locations/${loc.slug}/splash_pages` }]);
      // A SplashPage ID says its location itself: refused with no call at all.
      const byId = await t.gqlWithCalls(CREATE, {
        input: { locationId, name: 'Splash', splashPageId: globalId('SplashPage', `${other.slug}/${foreign.id}`) },
      });
      expect(codes(payload(byId.result, 'createVoucher'))).toEqual([{ code: 'INVALID', field: ['input', 'splashPageId'] }]);
      expect(byId.calls).toEqual([]);
      const batches = (await t.ct('GET', `/locations/${loc.slug}/vouchers`)).json.vouchers;
      expect(batches).toEqual([]);
    });

    it("createVoucher with its own location's splash page: by CT id (GET + POST) or SplashPage ID (POST only)", async () => {
      const own = (await t.ct('GET', `/locations/${loc.slug}/splash_pages`)).json.splash_pages[0];
      const byCtId = await t.gqlWithCalls(CREATE, { input: { locationId, name: 'Own', splashPageId: String(own.id) } });
      const p = payload(byCtId.result, 'createVoucher');
      expect(p.userErrors).toEqual([]);
      expect(p.voucher.splashPageId).toBe(String(own.id));
      expect(p.voucher.splashPage).toEqual({ id: globalId('SplashPage', `${loc.slug}/${own.id}`), legacyId: String(own.id) });
      expect(byCtId.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
        `GET /api/v1/locations/${loc.slug}/splash_pages`,
        `POST /api/v1/locations/${loc.slug}/vouchers`,
      ]);
      const byId = await t.gqlWithCalls(
        'mutation($input: CreateVoucherInput!) { createVoucher(input: $input) { voucher { splashPageId } userErrors { code } } }',
        { input: { locationId, name: 'Own 2', splashPageId: globalId('SplashPage', `${loc.slug}/${own.id}`) } },
      );
      expect(payload(byId.result, 'createVoucher')).toEqual({ voucher: { splashPageId: String(own.id) }, userErrors: [] });
      expect(byId.calls.map((c) => c.method)).toEqual(['POST']);
      const stored = (await t.ct('GET', `/locations/${loc.slug}/vouchers`)).json.vouchers;
      expect(stored.map((v: { splash_page_id: number }) => v.splash_page_id)).toEqual([own.id, own.id]);
    });

    it('createVoucher with a CT splash page id at an unknown location is NOT_FOUND, before any write', async () => {
      const { result, calls } = await t.gqlWithCalls(CREATE, {
        input: { locationId: globalId('Location', 'no-such-place'), name: 'Nowhere', splashPageId: '901' },
      });
      expect(codes(payload(result, 'createVoucher'))).toEqual([{ code: 'NOT_FOUND', field: ['input', 'locationId'] }]);
      expect(calls.map((c) => c.method)).toEqual(['GET']);
    });
  });
});
