/**
 * Prometheus metrics for one app: requests by operation, CT calls by endpoint template and
 * status, token refreshes, 401 replays, retries, loader savings and CT-call budget refusals. Labels carry no token,
 * slug or personal data: CT paths are reduced to templates before they get here.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CtCallEvent } from './ct/client.js';
import type { LiveStats } from './live/registry.js';

const MAX_OPERATION_NAMES = 100;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export interface Metrics {
  registry: Registry;
  operationLabel(name: string | null | undefined): string;
  request(operation: string, status: number, seconds: number): void;
  ctCall(event: CtCallEvent): void;
  requestDone(stats: { replays401: number; retries: number; dedupeHits?: number; primeHits?: number }): void;
  /** An operation refused for the CT-call budget (RATE_LIMIT_CT_CALLS). */
  budgetRefused(): void;
  render(): Promise<{ body: string; contentType: string }>;
}

type RefreshStats = { readonly stats: { refreshes: number; failures: number; reused: number } };

/**
 * `grants`: the API tokens' grant refresher (counted apart: its refreshes are serialised through the
 * store); `live`: the subscriptions' pollers (src/live/), read when /metrics is scraped.
 */
export function createMetrics(sources: { refresher: RefreshStats; grants?: RefreshStats; live?: { readonly stats: LiveStats } }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ct_graphql_process_' });
  const names = new Set<string>();
  const requests = new Counter({
    name: 'ct_graphql_requests_total',
    help: 'GraphQL requests by operation name and HTTP status.',
    labelNames: ['operation', 'status'],
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'ct_graphql_request_duration_seconds',
    help: 'GraphQL request duration by operation name.',
    labelNames: ['operation'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const ctCalls = new Counter({
    name: 'ct_graphql_ct_calls_total',
    help: 'Calls to the CT REST API by method, endpoint template and status.',
    labelNames: ['method', 'endpoint', 'status'],
    registers: [registry],
  });
  const ctDuration = new Histogram({
    name: 'ct_graphql_ct_call_duration_seconds',
    help: 'Duration of CT REST calls by method and endpoint template.',
    labelNames: ['method', 'endpoint'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'ct_graphql_ct_retries_total',
    help: 'CT reads retried after 429, 502-504 or a connection error.',
    registers: [registry],
  });
  const replays = new Counter({
    name: 'ct_graphql_ct_401_replays_total',
    help: 'CT calls replayed once after a 401 and a token refresh.',
    registers: [registry],
  });
  const dedupe = new Counter({
    name: 'ct_graphql_loader_dedupe_hits_total',
    help: 'CT reads answered by an identical earlier read in the same request.',
    registers: [registry],
  });
  const primed = new Counter({
    name: 'ct_graphql_loader_prime_hits_total',
    help: 'Objects served from a list that primed the item loader, saving a CT call.',
    registers: [registry],
  });
  const budgetRefusals = new Counter({
    name: 'ct_graphql_budget_refusals_total',
    help: "Operations refused before any CT call because the CT account's CT-call budget had less left than their estimate.",
    registers: [registry],
  });
  new Counter({
    name: 'ct_graphql_token_refreshes_total',
    help: 'CT token refreshes performed (one per refresh token; concurrent callers share it).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.refresher.stats.refreshes);
    },
  });
  new Counter({
    name: 'ct_graphql_token_refresh_failures_total',
    help: 'CT token refreshes that CT refused.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.refresher.stats.failures);
    },
  });
  new Counter({
    name: 'ct_graphql_token_refresh_reused_total',
    help: 'Requests with an already-refreshed session that reused the kept refresh result.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.refresher.stats.reused);
    },
  });
  const grantCounters: Array<[string, string, 'refreshes' | 'failures' | 'reused']> = [
    ['ct_graphql_api_token_refreshes_total', 'CT refreshes of API-token grants made by this instance (under the store lock).', 'refreshes'],
    ['ct_graphql_api_token_refresh_failures_total', 'API-token grant refreshes that failed or that CT refused.', 'failures'],
    [
      'ct_graphql_api_token_refresh_reused_total',
      'API-token grant refreshes answered by one another request or instance had already made.',
      'reused',
    ],
  ];
  for (const [name, help, stat] of grantCounters) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(sources.grants?.stats[stat] ?? 0);
      },
    });
  }

  const { live } = sources;
  if (live) {
    const byKind = (metric: Gauge | Counter, read: (stats: LiveStats) => Readonly<Record<string, number>>): void => {
      metric.reset();
      for (const [kind, value] of Object.entries(read(live.stats))) metric.labels({ kind }).inc(value);
    };
    new Gauge({
      name: 'ct_graphql_live_subscriptions',
      help: 'Subscription streams open on this instance, by kind (boxes, voucher).',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        byKind(this, (stats) => stats.subscriptions);
      },
    });
    new Gauge({
      name: 'ct_graphql_live_pollers',
      help: 'Pollers this instance runs (with REDIS_URL: the topics whose lease it holds), by kind.',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        byKind(this, (stats) => stats.pollers);
      },
    });
    new Counter({
      name: 'ct_graphql_live_polls_total',
      help: 'Polls of CT made for subscribers, by kind.',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        byKind(this, (stats) => stats.polls);
      },
    });
    new Counter({
      name: 'ct_graphql_live_poll_ct_calls_total',
      help: 'CT calls made by polls for subscribers (every page and retry), by kind.',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        byKind(this, (stats) => stats.pollCtCalls);
      },
    });
    new Counter({
      name: 'ct_graphql_live_poll_failures_total',
      help: 'Polls CT failed (unavailable, rate limited, 5xx); the streams wait for the next one.',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(live.stats.pollFailures);
      },
    });
    new Counter({
      name: 'ct_graphql_live_identity_lookups_total',
      help: 'CT /me.json calls made to learn which CT user a subscriber is (once per access token).',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(live.stats.identityLookups);
      },
    });
  }

  return {
    registry,
    operationLabel(name) {
      if (!name || !OPERATION_NAME.test(name)) return 'anonymous';
      if (names.has(name)) return name;
      if (names.size >= MAX_OPERATION_NAMES) return 'other';
      names.add(name);
      return name;
    },
    request(operation, status, seconds) {
      requests.inc({ operation, status: String(status) });
      durations.observe({ operation }, seconds);
    },
    ctCall(event) {
      ctCalls.inc({ method: event.method, endpoint: event.pathTemplate, status: String(event.status) });
      ctDuration.observe({ method: event.method, endpoint: event.pathTemplate }, event.durationMs / 1000);
      if (event.retry) retries.inc();
    },
    requestDone(stats) {
      if (stats.replays401) replays.inc(stats.replays401);
      if (stats.dedupeHits) dedupe.inc(stats.dedupeHits);
      if (stats.primeHits) primed.inc(stats.primeHits);
    },
    budgetRefused() {
      budgetRefusals.inc();
    },
    async render() {
      return { body: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
