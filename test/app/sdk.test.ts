/**
 * The automation SDK against the facade: it follows the session token the facade re-seals after
 * a CT refresh, so a script's later requests need no refresh of their own.
 */
import { gql } from 'graphql-request';
import { expect, it } from 'vitest';
import { createCtGraphQLClient } from '../../src/sdk.js';
import { createHarness, FACADE_URL } from '../harness.js';

it('switches to the re-sealed session after a refresh and reports it', async () => {
  const h = createHarness();
  const first = await h.login();
  const seen: string[] = [];
  const sent: string[] = [];
  const sdk = createCtGraphQLClient({
    url: `${FACADE_URL}/graphql`,
    token: first,
    onToken: (token) => seen.push(token),
    fetch: (input, init) => {
      const request = new Request(input, init);
      sent.push(request.headers.get('authorization') ?? '');
      return h.app.fetch(request);
    },
  });
  const query = gql`
    query Me {
      viewer {
        username
      }
    }
  `;
  h.sim.control.expireAllTokens();
  h.sim.resetLog();
  const refreshes = () => h.sim.log.filter((e) => e.path === '/oauth/token').length;

  const a = await sdk.client.request<{ viewer: { username: string } }>(query);
  expect(a.viewer.username).toBeTruthy();
  expect(refreshes()).toBe(1);
  expect(seen).toHaveLength(1);
  expect(sdk.token()).toBe(seen[0]);
  expect(sdk.token()).not.toBe(first);

  const b = await sdk.client.request<{ viewer: { username: string } }>(query);
  expect(b.viewer.username).toBe(a.viewer.username);
  expect(sent).toEqual([`Bearer ${first}`, `Bearer ${seen[0]}`]);
  expect(refreshes()).toBe(1);
});
