// Test wiring for the CT client: an in-process simulator whose fetch handler is injected as the
// client's fetch (no mocked fetch), plus shortcuts to read what reached the simulator.

import { createSimulator, DEMO, type Simulator, type SimulatorOptions } from '../../simulator/app.js';
import { createCtClient, type CtClient, type CtClientOptions } from '../../src/ct/client.js';
import type { OAuthSettings } from '../../src/ct/oauth.js';
import { createRefresher, type Refresher, type RefresherOptions } from '../../src/ct/refresher.js';
import { tokensFromResponse, type CtTokens } from '../../src/ct/tokens.js';

// Any host works: the simulator routes on the path. Distinct hosts mirror production's two bases.
export const API_URL = 'http://ct-api.test/api/v1';
export const OAUTH_URL = 'http://ct-id.test';

/** The simulator's handler takes one Request; the client may be given anything fetch accepts. */
export function simFetch(sim: Simulator): typeof fetch {
  return (input, init) => sim.fetch(new Request(input, init));
}

export interface Setup {
  sim: Simulator;
  fetch: typeof fetch;
  oauth: OAuthSettings;
  refresher: Refresher;
  tokens: CtTokens;
  client(o?: Partial<CtClientOptions>): CtClient;
  tokenPosts(): number;
}

export function setup(o: { sim?: SimulatorOptions; refresher?: RefresherOptions; oauthTimeoutMs?: number } = {}): Setup {
  const sim = createSimulator(o.sim);
  const fetch = simFetch(sim);
  const oauth: OAuthSettings = {
    oauthUrl: OAUTH_URL,
    clientId: DEMO.clientId,
    clientSecret: DEMO.clientSecret,
    fetch,
    timeoutMs: o.oauthTimeoutMs ?? 5000,
  };
  const refresher = createRefresher(oauth, o.refresher);
  const tokens = tokensFromResponse(sim.control.issueTokens());
  return {
    sim,
    fetch,
    oauth,
    refresher,
    tokens,
    client: (over = {}) => createCtClient({ apiUrl: API_URL, fetch, tokens, refresher, ...over }),
    tokenPosts: () => sim.log.filter((e) => e.method === 'POST' && e.path === '/oauth/token').length,
  };
}

/** The rejection of a promise, asserting that it does reject. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected a rejection, got a result');
}

/** Everything an error could leak through: message, own properties, stack head. */
export function errorText(e: Error): string {
  return `${e.message} ${JSON.stringify(e)} ${e.stack?.split('\n')[0] ?? ''}`;
}
