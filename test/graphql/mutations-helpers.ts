// Shared setup for the mutation tests: a harness with a signed-in caller, a GraphQL call through
// app.fetch, and direct access to the simulator's REST API to read CT's state before and after.
import { expect } from 'vitest';
import { createHarness, CT_URL, type Harness } from '../harness.js';

export interface GqlResult {
  data: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface MutationTest {
  h: Harness;
  /** One GraphQL request as the signed-in demo user. */
  gql(query: string, variables?: Record<string, unknown>): Promise<GqlResult>;
  /** CT's REST API, read directly from the simulator (not through the facade), as the demo user. */
  ct(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  /** The CT calls seen while `fn` runs (the simulator log); `fn` should not call `ct()` itself. */
  callsDuring(fn: () => Promise<unknown>): Promise<CtCall[]>;
  /** One GraphQL request as the signed-in demo user, with the CT calls the facade made for it. */
  gqlWithCalls(query: string, variables?: Record<string, unknown>): Promise<{ result: GqlResult; calls: CtCall[] }>;
}

export interface CtCall {
  method: string;
  path: string;
}

export const globalId = (typename: string, key: string | number): string => Buffer.from(`${typename}:${key}`, 'utf8').toString('base64url');

export async function setup(): Promise<MutationTest> {
  const h = createHarness();
  const token = await h.login();
  const access = h.sim.control.issueTokens().access_token;
  const t: MutationTest = {
    h,
    async gql(query, variables) {
      const response = await h.post({ query, variables }, { authorization: `Bearer ${token}` });
      return (await response.json()) as GqlResult;
    },
    async ct(method, path, body) {
      const response = await h.sim.fetch(
        new Request(`${CT_URL}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${access}`, 'content-type': 'application/json', accept: 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
      const text = await response.text();
      return { status: response.status, json: text === '' ? null : JSON.parse(text) };
    },
    async callsDuring(fn) {
      h.sim.resetLog();
      await fn();
      return h.ctCalls().map((c) => ({ method: c.method, path: c.path }));
    },
    async gqlWithCalls(query, variables) {
      let result!: GqlResult;
      const calls = await t.callsDuring(async () => {
        result = await t.gql(query, variables);
      });
      return { result, calls };
    },
  };
  return t;
}

export interface SimBox {
  slug: string;
  calledstationid: string;
  state: string;
  allowed_job: boolean;
  location_slug: string;
  location_id: number;
  description: string | null;
}

/** Every box of the demo account, straight from CT. */
export async function allBoxes(t: MutationTest): Promise<SimBox[]> {
  const out: SimBox[] = [];
  for (let page = 1; ; page++) {
    const { json } = await t.ct('GET', `/boxes?per=100&page=${page}`);
    out.push(...(json.boxes as SimBox[]));
    if (!json._links.next_page) return out;
  }
}

export interface SimLocation {
  id: string;
  slug: string;
  unique_id: number;
  location_name: string;
}

export async function allLocations(t: MutationTest): Promise<SimLocation[]> {
  const { json } = await t.ct('GET', '/locations?per=100');
  return json.locations as SimLocation[];
}

/** A fresh empty location made directly in CT (so tests do not depend on, or disturb, seeded ones). */
export async function newLocation(t: MutationTest, name = 'Test site'): Promise<SimLocation> {
  const { status, json } = await t.ct('POST', '/locations', { location: { location_name: name } });
  expect(status).toBe(201);
  return json as SimLocation;
}

/** The payload of the one mutation field of `result`, asserting the request itself had no errors. */
export function payload(result: GqlResult, field: string): Record<string, any> {
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  const value = result.data?.[field];
  expect(value).toBeTruthy();
  return value as Record<string, any>;
}

/** `userErrors` reduced to what automation branches on. */
export function codes(p: Record<string, any>): Array<{ code: string; field: string[] | null }> {
  return (p.userErrors as Array<{ code: string; field: string[] | null }>).map(({ code, field }) => ({ code, field }));
}

export const USER_ERRORS = 'userErrors { message field code }';
