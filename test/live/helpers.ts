/**
 * Shared parts of the live tests: a harness whose simulator runs on a clock the test moves (reboots
 * and voucher generation settle from it), a small poll interval, the subscription documents, a
 * location with online boxes that accept jobs, and counts from the simulator's request log.
 */
import type { ExecutionResult } from 'graphql';
import type { SimulatorOptions } from '../../simulator/app.js';
import { createHarness, FACADE_URL, type Harness } from '../harness.js';
import { openStream, type SseStream } from './sse.js';

export const INTERVAL_MS = 20;

export const BOX_STATE_CHANGED = `subscription Watch($id: ID!) {
  boxStateChanged(locationId: $id) { previousState box { id slug state online } }
}`;

export const VOUCHER_COMPLETED = `subscription Wait($id: ID!) {
  voucherCompleted(id: $id) { id name completed csvUrl codes(first: 3) { totalCount nodes { username } } }
}`;

export interface LiveHarness extends Harness {
  /** The simulator's clock (epoch ms); move it with `advance`. */
  clock(): number;
  advance(ms: number): void;
  /** Opens a subscription through app.fetch as a bearer client. */
  subscribe(token: string, query: string, variables: Record<string, unknown>, headers?: Record<string, string>): Promise<SseStream>;
}

export function liveHarness(options: { env?: Record<string, string>; sim?: SimulatorOptions } = {}): LiveHarness {
  let simClock = Date.now();
  const h = createHarness({
    sim: { rebootDurationMs: 60_000, voucherGenerationDelayMs: 30_000, ...options.sim, now: () => simClock },
    env: { LIVE_POLL_INTERVAL_MS: String(INTERVAL_MS), ...options.env },
  });
  return {
    ...h,
    clock: () => simClock,
    advance(ms) {
      simClock += ms;
    },
    subscribe(token, query, variables, headers = {}) {
      return openStream(
        (request) => h.app.fetch(request),
        { query, variables },
        { url: `${FACADE_URL}/graphql`, headers: { authorization: `Bearer ${token}`, ...headers } },
      );
    },
  };
}

export interface Watched {
  locationId: string;
  slug: string;
  /** An online box there that accepts a reboot. */
  box: { id: string; slug: string };
  boxCount: number;
}

/** A location of the signed-in user with an online box that accepts jobs. */
export async function watchedLocation(h: Harness, token: string): Promise<Watched> {
  const data = await h.client(token).request<{
    locations: {
      nodes: Array<{
        id: string;
        slug: string;
        boxes: { totalCount: number; nodes: Array<{ id: string; slug: string; state: string; acceptsJobs: boolean | null }> };
      }>;
    };
  }>('{ locations(first: 10) { nodes { id slug boxes(first: 50) { totalCount nodes { id slug state acceptsJobs } } } } }');
  for (const location of data.locations.nodes) {
    const box = location.boxes.nodes.find((b) => b.state === 'ONLINE' && b.acceptsJobs);
    if (box)
      return { locationId: location.id, slug: location.slug, box: { id: box.id, slug: box.slug }, boxCount: location.boxes.totalCount };
  }
  throw new Error('no location with a rebootable online box in the demo data');
}

export async function reboot(h: Harness, token: string, boxId: string): Promise<void> {
  const result = await h
    .client(token)
    .request<{ rebootBox: { box: { state: string } | null; userErrors: unknown[] } }>(
      'mutation($id: ID!) { rebootBox(input: { id: $id }) { box { state } userErrors { message } } }',
      { id: boxId },
    );
  if (result.rebootBox.userErrors.length > 0 || result.rebootBox.box?.state !== 'REBOOTING')
    throw new Error(`reboot refused: ${JSON.stringify(result)}`);
}

/** Box-list polls of one location in the simulator's log (GET /boxes?location_id=...). */
export function boxListCalls(h: Harness, slug: string): number {
  return h.ctCalls().filter((c) => c.method === 'GET' && c.path === '/api/v1/boxes' && c.query.location_id === slug).length;
}

export function meCalls(h: Harness): number {
  return h.ctCalls().filter((c) => c.path === '/api/v1/me.json').length;
}

export function change(result: ExecutionResult): { previousState: string; box: { slug: string; state: string } } {
  const data = result.data as { boxStateChanged?: { previousState: string; box: { slug: string; state: string } } } | null;
  if (!data?.boxStateChanged) throw new Error(`not a box change: ${JSON.stringify(result)}`);
  return data.boxStateChanged;
}

export function codeOf(result: ExecutionResult | null | undefined): unknown {
  return result?.errors?.[0]?.extensions?.code;
}
