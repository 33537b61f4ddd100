// Issue 5, locations: createLocation, updateLocation, archiveLocation, restoreLocation, deleteLocation
// through app.fetch with the simulator as CT. Each checks CT's state afterwards through the simulator's
// REST API, the CT calls made, and userErrors (code + field) for our checks, CT's 422, 404 and refusals.
import { beforeEach, describe, expect, it } from 'vitest';
import { allBoxes, codes, globalId, newLocation, payload, setup, USER_ERRORS, type MutationTest } from './mutations-helpers.js';

const LOCATION_FIELDS = 'id slug name address town postcode country phone website timezone latitude longitude archived state favourite';

describe('location mutations', () => {
  let t: MutationTest;
  beforeEach(async () => {
    t = await setup();
  });

  describe('createLocation', () => {
    const CREATE = `mutation($input: CreateLocationInput!) { createLocation(input: $input) { location { ${LOCATION_FIELDS} } ${USER_ERRORS} } }`;

    it('creates the location in CT with our names mapped to CT columns, in one POST', async () => {
      const { result, calls } = await t.gqlWithCalls(CREATE, {
        input: {
          name: '  Pier Kiosk ',
          address: '1 Pier Road',
          town: 'Brighton',
          postcode: 'BN1 1AA',
          country: 'GB',
          phone: '+44 1273 000000',
          website: 'https://pier.example',
          timezone: 'Europe/London',
          latitude: 50.82,
          longitude: -0.137,
        },
      });
      const p = payload(result, 'createLocation');
      expect(p.userErrors).toEqual([]);
      expect(p.location).toMatchObject({ name: 'Pier Kiosk', town: 'Brighton', latitude: 50.82, longitude: -0.137, archived: false });
      expect(p.location.id).toBe(globalId('Location', p.location.slug));
      expect(calls).toEqual([{ method: 'POST', path: '/api/v1/locations' }]);

      const { status, json } = await t.ct('GET', `/locations/${p.location.slug}`);
      expect(status).toBe(200);
      expect(json).toMatchObject({
        location_name: 'Pier Kiosk',
        location_address: '1 Pier Road',
        town: 'Brighton',
        postcode: 'BN1 1AA',
        country: 'GB',
        phone1: '+44 1273 000000',
        location_website: 'https://pier.example',
        timezone: 'Europe/London',
        lat: 50.82,
        lng: -0.137,
      });
    });

    it('refuses a blank name and out-of-range coordinates before calling CT, one userError per problem', async () => {
      const { result, calls } = await t.gqlWithCalls(CREATE, { input: { name: '   ', latitude: 91, longitude: -181 } });
      const p = payload(result, 'createLocation');
      expect(p.location).toBeNull();
      expect(codes(p)).toEqual([
        { code: 'INVALID', field: ['input', 'name'] },
        { code: 'INVALID', field: ['input', 'latitude'] },
        { code: 'INVALID', field: ['input', 'longitude'] },
      ]);
      expect(calls).toEqual([]);
    });

    it("maps CT's own 422 (a time zone CT does not know) to INVALID at our input path", async () => {
      const before = (await t.ct('GET', '/locations?per=100')).json._links.total_entries;
      const { result, calls } = await t.gqlWithCalls(CREATE, { input: { name: 'Somewhere', timezone: 'Mars/Olympus_Mons' } });
      const p = payload(result, 'createLocation');
      expect(p.location).toBeNull();
      expect(codes(p)).toEqual([{ code: 'INVALID', field: ['input', 'timezone'] }]);
      expect(p.userErrors[0].message).toMatch(/^Timezone /);
      expect(calls).toEqual([{ method: 'POST', path: '/api/v1/locations' }]);
      expect((await t.ct('GET', '/locations?per=100')).json._links.total_entries).toBe(before);
    });

    it('answers UNAUTHENTICATED without a session, and calls nothing', async () => {
      const response = await t.h.post({ query: CREATE, variables: { input: { name: 'x' } } });
      const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(body.errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
      expect(t.h.ctCalls().filter((c) => c.method !== 'GET')).toEqual([]);
    });
  });

  describe('updateLocation', () => {
    const UPDATE = `mutation($input: UpdateLocationInput!) { updateLocation(input: $input) { location { ${LOCATION_FIELDS} } ${USER_ERRORS} } }`;

    it('changes only the given fields in CT (null clears one) and answers the location as CT now has it', async () => {
      const loc = await newLocation(t, 'Old name');
      await t.ct('PATCH', `/locations/${loc.slug}`, { location: { town: 'Derby', postcode: 'DE1 1AA' } });
      const { result, calls } = await t.gqlWithCalls(UPDATE, {
        input: { id: globalId('Location', loc.slug), name: 'New name', postcode: null, favourite: true },
      });
      const p = payload(result, 'updateLocation');
      expect(p.userErrors).toEqual([]);
      expect(p.location).toMatchObject({ name: 'New name', town: 'Derby', postcode: null, favourite: true });
      expect(calls).toEqual([{ method: 'PATCH', path: `/api/v1/locations/${loc.slug}` }]);
      const { json } = await t.ct('GET', `/locations/${loc.slug}`);
      expect(json).toMatchObject({ location_name: 'New name', town: 'Derby', postcode: null, is_favourite: true });
    });

    it('a later field of the same request reads the updated location, not the one cached before the write', async () => {
      const loc = await newLocation(t, 'Before');
      const voucher = (await t.ct('POST', `/locations/${loc.slug}/vouchers`, { voucher: { batch_name: 'Batch', quantity: 1 } })).json;
      const voucherId = globalId('Voucher', `${loc.slug}/${voucher.unique_id}`);
      const result = await t.gql(
        `mutation($voucher: ID!, $loc: ID!) {
          before: updateVoucher(input: { id: $voucher, name: "first" }) { voucher { location { name } } }
          rename: updateLocation(input: { id: $loc, name: "Renamed in between" }) { location { name } }
          after: updateVoucher(input: { id: $voucher, name: "second" }) { voucher { location { name } } }
        }`,
        { voucher: voucherId, loc: globalId('Location', loc.slug) },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data?.before.voucher.location.name).toBe('Before');
      expect(result.data?.rename.location.name).toBe('Renamed in between');
      expect(result.data?.after.voucher.location.name).toBe('Renamed in between');
    });

    it('refuses a blank name, nothing to change, and IDs that are not Location IDs, before calling CT', async () => {
      const loc = await newLocation(t);
      const calls = await t.callsDuring(async () => {
        const blank = payload(await t.gql(UPDATE, { input: { id: globalId('Location', loc.slug), name: '' } }), 'updateLocation');
        expect(codes(blank)).toEqual([{ code: 'INVALID', field: ['input', 'name'] }]);
        const nothing = payload(await t.gql(UPDATE, { input: { id: globalId('Location', loc.slug) } }), 'updateLocation');
        expect(codes(nothing)).toEqual([{ code: 'INVALID', field: ['input'] }]);
        const wrongType = payload(await t.gql(UPDATE, { input: { id: globalId('Box', loc.slug), town: 'x' } }), 'updateLocation');
        expect(codes(wrongType)).toEqual([{ code: 'INVALID', field: ['input', 'id'] }]);
        const garbage = payload(await t.gql(UPDATE, { input: { id: '%%%', town: 'x' } }), 'updateLocation');
        expect(codes(garbage)).toEqual([{ code: 'INVALID', field: ['input', 'id'] }]);
      });
      expect(calls).toEqual([]);
    });

    it("maps CT's 422 to our input path, and a location CT does not know to NOT_FOUND at input.id", async () => {
      const loc = await newLocation(t);
      const bad = payload(
        await t.gql(UPDATE, { input: { id: globalId('Location', loc.slug), timezone: 'Nowhere/Special' } }),
        'updateLocation',
      );
      expect(codes(bad)).toEqual([{ code: 'INVALID', field: ['input', 'timezone'] }]);
      const missing = payload(
        await t.gql(UPDATE, { input: { id: globalId('Location', 'no-such-location-xyz'), town: 'x' } }),
        'updateLocation',
      );
      expect(missing.location).toBeNull();
      expect(codes(missing)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
    });
  });

  describe('archiveLocation and restoreLocation', () => {
    const ARCHIVE = `mutation($id: ID!) { archiveLocation(input: { id: $id }) { location { id archived state } ${USER_ERRORS} } }`;
    const RESTORE = `mutation($id: ID!) { restoreLocation(input: { id: $id }) { location { id archived state } ${USER_ERRORS} } }`;

    it('archives in CT (state archived) and restores (state active), each with one PATCH', async () => {
      const loc = await newLocation(t);
      const id = globalId('Location', loc.slug);
      let archived!: Record<string, any>;
      const calls = await t.callsDuring(async () => {
        archived = payload(await t.gql(ARCHIVE, { id }), 'archiveLocation');
      });
      expect(archived).toMatchObject({ location: { id, archived: true, state: 'ARCHIVED' }, userErrors: [] });
      expect(calls).toEqual([{ method: 'PATCH', path: `/api/v1/locations/${loc.slug}` }]);
      expect((await t.ct('GET', `/locations/${loc.slug}`)).json).toMatchObject({ archived: true, state: 'archived' });

      const restored = payload(await t.gql(RESTORE, { id }), 'restoreLocation');
      expect(restored).toMatchObject({ location: { id, archived: false, state: 'ACTIVE' }, userErrors: [] });
      expect((await t.ct('GET', `/locations/${loc.slug}`)).json).toMatchObject({ archived: false, state: 'active' });
    });

    it('answers NOT_FOUND for an unknown location and INVALID for a wrong-type ID', async () => {
      const missing = payload(await t.gql(ARCHIVE, { id: globalId('Location', 'gone-away-123') }), 'archiveLocation');
      expect(codes(missing)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
      const restoreMissing = payload(await t.gql(RESTORE, { id: globalId('Location', 'gone-away-123') }), 'restoreLocation');
      expect(codes(restoreMissing)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
      const wrong = payload(await t.gql(RESTORE, { id: globalId('Voucher', 'a/1') }), 'restoreLocation');
      expect(codes(wrong)).toEqual([{ code: 'INVALID', field: ['input', 'id'] }]);
    });
  });

  describe('deleteLocation', () => {
    const DELETE = `mutation($id: ID!) { deleteLocation(input: { id: $id }) { deletedId ${USER_ERRORS} } }`;

    it('deletes the location in CT with one DELETE and answers its global ID; a second delete is NOT_FOUND', async () => {
      const loc = await newLocation(t);
      const id = globalId('Location', loc.slug);
      const { result, calls } = await t.gqlWithCalls(DELETE, { id });
      expect(payload(result, 'deleteLocation')).toEqual({ deletedId: id, userErrors: [] });
      expect(calls).toEqual([{ method: 'DELETE', path: `/api/v1/locations/${loc.slug}` }]);
      expect((await t.ct('GET', `/locations/${loc.slug}`)).status).toBe(404);

      const again = payload(await t.gql(DELETE, { id }), 'deleteLocation');
      expect(again.deletedId).toBeNull();
      expect(codes(again)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
    });

    it('answers CONFLICT when CT refuses because the location still has boxes, and the location stays', async () => {
      const box = (await allBoxes(t))[0]!;
      const p = payload(await t.gql(DELETE, { id: globalId('Location', box.location_slug) }), 'deleteLocation');
      expect(p.deletedId).toBeNull();
      expect(codes(p)).toEqual([{ code: 'CONFLICT', field: ['input', 'id'] }]);
      expect(p.userErrors[0].message).toMatch(/boxes/);
      expect((await t.ct('GET', `/locations/${box.location_slug}`)).status).toBe(200);
    });

    it('refuses a malformed ID before calling CT', async () => {
      const calls = await t.callsDuring(async () => {
        const p = payload(await t.gql(DELETE, { id: 'not an id' }), 'deleteLocation');
        expect(codes(p)).toEqual([{ code: 'INVALID', field: ['input', 'id'] }]);
      });
      expect(calls).toEqual([]);
    });
  });
});
