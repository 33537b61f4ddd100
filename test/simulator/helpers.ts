// Shared helpers for the simulator tests: a simulator on a hand-driven clock and a tiny JSON client.

import { createSimulator, DEMO, type Simulator, type SimulatorOptions } from '../../simulator/app.js';

export const BASE = 'http://ct.test';

export interface Clock {
  now: () => number;
  advance(ms: number): void;
}

export function manualClock(start = Date.UTC(2025, 0, 15, 12)): Clock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

export function setup(options: SimulatorOptions = {}): { sim: Simulator; clock: Clock; token: string; otherToken: string } {
  const clock = manualClock();
  const sim = createSimulator({ now: clock.now, ...options });
  return {
    sim,
    clock,
    token: sim.control.issueTokens().access_token,
    otherToken: sim.control.issueTokens(DEMO.otherUsername).access_token,
  };
}

export interface Call {
  status: number;
  body: any;
  headers: Headers;
}

export async function call(
  sim: Simulator,
  method: string,
  path: string,
  o: { token?: string | null; json?: unknown; headers?: Record<string, string> } = {},
): Promise<Call> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.json !== undefined) headers['content-type'] = 'application/json';
  const res = await sim.fetch(
    new Request(`${BASE}${path}`, { method, headers, body: o.json === undefined ? undefined : JSON.stringify(o.json) }),
  );
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* html */
  }
  return { status: res.status, body, headers: res.headers };
}

/** Runs the browser step of the authorization-code flow (consent form POST); returns the redirect URL. */
export async function authorize(sim: Simulator, params: Record<string, string>): Promise<Response> {
  const body = new URLSearchParams({
    client_id: DEMO.clientId,
    redirect_uri: DEMO.redirectUri,
    response_type: 'code',
    state: 's1',
    username: DEMO.username,
    password: DEMO.password,
    ...params,
  });
  return sim.fetch(new Request(`${BASE}/oauth/authorize`, { method: 'POST', body, redirect: 'manual' }));
}

export async function codeFor(sim: Simulator, params: Record<string, string> = {}): Promise<string> {
  const res = await authorize(sim, params);
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code');
  if (!code) throw new Error(`no code (status ${res.status})`);
  return code;
}

export function tokenRequest(fields: Record<string, string>, encoding: 'form' | 'multipart' | 'json' = 'form'): Request {
  if (encoding === 'json') {
    return new Request(`${BASE}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fields),
    });
  }
  if (encoding === 'multipart') {
    const fd = new FormData();
    for (const [k, v] of Object.entries(fields)) fd.append(k, v);
    return new Request(`${BASE}/oauth/token`, { method: 'POST', body: fd });
  }
  return new Request(`${BASE}/oauth/token`, { method: 'POST', body: new URLSearchParams(fields) });
}
