// The standalone simulator's demo app (`npm run simulator`, `loopbackCallbacks: true`) accepts a
// facade's default callback on any loopback port, and nothing looser; without the switch, the
// exact match that CT makes stays (the tests' simulator is faithful).

import { describe, expect, it } from 'vitest';
import { isLoopbackCallback } from '../../simulator/oauth.js';
import { authorize, setup } from './helpers.js';

const ACCEPTED = [
  'http://localhost:4000/auth/callback',
  'http://localhost:59123/auth/callback',
  'http://127.0.0.1:4001/auth/callback',
  'http://[::1]:4000/auth/callback',
  'http://localhost/auth/callback',
];
const REFUSED = [
  'https://localhost:4000/auth/callback',
  'http://localhost:4000/auth/callback/',
  'http://localhost:4000/auth/callbackx',
  'http://localhost:4000/auth/callback?next=/',
  'http://localhost:4000/other/auth/callback',
  'http://user@localhost:4000/auth/callback',
  'http://localhost.evil.test:4000/auth/callback',
  'http://127.0.0.2:4000/auth/callback',
  'http://LOCALHOST:4000/auth/callback',
  'http://localhost:4000/auth/../auth/callback',
];

describe('loopback callbacks of the demo app', () => {
  it.each(ACCEPTED)('standalone: accepts %s', async (uri) => {
    const { sim } = setup({ loopbackCallbacks: true });
    const res = await authorize(sim, { redirect_uri: uri });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/\?code=[0-9a-f]{64}&state=s1$/);
    expect(res.headers.get('location')!.startsWith(`${uri}?`)).toBe(true);
  });

  it.each(REFUSED)('standalone: refuses %s', async (uri) => {
    expect(isLoopbackCallback(uri)).toBe(false);
    const { sim } = setup({ loopbackCallbacks: true });
    expect((await authorize(sim, { redirect_uri: uri })).status).toBe(400);
  });

  it('in-process default: only registered URIs, as CT does', async () => {
    const { sim } = setup();
    expect((await authorize(sim, { redirect_uri: 'http://localhost:59123/auth/callback' })).status).toBe(400);
  });
});
