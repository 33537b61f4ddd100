// How streams end: cleanly on sign-out (bearer or cookie) and on app.close(); with a coded error when
// CT revokes the subscriber's tokens, and when a session's access token runs out (a poller never
// refreshes a caller-held session; subscribing again does, in the response headers). /metrics shows
// subscriptions, pollers and poll CT calls; nothing logged carries a token.
import { afterEach, describe, expect, it } from 'vitest';
import { FACADE_URL } from '../harness.js';
import { BOX_STATE_CHANGED, codeOf, type LiveHarness, liveHarness, reboot, watchedLocation } from './helpers.js';
import { openStream } from './sse.js';

let h: LiveHarness;
afterEach(async () => {
  await h?.app.close();
});

function logout(headers: Record<string, string>): Promise<Response> {
  return h.app.fetch(new Request(`${FACADE_URL}/auth/logout`, { method: 'POST', headers }));
}

describe('ending streams', () => {
  it('sign-out ends the streams opened with that session, cleanly, and no other', async () => {
    h = liveHarness();
    const bearer = await h.login();
    const cookie = await h.login();
    const bystander = await h.login();
    const watched = await watchedLocation(h, bearer);
    const variables = { id: watched.locationId };
    const viaBearer = await h.subscribe(bearer, BOX_STATE_CHANGED, variables);
    const viaCookie = await openStream(
      (r) => h.app.fetch(r),
      { query: BOX_STATE_CHANGED, variables },
      { headers: { cookie: `ct_session=${cookie}` } },
    );
    const other = await h.subscribe(bystander, BOX_STATE_CHANGED, variables);

    expect((await logout({ authorization: `Bearer ${bearer}` })).status).toBe(204);
    expect(await viaBearer.rest()).toEqual([{ event: 'complete', data: null }]);
    expect((await logout({ cookie: `ct_session=${cookie}`, 'x-csrf-protection': '1' })).status).toBe(204);
    expect(await viaCookie.rest()).toEqual([{ event: 'complete', data: null }]);

    expect(h.app.live.stats.subscriptions.boxes).toBe(1);
    // The signed-out session cannot come back through the cached identity: subscribing asks CT, which refuses it.
    const [refused] = await (await h.subscribe(bearer, BOX_STATE_CHANGED, variables)).rest();
    expect(codeOf(refused?.data)).toBe('UNAUTHENTICATED');
    await reboot(h, bystander, watched.box.id);
    expect((await other.nextResult()).data).toMatchObject({ boxStateChanged: { previousState: 'ONLINE' } });
    await other.close();
  });

  it('CT revoking the tokens: each subscriber gets a coded UNAUTHENTICATED event, then the end; the poller stops', async () => {
    h = liveHarness();
    const tokens = [await h.login(), await h.login()];
    const watched = await watchedLocation(h, tokens[0]!);
    const streams = await Promise.all(tokens.map((token) => h.subscribe(token, BOX_STATE_CHANGED, { id: watched.locationId })));
    h.sim.control.revokeAllTokens();
    for (const stream of streams) {
      const [refusal, end] = await stream.rest();
      expect(refusal?.data?.errors?.[0]).toMatchObject({
        message: 'Your CT sign-in has expired or was revoked; sign in again.',
        extensions: { code: 'UNAUTHENTICATED', reason: 'CT_ACCESS_LOST', reauthenticate: '/auth/login' },
      });
      expect(refusal?.data?.data).toBeNull();
      expect(end?.event).toBe('complete');
    }
    expect(h.app.live.stats.pollers.boxes).toBe(0);
  });

  it('a session’s CT access token running out ends its stream (SUBSCRIPTION_EXPIRED); subscribing again renews the session', async () => {
    h = liveHarness();
    // CT tokens that live 66 s: a poller may use them for 6 s (the CT client would refresh within a
    // minute of expiry). 2 s was too short on a loaded machine: sign-in and subscribing took longer,
    // and the subscribe request itself refreshed ahead of time.
    h.sim.control.setTokenLifetime(66);
    const token = await h.login();
    const watched = await watchedLocation(h, token);
    const stream = await h.subscribe(token, BOX_STATE_CHANGED, { id: watched.locationId });
    const [expired, end] = await stream.rest();
    expect(codeOf(expired?.data)).toBe('UNAUTHENTICATED');
    expect(expired?.data?.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'SUBSCRIPTION_EXPIRED' });
    expect(end?.event).toBe('complete');
    // No poller refreshed the caller's tokens behind its back.
    expect(h.sim.log.filter((e) => e.path === '/oauth/token')).toEqual([]);

    h.sim.control.setTokenLifetime(7200);
    const again = await h.subscribe(token, BOX_STATE_CHANGED, { id: watched.locationId });
    expect(again.response.status).toBe(200);
    const renewed = again.response.headers.get('x-session-token');
    expect(renewed).toBeTruthy();
    expect(h.sim.log.filter((e) => e.path === '/oauth/token')).toHaveLength(1);
    // The renewed session works for anything; the stream goes on with the new tokens.
    const viewer = await h.client(renewed!).request<{ viewer: { username: string } }>('{ viewer { username } }');
    expect(viewer.viewer.username).toBe('demo');
    await reboot(h, renewed!, watched.box.id);
    expect((await again.nextResult()).data).toMatchObject({ boxStateChanged: { previousState: 'ONLINE' } });
    await again.close();
  });

  it('app.close() (SIGTERM) ends every stream cleanly and starts no new one', async () => {
    h = liveHarness();
    const token = await h.login();
    const watched = await watchedLocation(h, token);
    const stream = await h.subscribe(token, BOX_STATE_CHANGED, { id: watched.locationId });
    await h.app.close();
    expect(await stream.rest()).toEqual([{ event: 'complete', data: null }]);
    expect(h.app.live.stats.pollers.boxes).toBe(0);
    const [refused] = await (await h.subscribe(token, BOX_STATE_CHANGED, { id: watched.locationId })).rest();
    expect(refused?.data?.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', reason: 'SHUTTING_DOWN' });
  });
});

describe('observability', () => {
  it('/metrics shows subscriptions, pollers and poll CT calls; no log line carries a token', async () => {
    h = liveHarness();
    const first = await h.login();
    const second = await h.login();
    const watched = await watchedLocation(h, first);
    const streams = [
      await h.subscribe(first, BOX_STATE_CHANGED, { id: watched.locationId }),
      await h.subscribe(second, BOX_STATE_CHANGED, { id: watched.locationId }),
    ];
    // A failing poll logs a warning: it must not say more than what failed.
    h.sim.control.addFault({ path: '/api/v1/boxes', status: 503, times: 3 });
    await h.app.live.nextPoll();
    await h.app.live.nextPoll();

    const metrics = await (await h.app.fetch(new Request(`${FACADE_URL}/metrics`))).text();
    const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(value('ct_graphql_live_subscriptions{kind="boxes"}')).toBe(2);
    expect(value('ct_graphql_live_pollers{kind="boxes"}')).toBe(1);
    expect(value('ct_graphql_live_poll_ct_calls_total{kind="boxes"}')).toBe(h.app.live.stats.pollCtCalls.boxes);
    expect(value('ct_graphql_live_poll_ct_calls_total{kind="boxes"}')).toBeGreaterThanOrEqual(4);
    expect(value('ct_graphql_live_poll_failures_total')).toBe(1);
    expect(value('ct_graphql_live_identity_lookups_total')).toBe(2);

    await Promise.all(streams.map((s) => s.close()));
    const logged = h.logs.join('\n');
    expect(logged).toContain('a live poll failed');
    for (const secret of [first, second]) expect(logged).not.toContain(secret);
    for (const entry of h.sim.log) expect(logged).not.toContain(entry.query.access_token ?? '\u0000');
    expect(logged).not.toMatch(/[0-9a-f]{64}/);
  });
});
