// boxStateChanged over SSE through app.fetch, with the simulator as CT: a reboot arrives as REBOOTING
// then ONLINE with the previous state, from the first poll after CT changed; the stream's headers
// and keep-alive comments; auth as for queries (bearer, cookie with the CSRF rules); refusals
// before any stream (signed out, bad ID, unknown location, over the CT-call budget).
import { afterEach, describe, expect, it } from 'vitest';
import { FACADE_URL } from '../harness.js';
import { BOX_STATE_CHANGED, boxListCalls, change, codeOf, type LiveHarness, liveHarness, reboot, watchedLocation } from './helpers.js';
import { openStream } from './sse.js';

let h: LiveHarness;
afterEach(async () => {
  await h?.app.close();
});

/**
 * Waits for two polls after a change: the one in flight may have read CT before the change, the
 * next cannot have. Then CT answers the poller with 503, so whatever the stream holds afterwards
 * came from those polls: the change reached the subscriber within one poll interval.
 */
async function twoPollsThenFreeze(): Promise<void> {
  await h.app.live.nextPoll();
  await h.app.live.nextPoll();
  h.sim.control.addFault({ path: '/api/v1/boxes', status: 503 });
}

describe('boxStateChanged', () => {
  it('sends a reboot as REBOOTING, then ONLINE, each with the previous state, from the first poll after CT changed', async () => {
    h = liveHarness();
    const token = await h.login();
    const watched = await watchedLocation(h, token);
    h.sim.resetLog();

    const stream = await h.subscribe(token, BOX_STATE_CHANGED, { id: watched.locationId });
    expect(stream.response.status).toBe(200);
    // The stream starts from a poll made before its headers were sent (the baseline).
    expect(boxListCalls(h, watched.slug)).toBe(1);

    await reboot(h, token, watched.box.id);
    await twoPollsThenFreeze();
    expect(change(await stream.nextResult())).toEqual({
      previousState: 'ONLINE',
      box: { id: watched.box.id, slug: watched.box.slug, state: 'REBOOTING', online: false },
    });

    h.sim.control.clearFaults();
    h.advance(60_001); // the simulator's reboot takes 60 s of its clock
    await twoPollsThenFreeze();
    expect(change(await stream.nextResult())).toEqual({
      previousState: 'REBOOTING',
      box: { id: watched.box.id, slug: watched.box.slug, state: 'ONLINE', online: true },
    });
    h.sim.control.clearFaults();

    // The metric counts every CT call of the polls, retries of the refused ones included.
    await h.app.live.nextPoll();
    expect(boxListCalls(h, watched.slug)).toBe(h.app.live.stats.pollCtCalls.boxes);
    await stream.close();
  });

  it('answers on the stream headers: text/event-stream, no proxy buffering, no caching; and sends keep-alive comments', async () => {
    h = liveHarness();
    const token = await h.login();
    const watched = await watchedLocation(h, token);
    const stream = await h.subscribe(token, BOX_STATE_CHANGED, { id: watched.locationId });
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get('x-accel-buffering')).toBe('no');
    expect(stream.response.headers.get('cache-control')).toMatch(/no-store/);
    // yoga comments at once and then every 12 s (every 300 ms under NODE_ENV=test): two prove the timer.
    await stream.untilComments(2);
    expect(stream.comments).toBeGreaterThanOrEqual(2);
    await stream.close();
  });

  it('runs the way the playground runs it: GET with the session cookie and the CSRF header; refused without the header', async () => {
    h = liveHarness();
    const token = await h.login();
    const watched = await watchedLocation(h, token);
    const open = (headers: Record<string, string>) =>
      openStream(
        (request) => h.app.fetch(request),
        { query: BOX_STATE_CHANGED, variables: { id: watched.locationId } },
        { method: 'GET', url: `${FACADE_URL}/graphql`, headers: { cookie: `ct_session=${token}`, ...headers } },
      );

    const refused = await open({});
    expect(refused.response.status).toBe(403);
    const foreign = await open({ 'x-csrf-protection': '1', origin: 'https://evil.example' });
    expect(foreign.response.status).toBe(403);

    h.sim.resetLog();
    const stream = await open({ 'x-csrf-protection': '1' });
    expect(stream.response.status).toBe(200);
    await reboot(h, token, watched.box.id);
    expect(change(await stream.nextResult())).toMatchObject({ previousState: 'ONLINE', box: { state: 'REBOOTING' } });
    await stream.close();
  });

  it('refuses before any stream: signed out (UNAUTHENTICATED), a bad ID (BAD_USER_INPUT), an unknown location (NOT_FOUND)', async () => {
    h = liveHarness();
    const token = await h.login();
    const otherUsers = await watchedLocation(h, await h.login('other'));
    h.sim.resetLog();

    const signedOut = await openStream((request) => h.app.fetch(request), {
      query: BOX_STATE_CHANGED,
      variables: { id: otherUsers.locationId },
    });
    const [result, end] = await signedOut.rest();
    expect(codeOf(result?.data)).toBe('UNAUTHENTICATED');
    expect(end?.event).toBe('complete');
    expect(h.ctCalls()).toEqual([]);

    for (const id of ['nonsense', Buffer.from('Box:abc').toString('base64url'), Buffer.from('Location:../x').toString('base64url')]) {
      const [bad] = await (await h.subscribe(token, BOX_STATE_CHANGED, { id })).rest();
      expect(codeOf(bad?.data), id).toBe('BAD_USER_INPUT');
    }

    // Another user's location is not this user's: CT says 404 to its baseline poll.
    const [missing, done] = await (await h.subscribe(token, BOX_STATE_CHANGED, { id: otherUsers.locationId })).rest();
    expect(codeOf(missing?.data)).toBe('NOT_FOUND');
    expect(done?.event).toBe('complete');
    expect(h.app.live.stats.subscriptions.boxes).toBe(0);
    expect(h.app.live.stats.pollers.boxes).toBe(0);
  });

  it('is priced by the cost estimator like a query: over the CT-call budget it is refused before any CT call', async () => {
    h = liveHarness();
    const token = await h.login();
    const watched = await watchedLocation(h, token);
    h.sim.resetLog();

    // Subscribing costs 2 (who you are, the first poll); each event's selection is priced like a query's:
    // box.location 1, its 100 batches 2 calls, and each batch's codes 2 more: 205, over the budget of 200.
    const costly = `subscription($id: ID!) {
      boxStateChanged(locationId: $id) { box { location { vouchers(first: 100) { nodes { codes(first: 100) { nodes { username } } } } } } }
    }`;
    const [refused] = await (await h.subscribe(token, costly, { id: watched.locationId })).rest();
    expect(codeOf(refused?.data)).toBe('QUERY_TOO_COSTLY');
    expect(refused?.data?.errors?.[0]?.extensions).toMatchObject({ estimate: 205, budget: 200 });
    expect(h.ctCalls()).toEqual([]);
    expect(h.app.live.stats.subscriptions.boxes).toBe(0);

    const stream = await h.subscribe(token, BOX_STATE_CHANGED, { id: watched.locationId });
    expect(stream.response.status).toBe(200);
    await stream.close();
  });

  it('resolves each event afresh: a field outside the poll (the box location) is read for that event', async () => {
    h = liveHarness();
    const token = await h.login();
    const watched = await watchedLocation(h, token);
    const query = `subscription($id: ID!) { boxStateChanged(locationId: $id) { box { slug location { slug } } } }`;
    const stream = await h.subscribe(token, query, { id: watched.locationId });
    await reboot(h, token, watched.box.id);
    const first = await stream.nextResult();
    expect(first.data).toEqual({ boxStateChanged: { box: { slug: watched.box.slug, location: { slug: watched.slug } } } });
    await stream.close();
  });
});
