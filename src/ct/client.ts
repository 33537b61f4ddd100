// The CT REST client: the only module that calls CT's REST API. One client per request, bound to
// one user's tokens; it owns the token lifecycle (refresh ahead of expiry, refresh once on 401),
// timeouts, and retries (reads only: a write is never repeated blindly, vouchers cost money).

import { setTimeout as sleep } from 'node:timers/promises';
import { CtAuthError, CtError, CtHttpError, CtRateLimitedError, CtUnavailableError, parseCtError, parseRetryAfter } from './errors.js';
import { fetchTransport, type CtTransport, type HttpAttempt } from './http.js';
import type { Refresher } from './refresher.js';
import type { CtTokens } from './tokens.js';

export type CtQuery = Record<string, string | number | boolean | null | undefined>;

/** One HTTP call to CT, for metrics. `pathTemplate` has every id replaced, so it carries no personal data. */
export interface CtCallEvent {
  method: string;
  pathTemplate: string;
  status: number | 'error' | 'timeout';
  durationMs: number;
  /** True for every call after the first of one client operation (read retry or 401 replay). */
  retry: boolean;
}

/**
 * One CT call's span (tracing.ts), from the first attempt to the last answer: what each attempt
 * got, the waits before retries, token refreshes. Absent when tracing is off: the client then
 * makes no call at all for it.
 */
export interface CtCallTrace {
  attempt(status: CtCallEvent['status']): void;
  retry(delayMs: number): void;
  /** `expiring`: refreshed ahead of expiry before the call; `rejected`: CT answered 401 and the call is replayed. */
  refresh(reason: 'expiring' | 'rejected'): void;
  /** `failure`: the error's code when the call failed. */
  end(failure?: string): void;
}

export type CtCallTracer = (method: string, pathTemplate: string) => CtCallTrace;

export interface CtClient {
  get<T>(path: string, query?: CtQuery): Promise<T>;
  send<T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, query?: CtQuery): Promise<T | null>;
  readonly tokens: CtTokens;
  /**
   * True when a refresh gave this client tokens worth sealing into a new session. False after a
   * failed refresh or refreshed tokens CT refused: handing those out could overwrite a session
   * (a newer cookie) that still works.
   */
  readonly tokensChanged: boolean;
  readonly stats: { calls: number; retries: number; replays401: number };
}

export interface CtClientOptions {
  apiUrl: string;
  fetch: typeof fetch;
  /** Overrides `fetch` for REST calls (the server passes a node:http transport). */
  transport?: CtTransport;
  tokens: CtTokens;
  /** Only `refresh` is asked of it: a per-grant refresher (API tokens) has nothing to forget. */
  refresher: Pick<Refresher, 'refresh'>;
  /** Per HTTP call, body included. */
  timeoutMs?: number;
  /** Retries of one read (writes never retry). */
  maxRetries?: number;
  onCall?: (e: CtCallEvent) => void;
  /** Starts a CT call's span; set only when tracing is on. */
  trace?: CtCallTracer;
  /** A 429 asking for a longer wait than this is passed on to the caller instead of waited out. */
  maxRetryAfterMs?: number;
  /** First backoff step; doubled per retry, with jitter. */
  backoffBaseMs?: number;
  /** Clock (epoch ms) for the expiry check. */
  now?: () => number;
  /** How the client waits before a retry; tests record the waits instead of spending them. */
  sleep?: (ms: number) => Promise<void>;
}

/** Refresh ahead of time when the access token has less than this left (DESIGN.md: a minute). */
export const REFRESH_AHEAD_MS = 60_000;

const RETRYABLE_STATUS = new Set([502, 503, 504]);

export function createCtClient(o: CtClientOptions): CtClient {
  const base = o.apiUrl;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const maxRetries = o.maxRetries ?? 2;
  const maxRetryAfterMs = o.maxRetryAfterMs ?? 5_000;
  const backoffBaseMs = o.backoffBaseMs ?? 75;
  const now = o.now ?? Date.now;
  const send = o.transport ?? fetchTransport(o.fetch);
  const wait = o.sleep ?? sleep;
  const stats = { calls: 0, retries: 0, replays401: 0 };
  let tokens: CtTokens = { ...o.tokens };
  let tokensChanged = false;
  let refreshedTokensRefused = false;
  // Shared by all concurrent calls of this client, so eight 401s cause one refresh.
  let inflight: Promise<void> | null = null;
  // A failed refresh is final for this client (one request): no second attempt against CT.
  let refreshError: CtError | null = null;
  let proactiveTried = false;

  function refreshFrom(usedAccessToken: string): Promise<void> {
    if (refreshError !== null) return Promise.reject(refreshError);
    // Another call of this client already swapped the tokens: just use the new ones.
    if (tokens.accessToken !== usedAccessToken) return Promise.resolve();
    if (inflight === null) {
      const p = o.refresher.refresh(tokens.refreshToken).then(
        (fresh) => {
          tokens = { ...fresh };
          tokensChanged = true;
        },
        (error: unknown) => {
          refreshError = refreshFailure(error);
          throw refreshError;
        },
      );
      inflight = p;
      const clear = (): void => {
        if (inflight === p) inflight = null;
      };
      p.then(clear, clear);
    }
    return inflight;
  }

  async function refreshAhead(): Promise<void> {
    let pending: Promise<void>;
    if (inflight !== null) {
      pending = inflight;
    } else {
      // Once per client: a token issued with a lifetime under a minute must not cause a refresh per call.
      if (proactiveTried || tokens.expiresAt - now() > REFRESH_AHEAD_MS) return;
      proactiveTried = true;
      pending = refreshFrom(tokens.accessToken);
    }
    try {
      await pending;
    } catch (error) {
      // A refresh that could not reach CT is no verdict on a token that has not expired yet: every
      // call waiting for it tries with that token (a 401 then takes the usual refresh-once path).
      if (!(error instanceof CtAuthError) && tokens.expiresAt > now()) return;
      throw error;
    }
  }

  async function attempt(
    method: string,
    url: string,
    template: string,
    body: string | undefined,
    accessToken: string,
    retry: boolean,
    span: CtCallTrace | undefined,
  ): Promise<HttpAttempt> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${accessToken}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    stats.calls++;
    const started = performance.now();
    const a = await send(url, { method, headers, ...(body === undefined ? {} : { body }) }, timeoutMs);
    if (o.onCall !== undefined || span !== undefined) {
      const status = a.kind === 'response' ? a.status : a.kind === 'timeout' ? 'timeout' : 'error';
      try {
        span?.attempt(status);
        o.onCall?.({ method, pathTemplate: template, status, durationMs: performance.now() - started, retry });
      } catch {
        // Metrics and traces must never break a call.
      }
    }
    return a;
  }

  /** Wait before retrying a read, or null when this answer is not worth retrying. */
  function retryDelay(a: HttpAttempt, retries: number): number | null {
    const backoff = backoffBaseMs * 2 ** retries * (0.5 + Math.random() / 2);
    if (a.kind === 'network') return backoff;
    if (a.kind === 'timeout') return null; // the whole budget is spent already; retrying would multiply it
    if (a.status !== 429 && !RETRYABLE_STATUS.has(a.status)) return null;
    const retryAfter = parseRetryAfter(a.headers.get('retry-after'), now());
    if (retryAfter === null) return a.status === 429 ? 1000 : backoff;
    const asked = retryAfter * 1000;
    if (asked > maxRetryAfterMs) return null;
    return Math.max(asked, a.status === 429 ? 0 : backoff) + Math.random() * backoffBaseMs;
  }

  async function call(method: string, path: string, query: CtQuery | undefined, payload: unknown): Promise<unknown> {
    const read = method === 'GET';
    const url = buildUrl(base, path, query, method);
    const template = pathTemplate(path);
    if (o.trace === undefined) return run(method, url, template, payload, read, undefined);
    const span = o.trace(method, template);
    try {
      const result = await run(method, url, template, payload, read, span);
      span.end();
      return result;
    } catch (error) {
      span.end(error instanceof CtError ? error.code : 'error');
      throw error;
    }
  }

  async function run(
    method: string,
    url: string,
    template: string,
    payload: unknown,
    read: boolean,
    span: CtCallTrace | undefined,
  ): Promise<unknown> {
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    const before = tokens.accessToken;
    await refreshAhead();
    if (span && tokens.accessToken !== before) span.refresh('expiring');
    let retries = 0;
    let replayed = false;
    let retry = false;
    for (;;) {
      const usedAccessToken = tokens.accessToken;
      const a = await attempt(method, url, template, body, usedAccessToken, retry, span);
      retry = true;
      if (a.kind === 'response' && a.status === 401) {
        // A 401 means CT did not process the call, so replaying it (even a write) once is safe.
        if (replayed) {
          if (usedAccessToken === tokens.accessToken) refreshedTokensRefused = true;
          throw new CtAuthError('CT rejected the refreshed session tokens; sign in again');
        }
        replayed = true;
        stats.replays401++;
        span?.refresh('rejected');
        await refreshFrom(usedAccessToken);
        continue;
      }
      if (a.kind === 'response' && a.status >= 200 && a.status < 300) return parseSuccess(a, method);
      if (read && retries < maxRetries) {
        const delay = retryDelay(a, retries);
        if (delay !== null) {
          retries++;
          stats.retries++;
          span?.retry(delay);
          await wait(delay);
          continue;
        }
      }
      throw failureOf(a, method, read);
    }
  }

  return {
    get: <T>(path: string, query?: CtQuery) => call('GET', path, query, undefined) as Promise<T>,
    send: <T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, query?: CtQuery) =>
      call(method, path, query, body) as Promise<T | null>,
    get tokens() {
      return { ...tokens };
    },
    get tokensChanged() {
      return tokensChanged && refreshError === null && !refreshedTokensRefused;
    },
    stats,
  };
}

/** What a refresher rejection means for the call: refusal => sign in again; CT trouble stays CT trouble. */
function refreshFailure(error: unknown): CtError {
  if (error instanceof CtUnavailableError) {
    // The call itself was not processed (401, or not sent yet), so its outcome is known: nothing happened.
    const what = error.code === 'ERR_CT_TIMEOUT' ? 'CT did not answer in time' : 'CT is unavailable';
    return new CtUnavailableError({ code: error.code, outcomeUnknown: false, message: `${what} (refreshing the session failed)` });
  }
  if (error instanceof CtRateLimitedError) return error;
  if (error instanceof CtHttpError && RETRYABLE_STATUS.has(error.status)) {
    return new CtUnavailableError({
      code: 'ERR_CT_UNAVAILABLE',
      outcomeUnknown: false,
      message: 'CT is unavailable (refreshing the session failed)',
    });
  }
  if (error instanceof CtHttpError && error.code === 'ERR_CT_SERVER') return error;
  return new CtAuthError('CT refused to refresh the session; sign in again');
}

function failureOf(a: HttpAttempt, method: string, read: boolean): CtError {
  if (a.kind !== 'response') {
    return new CtUnavailableError({ code: a.kind === 'timeout' ? 'ERR_CT_TIMEOUT' : 'ERR_CT_UNAVAILABLE', outcomeUnknown: !read });
  }
  // A write that met a server fault may or may not have been applied; say so rather than guess.
  if (a.status >= 500 && !read) return new CtUnavailableError({ code: 'ERR_CT_UNAVAILABLE', outcomeUnknown: true });
  if (RETRYABLE_STATUS.has(a.status)) return new CtUnavailableError({ code: 'ERR_CT_UNAVAILABLE', outcomeUnknown: false });
  return parseCtError(a.status, a.text, a.headers, method);
}

function parseSuccess(a: { status: number; text: string }, method: string): unknown {
  if (a.status === 204 || a.text.trim() === '') return null;
  try {
    return JSON.parse(a.text);
  } catch {
    if (method === 'GET')
      throw new CtHttpError({ status: 502, method, code: 'ERR_CT_SERVER', message: 'CT returned an answer that is not JSON' });
    // CT said yes but we cannot tell what it made: the caller must look before repeating the write.
    throw new CtUnavailableError({
      code: 'ERR_CT_UNAVAILABLE',
      outcomeUnknown: true,
      message: 'CT accepted the change but its answer could not be read; check before repeating it',
    });
  }
}

/**
 * base + path + query. A path segment that is empty, `.` or `..` (even percent-encoded), or a
 * `?`/`#` inside the path, would make CT address a different resource (`/locations/` + '' is the
 * list): such a path names nothing, so it is a not-found without calling CT.
 */
export function buildUrl(base: string, path: string, query: CtQuery | undefined, method = 'GET'): string {
  const p = path.startsWith('/') ? path : `/${path}`;
  if (!isSafePath(p)) throw new CtHttpError({ status: 404, method, code: 'ERR_CT_NOT_FOUND' });
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) q.append(key, String(value));
  }
  const qs = q.toString();
  return `${base.replace(/\/+$/, '')}${p}${qs === '' ? '' : `?${qs}`}`;
}

function isSafePath(p: string): boolean {
  if (/[?#\\]/.test(p)) return false;
  for (const segment of p.slice(1).split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return false;
    }
    if (decoded === '' || decoded === '.' || decoded === '..' || /[/\\?#]/.test(decoded)) return false;
  }
  return true;
}

// Parameter names by the collection they follow; anything else is `:id`.
const PARAM_NAMES: Record<string, string> = { locations: ':slug', boxes: ':slug', vouchers: ':id', codes: ':username' };

/**
 * `/locations/cafe/vouchers/12/codes` => `/locations/:slug/vouchers/:id/codes`. CT paths alternate
 * collection and id, so every segment after a collection is replaced; a segment in a collection
 * position that does not look like a resource name is replaced too, so no value can leak into metrics.
 */
export function pathTemplate(path: string): string {
  const segments = (path.split('?')[0] ?? '').split('/').filter((s) => s !== '');
  const out = segments.map((segment, i) => {
    if (i % 2 === 0) return /^[a-z][a-z0-9_]*(\.json)?$/.test(segment) ? segment : ':id';
    return PARAM_NAMES[segments[i - 1] ?? ''] ?? ':id';
  });
  return `/${out.join('/')}`;
}
