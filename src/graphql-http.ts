/**
 * GraphQL over HTTP for /graphql. The common request, a POST with a JSON body whose document is
 * valid and within every limit, is served here; everything else (the playground, GET, malformed
 * bodies, invalid or refused documents, other media types) goes to yoga, which owns the
 * protocol's error cases. The split exists for speed: yoga's general request pipeline cost more
 * CPU than the rest of a typical request (see bench/README.md). Both paths run the same
 * pipeline.ts, so the session, CSRF, limits, cost and error masking are the same on both. A
 * persisted operation (a documentId or Apollo's persistedQuery extension) is resolved here too and
 * then runs on the fast path like any other; an unknown one is answered by yoga, in the same words.
 */
import { Response } from '@whatwg-node/fetch';
import type { GraphQLContext } from './context.js';
import { REPLAYED_HEADER, refusalBody } from './idempotency.js';
import type { OperationParams, Pipeline } from './pipeline.js';
import type { DocumentParams } from './persisted.js';

export interface GraphQLHandlerOptions {
  pipeline: Pipeline;
  /** Handles whatever the fast path leaves: yoga's fetch. */
  fallback: (request: Request, context: GraphQLContext) => Promise<Response>;
  /** Largest request body read, in bytes; yoga is given the same limit. */
  maxBodyBytes: number;
}

type MediaType = 'application/graphql-response+json' | 'application/json';

/**
 * The response media type yoga would pick for a single result (the first acceptable entry of
 * Accept wins; wildcards get application/json), or null when yoga should decide.
 */
export function pickMediaType(accept: string | null): MediaType | null {
  for (const entry of (accept ?? '*/*').toLowerCase().replace(/\s/g, '').split(',')) {
    const [type, ...params] = entry.split(';');
    if (params.some((p) => p.startsWith('charset=') && p !== 'charset=utf-8')) continue;
    if (type === 'application/graphql-response+json') return type;
    if (type === 'application/json' || type === '*/*' || type === 'application/*') return 'application/json';
    if (type === 'text/event-stream' || type === 'multipart/mixed' || type === 'text/*' || type === 'multipart/*') return null;
  }
  return null;
}

/** The body's parameters when they are well-formed; the document may be named (documentId, extensions) rather than sent. */
function readParams(body: unknown): (Omit<OperationParams, 'query'> & DocumentParams) | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { query, variables, operationName, extensions, documentId, ...rest } = body as Record<string, unknown>;
  if ((query !== undefined && typeof query !== 'string') || Object.keys(rest).length > 0) return null;
  if (documentId !== undefined && typeof documentId !== 'string') return null;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  if (extensions !== undefined && extensions !== null && (typeof extensions !== 'object' || Array.isArray(extensions))) return null;
  return {
    query,
    extensions,
    documentId,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: operationName ?? undefined,
  };
}

/**
 * The body as text, or null when it is larger than `limit`. With a Content-Length the HTTP
 * parser already bounds the body; without one (chunked) it is counted while it is read.
 */
async function readBody(request: Request, limit: number): Promise<string | null> {
  const declared = request.headers.get('content-length');
  if (declared !== null) return /^\d+$/.test(declared) && Number(declared) <= limit ? request.text() : null;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isJsonContentType(value: string | null): boolean {
  const [type, ...params] = (value ?? '')
    .toLowerCase()
    .split(';')
    .map((s) => s.trim());
  return type === 'application/json' && params.every((p) => !p.startsWith('charset=') || p === 'charset=utf-8');
}

export function createGraphQLHandler(options: GraphQLHandlerOptions): (request: Request, context: GraphQLContext) => Promise<Response> {
  const { pipeline, fallback } = options;
  return async (request, context) => {
    const mediaType =
      request.method === 'POST' && isJsonContentType(request.headers.get('content-type'))
        ? pickMediaType(request.headers.get('accept'))
        : null;
    if (!mediaType) return fallback(request, context);
    const text = await readBody(request, options.maxBodyBytes);
    if (text === null) return tooLarge(options.maxBodyBytes);
    const handOver = () => fallback(new Request(request.url, { method: 'POST', headers: request.headers, body: text }), context);
    let params: ReturnType<typeof readParams>;
    try {
      params = readParams(JSON.parse(text));
    } catch {
      params = null;
    }
    const document = params && pipeline.persisted.resolve(params, context);
    if (!params || !document || 'error' in document) return handOver();
    const { variables, operationName } = params;
    const operation = pipeline.prepare({ query: document.query, source: document.source, variables, operationName }, context);
    if (!operation) return handOver();

    context.operation.name = operation.cost.operationName;
    const contentType = `${mediaType}; charset=utf-8`;
    // Idempotency-Key (pipeline.ts): answered from the store, refused, or run under its record.
    const gate = await operation.guard(context);
    if (gate.kind === 'refuse') {
      return new Response(JSON.stringify(refusalBody(gate.error)), {
        status: gate.status,
        headers: { ...gate.headers, 'content-type': contentType },
      });
    }
    if (gate.kind === 'replay')
      return new Response(gate.body, { status: 200, headers: { 'content-type': contentType, [REPLAYED_HEADER]: 'true' } });
    let result: Awaited<ReturnType<typeof operation.run>>;
    try {
      result = await operation.run(context);
    } catch (error) {
      if (gate.kind === 'run') await gate.done(null);
      throw error;
    }
    // Variables that do not fit the operation are a request error: yoga words and codes it (and holds the key itself).
    if (!result) {
      if (gate.kind === 'run') await gate.done(null);
      return handOver();
    }
    const body = pipeline.finish(result, context, operation.cost);
    if (gate.kind === 'run') await gate.done(body);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': contentType } });
  };
}

function tooLarge(limit: number): Response {
  const body = { errors: [{ message: `Request body is larger than ${limit} bytes.`, extensions: { code: 'BAD_USER_INPUT' } }] };
  return new Response(JSON.stringify(body), { status: 413, headers: { 'content-type': 'application/json; charset=utf-8' } });
}
