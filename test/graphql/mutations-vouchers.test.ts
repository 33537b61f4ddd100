// Issue 5, vouchers: createVoucher (TIME and DATA, limits checked before CT, codes once generation
// finishes, a 503 reported as outcome-unknown after exactly one POST), updateVoucher and deleteVoucher,
// each checked against CT's state through the simulator and against the CT calls made.
import { beforeEach, describe, expect, it } from 'vitest';
import { codes, globalId, newLocation, payload, setup, USER_ERRORS, type MutationTest, type SimLocation } from './mutations-helpers.js';

const VOUCHER_FIELDS = `id uniqueId name description quantity accessType validityMinutes dataLimitMb sessionTimeoutMinutes
  idleTimeoutMinutes simultaneousUse downloadKbps uploadKbps format codeLength accessRestrictPeriod accessPeriodMinutes
  securePassword active completed csvUrl`;
const CREATE = `mutation($input: CreateVoucherInput!) { createVoucher(input: $input) { voucher { ${VOUCHER_FIELDS} location { slug } } ${USER_ERRORS} } }`;
const UPDATE = `mutation($input: UpdateVoucherInput!) { updateVoucher(input: $input) { voucher { ${VOUCHER_FIELDS} } ${USER_ERRORS} } }`;
const DELETE = `mutation($id: ID!) { deleteVoucher(input: { id: $id }) { deletedId ${USER_ERRORS} } }`;

describe('voucher mutations', () => {
  let t: MutationTest;
  let loc: SimLocation;
  let locationId: string;
  beforeEach(async () => {
    t = await setup();
    loc = await newLocation(t, 'Voucher site');
    locationId = globalId('Location', loc.slug);
  });

  /** A batch made directly in CT, for the update/delete tests. */
  async function ctVoucher(body: Record<string, unknown> = {}): Promise<{ unique_id: number; id: string }> {
    const { status, json } = await t.ct('POST', `/locations/${loc.slug}/vouchers`, {
      voucher: { batch_name: 'Existing', quantity: 3, ...body },
    });
    expect(status).toBe(201);
    return { unique_id: json.unique_id, id: globalId('Voucher', `${loc.slug}/${json.unique_id}`) };
  }

  describe('createVoucher', () => {
    it('creates a TIME batch with one POST, answers completed:false, and shows the codes once CT has generated them', async () => {
      // Every setting given is answered back as given (enum values by their GraphQL names).
      const settings = {
        name: 'Weekend guests',
        description: 'Sat/Sun',
        quantity: 5,
        accessType: 'TIME',
        validityMinutes: 240,
        sessionTimeoutMinutes: 120,
        idleTimeoutMinutes: 30,
        simultaneousUse: 3,
        downloadKbps: 4096,
        uploadKbps: 512,
        format: 'NUMERIC',
        codeLength: 8,
        accessRestrictPeriod: 'DAILY',
        securePassword: false,
      };
      const { result, calls } = await t.gqlWithCalls(CREATE, { input: { locationId, ...settings } });
      const p = payload(result, 'createVoucher');
      expect(p.userErrors).toEqual([]);
      expect(p.voucher).toMatchObject({
        ...settings,
        active: true,
        completed: false,
        csvUrl: null,
        location: { slug: loc.slug },
      });
      expect(p.voucher.id).toBe(globalId('Voucher', `${loc.slug}/${p.voucher.uniqueId}`));
      expect(calls.filter((c) => c.method !== 'GET')).toEqual([{ method: 'POST', path: `/api/v1/locations/${loc.slug}/vouchers` }]);

      const stored = (await t.ct('GET', `/locations/${loc.slug}/vouchers/${p.voucher.uniqueId}`)).json;
      expect(stored).toMatchObject({
        batch_name: 'Weekend guests',
        batch_description: 'Sat/Sun',
        quantity: 5,
        access_type: 1,
        validity_minutes: 240,
        session_timeout: 120,
        idle_timeout: 30,
        simultaneous_use: 3,
        download_speed: 4096,
        upload_speed: 512,
        voucher_format: 'numeric',
        length: 8,
        access_restrict_period: 'daily',
        secure_password: false,
        completed: false,
      });

      t.h.sim.control.completePendingVouchers();
      const read = await t.gql(
        `query($id: ID!) { node(id: $id) { ... on Voucher { completed csvUrl codes(first: 10) { totalCount nodes { username password serial active } } } } }`,
        { id: p.voucher.id },
      );
      expect(read.errors).toBeUndefined();
      const voucher = read.data?.node;
      expect(voucher.completed).toBe(true);
      expect(voucher.csvUrl).toMatch(/\.csv$/);
      expect(voucher.codes.totalCount).toBe(5);
      const ctCodes = (await t.ct('GET', `/locations/${loc.slug}/vouchers/${p.voucher.uniqueId}/codes`)).json.codes;
      expect(voucher.codes.nodes.map((c: { username: string }) => c.username)).toEqual(
        ctCodes.map((c: { username: string }) => c.username),
      );
      for (const code of voucher.codes.nodes) expect(code.username).toMatch(/^\d{8}$/);
    });

    it('creates a DATA batch with its data limit', async () => {
      const p = payload(
        await t.gql(CREATE, { input: { locationId, name: 'Conference', accessType: 'DATA', dataLimitMb: 500, quantity: 2 } }),
        'createVoucher',
      );
      expect(p.userErrors).toEqual([]);
      expect(p.voucher).toMatchObject({ accessType: 'DATA', dataLimitMb: 500, quantity: 2, completed: false });
      const stored = (await t.ct('GET', `/locations/${loc.slug}/vouchers/${p.voucher.uniqueId}`)).json;
      expect(stored).toMatchObject({ access_type: 2, access_restrict_data: 500, quantity: 2 });
    });

    it('checks names, ranges and combinations before calling CT, one userError per problem', async () => {
      const calls = await t.callsDuring(async () => {
        const p = payload(
          await t.gql(CREATE, {
            input: {
              locationId,
              name: ' ',
              description: 'x'.repeat(256),
              quantity: 1001,
              validityMinutes: 60,
              sessionTimeoutMinutes: 61,
              idleTimeoutMinutes: 5,
              simultaneousUse: 0,
              downloadKbps: 55,
              uploadKbps: 102401,
              codeLength: 51,
              splashPageId: 'main',
            },
          }),
          'createVoucher',
        );
        expect(p.voucher).toBeNull();
        expect(codes(p)).toEqual(
          [
            'name',
            'description',
            'quantity',
            'idleTimeoutMinutes',
            'simultaneousUse',
            'downloadKbps',
            'uploadKbps',
            'codeLength',
            'splashPageId',
            'sessionTimeoutMinutes',
          ].map((f) => ({ code: 'INVALID', field: ['input', f] })),
        );
        const data = payload(
          await t.gql(CREATE, { input: { locationId, name: 'D', accessType: 'DATA', dataLimitMb: 49 } }),
          'createVoucher',
        );
        expect(codes(data)).toEqual([{ code: 'INVALID', field: ['input', 'dataLimitMb'] }]);
        const noLimit = payload(await t.gql(CREATE, { input: { locationId, name: 'D', accessType: 'DATA' } }), 'createVoucher');
        expect(codes(noLimit)).toEqual([{ code: 'INVALID', field: ['input', 'dataLimitMb'] }]);
        const single = payload(
          await t.gql(CREATE, { input: { locationId, name: 'S', accessRestrictPeriod: 'SINGLE_USE' } }),
          'createVoucher',
        );
        expect(codes(single)).toEqual([{ code: 'INVALID', field: ['input', 'accessPeriodMinutes'] }]);
        const badLocation = payload(
          await t.gql(CREATE, { input: { locationId: globalId('Box', 'x'), name: 'n', quantity: 0 } }),
          'createVoucher',
        );
        expect(codes(badLocation)).toEqual([
          { code: 'INVALID', field: ['input', 'locationId'] },
          { code: 'INVALID', field: ['input', 'quantity'] },
        ]);
      });
      expect(calls).toEqual([]);
    });

    it("maps CT's own 422 (session timeout above CT's default validity, an unknown limit type) to our input paths", async () => {
      const { result, calls } = await t.gqlWithCalls(CREATE, { input: { locationId, name: 'Too long', sessionTimeoutMinutes: 120 } });
      const p = payload(result, 'createVoucher');
      expect(codes(p)).toEqual([{ code: 'INVALID', field: ['input', 'sessionTimeoutMinutes'] }]);
      expect(p.userErrors[0].message).toMatch(/^Session timeout minutes must be less than or equal to 60/);
      expect(calls).toEqual([{ method: 'POST', path: `/api/v1/locations/${loc.slug}/vouchers` }]);
      const limit = payload(await t.gql(CREATE, { input: { locationId, name: 'Odd', limitType: 'bogus' } }), 'createVoucher');
      expect(codes(limit)).toEqual([{ code: 'INVALID', field: ['input', 'limitType'] }]);
      expect((await t.ct('GET', `/locations/${loc.slug}/vouchers`)).json.vouchers).toEqual([]);
    });

    it('answers NOT_FOUND at input.locationId for a location CT does not know, and FORBIDDEN when CT refuses', async () => {
      const missing = payload(
        await t.gql(CREATE, { input: { locationId: globalId('Location', 'not-mine-xyz'), name: 'n' } }),
        'createVoucher',
      );
      expect(codes(missing)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'locationId'] }]);
      t.h.sim.control.addFault({ method: 'POST', path: '/api/v1/locations/*/vouchers', status: 403, times: 1 });
      const refused = payload(await t.gql(CREATE, { input: { locationId, name: 'n' } }), 'createVoucher');
      expect(codes(refused)).toEqual([{ code: 'FORBIDDEN', field: ['input', 'locationId'] }]);
    });

    it('reports a 503 on the create as UPSTREAM_UNAVAILABLE with outcomeUnknown, after exactly one POST (no retry)', async () => {
      t.h.sim.control.addFault({ method: 'POST', path: '/api/v1/locations/*/vouchers', status: 503 });
      const { result, calls } = await t.gqlWithCalls(CREATE, { input: { locationId, name: 'Maybe', quantity: 10 } });
      expect(result.data).toBeNull();
      expect(result.errors).toHaveLength(1);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', outcomeUnknown: true });
      expect(result.errors?.[0]?.message).toMatch(/outcome .*unknown/i);
      expect(calls).toEqual([{ method: 'POST', path: `/api/v1/locations/${loc.slug}/vouchers` }]);
      expect(t.h.sim.log.filter((e) => e.method === 'POST' && e.path.endsWith('/vouchers'))).toHaveLength(1);
    });

    it('clears the batch lists it made stale: a later read in the same request counts the new batch', async () => {
      await ctVoucher();
      const result = await t.gql(
        `mutation($loc: ID!) {
          before: updateLocation(input: { id: $loc, town: "York" }) { location { vouchers(first: 10) { totalCount } } }
          createVoucher(input: { locationId: $loc, name: "Another" }) { voucher { location { vouchers(first: 10) { totalCount nodes { name } } } } }
        }`,
        { loc: locationId },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data?.before.location.vouchers.totalCount).toBe(1);
      expect(result.data?.createVoucher.voucher.location.vouchers.totalCount).toBe(2);
    });
  });

  describe('updateVoucher', () => {
    it('changes only the given settings in CT with one PATCH; disabling the batch disables its codes', async () => {
      const existing = await ctVoucher({ validity_minutes: 120 });
      t.h.sim.control.completePendingVouchers();
      const { result, calls } = await t.gqlWithCalls(UPDATE, {
        input: { id: existing.id, name: 'Renamed', active: false, sessionTimeoutMinutes: 90, downloadKbps: 1024 },
      });
      const p = payload(result, 'updateVoucher');
      expect(p.userErrors).toEqual([]);
      expect(p.voucher).toMatchObject({
        id: existing.id,
        name: 'Renamed',
        active: false,
        sessionTimeoutMinutes: 90,
        downloadKbps: 1024,
        validityMinutes: 120,
        quantity: 3,
      });
      expect(calls).toEqual([{ method: 'PATCH', path: `/api/v1/locations/${loc.slug}/vouchers/${existing.unique_id}` }]);
      const stored = (await t.ct('GET', `/locations/${loc.slug}/vouchers/${existing.unique_id}`)).json;
      expect(stored).toMatchObject({ batch_name: 'Renamed', is_active: false, session_timeout: 90, download_speed: 1024 });
      const ctCodes = (await t.ct('GET', `/locations/${loc.slug}/vouchers/${existing.unique_id}/codes`)).json.codes;
      expect(ctCodes.map((c: { active: boolean }) => c.active)).toEqual([false, false, false]);
    });

    it('checks before calling CT (blank name, ranges, null settings, nothing to change, wrong-type ID)', async () => {
      const existing = await ctVoucher();
      const calls = await t.callsDuring(async () => {
        const bad = payload(
          await t.gql(UPDATE, {
            input: { id: existing.id, name: '', uploadKbps: 10, active: null, validityMinutes: 10, sessionTimeoutMinutes: 20 },
          }),
          'updateVoucher',
        );
        expect(codes(bad)).toEqual([
          { code: 'INVALID', field: ['input', 'name'] },
          { code: 'INVALID', field: ['input', 'uploadKbps'] },
          { code: 'INVALID', field: ['input', 'active'] },
          { code: 'INVALID', field: ['input', 'sessionTimeoutMinutes'] },
        ]);
        const nothing = payload(await t.gql(UPDATE, { input: { id: existing.id } }), 'updateVoucher');
        expect(codes(nothing)).toEqual([{ code: 'INVALID', field: ['input'] }]);
        const wrong = payload(await t.gql(UPDATE, { input: { id: locationId, name: 'x' } }), 'updateVoucher');
        expect(codes(wrong)).toEqual([{ code: 'INVALID', field: ['input', 'id'] }]);
        const malformed = payload(await t.gql(UPDATE, { input: { id: globalId('Voucher', 'no-slash'), name: 'x' } }), 'updateVoucher');
        expect(codes(malformed)).toEqual([{ code: 'INVALID', field: ['input', 'id'] }]);
      });
      expect(calls).toEqual([]);
    });

    it("maps CT's 422 (session timeout above the stored validity) and answers NOT_FOUND for an unknown batch", async () => {
      const existing = await ctVoucher({ validity_minutes: 60, session_timeout: 60 });
      const p = payload(await t.gql(UPDATE, { input: { id: existing.id, sessionTimeoutMinutes: 90 } }), 'updateVoucher');
      expect(codes(p)).toEqual([{ code: 'INVALID', field: ['input', 'sessionTimeoutMinutes'] }]);
      expect((await t.ct('GET', `/locations/${loc.slug}/vouchers/${existing.unique_id}`)).json.session_timeout).toBe(60);
      const missing = payload(
        await t.gql(UPDATE, { input: { id: globalId('Voucher', `${loc.slug}/999999999`), name: 'x' } }),
        'updateVoucher',
      );
      expect(codes(missing)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
    });
  });

  describe('deleteVoucher', () => {
    it('deletes the batch and its codes in CT with one DELETE; a second delete is NOT_FOUND', async () => {
      const existing = await ctVoucher();
      const { result, calls } = await t.gqlWithCalls(DELETE, { id: existing.id });
      expect(payload(result, 'deleteVoucher')).toEqual({ deletedId: existing.id, userErrors: [] });
      expect(calls).toEqual([{ method: 'DELETE', path: `/api/v1/locations/${loc.slug}/vouchers/${existing.unique_id}` }]);
      expect((await t.ct('GET', `/locations/${loc.slug}/vouchers/${existing.unique_id}`)).status).toBe(404);
      const again = payload(await t.gql(DELETE, { id: existing.id }), 'deleteVoucher');
      expect(again.deletedId).toBeNull();
      expect(codes(again)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
    });

    it('refuses a non-Voucher ID before calling CT', async () => {
      const calls = await t.callsDuring(async () => {
        const p = payload(await t.gql(DELETE, { id: locationId }), 'deleteVoucher');
        expect(codes(p)).toEqual([{ code: 'INVALID', field: ['input', 'id'] }]);
      });
      expect(calls).toEqual([]);
    });
  });
});
