/**
 * Tracing (OTEL_EXPORTER_OTLP_ENDPOINT) as a collector sees it: a small OTLP/HTTP receiver in this
 * file parses what the facade's exporter sends (OTLP JSON). A query that makes N CT calls gives
 * one operation span with exactly N `ct <METHOD> <route template>` children, with the statuses CT
 * answered, on the fast path and on yoga's path alike; the request span continues the caller's
 * W3C trace context; retries and token refreshes are events of their call's span. Without the
 * variable, the OpenTelemetry SDK is never loaded.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../simulator/app.js';
import type { App } from '../../src/app.js';
import { loadCtData } from '../graphql/ct-data.js';
import { createAppOver, FACADE_URL, simulatorUserId, sessionFor } from '../harness.js';
import { ROOT } from '../e2e/processes.js';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  status: { code?: number };
}

type OtlpAttribute = { key: string; value: Record<string, unknown> };

/** OTLP JSON's AnyValue: one of stringValue, intValue (a string in JSON), boolValue, doubleValue. */
function attributes(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) {
    const v = value.stringValue ?? value.boolValue ?? value.doubleValue ?? value.intValue;
    out[key] = 'intValue' in value ? Number(v) : v;
  }
  return out;
}

/** An OTLP/HTTP trace receiver: POST /v1/traces with a JSON ExportTraceServiceRequest. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; contentTypes: string[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(String(req.headers['content-type']));
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const resource of body.resourceSpans ?? []) {
        for (const scope of resource.scopeSpans ?? []) {
          for (const s of scope.spans ?? []) {
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              kind: s.kind,
              attributes: attributes(s.attributes),
              events: (s.events ?? []).map((e: { name: string; attributes?: OtlpAttribute[] }) => ({
                name: e.name,
                attributes: attributes(e.attributes),
              })),
              status: s.status ?? {},
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, contentTypes, server };
}

const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 };
const STATUS_ERROR = 2;

let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await new Promise((resolve) => receiver.server.close(resolve));
});

/** A traced app over its own simulator, a session for it, and two location slugs. */
async function tracedApp(): Promise<{ app: App; sim: Simulator; token: string; slugs: string[] }> {
  const sim = createSimulator({ redirectUris: [`${FACADE_URL}/auth/callback`] });
  const { app } = createAppOver(sim, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  const token = await sessionFor(app, sim);
  const { locations } = await loadCtData(sim);
  sim.resetLog();
  return { app, sim, token, slugs: locations.slice(0, 2).map((l) => l.slug) };
}

/** The spans of one trace, found by its request span's `x-request-id`-free identity: the trace id. */
function traceOf(traceId: string) {
  const spans = receiver.spans.filter((s) => s.traceId === traceId);
  const request = spans.find((s) => s.kind === SPAN_KIND.SERVER)!;
  const operations = spans.filter((s) => s.parentSpanId === request.spanId && s.kind === SPAN_KIND.INTERNAL);
  return { spans, request, operations };
}

const TRACE_ID = /^[0-9a-f]{32}$/;

describe('tracing with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('gives one operation span with exactly one `ct …` child per CT call, on the fast path and on yoga (GET)', async () => {
    const { app, sim, token, slugs } = await tracedApp();
    // Four CT calls: two locations by slug, one that CT does not know (404), and the boxes of one.
    const query = `query Four($a: String!, $b: String!) {
      a: location(slug: $a) { name } b: location(slug: $b) { boxes(first: 1) { totalCount } }
      c: location(slug: "no-such-place") { name } }`;
    const variables = { a: slugs[0], b: slugs[1] };
    const traceIds: string[] = [];
    const viaPost = await app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables, operationName: 'Four' }),
      }),
    );
    expect((await viaPost.json()).extensions.cost.ctCalls).toBe(4);
    const postCalls = sim.apiCalls();
    sim.resetLog();
    const url = `${FACADE_URL}/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify(variables))}`;
    const viaGet = await app.fetch(new Request(url, { headers: { accept: 'application/json', authorization: `Bearer ${token}` } }));
    expect((await viaGet.json()).extensions.cost.ctCalls).toBe(4);
    const getCalls = sim.apiCalls();
    // close() flushes what the batch processor holds: no waiting on its timer.
    await app.close();

    for (const [method, calls] of [
      ['POST', postCalls],
      ['GET', getCalls],
    ] as const) {
      const request = receiver.spans.find(
        (s) => s.kind === SPAN_KIND.SERVER && s.name === `${method} /graphql` && !traceIds.includes(s.traceId),
      )!;
      expect(request, `${method}: request span`).toBeDefined();
      traceIds.push(request.traceId);
      expect(request.attributes).toMatchObject({
        'http.request.method': method,
        'http.route': '/graphql',
        'http.response.status_code': 200,
      });

      const { spans, operations } = traceOf(request.traceId);
      expect(operations.map((o) => o.name)).toEqual(['query Four']);
      const operation = operations[0]!;
      expect(operation.attributes).toMatchObject({
        'graphql.operation.type': 'query',
        'graphql.operation.name': 'Four',
        'ct_graphql.cost.ct_calls': 4,
        'ct_graphql.cost.estimated': 5,
        'ct_graphql.budget.remaining': expect.any(Number),
      });

      const ctSpans = spans.filter((s) => s.name.startsWith('ct '));
      expect(ctSpans).toHaveLength(calls.length);
      for (const span of ctSpans) {
        expect(span.parentSpanId, span.name).toBe(operation.spanId);
        expect(span.kind).toBe(SPAN_KIND.CLIENT);
      }
      const seen = ctSpans.map((s) => `${s.name} ${s.attributes['http.response.status_code']}`).sort();
      expect(seen).toEqual(
        ['ct GET /boxes 200', 'ct GET /locations/{slug} 200', 'ct GET /locations/{slug} 200', 'ct GET /locations/{slug} 404'].sort(),
      );
      // The simulator saw exactly these calls, with these statuses.
      expect(calls.map((c) => c.status).sort()).toEqual([200, 200, 200, 404]);
      const missing = ctSpans.find((s) => s.attributes['http.response.status_code'] === 404)!;
      expect(missing.attributes).toMatchObject({ 'http.request.method': 'GET', 'url.template': '/locations/{slug}', 'error.type': '404' });
      expect(missing.status.code).toBe(STATUS_ERROR);
      // No slug, token or URL in any span: only templates.
      const text = JSON.stringify(spans);
      for (const secret of [slugs[0]!, slugs[1]!, 'no-such-place', token]) expect(text).not.toContain(secret);
    }
    expect(receiver.contentTypes.every((t) => t.startsWith('application/json'))).toBe(true);
  });

  it("continues the caller's W3C trace context (traceparent)", async () => {
    const { app, token } = await tracedApp();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const response = await app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, traceparent: `00-${traceId}-${parent}-01` },
        body: JSON.stringify({ query: 'query Who { viewer { username } }' }),
      }),
    );
    expect(response.status).toBe(200);
    await app.close();
    const { request, operations, spans } = traceOf(traceId);
    expect(request.parentSpanId).toBe(parent);
    expect(operations.map((o) => o.name)).toEqual(['query Who']);
    expect(spans.filter((s) => s.name === 'ct GET /me.json')).toHaveLength(1);
  });

  it("records a retry and a token refresh as events of their call's span, with the resend count", async () => {
    const { app, sim, token, slugs } = await tracedApp();
    sim.control.addFault({ method: 'GET', path: `/api/v1/locations/${slugs[0]}`, status: 503, times: 1 });
    const retried = await app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'query Retried($slug: String!) { location(slug: $slug) { name } }', variables: { slug: slugs[0] } }),
      }),
    );
    expect((await retried.json()).data.location.name).toBeTruthy();
    sim.control.expireAllTokens();
    const refreshed = await app.fetch(
      new Request(`${FACADE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'query Refreshed { viewer { username } }' }),
      }),
    );
    expect(refreshed.headers.get('x-session-token')).toBeTruthy();
    await app.close();

    const retriedOp = receiver.spans.find((s) => s.name === 'query Retried')!;
    const [retriedCall] = receiver.spans.filter((s) => s.parentSpanId === retriedOp.spanId);
    expect(retriedCall!.attributes).toMatchObject({ 'http.response.status_code': 200, 'http.request.resend_count': 1 });
    expect(retriedCall!.events.map((e) => e.name)).toEqual(['ct.retry']);
    expect(retriedCall!.events[0]!.attributes).toMatchObject({ 'ct_graphql.retry.after_status': '503' });

    const refreshedOp = receiver.spans.find((s) => s.name === 'query Refreshed')!;
    const [refreshedCall] = receiver.spans.filter((s) => s.parentSpanId === refreshedOp.spanId);
    expect(refreshedCall!.name).toBe('ct GET /me.json');
    expect(refreshedCall!.attributes).toMatchObject({ 'http.response.status_code': 200, 'http.request.resend_count': 1 });
    expect(refreshedCall!.events).toEqual([{ name: 'ct.token_refresh', attributes: { 'ct_graphql.refresh.reason': 'rejected' } }]);
  });

  it('traces a refused operation too: its span says RATE_LIMITED and has no CT child', async () => {
    const sim = createSimulator();
    const { app } = createAppOver(sim, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, RATE_LIMIT_CT_CALLS: '2' });
    const token = await sessionFor(app, sim);
    await app.budget.charge(simulatorUserId(sim), 1);
    const response = await app.fetch(
      new Request(`${FACADE_URL}/graphql?query=${encodeURIComponent('query Refused { locations(first: 1) { totalCount } }')}`, {
        headers: { accept: 'application/json', authorization: `Bearer ${token}` },
      }),
    );
    expect(response.status).toBe(429);
    await app.close();
    const operation = receiver.spans.find((s) => s.name === 'query Refused')!;
    expect(operation.status.code).toBe(STATUS_ERROR);
    expect(operation.attributes).toMatchObject({ 'ct_graphql.cost.ct_calls': 0, 'ct_graphql.budget.remaining': 1 });
    expect(receiver.spans.filter((s) => s.parentSpanId === operation.spanId)).toEqual([]);
    const { request } = traceOf(operation.traceId);
    expect(request.attributes['http.response.status_code']).toBe(429);
    expect(operation.traceId).toMatch(TRACE_ID);
  });
});

describe('without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('never loads the OpenTelemetry SDK or exporter, even while serving GraphQL', () => {
    // A process of its own: this one has loaded the SDK for the tests above.
    const script = `
      import { createRequire } from 'node:module';
      import { createHarness } from './test/harness.ts';
      const h = createHarness();
      const token = await h.login();
      const res = await h.post({ query: '{ locations(first: 1) { totalCount } }' }, { authorization: 'Bearer ' + token });
      if (res.status !== 200) throw new Error('query failed: ' + res.status);
      const sdk = /@opentelemetry[\\\\/](sdk-trace|exporter|resources|core)/;
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => sdk.test(p));
      console.log(JSON.stringify(loaded));
      await h.app.close();
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toEqual([]);
  });
});
