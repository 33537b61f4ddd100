/**
 * transferBox against a CT whose location records lack `unique_id` (ct-api.md §3 documents it on
 * the compact picker list): the facade finds it there, with one more GET, and moves the box.
 */
import { expect, it } from 'vitest';
import { createSimulator } from '../../simulator/app.js';
import { createAppOver, FACADE_URL } from '../harness.js';

it('finds the target unique_id on the short location list when the location itself lacks it', async () => {
  const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
  // Another CT could leave unique_id out of the location record: strip it from every record that is not the picker list.
  const stripUniqueId = async (request: Request): Promise<Response> => {
    const response = await sim.fetch(request);
    const url = new URL(request.url);
    if (request.method !== 'GET' || !/^\/api\/v1\/locations/.test(url.pathname) || url.searchParams.has('short')) return response;
    const body = await response.json();
    const strip = (l: Record<string, unknown>) => ({ ...l, unique_id: undefined });
    const reshaped = Array.isArray(body.locations) ? { ...body, locations: body.locations.map(strip) } : body.slug ? strip(body) : body;
    return new Response(JSON.stringify(reshaped), { status: response.status, headers: response.headers });
  };
  const { app } = createAppOver(sim, {}, stripUniqueId);
  const issued = sim.control.issueTokens();
  const token = (
    await (
      await app.sessions()
    ).seal({ accessToken: issued.access_token, refreshToken: issued.refresh_token, expiresAt: Date.now() + 3600_000 })
  ).token;
  const post = async (query: string, variables?: unknown) =>
    (
      await app.fetch(
        new Request(`${FACADE_URL}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables }),
        }),
      )
    ).json();

  const list = await post('{ locations(first: 10) { nodes { id slug uniqueId boxes(first: 1) { nodes { id } } } } }');
  const locations = list.data.locations.nodes as Array<{
    id: string;
    slug: string;
    uniqueId: string | null;
    boxes: { nodes: Array<{ id: string }> };
  }>;
  expect(locations.every((l) => l.uniqueId === null)).toBe(true);
  const from = locations.find((l) => l.boxes.nodes.length > 0)!;
  const to = locations.find((l) => l.slug !== from.slug)!;

  sim.resetLog();
  const moved = await post(
    'mutation ($input: TransferBoxInput!) { transferBox(input: $input) { box { location { slug } } userErrors { code field message } } }',
    { input: { id: from.boxes.nodes[0]!.id, toLocationId: to.id } },
  );
  expect(moved.data.transferBox.userErrors).toEqual([]);
  expect(moved.data.transferBox.box.location.slug).toBe(to.slug);
  const calls = sim.apiCalls();
  expect(calls.some((c) => c.path === '/api/v1/locations' && c.query.short !== undefined)).toBe(true);
  expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(1);
});
