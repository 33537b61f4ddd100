// The /__sim/* control API: the programmatic switches over HTTP for the dev server and benchmarks.
// These requests are never logged, never delayed and never faulted.

import type { Faults, FaultSpec, RateLimiter } from './faults.js';
import { isRecord, json, noContent, notFound, str, type Json } from './http.js';
import type { OAuthProvider } from './oauth.js';
import type { Settings } from './routes/context.js';
import type { RequestLogEntry, SimulatorControl } from './types.js';

export interface ControlDeps {
  control: SimulatorControl;
  log: RequestLogEntry[];
  faults: Faults;
  rateLimiter: RateLimiter;
  settings: Settings;
  oauth: OAuthProvider;
  latency: () => number;
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : undefined;

function toFault(o: Json): FaultSpec {
  const f: FaultSpec = { path: str(o.path) ?? '' };
  const method = str(o.method);
  if (method) f.method = method;
  for (const k of ['status', 'times', 'retryAfterSeconds', 'delayMs'] as const) {
    const n = num(o[k]);
    if (n !== undefined && Number.isFinite(n)) f[k] = n;
  }
  if (o.drop === true || o.drop === 'true') f.drop = true;
  if (o.afterProcessing === true || o.afterProcessing === 'true') f.afterProcessing = true;
  return f;
}

export async function control(request: Request, url: URL, d: ControlDeps): Promise<Response> {
  const route = `${request.method} ${url.pathname.replace(/\/+$/, '')}`;
  let body: unknown = {};
  try {
    const text = await request.text();
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return json(400, { message: 'control bodies are JSON' });
  }
  const b: Json = isRecord(body) ? body : {};
  const ok = (extra: Json = {}): Response => json(200, { ok: true, ...extra });
  try {
    switch (route) {
      case 'GET /__sim':
        return json(200, {
          latencyMs: d.latency(),
          tokenLifetimeSeconds: d.oauth.lifetimeSeconds,
          faults: d.faults.list(),
          rateLimit: d.rateLimiter.current,
          voucherGenerationDelayMs: d.settings.voucherGenerationDelayMs,
          rebootDurationMs: d.settings.rebootDurationMs,
          logEntries: d.log.length,
          redirectUris: [...(d.oauth.apps.values().next().value?.redirectUris ?? [])],
        });
      case 'POST /__sim/latency':
        d.control.setLatency(num(b.ms) ?? 0);
        return ok({ latencyMs: d.latency() });
      case 'POST /__sim/faults':
        for (const f of Array.isArray(body) ? body : [b]) d.control.addFault(toFault(isRecord(f) ? f : {}));
        return ok({ faults: d.faults.list() });
      case 'DELETE /__sim/faults':
        d.control.clearFaults();
        return ok();
      case 'POST /__sim/expire-tokens':
        d.control.expireAllTokens();
        return ok();
      case 'POST /__sim/revoke-tokens':
        d.control.revokeAllTokens();
        return ok();
      case 'POST /__sim/token-lifetime':
        d.control.setTokenLifetime(num(b.seconds) ?? 7200);
        return ok({ tokenLifetimeSeconds: d.oauth.lifetimeSeconds });
      case 'POST /__sim/rate-limit':
        d.control.setRateLimit(
          body === null || b.requests === undefined ? null : { requests: num(b.requests) ?? 0, windowSeconds: num(b.windowSeconds) ?? 0 },
        );
        return ok({ rateLimit: d.rateLimiter.current });
      case 'DELETE /__sim/rate-limit':
        d.control.setRateLimit(null);
        return ok();
      case 'POST /__sim/voucher-delay':
        d.control.setVoucherGenerationDelay(num(b.ms) ?? 0);
        return ok({ voucherGenerationDelayMs: d.settings.voucherGenerationDelayMs });
      case 'POST /__sim/complete-vouchers':
        d.control.completePendingVouchers();
        return ok();
      case 'POST /__sim/reboot-duration':
        d.control.setRebootDuration(num(b.ms) ?? 0);
        return ok({ rebootDurationMs: d.settings.rebootDurationMs });
      case 'POST /__sim/tokens':
        return json(200, d.control.issueTokens(str(b.username)));
      case 'POST /__sim/redirect-uris':
        d.control.registerRedirectUri(str(b.uri) ?? '');
        return ok();
      case 'GET /__sim/log':
        return json(200, { log: d.log, apiCalls: d.log.filter((e) => e.path.startsWith('/api/')).length });
      case 'DELETE /__sim/log':
        d.log.length = 0;
        return noContent();
      case 'POST /__sim/reset':
        d.control.reset();
        return ok();
      default:
        return notFound();
    }
  } catch (e) {
    return json(400, { message: e instanceof Error ? e.message : String(e) });
  }
}
