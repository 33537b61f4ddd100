// The process-wide refresher against the simulator's token endpoint: single flight, reuse of a
// result under the old refresh token, no caching of failures, expiry and the memory bound.

import { describe, expect, it } from 'vitest';
import { CtAuthError } from '../../src/ct/errors.js';
import { createRefresher, MAX_HOPS } from '../../src/ct/refresher.js';
import { tokensFromResponse } from '../../src/ct/tokens.js';
import { rejection, setup } from './helpers.js';

describe('createRefresher', () => {
  it('concurrent refreshes of one refresh token share one call to CT', async () => {
    const s = setup();
    const results = await Promise.all(Array.from({ length: 5 }, () => s.refresher.refresh(s.tokens.refreshToken)));
    expect(s.tokenPosts()).toBe(1);
    expect(new Set(results.map((t) => t.accessToken)).size).toBe(1);
    expect(results[0]?.accessToken).not.toBe(s.tokens.accessToken);
    expect(s.refresher.stats).toEqual({ refreshes: 1, failures: 0, reused: 4 });
  });

  it('a later refresh with the same old token gets the kept result, not invalid_grant', async () => {
    const s = setup();
    const first = await s.refresher.refresh(s.tokens.refreshToken);
    const again = await s.refresher.refresh(s.tokens.refreshToken);
    expect(again).toEqual(first);
    expect(s.tokenPosts()).toBe(1);
    expect(s.refresher.stats.reused).toBe(1);
  });

  it('each caller gets its own copy of the tokens', async () => {
    const s = setup();
    const a = await s.refresher.refresh(s.tokens.refreshToken);
    a.accessToken = 'tampered';
    const b = await s.refresher.refresh(s.tokens.refreshToken);
    expect(b.accessToken).not.toBe('tampered');
  });

  it('the kept result expires after keepMs; CT then refuses the rotated token', async () => {
    let now = 1_000_000;
    const s = setup({ refresher: { keepMs: 60_000, now: () => now } });
    await s.refresher.refresh(s.tokens.refreshToken);
    now += 59_000;
    await s.refresher.refresh(s.tokens.refreshToken);
    expect(s.tokenPosts()).toBe(1);
    now += 2_000;
    const e = await rejection(s.refresher.refresh(s.tokens.refreshToken));
    expect(e).toBeInstanceOf(CtAuthError);
    expect(s.tokenPosts()).toBe(2);
    expect(s.refresher.stats).toEqual({ refreshes: 2, failures: 1, reused: 1 });
  });

  it('a refused refresh is not cached: the next attempt asks CT again', async () => {
    const s = setup();
    s.sim.control.revokeAllTokens();
    expect(await rejection(s.refresher.refresh(s.tokens.refreshToken))).toBeInstanceOf(CtAuthError);
    expect(await rejection(s.refresher.refresh(s.tokens.refreshToken))).toBeInstanceOf(CtAuthError);
    expect(s.tokenPosts()).toBe(2);
    expect(s.refresher.stats.failures).toBe(2);
  });

  it('a transient failure is not cached either: the retry succeeds', async () => {
    const s = setup();
    s.sim.control.addFault({ path: '/oauth/token', status: 503, times: 1 });
    const e = await rejection(s.refresher.refresh(s.tokens.refreshToken));
    expect(e).not.toBeInstanceOf(CtAuthError);
    const fresh = await s.refresher.refresh(s.tokens.refreshToken);
    expect(fresh.accessToken).not.toBe(s.tokens.accessToken);
    expect(s.tokenPosts()).toBe(2);
  });

  it('stays within maxEntries: the oldest kept result goes first', async () => {
    const s = setup();
    const refresher = createRefresher(s.oauth, { maxEntries: 2 });
    const sessions = [s.tokens, tokensFromResponse(s.sim.control.issueTokens()), tokensFromResponse(s.sim.control.issueTokens())];
    for (const t of sessions) await refresher.refresh(t.refreshToken);
    // The newest is still kept; the oldest was evicted, so CT is asked again and refuses the rotated token.
    await refresher.refresh(sessions[2]?.refreshToken ?? '');
    expect(refresher.stats.reused).toBe(1);
    expect(await rejection(refresher.refresh(sessions[0]?.refreshToken ?? ''))).toBeInstanceOf(CtAuthError);
    expect(refresher.stats.refreshes).toBe(4);
  });

  it('a result kept from before a second refresh leads to the newest tokens (rt0 -> rt1 -> rt2)', async () => {
    let now = 1_000_000;
    const s = setup({ refresher: { now: () => now } });
    const t1 = await s.refresher.refresh(s.tokens.refreshToken);
    now += 10_000;
    const t2 = await s.refresher.refresh(t1.refreshToken);
    now += 10_000;
    expect(await s.refresher.refresh(s.tokens.refreshToken)).toEqual(t2);
    expect(s.tokenPosts()).toBe(2);
  });

  it('follows at most MAX_HOPS kept results after the first', async () => {
    const s = setup();
    const chain = [s.tokens];
    for (let i = 0; i < MAX_HOPS + 2; i++) chain.push(await s.refresher.refresh(chain[chain.length - 1]!.refreshToken));
    expect(await s.refresher.refresh(s.tokens.refreshToken)).toEqual(chain[MAX_HOPS + 1]);
    expect(s.tokenPosts()).toBe(MAX_HOPS + 2);
  });

  it('forget drops the chain and answers its newest tokens; the old refresh token then goes to CT', async () => {
    const s = setup();
    const t1 = await s.refresher.refresh(s.tokens.refreshToken);
    const t2 = await s.refresher.refresh(t1.refreshToken);
    expect(await s.refresher.forget(s.tokens.refreshToken)).toEqual(t2);
    expect(await s.refresher.forget(s.tokens.refreshToken)).toBeNull();
    // Nothing kept any more: CT is asked, and refuses the rotated token.
    expect(await rejection(s.refresher.refresh(s.tokens.refreshToken))).toBeInstanceOf(CtAuthError);
    expect(await rejection(s.refresher.refresh(t1.refreshToken))).toBeInstanceOf(CtAuthError);
    expect(s.tokenPosts()).toBe(4);
  });

  it('forget waits for a refresh in flight, so sign-out learns of the pair it is creating', async () => {
    const s = setup({ sim: { latencyMs: 20 } });
    const inFlight = s.refresher.refresh(s.tokens.refreshToken);
    const newest = await s.refresher.forget(s.tokens.refreshToken);
    expect(newest).toEqual(await inFlight);
  });
});
