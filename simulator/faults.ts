// Scripted trouble (ct-api.md §10): injected faults per path glob, and a per-token fixed-window
// rate limit answering 429 with Retry-After. Latency is applied by the app before these run.

import { setTimeout as sleep } from 'node:timers/promises';
import { json, statusText } from './http.js';

export interface FaultSpec {
  method?: string;
  /** Glob on the path (no query): `*` = exactly one segment, `**` = any number of segments. */
  path: string;
  status?: number;
  drop?: boolean;
  /** Fire this many times, then disappear; unlimited when omitted. */
  times?: number;
  retryAfterSeconds?: number;
  delayMs?: number;
  /**
   * Let the request be processed first (CT acts: a POST creates its object), then apply the fault to
   * the answer: `drop` loses it, `status` replaces it, `delayMs` makes it late. What a caller sees
   * when a connection dies after CT acted: the outcome of the write is unknown to it.
   */
  afterProcessing?: boolean;
}

/** What an in-process `fetch` throws for a dropped connection; the node server destroys the socket instead. */
export class SimulatedNetworkError extends TypeError {
  constructor(path: string) {
    super('fetch failed', { cause: new Error(`simulated dropped connection on ${path}`) });
    this.name = 'TypeError';
  }
}

export function globMatch(pattern: string, path: string): boolean {
  const pat = pattern.split('/').filter(Boolean);
  const parts = path.split('/').filter(Boolean);
  const go = (i: number, j: number): boolean => {
    if (i === pat.length) return j === parts.length;
    const seg = pat[i];
    if (seg === '**') return go(i + 1, j) || (j < parts.length && go(i, j + 1));
    if (j === parts.length) return false;
    return (seg === '*' || seg === parts[j]) && go(i + 1, j + 1);
  };
  return go(0, 0);
}

export class Faults {
  private faults: FaultSpec[] = [];

  add(f: FaultSpec): void {
    if (!f.path) throw new Error('a fault needs a path glob');
    if (f.status === undefined && !f.drop && !f.delayMs) throw new Error('a fault needs status, drop or delayMs');
    this.faults.push({ ...f, method: f.method?.toUpperCase() });
  }

  clear(): void {
    this.faults = [];
  }

  list(): FaultSpec[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /**
   * A response to short-circuit with, `null` to carry on; throws SimulatedNetworkError for a drop.
   * `before` (the default) applies faults that stop a request from being processed; `after`, those
   * with `afterProcessing`, once the request was processed.
   */
  async apply(method: string, path: string, phase: 'before' | 'after' = 'before'): Promise<Response | null> {
    const fault = this.faults.find(
      (f) => Boolean(f.afterProcessing) === (phase === 'after') && (!f.method || f.method === method) && globMatch(f.path, path),
    );
    if (!fault) return null;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) this.faults = this.faults.filter((f) => f !== fault);
    }
    if (fault.delayMs) await sleep(fault.delayMs);
    if (fault.drop) throw new SimulatedNetworkError(path);
    if (fault.status === undefined) return null;
    const headers: Record<string, string> = {};
    if (fault.status === 429 || fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds ?? 1);
    return json(fault.status, { message: statusText(fault.status) }, headers);
  }
}

export interface RateLimit {
  requests: number;
  windowSeconds: number;
}

export class RateLimiter {
  private limit: RateLimit | null = null;
  private readonly windows = new Map<string, { start: number; count: number }>();

  set(limit: RateLimit | null): void {
    if (limit && (!(limit.requests >= 1) || !(limit.windowSeconds > 0)))
      throw new Error('rate limit needs requests >= 1 and windowSeconds > 0');
    this.limit = limit;
    this.windows.clear();
  }

  get current(): RateLimit | null {
    return this.limit;
  }

  /** Counts one request for `key` (an access token); a 429 once the window's allowance is spent. */
  check(key: string | null, nowMs: number): Response | null {
    if (!this.limit || key === null) return null;
    const windowMs = this.limit.windowSeconds * 1000;
    let w = this.windows.get(key);
    if (!w || nowMs - w.start >= windowMs) {
      w = { start: nowMs, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= this.limit.requests) {
      const retryAfter = Math.max(1, Math.ceil((w.start + windowMs - nowMs) / 1000));
      return json(429, { message: `Rate limit exceeded. Try again in ${retryAfter} seconds.` }, { 'retry-after': String(retryAfter) });
    }
    w.count += 1;
    return null;
  }
}
