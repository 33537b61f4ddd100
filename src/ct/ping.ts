// CT's readiness probe: GET /ping.json with a cache-buster, the way CT's own dashboard checks
// connectivity (ct-api.md §4.1). It needs no user, so it lives outside the per-user client.
import { timedFetch } from './http.js';

export async function pingCt(apiUrl: string, fetchFn: typeof fetch, timeoutMs: number): Promise<'ready' | 'unhealthy' | 'unreachable'> {
  const attempt = await timedFetch(fetchFn, `${apiUrl}/ping.json?q=${Date.now()}`, { method: 'GET', headers: { accept: 'application/json' } }, timeoutMs);
  if (attempt.kind !== 'response') return 'unreachable';
  // Whether CT wants a token for ping.json is not known (ct-api.md §1): a 401 still proves CT is up.
  return attempt.status < 500 && attempt.status !== 429 ? 'ready' : 'unhealthy';
}
