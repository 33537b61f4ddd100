/**
 * The node:http transport the server uses for CT calls, over a real loopback socket: answers,
 * timeouts and refused connections are classified the same way as with an injected fetch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/app.js';
import { createNodeTransport } from '../../src/ct/http.js';
import { serveSimulator } from '../../simulator/serve.js';
import { freePort } from '../net.js';

let sim: Simulator;
let base: string;
let close: () => Promise<void>;

beforeAll(async () => {
  sim = createSimulator();
  const served = await serveSimulator(sim, { port: 0, host: '127.0.0.1' });
  base = served.url;
  close = () => new Promise((r) => served.server.close(() => r()));
});
afterAll(() => close());

describe('createNodeTransport', () => {
  const transport = createNodeTransport();

  it('returns status, headers and body, and sends the JSON body of a write', async () => {
    const { access_token } = sim.control.issueTokens();
    const auth = { authorization: `Bearer ${access_token}`, accept: 'application/json' };
    const list = await transport(`${base}/api/v1/locations?per=2`, { method: 'GET', headers: auth }, 5_000);
    expect(list.kind).toBe('response');
    if (list.kind !== 'response') return;
    expect(list.status).toBe(200);
    expect(list.headers.get('Content-Type')).toMatch(/json/);
    expect(JSON.parse(list.text).locations).toHaveLength(2);

    const created = await transport(
      `${base}/api/v1/locations`,
      {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ location: { location_name: 'Transport Test Café' } }),
      },
      5_000,
    );
    expect(created.kind === 'response' && created.status).toBe(201);
    expect(created.kind === 'response' && JSON.parse(created.text).location_name).toBe('Transport Test Café');
  });

  it('reports a timeout when CT is slower than the deadline', async () => {
    sim.control.setLatency(1_000);
    const attempt = await transport(`${base}/api/v1/ping.json`, { method: 'GET', headers: {} }, 100);
    sim.control.setLatency(0);
    expect(attempt.kind).toBe('timeout');
  });

  it('reports a network failure when nothing listens', async () => {
    const port = await freePort();
    const attempt = await transport(`http://127.0.0.1:${port}/api/v1/ping.json`, { method: 'GET', headers: {} }, 2_000);
    expect(attempt.kind).toBe('network');
  });
});
