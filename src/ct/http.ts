// One HTTP exchange with CT under a hard deadline, classified as response / timeout / network
// failure. Shared by the REST client and the OAuth calls so both enforce timeouts the same way.

export type HttpAttempt =
  | { kind: 'response'; status: number; headers: Headers; text: string }
  | { kind: 'timeout' }
  | { kind: 'network' };

const TIMED_OUT = Symbol('timed out');

/**
 * Sends the request and reads the whole body before `timeoutMs` elapses. The deadline is raced
 * as well as passed as the signal, because an injected fetch (the simulator, a test double) may
 * ignore the signal; the body read is inside the deadline since a stalled body is a stalled call.
 */
export async function timedFetch(
  fetchFn: typeof fetch,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutMs: number,
): Promise<HttpAttempt> {
  const signal = AbortSignal.timeout(timeoutMs);
  let onAbort: () => void = () => {};
  const deadline = new Promise<never>((_, reject) => {
    onAbort = () => reject(TIMED_OUT);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  deadline.catch(() => {}); // raced below; never an unhandled rejection
  try {
    // A Request object (not url + init) so a fetch handler taking one Request, like the simulator's, works too.
    const request = new Request(url, { method: init.method, headers: init.headers, body: init.body ?? null, signal });
    const response = await Promise.race([fetchFn(request), deadline]);
    // Response.error() (status 0) is how a fetch handler reports a network failure without throwing.
    if (response.type === 'error' || response.status === 0) return { kind: 'network' };
    const text = await Promise.race([response.text(), deadline]);
    return { kind: 'response', status: response.status, headers: response.headers, text };
  } catch (error) {
    if (error === TIMED_OUT || signal.aborted) return { kind: 'timeout' };
    return { kind: 'network' };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
