// Boxes: account-wide and nested lists with filters, MAC validation and normalisation, settings
// updates, the reboot/reset state machine on an injected clock, allowed_job 403s, transfer, delete.

import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../simulator/app.js';
import { call, setup } from './helpers.js';

type Box = { slug: string; state: string; allowed_job: boolean; location_id: number; location_slug: string; is_online: boolean };

async function allBoxes(sim: Simulator, token: string): Promise<Box[]> {
  return (await call(sim, 'GET', '/api/v1/boxes?per=100&page=1', { token })).body.boxes
    .concat((await call(sim, 'GET', '/api/v1/boxes?per=100&page=2', { token })).body.boxes)
    .concat((await call(sim, 'GET', '/api/v1/boxes?per=100&page=3', { token })).body.boxes);
}

async function firstLocation(sim: Simulator, token: string) {
  return (await call(sim, 'GET', '/api/v1/locations?per=1', { token })).body.locations[0];
}

describe('listing boxes', () => {
  it('lists all 250 of the account with _links', async () => {
    const { sim, token } = setup();
    const res = await call(sim, 'GET', '/api/v1/boxes', { token });
    expect(res.body._links).toEqual({ current_page: 1, total_pages: 17, next_page: 2, total_entries: 250, size: 15 });
    expect(await allBoxes(sim, token)).toHaveLength(250);
  });

  it('filters by location_id given as slug or numeric id, and by state and q', async () => {
    const { sim, token } = setup();
    const loc = await firstLocation(sim, token);
    const bySlug = await call(sim, 'GET', `/api/v1/boxes?location_id=${loc.slug}&per=100`, { token });
    const byId = await call(sim, 'GET', `/api/v1/boxes?location_id=${loc.id}&per=100`, { token });
    expect(bySlug.body.boxes).toHaveLength(loc.boxes_count);
    expect(byId.body.boxes).toEqual(bySlug.body.boxes);
    expect(bySlug.body.boxes.every((b: Box) => b.location_slug === loc.slug && b.location_id === Number(loc.id))).toBe(true);

    const offline = await call(sim, 'GET', '/api/v1/boxes?state=offline&per=100', { token });
    expect(offline.body.boxes.length).toBeGreaterThan(0);
    expect(offline.body.boxes.every((b: Box) => b.state === 'offline')).toBe(true);

    const target = bySlug.body.boxes[0];
    const byMac = await call(sim, 'GET', `/api/v1/boxes?q=${target.calledstationid.toUpperCase().replace(/:/g, '-')}`, { token });
    expect(byMac.body.boxes.map((b: Box) => b.slug)).toEqual([target.slug]);
    expect((await call(sim, 'GET', '/api/v1/boxes?location_id=missing', { token })).status).toBe(404);
  });

  it('has the older nested list too', async () => {
    const { sim, token } = setup();
    const loc = await firstLocation(sim, token);
    const res = await call(sim, 'GET', `/api/v1/locations/${loc.slug}/boxes?per=100`, { token });
    expect(res.body.boxes).toHaveLength(loc.boxes_count);
  });

  it('seeds mixed states, some locations without boxes and some boxes refusing jobs', async () => {
    const { sim, token } = setup();
    const boxes = await allBoxes(sim, token);
    const states = new Set(boxes.map((b) => b.state));
    expect([...states].sort()).toEqual(['initializing', 'new', 'offline', 'online', 'processing', 'upgrading']);
    expect(boxes.filter((b) => b.state === 'online').length).toBeGreaterThan(180);
    expect(boxes.some((b) => b.state === 'online' && !b.allowed_job)).toBe(true);
    const locations = (await call(sim, 'GET', '/api/v1/locations?per=100', { token })).body.locations;
    expect(locations.filter((l: { boxes_count: number }) => l.boxes_count === 0)).toHaveLength(3);
  });

  it('renders the §5.2 fields', async () => {
    const { sim, token } = setup();
    const [box] = (await call(sim, 'GET', '/api/v1/boxes?per=1', { token })).body.boxes;
    const shown = await call(sim, 'GET', `/api/v1/boxes/${box.slug}`, { token });
    expect(shown.body).toEqual(box);
    expect(box).toMatchObject({
      id: expect.any(Number),
      slug: expect.any(String),
      calledstationid: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/),
      state: expect.any(String),
      is_online: expect.any(Boolean),
      machine_type: expect.any(String),
      firmware_version: expect.any(String),
      serial_number: expect.any(String),
      location_id: expect.any(Number),
      location_slug: expect.any(String),
      allowed_job: expect.any(Boolean),
      created_at: expect.any(Number),
    });
  });
});

describe('creating boxes', () => {
  it('normalises MACs with hyphens or colons in either case to lower-case colon form', async () => {
    const { sim, token } = setup();
    const loc = await firstLocation(sim, token);
    const res = await call(sim, 'POST', '/api/v1/boxes', {
      token,
      json: { location_id: loc.slug, box: { calledstationid: 'AA-BB-CC-00-11-22', description: 'Lobby AP', machine_type: 'meraki-mr-18' } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      calledstationid: 'aa:bb:cc:00:11:22',
      mac: 'aa:bb:cc:00:11:22',
      state: 'new',
      location_slug: loc.slug,
      description: 'Lobby AP',
      machine_type: 'meraki-mr-18',
    });
    expect((await call(sim, 'GET', `/api/v1/boxes/${res.body.slug}`, { token })).status).toBe(200);
  });

  it('takes location_id from the query string too', async () => {
    const { sim, token } = setup();
    const loc = await firstLocation(sim, token);
    const res = await call(sim, 'POST', `/api/v1/boxes?location_id=${loc.id}`, {
      token,
      json: { box: { calledstationid: 'aa:bb:cc:00:11:23' } },
    });
    expect(res.status).toBe(201);
    expect(res.body.location_id).toBe(Number(loc.id));
  });

  it('422s invalid, blank and duplicate MACs', async () => {
    const { sim, token } = setup();
    const loc = await firstLocation(sim, token);
    const post = (mac: string) =>
      call(sim, 'POST', '/api/v1/boxes', { token, json: { location_id: loc.slug, box: { calledstationid: mac } } });
    for (const bad of ['aabbcc001122', 'aa:bb:cc:00:11', 'aa:bb-cc:00:11:22', 'gg:bb:cc:00:11:22']) {
      const res = await post(bad);
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ errors: { calledstationid: ['is invalid'] } });
    }
    expect((await post('')).body).toEqual({ errors: { calledstationid: ["can't be blank"] } });
    expect((await post('aa:bb:cc:00:11:24')).status).toBe(201);
    expect((await post('AA-BB-CC-00-11-24')).body).toEqual({ errors: { calledstationid: ['has already been taken'] } });
  });

  it('needs a location', async () => {
    const { sim, token } = setup();
    const none = await call(sim, 'POST', '/api/v1/boxes', { token, json: { box: { calledstationid: 'aa:bb:cc:00:11:25' } } });
    expect(none.status).toBe(422);
    expect(none.body.errors.location_id).toEqual(["can't be blank"]);
    const unknown = await call(sim, 'POST', '/api/v1/boxes', {
      token,
      json: { location_id: 'nowhere', box: { calledstationid: 'aa:bb:cc:00:11:25' } },
    });
    expect(unknown.status).toBe(404);
  });
});

describe('updating boxes and running jobs', () => {
  async function onlineBox(sim: Simulator, token: string, allowed = true): Promise<Box> {
    const box = (await allBoxes(sim, token)).find((b) => b.state === 'online' && b.allowed_job === allowed);
    if (!box) throw new Error('no such seeded box');
    return box;
  }

  it('updates settings and answers the bare box', async () => {
    const { sim, token } = setup();
    const box = await onlineBox(sim, token);
    const res = await call(sim, 'PATCH', `/api/v1/boxes/${box.slug}`, {
      token,
      json: { box: { description: 'Bar AP', ignored: true, tags: ['bar', 'floor1'], latitude: 51.5, longitude: -0.12, zone_id: 2 } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      description: 'Bar AP',
      ignored: true,
      tags: 'bar,floor1',
      latitude: 51.5,
      longitude: -0.12,
      zone_id: 2,
    });
    const bad = await call(sim, 'PATCH', `/api/v1/boxes/${box.slug}`, {
      token,
      json: { box: { channel: 'loud', description: 'Never written' } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual({ channel: ['is invalid'] });
    expect((await call(sim, 'GET', `/api/v1/boxes/${box.slug}`, { token })).body.description).toBe('Bar AP');
  });

  it('reboot: state rebooting, then online after the reboot duration (PATCH style)', async () => {
    const { sim, token, clock } = setup({ rebootDurationMs: 60_000 });
    const box = await onlineBox(sim, token);
    const res = await call(sim, 'PATCH', `/api/v1/boxes/${box.slug}`, { token, json: { box: { action: 'reboot' } } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'rebooting', is_online: false });
    expect((await call(sim, 'GET', `/api/v1/boxes/${box.slug}/status`, { token })).body).toEqual({ status: 0 });
    clock.advance(59_999);
    expect((await call(sim, 'GET', `/api/v1/boxes/${box.slug}`, { token })).body.state).toBe('rebooting');
    clock.advance(1);
    const after = await call(sim, 'GET', `/api/v1/boxes/${box.slug}`, { token });
    expect(after.body).toMatchObject({ state: 'online', is_online: true, last_heartbeat: Math.floor(clock.now() / 1000) });
    expect((await call(sim, 'GET', `/api/v1/boxes/${box.slug}/status`, { token })).body).toEqual({ status: 1 });
  });

  it('reboot via the older POST /boxes/{box}/reboot, with a changed duration', async () => {
    const { sim, token, clock } = setup();
    sim.control.setRebootDuration(1000);
    const box = await onlineBox(sim, token);
    expect((await call(sim, 'POST', `/api/v1/boxes/${box.slug}/reboot`, { token })).body.state).toBe('rebooting');
    clock.advance(1000);
    expect((await call(sim, 'GET', `/api/v1/boxes/${box.slug}`, { token })).body.state).toBe('online');
  });

  it('reset moves the box to new; cancel undoes a pending reset', async () => {
    const { sim, token } = setup();
    const box = await onlineBox(sim, token);
    const reset = await call(sim, 'PATCH', `/api/v1/boxes/${box.slug}`, { token, json: { box: { action: 'reset' } } });
    expect(reset.body.state).toBe('new');
    const cancel = await call(sim, 'PATCH', `/api/v1/boxes/${box.slug}`, { token, json: { box: { action: 'cancel' } } });
    expect(cancel.body).toMatchObject({ state: 'online', is_online: true });
    expect((await call(sim, 'POST', `/api/v1/boxes/${box.slug}/reset`, { token })).body.state).toBe('new');
  });

  it('refuses jobs with 403 {message} when allowed_job is false', async () => {
    const { sim, token } = setup();
    const box = await onlineBox(sim, token, false);
    for (const res of [
      await call(sim, 'PATCH', `/api/v1/boxes/${box.slug}`, { token, json: { box: { action: 'reboot', description: 'not written' } } }),
      await call(sim, 'POST', `/api/v1/boxes/${box.slug}/reboot`, { token }),
      await call(sim, 'POST', `/api/v1/boxes/${box.slug}/reset`, { token }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ message: expect.any(String) });
    }
    const after = (await call(sim, 'GET', `/api/v1/boxes/${box.slug}`, { token })).body;
    expect(after.state).toBe('online');
    expect(after.description).not.toBe('not written');
  });

  it('422s an unknown action', async () => {
    const { sim, token } = setup();
    const box = await onlineBox(sim, token);
    const res = await call(sim, 'PATCH', `/api/v1/boxes/${box.slug}`, { token, json: { box: { action: 'explode' } } });
    expect(res.status).toBe(422);
    expect(res.body.errors.action).toEqual(['is not included in the list']);
  });

  it("transfers to another of the user's locations by unique_id (both styles)", async () => {
    const { sim, token } = setup();
    const box = await onlineBox(sim, token);
    const locations = (await call(sim, 'GET', '/api/v1/locations?per=100', { token })).body.locations;
    const target = locations.find((l: { slug: string }) => l.slug !== box.location_slug);
    const moved = await call(sim, 'PATCH', `/api/v1/boxes/${box.slug}`, { token, json: { box: { transfer_to: target.unique_id } } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ location_id: Number(target.id), location_slug: target.slug });
    const back = locations.find((l: { slug: string }) => l.slug === box.location_slug);
    const old = await call(sim, 'POST', `/api/v1/boxes/${box.slug}/transfer?transfer_to=${back.unique_id}`, { token });
    expect(old.body.location_slug).toBe(box.location_slug);
    const bad = await call(sim, 'PATCH', `/api/v1/boxes/${box.slug}`, { token, json: { box: { transfer_to: 123 } } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.transfer_to).toEqual(['is invalid']);
  });

  it('deletes with 204', async () => {
    const { sim, token } = setup();
    const box = await onlineBox(sim, token);
    const res = await call(sim, 'DELETE', `/api/v1/boxes/${box.slug}`, { token });
    expect(res.status).toBe(204);
    expect((await call(sim, 'GET', `/api/v1/boxes/${box.slug}`, { token })).status).toBe(404);
    expect((await call(sim, 'GET', '/api/v1/boxes', { token })).body._links.total_entries).toBe(249);
  });
});
