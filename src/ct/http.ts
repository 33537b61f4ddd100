// One HTTP exchange with CT under a hard deadline, classified as response / timeout / network
// failure. Shared by the REST client and the OAuth calls so both enforce timeouts the same way.
import http from 'node:http';
import https from 'node:https';

/** The one header accessor the client needs; a full Headers object is not built per call. */
export type HeaderReader = Pick<Headers, 'get'>;

export type HttpAttempt =
  | { kind: 'response'; status: number; headers: HeaderReader; text: string }
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

/** How the CT client sends one request: a fetch function (tests inject the simulator) or node:http. */
export type CtTransport = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutMs: number,
) => Promise<HttpAttempt>;

export function fetchTransport(fetchFn: typeof fetch): CtTransport {
  return (url, init, timeoutMs) => timedFetch(fetchFn, url, init, timeoutMs);
}

/**
 * CT over node:http/https with keep-alive agents. The server uses this instead of the global
 * fetch: undici's Request/Response/stream machinery was the largest cost per request in the
 * benchmark's profile, and a JSON exchange needs none of it.
 */
export function createNodeTransport(options: { maxSockets?: number } = {}): CtTransport {
  const maxSockets = options.maxSockets ?? 64;
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets }),
  };
  return (url, init, timeoutMs) =>
    new Promise<HttpAttempt>((resolve) => {
      let settled = false;
      const finish = (attempt: HttpAttempt): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(attempt);
      };
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        finish({ kind: 'network' });
        return;
      }
      const secure = target.protocol === 'https:';
      const headers = init.body === undefined ? init.headers : { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) };
      const req = (secure ? https : http).request(
        target,
        { method: init.method, headers, agent: secure ? agents['https:'] : agents['http:'] },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', () => finish({ kind: 'network' }));
          res.on('end', () => {
            const raw = res.headers;
            finish({
              kind: 'response',
              status: res.statusCode ?? 0,
              headers: {
                get(name: string) {
                  const value = raw[name.toLowerCase()];
                  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
                },
              },
              text: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      // The deadline covers the body too: a stalled body is a stalled call.
      const timer = setTimeout(() => {
        finish({ kind: 'timeout' });
        req.destroy();
      }, timeoutMs);
      req.on('error', () => finish({ kind: 'network' }));
      req.end(init.body);
    });
}
