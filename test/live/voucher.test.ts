// voucherCompleted: on a batch still generating, one event when CT completes it, then the stream
// ends (and so does its poller); on a completed batch, the event at once with no poller at all.
import { afterEach, describe, expect, it } from 'vitest';
import { codeOf, type LiveHarness, liveHarness, VOUCHER_COMPLETED } from './helpers.js';

let h: LiveHarness;
afterEach(async () => {
  await h?.app.close();
});

const voucherCalls = (h: LiveHarness) =>
  h.ctCalls().filter((c) => c.method === 'GET' && /^\/api\/v1\/locations\/[^/]+\/vouchers\/\d+$/.test(c.path));

async function createBatch(token: string): Promise<{ id: string; completed: boolean }> {
  const { locations } = await h
    .client(token)
    .request<{ locations: { nodes: Array<{ id: string }> } }>('{ locations(first: 1) { nodes { id } } }');
  const created = await h
    .client(token)
    .request<{ createVoucher: { voucher: { id: string; completed: boolean }; userErrors: unknown[] } }>(
      'mutation($input: CreateVoucherInput!) { createVoucher(input: $input) { voucher { id completed } userErrors { message } } }',
      { input: { locationId: locations.nodes[0]!.id, name: 'Front desk, Saturday', quantity: 5, validityMinutes: 60 } },
    );
  expect(created.createVoucher.userErrors).toEqual([]);
  return created.createVoucher.voucher;
}

describe('voucherCompleted', () => {
  it('on a batch still generating: one event once CT completes it, then the stream and its poller end', async () => {
    h = liveHarness();
    const token = await h.login();
    const batch = await createBatch(token);
    expect(batch.completed).toBe(false);
    h.sim.resetLog();

    const stream = await h.subscribe(token, VOUCHER_COMPLETED, { id: batch.id });
    expect(stream.response.status).toBe(200);
    // Still generating after a few polls: nothing sent.
    await h.app.live.nextPoll();
    await h.app.live.nextPoll();
    expect(h.app.live.stats.pollers.voucher).toBe(1);
    expect(h.app.live.stats.subscriptions.voucher).toBe(1);

    h.advance(30_001); // the simulator generates codes 30 s (of its clock) after the create
    const [event, end, ...more] = await stream.rest();
    expect(event?.event).toBe('next');
    expect(event?.data).toEqual({
      data: {
        voucherCompleted: {
          id: batch.id,
          name: 'Front desk, Saturday',
          completed: true,
          csvUrl: expect.stringMatching(/^https:\/\//),
          codes: { totalCount: 5, nodes: [expect.any(Object), expect.any(Object), expect.any(Object)] },
        },
      },
    });
    expect(end?.event).toBe('complete');
    expect(more).toEqual([]);
    expect(h.app.live.stats.pollers.voucher).toBe(0);
    expect(h.app.live.stats.subscriptions.voucher).toBe(0);
    // One read at subscribe, then one per poll until it completed; nothing after.
    expect(voucherCalls(h)).toHaveLength(1 + h.app.live.stats.polls.voucher);
  });

  it('on a completed batch: the event at once, then the end; no poller starts', async () => {
    h = liveHarness();
    const token = await h.login();
    const batch = await createBatch(token);
    h.sim.control.completePendingVouchers();
    h.sim.resetLog();

    const [event, end] = await (await h.subscribe(token, VOUCHER_COMPLETED, { id: batch.id })).rest();
    expect(event?.data?.data).toMatchObject({ voucherCompleted: { id: batch.id, completed: true, codes: { totalCount: 5 } } });
    expect(end?.event).toBe('complete');
    expect(h.app.live.stats.polls.voucher).toBe(0);
    expect(h.app.live.stats.pollers.voucher).toBe(0);
    // Who you are, the batch, its codes: nothing more.
    expect(h.ctCalls().map((c) => c.path)).toEqual([
      '/api/v1/me.json',
      expect.stringMatching(/\/vouchers\/\d+$/),
      expect.stringMatching(/\/vouchers\/\d+\/codes$/),
    ]);
  });

  it('refuses a batch CT does not have (NOT_FOUND) and an ID that is not a voucher batch (BAD_USER_INPUT)', async () => {
    h = liveHarness();
    const token = await h.login();
    const batch = await createBatch(token);
    const [slug] = Buffer.from(batch.id, 'base64url').toString('utf8').slice('Voucher:'.length).split('/');
    const unknown = Buffer.from(`Voucher:${slug}/999999`).toString('base64url');
    const [missing] = await (await h.subscribe(token, VOUCHER_COMPLETED, { id: unknown })).rest();
    expect(codeOf(missing?.data)).toBe('NOT_FOUND');
    const [bad] = await (await h.subscribe(token, VOUCHER_COMPLETED, { id: Buffer.from(`Location:${slug}`).toString('base64url') })).rest();
    expect(codeOf(bad?.data)).toBe('BAD_USER_INPUT');
    expect(h.app.live.stats.pollers.voucher).toBe(0);
  });
});
