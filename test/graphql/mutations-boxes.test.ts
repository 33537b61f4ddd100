// Issue 5, boxes: addBox, updateBox, deleteBox, rebootBox, resetBox, transferBox through app.fetch with
// the simulator as CT: CT's state afterwards, the CT calls made, and userErrors for our checks (MAC
// format), CT's 422 (duplicate MAC, CT-only limits), 404, and 403 from boxes that refuse jobs.
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
  type SimBox,
} from './mutations-helpers.js';

const BOX_FIELDS = 'id slug mac description state online ignored monitored tags latitude longitude machineType';

/** A box that takes jobs (online, allowed_job true) and one that refuses them, found in CT's data, not hard-coded. */
async function boxesByJobs(t: MutationTest): Promise<{ willing: SimBox; refusing: SimBox }> {
  const boxes = await allBoxes(t);
  const willing = boxes.find((b) => b.allowed_job && b.state === 'online');
  const refusing = boxes.find((b) => !b.allowed_job);
  if (!willing || !refusing) throw new Error('the seeded data has no box that takes jobs, or none that refuses them');
  return { willing, refusing };
}

describe('box mutations', () => {
  let t: MutationTest;
  beforeEach(async () => {
    t = await setup();
  });

  describe('addBox', () => {
    const ADD = `mutation($input: AddBoxInput!) { addBox(input: $input) { box { ${BOX_FIELDS} location { slug } } ${USER_ERRORS} } }`;

    it.each([
      ['AA-BB-CC-00-11-22', 'aa:bb:cc:00:11:22'],
      ['aabb.cc00.1123', 'aa:bb:cc:00:11:23'],
      ['AABBCC001124', 'aa:bb:cc:00:11:24'],
      ['aa:bb:cc:00:11:25', 'aa:bb:cc:00:11:25'],
    ])('adds %s to the location in CT as %s, in one POST', async (given, stored) => {
      const loc = await newLocation(t);
      const { result, calls } = await t.gqlWithCalls(ADD, {
        input: { locationId: globalId('Location', loc.slug), mac: given, description: 'Lobby AP', machineType: 'meraki-mr-18' },
      });
      const p = payload(result, 'addBox');
      expect(p.userErrors).toEqual([]);
      expect(p.box).toMatchObject({
        mac: stored,
        description: 'Lobby AP',
        machineType: 'meraki-mr-18',
        state: 'NEW',
        location: { slug: loc.slug },
      });
      expect(p.box.id).toBe(globalId('Box', p.box.slug));
      // Only the POST: `location { slug }` is answered from the box CT returned, which names its location's slug.
      expect(calls).toEqual([{ method: 'POST', path: '/api/v1/boxes' }]);
      const { json } = await t.ct('GET', `/boxes/${p.box.slug}`);
      expect(json).toMatchObject({
        calledstationid: stored,
        description: 'Lobby AP',
        machine_type: 'meraki-mr-18',
        location_slug: loc.slug,
      });
    });

    it('clears the location it made stale: a later read in the same request counts the new box', async () => {
      const loc = await newLocation(t);
      const result = await t.gql(
        `mutation($loc: ID!) {
          before: updateLocation(input: { id: $loc, town: "Leeds" }) { location { boxesCount } }
          addBox(input: { locationId: $loc, mac: "02:00:00:00:00:09" }) { box { location { boxesCount } } }
        }`,
        { loc: globalId('Location', loc.slug) },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data?.before.location.boxesCount).toBe(0);
      expect(result.data?.addBox.box.location.boxesCount).toBe(1);
    });

    it('refuses a MAC in no accepted notation and a bad location ID before calling CT', async () => {
      const calls = await t.callsDuring(async () => {
        for (const mac of ['aa:bb:cc:dd:ee', 'aa:bb-cc:dd:ee:ff', 'gg:hh:ii:jj:kk:ll', 'aabbccddeeff00', '']) {
          const p = payload(await t.gql(ADD, { input: { locationId: globalId('Location', 'x'), mac } }), 'addBox');
          expect(codes(p)).toEqual([{ code: 'INVALID', field: ['input', 'mac'] }]);
        }
        const both = payload(await t.gql(ADD, { input: { locationId: globalId('Box', 'x'), mac: 'nope' } }), 'addBox');
        expect(codes(both)).toEqual([
          { code: 'INVALID', field: ['input', 'locationId'] },
          { code: 'INVALID', field: ['input', 'mac'] },
        ]);
      });
      expect(calls).toEqual([]);
    });

    it('answers CONFLICT at input.mac when CT says the MAC is already registered (in another notation)', async () => {
      const existing = (await allBoxes(t))[0]!;
      const loc = await newLocation(t);
      const shouted = existing.calledstationid.toUpperCase().replace(/:/g, '-');
      const { result, calls } = await t.gqlWithCalls(ADD, { input: { locationId: globalId('Location', loc.slug), mac: shouted } });
      const p = payload(result, 'addBox');
      expect(p.box).toBeNull();
      expect(codes(p)).toEqual([{ code: 'CONFLICT', field: ['input', 'mac'] }]);
      expect(p.userErrors[0].message).toMatch(/already been taken/);
      expect(calls).toEqual([{ method: 'POST', path: '/api/v1/boxes' }]);
      expect((await t.ct('GET', `/boxes?location_id=${loc.slug}`)).json.boxes).toEqual([]);
    });

    it('maps a limit only CT checks (machine type length) to INVALID at input.machineType', async () => {
      const loc = await newLocation(t);
      const p = payload(
        await t.gql(ADD, { input: { locationId: globalId('Location', loc.slug), mac: '02:00:00:00:00:01', machineType: 'm'.repeat(80) } }),
        'addBox',
      );
      expect(codes(p)).toEqual([{ code: 'INVALID', field: ['input', 'machineType'] }]);
    });

    it('answers NOT_FOUND at input.locationId for a location CT does not know', async () => {
      const p = payload(
        await t.gql(ADD, { input: { locationId: globalId('Location', 'no-such-place'), mac: '02:00:00:00:00:02' } }),
        'addBox',
      );
      expect(codes(p)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'locationId'] }]);
    });
  });

  describe('updateBox', () => {
    const UPDATE = `mutation($input: UpdateBoxInput!) { updateBox(input: $input) { box { ${BOX_FIELDS} } ${USER_ERRORS} } }`;

    it('changes only the given settings in CT, with one PATCH', async () => {
      const box = (await allBoxes(t))[0]!;
      const { result, calls } = await t.gqlWithCalls(UPDATE, {
        input: {
          id: globalId('Box', box.slug),
          description: 'Bar AP',
          ignored: true,
          latitude: 51.5,
          longitude: -0.12,
          tags: ['bar', ' floor2 '],
        },
      });
      const p = payload(result, 'updateBox');
      expect(p.userErrors).toEqual([]);
      expect(p.box).toMatchObject({
        description: 'Bar AP',
        ignored: true,
        latitude: 51.5,
        longitude: -0.12,
        tags: ['bar', 'floor2'],
        mac: box.calledstationid,
      });
      expect(calls).toEqual([{ method: 'PATCH', path: `/api/v1/boxes/${box.slug}` }]);
      const { json } = await t.ct('GET', `/boxes/${box.slug}`);
      expect(json).toMatchObject({ description: 'Bar AP', ignored: true, latitude: 51.5, longitude: -0.12, tags: 'bar,floor2' });
    });

    it('refuses bad coordinates, commas in tags, null flags and nothing-to-change before calling CT', async () => {
      const box = (await allBoxes(t))[0]!;
      const id = globalId('Box', box.slug);
      const calls = await t.callsDuring(async () => {
        const bad = payload(await t.gql(UPDATE, { input: { id, latitude: -95, tags: ['ok', 'a,b'], ignored: null } }), 'updateBox');
        expect(codes(bad)).toEqual([
          { code: 'INVALID', field: ['input', 'ignored'] },
          { code: 'INVALID', field: ['input', 'latitude'] },
          { code: 'INVALID', field: ['input', 'tags', '1'] },
        ]);
        const nothing = payload(await t.gql(UPDATE, { input: { id } }), 'updateBox');
        expect(codes(nothing)).toEqual([{ code: 'INVALID', field: ['input'] }]);
      });
      expect(calls).toEqual([]);
    });

    it("maps CT's 422 (description too long) to input.description, and an unknown box to NOT_FOUND", async () => {
      const box = (await allBoxes(t))[0]!;
      const long = payload(await t.gql(UPDATE, { input: { id: globalId('Box', box.slug), description: 'd'.repeat(300) } }), 'updateBox');
      expect(codes(long)).toEqual([{ code: 'INVALID', field: ['input', 'description'] }]);
      expect((await t.ct('GET', `/boxes/${box.slug}`)).json.description).toBe(box.description);
      const missing = payload(await t.gql(UPDATE, { input: { id: globalId('Box', 'nosuchbox'), description: 'x' } }), 'updateBox');
      expect(codes(missing)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
    });
  });

  describe('deleteBox', () => {
    const DELETE = `mutation($id: ID!) { deleteBox(input: { id: $id }) { deletedId ${USER_ERRORS} } }`;

    it('deletes the box in CT with one DELETE; a second delete is NOT_FOUND', async () => {
      const box = (await allBoxes(t))[0]!;
      const id = globalId('Box', box.slug);
      const { result, calls } = await t.gqlWithCalls(DELETE, { id });
      expect(payload(result, 'deleteBox')).toEqual({ deletedId: id, userErrors: [] });
      expect(calls).toEqual([{ method: 'DELETE', path: `/api/v1/boxes/${box.slug}` }]);
      expect((await t.ct('GET', `/boxes/${box.slug}`)).status).toBe(404);
      const again = payload(await t.gql(DELETE, { id }), 'deleteBox');
      expect(codes(again)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
    });

    it('refuses a Location ID before calling CT', async () => {
      const calls = await t.callsDuring(async () => {
        const p = payload(await t.gql(DELETE, { id: globalId('Location', 'x') }), 'deleteBox');
        expect(codes(p)).toEqual([{ code: 'INVALID', field: ['input', 'id'] }]);
      });
      expect(calls).toEqual([]);
    });
  });

  describe.each([
    ['rebootBox', 'reboot', 'REBOOTING', 'rebooting'],
    ['resetBox', 'reset', 'NEW', 'new'],
  ])('%s', (mutation, _action, answered, ctState) => {
    const ACTION = `mutation($id: ID!) { ${mutation}(input: { id: $id }) { box { id state online } ${USER_ERRORS} } }`;

    it(`answers the box in state ${answered} as CT now has it, after exactly one PATCH`, async () => {
      const { willing } = await boxesByJobs(t);
      const { result, calls } = await t.gqlWithCalls(ACTION, { id: globalId('Box', willing.slug) });
      const p = payload(result, mutation);
      expect(p.userErrors).toEqual([]);
      expect(p.box).toMatchObject({ id: globalId('Box', willing.slug), state: answered, online: false });
      expect(calls).toEqual([{ method: 'PATCH', path: `/api/v1/boxes/${willing.slug}` }]);
      expect((await t.ct('GET', `/boxes/${willing.slug}`)).json.state).toBe(ctState);
    });

    it('answers FORBIDDEN at input.id for a box that refuses jobs, which stays as it was', async () => {
      const { refusing } = await boxesByJobs(t);
      const { result, calls } = await t.gqlWithCalls(ACTION, { id: globalId('Box', refusing.slug) });
      const p = payload(result, mutation);
      expect(p.box).toBeNull();
      expect(codes(p)).toEqual([{ code: 'FORBIDDEN', field: ['input', 'id'] }]);
      expect(p.userErrors[0].message).toMatch(/can't accept jobs/);
      expect(calls).toEqual([{ method: 'PATCH', path: `/api/v1/boxes/${refusing.slug}` }]);
      expect((await t.ct('GET', `/boxes/${refusing.slug}`)).json.state).toBe(refusing.state);
    });

    it('answers NOT_FOUND for a box CT does not know and INVALID for a non-Box ID', async () => {
      const missing = payload(await t.gql(ACTION, { id: globalId('Box', 'deadbeefdeadbeef') }), mutation);
      expect(codes(missing)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
      const wrong = payload(await t.gql(ACTION, { id: globalId('Location', 'deadbeef') }), mutation);
      expect(codes(wrong)).toEqual([{ code: 'INVALID', field: ['input', 'id'] }]);
    });
  });

  describe('transferBox', () => {
    const TRANSFER =
      `mutation($input: TransferBoxInput!) { transferBox(input: $input) { box { id slug location { id slug name } } ` +
      `${USER_ERRORS} } }`;

    it('moves the box in CT by the target unique_id, and its location in the same response is the new one', async () => {
      const box = (await allBoxes(t))[0]!;
      const target = await newLocation(t, 'New home');
      const { result, calls } = await t.gqlWithCalls(
        `mutation($box: ID!, $to: ID!) {
          before: updateBox(input: { id: $box, description: "moving" }) { box { location { slug } } }
          transferBox(input: { id: $box, toLocationId: $to }) { box { id slug location { id slug name } } ${USER_ERRORS} }
        }`,
        { box: globalId('Box', box.slug), to: globalId('Location', target.slug) },
      );
      expect(result.data?.before.box.location.slug).toBe(box.location_slug);
      const p = payload(result, 'transferBox');
      expect(p.userErrors).toEqual([]);
      expect(p.box.location).toEqual({ id: globalId('Location', target.slug), slug: target.slug, name: 'New home' });
      const writes = calls.filter((c) => c.method !== 'GET');
      expect(writes).toEqual([
        { method: 'PATCH', path: `/api/v1/boxes/${box.slug}` },
        { method: 'PATCH', path: `/api/v1/boxes/${box.slug}` },
      ]);
      const { json } = await t.ct('GET', `/boxes/${box.slug}`);
      expect(json).toMatchObject({ location_slug: target.slug, location_id: Number(target.id) });
    });

    it('costs one GET of the target (for its unique_id) and one PATCH; no write when the target is unknown', async () => {
      const box = (await allBoxes(t))[0]!;
      const target = await newLocation(t, 'Elsewhere');
      const calls = await t.callsDuring(async () => {
        const p = payload(
          await t.gql(TRANSFER, { input: { id: globalId('Box', box.slug), toLocationId: globalId('Location', target.slug) } }),
          'transferBox',
        );
        expect(p.box.location.slug).toBe(target.slug);
      });
      expect(calls.slice(0, 2)).toEqual([
        { method: 'GET', path: `/api/v1/locations/${target.slug}` },
        { method: 'PATCH', path: `/api/v1/boxes/${box.slug}` },
      ]);

      const unknown = await t.callsDuring(async () => {
        const p = payload(
          await t.gql(TRANSFER, { input: { id: globalId('Box', box.slug), toLocationId: globalId('Location', 'nowhere-at-all') } }),
          'transferBox',
        );
        expect(codes(p)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'toLocationId'] }]);
      });
      expect(unknown).toEqual([{ method: 'GET', path: '/api/v1/locations/nowhere-at-all' }]);
      expect((await t.ct('GET', `/boxes/${box.slug}`)).json.location_slug).toBe(target.slug);
    });

    it("answers FORBIDDEN at input.id, in CT's words, when CT refuses the transfer with a 403; the box stays put", async () => {
      const box = (await allBoxes(t))[0]!;
      const target = await newLocation(t, 'Not allowed');
      // The simulator refuses no transfer by itself (allowed_job only gates reboot/reset): a 403 fault
      // stands in for CT's refusal; its body is {message: "Forbidden"}.
      t.h.sim.control.addFault({ method: 'PATCH', path: '/api/v1/boxes/*', status: 403, times: 1 });
      const { result, calls } = await t.gqlWithCalls(TRANSFER, {
        input: { id: globalId('Box', box.slug), toLocationId: globalId('Location', target.slug) },
      });
      expect(t.h.sim.log.find((e) => e.method === 'PATCH')?.status).toBe(403);
      const p = payload(result, 'transferBox');
      expect(p.box).toBeNull();
      expect(codes(p)).toEqual([{ code: 'FORBIDDEN', field: ['input', 'id'] }]);
      expect(p.userErrors[0].message).toBe('Forbidden');
      expect(calls).toEqual([
        { method: 'GET', path: `/api/v1/locations/${target.slug}` },
        { method: 'PATCH', path: `/api/v1/boxes/${box.slug}` },
      ]);
      expect((await t.ct('GET', `/boxes/${box.slug}`)).json.location_slug).toBe(box.location_slug);
    });

    // The target was deleted between our read and the PATCH.
    it("maps CT's 422 on transfer_to to INVALID at input.toLocationId", async () => {
      const box = (await allBoxes(t))[0]!;
      const target = await newLocation(t, 'Short-lived');
      // Hold the facade's PATCH at CT's door (the request is logged before the delay), delete the target
      // in CT as another client would, then let the PATCH through: CT answers 422 {errors:{transfer_to:["is invalid"]}}.
      t.h.sim.control.addFault({ method: 'PATCH', path: `/api/v1/boxes/${box.slug}`, delayMs: 500, times: 1 });
      let settled = false;
      const pending = t
        .gqlWithCalls(TRANSFER, { input: { id: globalId('Box', box.slug), toLocationId: globalId('Location', target.slug) } })
        .finally(() => {
          settled = true;
        });
      const patchArrived = () => t.h.sim.log.some((e) => e.method === 'PATCH');
      while (!settled && !patchArrived()) await new Promise((resolve) => setImmediate(resolve));
      expect(patchArrived(), 'the facade sent its PATCH').toBe(true);
      expect((await t.ct('DELETE', `/locations/${target.slug}`)).status).toBe(204);
      const { result, calls } = await pending;
      expect(t.h.sim.log.find((e) => e.method === 'PATCH')?.status).toBe(422);
      const p = payload(result, 'transferBox');
      expect(p.box).toBeNull();
      expect(codes(p)).toEqual([{ code: 'INVALID', field: ['input', 'toLocationId'] }]);
      expect(p.userErrors[0].message).toMatch(/is invalid/);
      expect(calls.filter((c) => c.method !== 'DELETE')).toEqual([
        { method: 'GET', path: `/api/v1/locations/${target.slug}` },
        { method: 'PATCH', path: `/api/v1/boxes/${box.slug}` },
      ]);
      expect((await t.ct('GET', `/boxes/${box.slug}`)).json.location_slug).toBe(box.location_slug);
    });

    it("maps a CT 422 that names no attribute to INVALID at input, in CT's words", async () => {
      const box = (await allBoxes(t))[0]!;
      const target = await newLocation(t);
      t.h.sim.control.addFault({ method: 'PATCH', path: '/api/v1/boxes/*', status: 422, times: 1 });
      const p = payload(
        await t.gql(TRANSFER, { input: { id: globalId('Box', box.slug), toLocationId: globalId('Location', target.slug) } }),
        'transferBox',
      );
      expect(p.box).toBeNull();
      expect(codes(p)).toEqual([{ code: 'INVALID', field: ['input'] }]);
      expect(p.userErrors[0].message).toBe('Unprocessable Entity');
      expect((await t.ct('GET', `/boxes/${box.slug}`)).json.location_slug).toBe(box.location_slug);
    });

    it('answers NOT_FOUND at input.id for an unknown box, and INVALID for wrong-type IDs before calling CT', async () => {
      const target = await newLocation(t);
      const missing = payload(
        await t.gql(TRANSFER, { input: { id: globalId('Box', 'nosuchbox'), toLocationId: globalId('Location', target.slug) } }),
        'transferBox',
      );
      expect(codes(missing)).toEqual([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
      const calls = await t.callsDuring(async () => {
        const wrong = payload(
          await t.gql(TRANSFER, { input: { id: globalId('Location', 'a'), toLocationId: globalId('Box', 'b') } }),
          'transferBox',
        );
        expect(codes(wrong)).toEqual([
          { code: 'INVALID', field: ['input', 'id'] },
          { code: 'INVALID', field: ['input', 'toLocationId'] },
        ]);
      });
      expect(calls).toEqual([]);
    });
  });
});
