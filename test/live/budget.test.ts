// Subscriptions' polls and the CT-call budget (issue 16): every CT call a poller makes is charged
// to the CT user it polls for, so that user's queries see it in `extensions.cost.budget`; and a
// spent budget does not stop the polls (they are charged, never refused: a stream that went quiet
// would look live while being stale), while the user's queries are refused.
import { afterEach, describe, expect, it } from 'vitest';
import { simulatorUserId } from '../harness.js';
import { BOX_STATE_CHANGED, boxListCalls, type LiveHarness, liveHarness, watchedLocation } from './helpers.js';

let h: LiveHarness;
afterEach(async () => {
  await h?.app.close();
});

/** The caller's budget as a following query reports it (`{ __typename }` makes no CT call). */
async function remaining(token: string): Promise<number> {
  const response = await h.post({ query: '{ __typename }' }, { authorization: `Bearer ${token}` });
  const body = (await response.json()) as { extensions: { cost: { budget: { remaining: number } } } };
  return body.extensions.cost.budget.remaining;
}

describe("subscriptions' polls and the CT-call budget", () => {
  it("charges each poll's CT calls to the user it polls for: a following query sees them spent", async () => {
    h = liveHarness({ env: { RATE_LIMIT_CT_CALLS: '500' } });
    const token = await h.login();
    const watched = await watchedLocation(h, token);
    const account = simulatorUserId(h.sim);

    const stream = await h.subscribe(token, BOX_STATE_CHANGED, { id: watched.locationId });
    await h.app.live.nextPoll();
    // Read right after a poll, with no timer in between: the poll count and the budget agree.
    const pollCalls = h.app.live.stats.pollCtCalls.boxes;
    const before = (await h.app.budget.charge(account, 0)).remaining;
    await h.app.live.nextPoll();
    await h.app.live.nextPoll();
    const polled = h.app.live.stats.pollCtCalls.boxes - pollCalls;
    expect(polled).toBeGreaterThanOrEqual(2);
    expect((await h.app.budget.charge(account, 0)).remaining).toBe(before - polled);

    // Closing waits for the poll in flight (and its charge): then every CT call the simulator saw,
    // the queries', the subscribing request's and every poll's, is spent from the user's budget.
    await stream.close();
    await h.app.live.close();
    expect(boxListCalls(h, watched.slug)).toBeGreaterThan(polled);
    expect(await remaining(token)).toBe(500 - h.ctCalls().length);
  });

  it("keeps polling when the budget is spent, while the same user's queries are refused with RATE_LIMITED", async () => {
    h = liveHarness({ env: { RATE_LIMIT_CT_CALLS: '500' } });
    const token = await h.login();
    const watched = await watchedLocation(h, token);
    const stream = await h.subscribe(token, BOX_STATE_CHANGED, { id: watched.locationId });
    await h.app.budget.charge(simulatorUserId(h.sim), 500);

    await h.app.live.nextPoll();
    const polls = boxListCalls(h, watched.slug);
    await h.app.live.nextPoll();
    await h.app.live.nextPoll();
    expect(boxListCalls(h, watched.slug)).toBeGreaterThanOrEqual(polls + 2);
    expect(h.app.live.stats.subscriptions.boxes).toBe(1);
    expect(await remaining(token)).toBe(0);

    const calls = h.ctCalls().length;
    const refused = await h.post(
      { query: 'query($slug: String!) { location(slug: $slug) { name } }', variables: { slug: watched.slug } },
      { authorization: `Bearer ${token}` },
    );
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = (await refused.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]?.extensions.code).toBe('RATE_LIMITED');
    // The refusal made no CT call (polls may have run meanwhile: only box-list reads are new).
    expect(
      h
        .ctCalls()
        .slice(calls)
        .every((c) => c.path === '/api/v1/boxes'),
    ).toBe(true);
    await stream.close();
  });
});
