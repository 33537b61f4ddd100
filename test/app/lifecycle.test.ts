/**
 * The app's side of a shutdown, in process: once draining, /readyz answers 503 without asking CT
 * while GraphQL and /healthz still answer (requests already routed here must finish); drain and
 * close hooks run once, close hooks newest first, and one failing hook does not keep the others
 * from running.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLifecycle } from '../../src/lifecycle.js';
import { createHarness, FACADE_URL } from '../harness.js';

describe('draining app', () => {
  it('answers /readyz 503 at once and without a CT call, and still serves requests', async () => {
    const h = createHarness();
    const token = await h.login();
    expect((await h.app.fetch(new Request(`${FACADE_URL}/readyz`))).status).toBe(200);
    h.sim.resetLog();

    await h.app.drain();
    expect(h.app.lifecycle.draining).toBe(true);
    const ready = await h.app.fetch(new Request(`${FACADE_URL}/readyz`));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'DRAINING' });
    expect(h.sim.log).toHaveLength(0);

    expect((await h.app.fetch(new Request(`${FACADE_URL}/healthz`))).status).toBe(200);
    const res = await h.post({ query: '{ viewer { username } }' }, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { viewer: { username: string } } }).data.viewer.username).toBe('demo');
    await h.app.close();
  });
});

describe('createLifecycle', () => {
  it('runs drain hooks once, close hooks newest first, and every hook despite a failure', async () => {
    const lifecycle = createLifecycle();
    const calls: string[] = [];
    lifecycle.onDrain(() => void calls.push('drain'));
    lifecycle.onClose(() => void calls.push('close redis'));
    lifecycle.onClose(() => {
      calls.push('close store');
      throw new Error('store would not close');
    });
    lifecycle.onClose(async () => void calls.push('end streams'));

    expect(lifecycle.draining).toBe(false);
    await expect(lifecycle.close()).rejects.toThrow('store would not close');
    expect(lifecycle.draining).toBe(true);
    expect(calls).toEqual(['drain', 'end streams', 'close store', 'close redis']);
    // Later calls share the first: nothing runs twice.
    await expect(lifecycle.close()).rejects.toThrow('store would not close');
    await lifecycle.drain();
    expect(calls).toHaveLength(4);
  });

  it('runs a drain hook registered after the drain began at once', async () => {
    const lifecycle = createLifecycle();
    await lifecycle.drain();
    const ran = new Promise<string>((resolve) => lifecycle.onDrain(() => resolve('ran')));
    expect(await ran).toBe('ran');
  });
});

describe('SHUTDOWN_GRACE_MS', () => {
  it('defaults to 10 s and is checked like the other numbers', () => {
    expect(loadConfig({}).shutdownGraceMs).toBe(10_000);
    expect(loadConfig({ SHUTDOWN_GRACE_MS: '2500' }).shutdownGraceMs).toBe(2500);
    expect(() => loadConfig({ SHUTDOWN_GRACE_MS: '-1' })).toThrow(/SHUTDOWN_GRACE_MS must be an integer >= 0/);
    expect(() => loadConfig({ SHUTDOWN_GRACE_MS: '10s' })).toThrow(/SHUTDOWN_GRACE_MS/);
  });
});
