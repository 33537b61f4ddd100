// createSimulator(): a Fetch handler faithful to CT (ct-api.md) over an in-memory seeded store,
// serving /api/v1/*, /oauth/* and the /__sim/* control API, with a request log and test switches.

import { setTimeout as sleep } from 'node:timers/promises';
import { control as controlRoutes } from './control.js';
import { DEMO } from './demo.js';
import { Faults, RateLimiter } from './faults.js';
import { BadRequestError, badRequest, epochSeconds, json, queryObject, readBody, Router, unauthorized, type Json } from './http.js';
import { finishVoucher } from './model.js';
import { OAuthProvider } from './oauth.js';
import { boxRoutes } from './routes/boxes.js';
import { codeRoutes } from './routes/codes.js';
import type { ApiRoute, Settings } from './routes/context.js';
import { locationRoutes } from './routes/locations.js';
import { meRoutes } from './routes/me.js';
import { splashPageRoutes } from './routes/splash-pages.js';
import { voucherRoutes } from './routes/vouchers.js';
import { DEFAULT_SEED, seedStore } from './seed.js';
import type { Store, UserRecord } from './store.js';
import type { RequestLogEntry, SimulatorControl } from './types.js';

export { DEMO } from './demo.js';
export { SimulatedNetworkError, type FaultSpec, type RateLimit } from './faults.js';
export type { RequestLogEntry, SimulatorControl } from './types.js';

export interface SimulatorOptions {
  /** PRNG seed for the demo data. @default 1813 */
  seed?: number;
  /** Seed two accounts (demo + other) with data; false leaves both accounts empty. @default true */
  demoData?: boolean;
  /** Extra registered redirect URIs of the demo app (exact match), besides DEMO.redirectUri. */
  redirectUris?: string[];
  /**
   * The demo app also accepts a facade's default callback on any loopback port
   * (http://localhost:<port>/auth/callback, or 127.0.0.1, [::1]). CT matches exactly; `npm run
   * simulator` turns this on so that a facade on any local port signs in. @default false
   */
  loopbackCallbacks?: boolean;
  /** @default 7200 */
  tokenLifetimeSeconds?: number;
  /** Added to every non-control request. @default 0 */
  latencyMs?: number;
  /** @default 2000 */
  voucherGenerationDelayMs?: number;
  /** @default 60000 */
  rebootDurationMs?: number;
  /** Clock in epoch ms. @default Date.now */
  now?: () => number;
}

export interface Simulator {
  /** Also callable like global fetch (`sim.fetch(url, init)`), so it can be injected as `typeof fetch`. */
  fetch(request: Request | string | URL, init?: RequestInit): Promise<Response>;
  readonly log: RequestLogEntry[];
  apiCalls(): RequestLogEntry[];
  resetLog(): void;
  control: SimulatorControl;
  readonly store: unknown;
}

const api = new Router<ApiRoute>();
meRoutes(api);
locationRoutes(api);
boxRoutes(api);
voucherRoutes(api);
splashPageRoutes(api);
codeRoutes(api);

function bearerToken(request: Request, url: URL): string | null {
  const header = request.headers.get('authorization') ?? '';
  const m = /^bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? url.searchParams.get('access_token') ?? null;
}

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const now = options.now ?? Date.now;
  const seed = options.seed ?? DEFAULT_SEED;
  const demoData = options.demoData ?? true;
  const defaults = {
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 7200,
    latencyMs: options.latencyMs ?? 0,
    voucherGenerationDelayMs: options.voucherGenerationDelayMs ?? 2000,
    rebootDurationMs: options.rebootDurationMs ?? 60_000,
  };
  let latencyMs = defaults.latencyMs;
  const settings: Settings = { rebootDurationMs: defaults.rebootDurationMs, voucherGenerationDelayMs: defaults.voucherGenerationDelayMs };
  const build = (): Store => seedStore({ seed, demoData, pendingVouchersReadyAtMs: now() + settings.voucherGenerationDelayMs });
  let store = build();
  const oauth = new OAuthProvider(
    () => store,
    now,
    defaults.tokenLifetimeSeconds,
    options.redirectUris ?? [],
    options.loopbackCallbacks ?? false,
  );
  const faults = new Faults();
  const rateLimiter = new RateLimiter();
  const log: RequestLogEntry[] = [];

  const settle = (): void => store.settle(now(), (v, readyAtMs) => finishVoucher(store, v, epochSeconds(readyAtMs)));

  const control: SimulatorControl = {
    setTokenLifetime: (seconds) => {
      oauth.lifetimeSeconds = seconds;
    },
    expireAllTokens: () => oauth.expireAll(),
    revokeAllTokens: () => oauth.revokeAll(),
    setLatency: (ms) => {
      latencyMs = Math.max(0, ms);
    },
    addFault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    setRateLimit: (limit) => rateLimiter.set(limit),
    setVoucherGenerationDelay: (ms) => {
      settings.voucherGenerationDelayMs = Math.max(0, ms);
    },
    completePendingVouchers: () => {
      for (const uid of store.voucherReadyAt.keys()) store.voucherReadyAt.set(uid, 0);
      store.settle(now(), (v) => finishVoucher(store, v, epochSeconds(now())));
    },
    setRebootDuration: (ms) => {
      settings.rebootDurationMs = Math.max(0, ms);
    },
    issueTokens: (username = DEMO.username) => {
      const user = store.userByLogin(username);
      if (!user) throw new Error(`no such simulator user: ${username}`);
      return oauth.issue(DEMO.clientId, user.id);
    },
    registerRedirectUri: (uri) => oauth.registerRedirectUri(uri),
    reset: () => {
      latencyMs = defaults.latencyMs;
      oauth.lifetimeSeconds = defaults.tokenLifetimeSeconds;
      settings.rebootDurationMs = defaults.rebootDurationMs;
      settings.voucherGenerationDelayMs = defaults.voucherGenerationDelayMs;
      faults.clear();
      rateLimiter.set(null);
      log.length = 0;
      store = build();
    },
  };

  async function dispatch(request: Request, url: URL): Promise<Response> {
    const path = url.pathname;
    if (path === '/oauth/authorize' && (request.method === 'GET' || request.method === 'POST')) return oauth.authorize(request, url);
    if (path === '/oauth/token' && request.method === 'POST') return oauth.token(request, url);
    if (path === '/oauth/revoke' && request.method === 'POST') return oauth.revoke(request, url);

    const match = api.match(request.method, path);
    if (!match) return json(404, { message: 'Not found' });
    const token = bearerToken(request, url);
    const limited = path.startsWith('/api/') ? rateLimiter.check(token, now()) : null;
    if (limited) return limited;
    let user: UserRecord | null = null;
    if (match.handler.auth) {
      const auth = oauth.authenticate(token);
      if ('error' in auth) return unauthorized(auth.error);
      user = auth.user;
    }
    let body: Json;
    try {
      body = await readBody(request);
    } catch (e) {
      if (e instanceof BadRequestError) return badRequest(e.message);
      throw e;
    }
    settle();
    return match.handler.handler({
      request,
      url,
      params: match.params,
      body,
      store,
      // routes without auth (ping) never read the user; the first account stands in
      user: user ?? (store.users[0] as UserRecord),
      nowMs: now(),
      settings,
    });
  }

  async function handle(input: Request | string | URL, init?: RequestInit): Promise<Response> {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    const url = new URL(request.url);
    if (url.pathname === '/__sim' || url.pathname.startsWith('/__sim/')) {
      return controlRoutes(request, url, { control, log, faults, rateLimiter, settings, oauth, latency: () => latencyMs });
    }
    const entry: RequestLogEntry = { method: request.method, path: url.pathname, query: queryObject(url), status: 0, time: now() };
    log.push(entry);
    if (latencyMs > 0) await sleep(latencyMs);
    const faulted = await faults.apply(request.method, url.pathname); // a drop throws; the entry keeps status 0
    let response: Response;
    try {
      response = faulted ?? (await dispatch(request, url));
    } catch (e) {
      // a simulator bug must look like a CT 500, not crash the caller's fetch
      console.error('[ct-simulator] unhandled error', e);
      response = json(500, { message: 'Internal Server Error' });
    }
    entry.status = response.status;
    // Processed, and now the answer is lost (a drop throws; the entry keeps the status CT acted with), replaced or late.
    const after = faulted ? null : await faults.apply(request.method, url.pathname, 'after');
    return after ?? response;
  }

  return {
    fetch: handle,
    log,
    apiCalls: () => log.filter((e) => e.path.startsWith('/api/')),
    resetLog: () => {
      log.length = 0;
    },
    control,
    get store() {
      return store;
    },
  };
}
