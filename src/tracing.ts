/**
 * Tracing (OTEL_EXPORTER_OTLP_ENDPOINT) as the rest of the facade sees it: a span per HTTP request
 * (continuing the caller's W3C trace context), one per GraphQL operation under it, and one per CT
 * call under that. Only these interfaces live here; the OpenTelemetry SDK is in tracing-otel.ts
 * and is imported only when tracing is configured, so a facade without it neither loads the SDK
 * nor does any span work on a request (every hook is an optional call on null).
 */
import type { CtCallTracer } from './ct/client.js';

export interface Tracing {
  /** The span of one HTTP request. `route`: its route when it is one of ours (bounded names), else null. */
  startRequest(request: Request, route: string | null): RequestTrace;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export interface RequestTrace {
  /** The trace's id, for the request's log line. */
  readonly traceId: string;
  /** The GraphQL operation's span, a child of the request's; CT calls made while it is open become its children. */
  startOperation(type: string, name: string | null): OperationTrace;
  /** For the CT client: one span per CT call, under the open operation (else the request). */
  readonly ctCall: CtCallTracer;
  end(status: number): void;
}

export interface OperationCostAttributes {
  estimated: number;
  ctCalls: number;
  /** Calls left in the account's budget after this operation; null without one. */
  budgetRemaining: number | null;
  /** The code of the first error of the result, when it has one. */
  errorCode: string | null;
}

export interface OperationTrace {
  end(cost: OperationCostAttributes): void;
}

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `/v1/traces` under it as OTLP/HTTP JSON. */
  endpoint: string;
  serviceName: string;
}

/** Loads the OpenTelemetry SDK and starts exporting. Called only when tracing is configured. */
export async function loadTracing(options: TracingOptions): Promise<Tracing> {
  const { createOtelTracing } = await import('./tracing-otel.js');
  return createOtelTracing(options);
}

/** `/locations/:slug/boxes` => `/locations/{slug}/boxes`: OpenTelemetry's `url.template` form. */
export function urlTemplate(pathTemplate: string): string {
  return pathTemplate.replace(/:([A-Za-z_]+)/g, '{$1}');
}
