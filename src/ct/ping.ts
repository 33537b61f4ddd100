// CT's readiness probe: GET /ping.json with a cache-buster, the way CT's own dashboard checks
// connectivity (ct-api.md §4.1). It needs no user, so it lives outside the per-user client.
import { timedFetch } from './http.js';

export type CtReadiness = 'ready' | 'unhealthy' | 'unreachable';

export async function pingCt(apiUrl: string, fetchFn: typeof fetch, timeoutMs: number): Promise<CtReadiness> {
  const attempt = await timedFetch(
    fetchFn,
    `${apiUrl}/ping.json?q=${Date.now()}`,
    { method: 'GET', headers: { accept: 'application/json' } },
    timeoutMs,
  );
  if (attempt.kind !== 'response') return 'unreachable';
  // Whether CT wants a token for ping.json is not known (ct-api.md §1): a 401 still proves CT is up.
  return attempt.status < 500 && attempt.status !== 429 ? 'ready' : 'unhealthy';
}

export interface ReadinessProbeOptions {
  apiUrl: string;
  fetch: typeof fetch;
  timeoutMs: number;
  /** Clock in ms, for tests; defaults to Date.now. */
  now?: () => number;
  /** How long a ready answer is kept; 5 s by default. */
  readyTtlMs?: number;
  /** How long an unavailable answer is kept; 1 s by default. */
  unavailableTtlMs?: number;
}

/**
 * pingCt behind a short-lived cache. /readyz needs no session, so without it every anonymous hit
 * (or a load balancer polling many instances) would be a CT call; hits while a ping is in flight
 * share it. An unavailable answer is kept for less time, so an instance is ready again soon after
 * CT recovers.
 */
export function createReadinessProbe(o: ReadinessProbeOptions): () => Promise<CtReadiness> {
  const now = o.now ?? Date.now;
  const readyTtlMs = o.readyTtlMs ?? 5_000;
  const unavailableTtlMs = o.unavailableTtlMs ?? 1_000;
  let kept: { state: CtReadiness; at: number } | null = null;
  let inFlight: Promise<CtReadiness> | null = null;
  return () => {
    if (kept && now() - kept.at < (kept.state === 'ready' ? readyTtlMs : unavailableTtlMs)) return Promise.resolve(kept.state);
    inFlight ??= pingCt(o.apiUrl, o.fetch, o.timeoutMs)
      .then((state) => {
        kept = { state, at: now() };
        return state;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };
}
