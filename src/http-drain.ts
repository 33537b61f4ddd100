/**
 * The socket side of a graceful shutdown for a node:http server. `createHttpDrainer(server)`
 * counts the requests in flight; `drain(graceMs)` then
 * 1. stops listening: new connections are refused at once;
 * 2. answers every further response with `Connection: close`, so each keep-alive socket closes
 *    after the request it is serving, and a request that arrives on an open socket is still
 *    answered (clients lose nothing they already sent);
 * 3. waits until no request is in flight, or the grace period ends;
 * 4. closes the idle keep-alive sockets, and at the end of the grace period every socket left.
 * The application side (readiness, Redis, a store) is lifecycle.ts; server.ts runs both.
 */
import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DrainResult {
  /** Requests still in flight when the grace period ended; their sockets were cut. 0: a clean drain. */
  cut: number;
}

export interface HttpDrainer {
  /** Requests received and not yet answered. */
  inFlight(): number;
  /** The drain above; later calls share the first. Resolves once every socket is closed. */
  drain(graceMs: number): Promise<DrainResult>;
}

export function createHttpDrainer(server: Server): HttpDrainer {
  const active = new Set<ServerResponse>();
  let draining = false;
  let drained: Promise<DrainResult> | undefined;
  let settled: (() => void) | undefined;

  // Prepended, so the response is tracked (and marked) before the app's handler can answer it.
  server.prependListener('request', (_request, response: ServerResponse) => {
    active.add(response);
    if (draining) response.setHeader('connection', 'close');
    // 'close' follows both a finished response and a connection lost mid-request.
    response.once('close', () => {
      active.delete(response);
      if (active.size === 0) settled?.();
    });
  });

  async function drain(graceMs: number): Promise<DrainResult> {
    draining = true;
    const abort = new AbortController();
    const deadline = sleep(graceMs, 'deadline' as const, { signal: abort.signal }).catch(() => 'aborted' as const);
    // net's close, not http's: since Node 19 http.Server#close also closes every idle keep-alive
    // socket at once, and a client that has just sent a request on one would see it reset
    // instead of answered. Idle sockets are closed below, once nothing is in flight.
    const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
    for (const response of active) if (!response.headersSent) response.setHeader('connection', 'close');

    const idle = new Promise<'idle'>((resolve) => {
      settled = () => resolve('idle');
      if (active.size === 0) resolve('idle');
    });
    let outcome = await Promise.race([idle, deadline]);
    if (outcome === 'idle') {
      server.closeIdleConnections();
      // A request may still arrive on a socket that was busy a moment ago; it is answered with
      // `Connection: close`, and that socket closes after it.
      outcome = await Promise.race([closed.then(() => 'idle' as const), deadline]);
    }
    const cut = outcome === 'idle' ? 0 : active.size;
    if (outcome !== 'idle') server.closeAllConnections();
    abort.abort();
    await closed;
    return { cut };
  }

  return {
    inFlight: () => active.size,
    drain(graceMs) {
      drained ??= drain(graceMs);
      return drained;
    },
  };
}
