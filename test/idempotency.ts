/**
 * For the Idempotency-Key tests: a facade over the simulator whose CT calls can be held at a gate
 * (to have a request still running while another arrives), signed-in callers of both kinds (a
 * session token, an API token), and POST /graphql on either HTTP path: the JSON fast path, or yoga
 * (a form-encoded body, which the fast path leaves to yoga) answering the same JSON.
 */
import { createSimulator, type Simulator, type SimulatorOptions } from '../simulator/app.js';
import type { App } from '../src/app.js';
import type { Config } from '../src/config.js';
import { disposeApp, issueApiToken } from './api-tokens.js';
import { createAppOver, CT_URL, FACADE_URL } from './harness.js';

export type Path = 'fast' | 'yoga';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export interface Caller {
  /** The Authorization header value. */
  authorization: string;
}

export interface Facade {
  sim: Simulator;
  app: App;
  config: Config;
  clock: { now: number };
  /** A session token's caller and an API token's caller, both the demo account. */
  session: Caller;
  apiToken: Caller;
  post(
    caller: Caller,
    query: string,
    variables?: Record<string, unknown>,
    o?: { key?: string; path?: Path; headers?: Record<string, string> },
  ): Promise<Answer>;
  /** CT's REST API straight from the simulator, as the demo account. */
  ct(method: string, path: string, body?: unknown): Promise<any>;
  /** Holds every CT call whose method and path match until `release` (the returned function) is called. */
  hold(method: string, path: RegExp): { arrived: Promise<void>; release(): void };
}

/** A caller whose CT user is another account (`other`). */
export async function otherSession(f: Facade): Promise<Caller> {
  const issued = f.sim.control.issueTokens('other');
  const sealed = await (await f.app.sessions()).seal({
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    expiresAt: Date.now() + 3_600_000,
  });
  return { authorization: `Bearer ${sealed.token}` };
}

const disposers: Array<() => Promise<void>> = [];

/** Closes every facade made since the last call (an afterEach hook). */
export async function disposeFacades(): Promise<void> {
  for (const dispose of disposers.splice(0)) await dispose();
}

export async function facade(
  o: { sim?: Simulator; simOptions?: SimulatorOptions; env?: Record<string, string>; clock?: { now: number }; apiToken?: boolean } = {},
): Promise<Facade> {
  const sim = o.sim ?? createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`], ...o.simOptions });
  const clock = o.clock ?? { now: Date.now() };
  const holds: Array<{ method: string; path: RegExp; arrive(): void; released: Promise<void> }> = [];
  const ctFetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const hold = holds.find((h) => h.method === request.method && h.path.test(url.pathname));
    if (hold) {
      hold.arrive();
      await hold.released;
    }
    return sim.fetch(request);
  };
  const { app, config } = createAppOver(sim, o.env, ctFetch, () => clock.now);
  disposers.push(() => disposeApp(app, config.dataDir));
  const issued = sim.control.issueTokens();
  const sealed = await (await app.sessions()).seal({
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    expiresAt: Date.now() + 3_600_000,
  });
  // An API token needs the store; a test of the store being down goes without.
  const token = o.apiToken === false ? { secret: 'ctg_none' } : await issueApiToken(app, sim, { name: 'idempotency' });
  const ctAccess = sim.control.issueTokens().access_token;

  return {
    sim,
    app,
    config,
    clock,
    session: { authorization: `Bearer ${sealed.token}` },
    apiToken: { authorization: `Bearer ${token.secret}` },
    async post(caller, query, variables, p = {}) {
      const headers: Record<string, string> = { accept: 'application/json', authorization: caller.authorization, ...p.headers };
      if (p.key !== undefined) headers['idempotency-key'] = p.key;
      let body: string;
      if (p.path === 'yoga') {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams({ query, ...(variables ? { variables: JSON.stringify(variables) } : {}) }).toString();
      } else {
        headers['content-type'] = 'application/json';
        body = JSON.stringify({ query, variables });
      }
      const response = await app.fetch(new Request(`${FACADE_URL}/graphql`, { method: 'POST', headers, body }));
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
    },
    async ct(method, path, body) {
      const response = await sim.fetch(
        new Request(`${CT_URL}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${ctAccess}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
      const text = await response.text();
      return text === '' ? null : JSON.parse(text);
    },
    hold(method, path) {
      let arrive!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((resolve) => {
        arrive = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const entry = { method, path, arrive, released };
      holds.push(entry);
      return {
        arrived,
        release() {
          holds.splice(holds.indexOf(entry), 1);
          release();
        },
      };
    },
  };
}

export const CREATE_VOUCHER = `mutation Create($input: CreateVoucherInput!) {
  createVoucher(input: $input) { voucher { id name quantity } userErrors { code field message } }
}`;

export const globalId = (typename: string, key: string | number): string => Buffer.from(`${typename}:${key}`, 'utf8').toString('base64url');

/** The calls CT saw, as `METHOD path`. */
export const ctCalls = (sim: Simulator): string[] => sim.apiCalls().map((c) => `${c.method} ${c.path}`);
