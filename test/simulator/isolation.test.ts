// Multi-user isolation (another account's records are 404s) and the simulator's import boundary.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { call, setup } from './helpers.js';

describe('user isolation', () => {
  it('each account sees only its own locations, boxes and vouchers', async () => {
    const { sim, token, otherToken } = setup();
    const mine = (await call(sim, 'GET', '/api/v1/locations?per=100', { token })).body;
    const theirs = (await call(sim, 'GET', '/api/v1/locations?per=100', { token: otherToken })).body;
    expect(mine._links.total_entries).toBe(44);
    expect(theirs._links.total_entries).toBe(4);
    expect(theirs.locations.every((l: { user_id: number }) => l.user_id === 211)).toBe(true);
    expect((await call(sim, 'GET', '/api/v1/boxes', { token: otherToken })).body._links.total_entries).toBe(12);

    const foreign = theirs.locations[0];
    for (const path of [
      `/api/v1/locations/${foreign.slug}`,
      `/api/v1/locations/${foreign.id}`,
      `/api/v1/locations/${foreign.slug}/vouchers`,
      `/api/v1/locations/${foreign.slug}/boxes`,
      `/api/v1/boxes?location_id=${foreign.slug}`,
    ]) {
      const res = await call(sim, 'GET', path, { token });
      expect(res.status, path).toBe(404);
      expect(res.body).toEqual({ message: 'Not found' });
    }
    const foreignBox = (await call(sim, 'GET', '/api/v1/boxes', { token: otherToken })).body.boxes[0];
    expect((await call(sim, 'GET', `/api/v1/boxes/${foreignBox.slug}`, { token })).status).toBe(404);
    expect((await call(sim, 'PATCH', `/api/v1/boxes/${foreignBox.slug}`, { token, json: { box: { action: 'reboot' } } })).status).toBe(404);
    expect((await call(sim, 'DELETE', `/api/v1/boxes/${foreignBox.slug}`, { token })).status).toBe(404);
    expect((await call(sim, 'DELETE', `/api/v1/locations/${foreign.id}`, { token })).status).toBe(404);
    const foreignVoucher = (await call(sim, 'GET', `/api/v1/locations/${foreign.slug}/vouchers`, { token: otherToken })).body.vouchers[0];
    expect((await call(sim, 'GET', `/api/v1/locations/${foreign.slug}/vouchers/${foreignVoucher.unique_id}/codes`, { token })).status).toBe(
      404,
    );

    // transfer targets must belong to the same account
    const myBox = (await call(sim, 'GET', '/api/v1/boxes?state=online', { token })).body.boxes.find(
      (b: { allowed_job: boolean }) => b.allowed_job,
    );
    const moved = await call(sim, 'PATCH', `/api/v1/boxes/${myBox.slug}`, { token, json: { box: { transfer_to: foreign.unique_id } } });
    expect(moved.status).toBe(422);
  });
});

describe('import boundary', () => {
  it('no file under simulator/ imports from src/', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../simulator');
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.[cm]?[jt]s$/.test(entry.name)) files.push(full);
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((file) => {
      const text = readFileSync(file, 'utf8');
      const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
      return specs.some((spec) => spec.startsWith('.') && resolve(dirname(file), spec).startsWith(resolve(root, '../src')));
    });
    expect(offenders).toEqual([]);
  });
});
