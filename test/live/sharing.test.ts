// One poller per (CT user, location), whatever the number of subscribers: CT sees one box-list call
// per interval for 100 subscribers (from the simulator's log), two users get one poller each, the
// poller reads with a current subscriber's credentials and goes on with another's when that one
// leaves or CT refuses it, and the last subscriber leaving stops it.
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../simulator/app.js';
import { CT_URL } from '../harness.js';
import {
  BOX_STATE_CHANGED,
  boxListCalls,
  change,
  codeOf,
  type LiveHarness,
  liveHarness,
  meCalls,
  reboot,
  watchedLocation,
} from './helpers.js';

let h: LiveHarness;
afterEach(async () => {
  await h?.app.close();
});

/** A session with its CT tokens at hand (to revoke them at CT, as the user could on CT's dashboard). */
async function session(username?: string): Promise<{ token: string; accessToken: string }> {
  const issued = h.sim.control.issueTokens(username);
  const sealed = await (await h.app.sessions()).seal({
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    expiresAt: (issued.created_at + issued.expires_in) * 1000,
  });
  return { token: sealed.token, accessToken: issued.access_token };
}

async function revokeAtCt(accessToken: string): Promise<void> {
  const body = new URLSearchParams({ token: accessToken, client_id: DEMO.clientId, client_secret: DEMO.clientSecret });
  const res = await h.sim.fetch(`${CT_URL}/oauth/revoke`, { method: 'POST', body });
  expect(res.status).toBe(200);
}

describe('sharing one poller', () => {
  it('100 subscribers of one location, each with their own session: one box-list poll per interval, not 100', async () => {
    h = liveHarness();
    const watched = await watchedLocation(h, await h.login());
    const tokens = await Promise.all(Array.from({ length: 100 }, () => h.login()));
    h.sim.resetLog();

    const streams = await Promise.all(tokens.map((token) => h.subscribe(token, BOX_STATE_CHANGED, { id: watched.locationId })));
    expect(streams.every((s) => s.response.status === 200)).toBe(true);
    const { stats } = h.app.live;
    expect(stats.subscriptions.boxes).toBe(100);
    expect(stats.pollers.boxes).toBe(1);
    // Who each subscriber is costs one /me.json per access token, once; the baseline is one poll for all.
    expect(meCalls(h)).toBe(100);
    expect(boxListCalls(h, watched.slug)).toBe(1);

    const before = stats.polls.boxes;
    for (let i = 0; i < 5; i++) await h.app.live.nextPoll();
    expect(stats.polls.boxes).toBe(before + 5);
    expect(boxListCalls(h, watched.slug)).toBe(stats.polls.boxes);
    expect(stats.pollCtCalls.boxes).toBe(stats.polls.boxes);

    // One poll, 100 deliveries.
    await reboot(h, tokens[0]!, watched.box.id);
    const changes = await Promise.all(streams.map(async (s) => change(await s.nextResult())));
    expect(changes.every((c) => c.box.slug === watched.box.slug && c.previousState === 'ONLINE' && c.box.state === 'REBOOTING')).toBe(true);

    // The same session subscribing again: its CT user is known, no second /me.json.
    const again = await h.subscribe(tokens[0]!, BOX_STATE_CHANGED, { id: watched.locationId });
    expect(meCalls(h)).toBe(100);
    await again.close();

    await Promise.all(streams.map((s) => s.close()));
    expect(stats.subscriptions.boxes).toBe(0);
    expect(stats.pollers.boxes).toBe(0);
  });

  it('stops with the last subscriber: no CT call for that location afterwards', async () => {
    h = liveHarness();
    const token = await h.login();
    const watched = await watchedLocation(h, token);
    const first = await h.subscribe(token, BOX_STATE_CHANGED, { id: watched.locationId });
    const second = await h.subscribe(token, BOX_STATE_CHANGED, { id: watched.locationId });
    await first.close();
    await h.app.live.nextPoll();
    expect(h.app.live.stats.pollers.boxes).toBe(1);
    await second.close();
    expect(h.app.live.stats.pollers.boxes).toBe(0);
    const polled = boxListCalls(h, watched.slug);

    // Time is measured in another topic's polls: three intervals later, still no call for the first location.
    const other = await h.login('other');
    const elsewhere = await watchedLocation(h, other);
    const clock = await h.subscribe(other, BOX_STATE_CHANGED, { id: elsewhere.locationId });
    for (let i = 0; i < 3; i++) await h.app.live.nextPoll();
    expect(boxListCalls(h, elsewhere.slug)).toBeGreaterThanOrEqual(4);
    expect(boxListCalls(h, watched.slug)).toBe(polled);
    await clock.close();
  });

  it('two users on the same location: one poller each, as each sees CT (here the second is refused NOT_FOUND)', async () => {
    h = liveHarness();
    const demo = await h.login();
    const other = await h.login('other');
    const demos = await watchedLocation(h, demo);
    const others = await watchedLocation(h, other);

    const mine = await h.subscribe(demo, BOX_STATE_CHANGED, { id: demos.locationId });
    h.sim.resetLog();
    // The other user gets no share of demo's poller: its own baseline poll, with its own token, is a 404.
    const [refused] = await (await h.subscribe(other, BOX_STATE_CHANGED, { id: demos.locationId })).rest();
    expect(codeOf(refused?.data)).toBe('NOT_FOUND');
    expect(h.ctCalls().filter((c) => c.query.location_id === demos.slug && c.status === 404)).toHaveLength(1);

    const theirs = await h.subscribe(other, BOX_STATE_CHANGED, { id: others.locationId });
    expect(h.app.live.stats.pollers.boxes).toBe(2);
    await h.app.live.nextPoll();
    await h.app.live.nextPoll();
    expect(boxListCalls(h, demos.slug)).toBeGreaterThan(0);
    expect(boxListCalls(h, others.slug)).toBeGreaterThan(0);
    await mine.close();
    await theirs.close();
  });

  it('goes on with another subscriber’s credentials when the one it read with leaves, and when CT refuses one', async () => {
    h = liveHarness();
    const a = await session();
    const b = await session();
    const c = await session();
    const watched = await watchedLocation(h, a.token);
    const streamA = await h.subscribe(a.token, BOX_STATE_CHANGED, { id: watched.locationId });
    const streamB = await h.subscribe(b.token, BOX_STATE_CHANGED, { id: watched.locationId });
    const streamC = await h.subscribe(c.token, BOX_STATE_CHANGED, { id: watched.locationId });

    // A (whose credentials the poller used) leaves: B's are used, and the stream of C sees the next change.
    await streamA.close();
    await reboot(h, b.token, watched.box.id);
    expect(change(await streamC.nextResult())).toMatchObject({ previousState: 'ONLINE', box: { state: 'REBOOTING' } });
    expect(change(await streamB.nextResult())).toMatchObject({ previousState: 'ONLINE', box: { state: 'REBOOTING' } });

    // CT revokes B's tokens: B alone gets the coded error, and C's credentials carry the poll on.
    await revokeAtCt(b.accessToken);
    const [refusal, end] = await streamB.rest();
    expect(codeOf(refusal?.data)).toBe('UNAUTHENTICATED');
    expect(refusal?.data?.errors?.[0]?.extensions).toMatchObject({ reason: 'CT_ACCESS_LOST', reauthenticate: '/auth/login' });
    expect(end?.event).toBe('complete');

    h.advance(60_001);
    expect(change(await streamC.nextResult())).toMatchObject({ previousState: 'REBOOTING', box: { state: 'ONLINE' } });
    expect(h.app.live.stats.subscriptions.boxes).toBe(1);
    await streamC.close();
  });

  it('takes each subscriber’s credentials in turn: one CT revoked is found out while the others keep the poll going', async () => {
    h = liveHarness();
    const sessions = [await session(), await session(), await session()];
    const watched = await watchedLocation(h, sessions[0]!.token);
    const streams = await Promise.all(sessions.map((s) => h.subscribe(s.token, BOX_STATE_CHANGED, { id: watched.locationId })));
    // The last to subscribe is never the only one asked: within three polls its turn comes.
    await revokeAtCt(sessions[2]!.accessToken);
    const [refusal, end] = await streams[2]!.rest();
    expect(refusal?.data?.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'CT_ACCESS_LOST' });
    expect(end?.event).toBe('complete');
    await reboot(h, sessions[0]!.token, watched.box.id);
    for (const stream of streams.slice(0, 2)) expect(change(await stream.nextResult())).toMatchObject({ box: { state: 'REBOOTING' } });
    await Promise.all(streams.map((s) => s.close()));
  });
});
