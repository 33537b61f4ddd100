// LIVE_POLL_INTERVAL_MS (DESIGN.md "Live data"): 15 s unless set; a value that would hammer CT or is
// not a number is refused at start-up.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('LIVE_POLL_INTERVAL_MS', () => {
  it('defaults to 15000 and takes an integer of at least 10 ms', () => {
    expect(loadConfig({}).livePollIntervalMs).toBe(15_000);
    expect(loadConfig({ LIVE_POLL_INTERVAL_MS: '30000' }).livePollIntervalMs).toBe(30_000);
    for (const bad of ['5', '1.5', 'soon', '-1']) expect(() => loadConfig({ LIVE_POLL_INTERVAL_MS: bad }), bad).toThrow(ConfigError);
  });
});
