// The "process, then fail" faults (`afterProcessing`): CT acts on the request, then the answer is
// lost (drop), replaced (a 5xx) or late. In process and on a real socket, as the facade meets them.
import { afterAll, describe, expect, it } from 'vitest';
import { SimulatedNetworkError } from '../../simulator/app.js';
import { serveSimulator } from '../../simulator/serve.js';
import { createNodeTransport } from '../../src/ct/http.js';
import { BASE, call, setup } from './helpers.js';

const servers: Array<{ close(): void }> = [];
afterAll(() => {
  for (const server of servers) server.close();
});

async function firstLocation(sim: ReturnType<typeof setup>['sim'], token: string): Promise<string> {
  return (await call(sim, 'GET', '/api/v1/locations?per=1', { token })).body.locations[0].slug as string;
}

async function batchesNamed(sim: ReturnType<typeof setup>['sim'], token: string, slug: string, name: string): Promise<unknown[]> {
  const res = await call(sim, 'GET', `/api/v1/locations/${slug}/vouchers?batch_name=${encodeURIComponent(name)}`, { token });
  return res.body.vouchers as unknown[];
}

describe('faults after processing', () => {
  it('drop: the POST creates its batch, then the caller sees a failed fetch; the log keeps 201', async () => {
    const { sim, token } = setup();
    const slug = await firstLocation(sim, token);
    sim.control.addFault({ method: 'POST', path: '/api/v1/locations/*/vouchers', drop: true, afterProcessing: true, times: 1 });
    const request = new Request(`${BASE}/api/v1/locations/${slug}/vouchers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ voucher: { batch_name: 'Lost answer', quantity: 1 } }),
    });
    const error = await sim.fetch(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulatedNetworkError);
    expect(sim.log.at(-1)).toMatchObject({ method: 'POST', status: 201 });
    expect(await batchesNamed(sim, token, slug, 'Lost answer')).toHaveLength(1);
    // `times` ran out: the next POST is answered.
    const again = await call(sim, 'POST', `/api/v1/locations/${slug}/vouchers`, { token, json: { voucher: { batch_name: 'Kept' } } });
    expect(again.status).toBe(201);
  });

  it('status: the PATCH reboots the box, then the caller gets the 5xx', async () => {
    const { sim, token } = setup();
    const boxes = (await call(sim, 'GET', '/api/v1/boxes?per=100', { token })).body.boxes as Array<Record<string, any>>;
    const box = boxes.find((b) => b.allowed_job && b.state === 'online')!;
    sim.control.addFault({ method: 'PATCH', path: '/api/v1/boxes/*', status: 502, afterProcessing: true, times: 1 });
    const res = await call(sim, 'PATCH', `/api/v1/boxes/${box.slug}`, { token, json: { box: { action: 'reboot' } } });
    expect(res.status).toBe(502);
    expect((await call(sim, 'GET', `/api/v1/boxes/${box.slug}`, { token })).body.state).toBe('rebooting');
  });

  it('a fault without afterProcessing still stops the request from being processed', async () => {
    const { sim, token } = setup();
    const slug = await firstLocation(sim, token);
    sim.control.addFault({ method: 'POST', path: '/api/v1/locations/*/vouchers', status: 503, times: 1 });
    const res = await call(sim, 'POST', `/api/v1/locations/${slug}/vouchers`, { token, json: { voucher: { batch_name: 'Never made' } } });
    expect(res.status).toBe(503);
    expect(await batchesNamed(sim, token, slug, 'Never made')).toHaveLength(0);
  });

  it('over HTTP: set through /__sim/faults, the server cuts the socket after creating the batch', async () => {
    const { sim, token } = setup();
    const slug = await firstLocation(sim, token);
    const served = await serveSimulator(sim, { port: 0, host: '127.0.0.1' });
    servers.push(served.server);
    const control = await fetch(`${served.url}/__sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ method: 'POST', path: '/api/v1/locations/*/vouchers', drop: true, afterProcessing: 'true', times: 1 }),
    });
    expect((await control.json()).faults[0]).toMatchObject({ afterProcessing: true, drop: true });
    const transport = createNodeTransport();
    const attempt = await transport(
      `${served.url}/api/v1/locations/${slug}/vouchers`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ voucher: { batch_name: 'Cut socket' } }),
      },
      5_000,
    );
    expect(attempt.kind).toBe('network');
    expect(await batchesNamed(sim, token, slug, 'Cut socket')).toHaveLength(1);
  });
});
