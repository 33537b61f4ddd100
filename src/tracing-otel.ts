/**
 * The OpenTelemetry side of tracing.ts: a tracer provider of our own (never registered globally,
 * so two apps in one process, as in tests, do not share one), batching spans to an OTLP/HTTP JSON
 * exporter, and W3C trace context read from the caller's `traceparent`. Parents are passed
 * explicitly (request -> operation -> CT call), so no async context manager runs on every await.
 * Loaded by tracing.ts only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 *
 * Attribute names follow OpenTelemetry's HTTP and GraphQL conventions where they have one
 * (`http.request.method`, `url.template`, `http.response.status_code`, `http.request.resend_count`,
 * `graphql.operation.type`); the facade's own are under `ct_graphql.`.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type TextMapGetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { CtCallTrace } from './ct/client.js';
import { type OperationTrace, type RequestTrace, type Tracing, type TracingOptions, urlTemplate } from './tracing.js';

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

export function createOtelTracing(options: TracingOptions): Tracing {
  const exporter = new OTLPTraceExporter({ url: `${options.endpoint}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('ct-graphql');
  const propagator = new W3CTraceContextPropagator();

  function startRequest(request: Request, route: string | null): RequestTrace {
    const method = request.method;
    const caller = propagator.extract(ROOT_CONTEXT, request.headers, headerGetter);
    const attributes: Attributes = { 'http.request.method': method, 'url.path': new URL(request.url).pathname };
    if (route) attributes['http.route'] = route;
    const span = tracer.startSpan(route ? `${method} ${route}` : method, { kind: SpanKind.SERVER, attributes }, caller);
    const requestContext = trace.setSpan(caller, span);
    let operation: Span | null = null;

    const ctCall = (ctMethod: string, pathTemplate: string): CtCallTrace => {
      const template = urlTemplate(pathTemplate);
      const parent = operation ? trace.setSpan(requestContext, operation) : requestContext;
      const call = tracer.startSpan(
        `ct ${ctMethod} ${template}`,
        { kind: SpanKind.CLIENT, attributes: { 'http.request.method': ctMethod, 'url.template': template } },
        parent,
      );
      let attempts = 0;
      let status: number | 'error' | 'timeout' | null = null;
      return {
        attempt(answer) {
          attempts += 1;
          status = answer;
        },
        retry(delayMs) {
          call.addEvent('ct.retry', { 'ct_graphql.retry.after_status': String(status), 'ct_graphql.retry.delay_ms': Math.round(delayMs) });
        },
        refresh(reason) {
          call.addEvent('ct.token_refresh', { 'ct_graphql.refresh.reason': reason });
        },
        end(failure) {
          if (typeof status === 'number') call.setAttribute('http.response.status_code', status);
          if (attempts > 1) call.setAttribute('http.request.resend_count', attempts - 1);
          if (failure !== undefined) {
            // The status when CT answered one, else what went wrong on the way ('timeout', 'error'), else the client's code.
            call.setAttribute('error.type', typeof status === 'number' && status >= 400 ? String(status) : (status ?? failure));
            call.setStatus({ code: SpanStatusCode.ERROR, message: failure });
          }
          call.end();
        },
      };
    };

    return {
      traceId: span.spanContext().traceId,
      ctCall,
      startOperation(type, name): OperationTrace {
        const attributes: Attributes = { 'graphql.operation.type': type };
        if (name) attributes['graphql.operation.name'] = name;
        const started = tracer.startSpan(name ? `${type} ${name}` : type, { kind: SpanKind.INTERNAL, attributes }, requestContext);
        operation = started;
        return {
          end(cost) {
            started.setAttributes({ 'ct_graphql.cost.estimated': cost.estimated, 'ct_graphql.cost.ct_calls': cost.ctCalls });
            if (cost.budgetRemaining !== null) started.setAttribute('ct_graphql.budget.remaining', cost.budgetRemaining);
            if (cost.errorCode !== null) started.setStatus({ code: SpanStatusCode.ERROR, message: cost.errorCode });
            started.end();
            if (operation === started) operation = null;
          },
        };
      },
      end(status) {
        span.setAttribute('http.response.status_code', status);
        // Server spans are errors for 5xx only: a 4xx is the caller's mistake, not ours.
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      },
    };
  }

  return {
    startRequest,
    shutdown: () => provider.shutdown(),
  };
}
