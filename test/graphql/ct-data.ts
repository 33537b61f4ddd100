// Test helper: reads what CT (here the simulator, through its own REST API) holds, so the read-graph
// tests compare the facade with CT's data and order instead of hard-coding the seed. These reads go
// straight to the simulator, never through the facade; tests reset the request log after them.
import type { Simulator } from '../../simulator/app.js';
import type { CtBox, CtLinks, CtLocation, CtVoucher, CtVoucherCode } from '../../src/ct/types.js';

export interface CtData {
  locations: CtLocation[];
  boxes: CtBox[];
  boxesAt(slug: string): Promise<CtBox[]>;
  vouchersAt(slug: string): Promise<CtVoucher[]>;
  codesOf(slug: string, uniqueId: number | string, query?: Record<string, string>): Promise<{ codes: CtVoucherCode[]; total: number }>;
  /** Every item of any CT list, in CT's order. */
  all<T>(path: string, key: string, query?: Record<string, string>): Promise<T[]>;
  /** Any CT GET, as CT answers it. */
  get<T>(path: string, query?: Record<string, string | number>): Promise<T>;
}

export async function ctGet<T>(sim: Simulator, token: string, path: string, query: Record<string, string | number> = {}): Promise<T> {
  const url = new URL(`http://ct.test/api/v1${path}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
  const res = await sim.fetch(new Request(url, { headers: { authorization: `Bearer ${token}` } }));
  if (!res.ok) throw new Error(`CT ${path}: ${res.status}`);
  return (await res.json()) as T;
}

/** Every item of a CT list, in CT's order, page by page (per 100). */
export async function ctAll<T>(sim: Simulator, token: string, path: string, key: string, query: Record<string, string> = {}): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; ; page++) {
    const body = await ctGet<Record<string, unknown> & { _links: CtLinks }>(sim, token, path, { ...query, page, per: 100 });
    out.push(...(body[key] as T[]));
    if (!body._links.next_page) return out;
  }
}

export async function loadCtData(sim: Simulator, username?: string): Promise<CtData> {
  const token = sim.control.issueTokens(username).access_token;
  return {
    locations: await ctAll<CtLocation>(sim, token, '/locations', 'locations'),
    boxes: await ctAll<CtBox>(sim, token, '/boxes', 'boxes'),
    boxesAt: (slug) => ctAll<CtBox>(sim, token, '/boxes', 'boxes', { location_id: slug }),
    vouchersAt: (slug) => ctAll<CtVoucher>(sim, token, `/locations/${slug}/vouchers`, 'vouchers'),
    all: (path, key, query) => ctAll(sim, token, path, key, query),
    get: (path, query) => ctGet(sim, token, path, query),
    async codesOf(slug, uniqueId, query = {}) {
      const body = await ctGet<{ codes: CtVoucherCode[]; _links: CtLinks }>(sim, token, `/locations/${slug}/vouchers/${uniqueId}/codes`, {
        ...query,
        per: 100,
      });
      return { codes: body.codes, total: body._links.total_entries };
    },
  };
}
