/**
 * GraphQL over HTTP for /graphql. The common request, a POST with a JSON body whose document is
 * valid, is parsed, checked and executed here; everything else (the playground, GET, malformed
 * bodies, invalid documents, refusals, other media types) goes to yoga, which owns the
 * protocol's error cases. The split exists for speed: yoga's general request pipeline cost more
 * CPU than the rest of a typical request (see bench/RESULTS.md), while every check of ours
 * (session, CSRF, limits, cost, error masking) runs on both paths. Valid documents are compiled
 * once with graphql-jit, since clients repeat the same few operations.
 */
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import {
  getOperationAST,
  GraphQLError,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import type { GraphQLContext } from './context.js';
import { checkLimits, measureQuery, parseWithLimit, withCost, type QueryCost, type QueryLimits } from './limits.js';

export interface GraphQLHandlerOptions {
  schema: GraphQLSchema;
  limits: QueryLimits;
  maskError: (error: unknown, message?: string, isDev?: boolean) => Error;
  /** Handles whatever the fast path leaves: yoga's fetch. */
  fallback: (request: Request, context: GraphQLContext) => Promise<Response>;
  /** Compiled operations kept, by query text and operation name. */
  cacheSize?: number;
  /** Largest request body read, in bytes; yoga is given the same limit. */
  maxBodyBytes: number;
}

type MediaType = 'application/graphql-response+json' | 'application/json';

/** Operations longer than this are compiled for their request only, never cached. */
const MAX_CACHED_QUERY_CHARS = 16_384;

interface Operation {
  document: DocumentNode;
  compiled: CompiledQuery;
  /** The price of an operation without variables never changes: measured once. */
  fixedCost: QueryCost | null;
}

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

interface Params {
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
}

function readParams(body: unknown): Params | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { query, variables, operationName, extensions, ...rest } = body as Record<string, unknown>;
  if (typeof query !== 'string' || Object.keys(rest).length > 0) return null;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  if (extensions !== undefined && extensions !== null && (typeof extensions !== 'object' || Array.isArray(extensions))) return null;
  return { query, variables: (variables ?? undefined) as Record<string, unknown> | undefined, operationName: operationName ?? undefined };
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
  const [type, ...params] = (value ?? '').toLowerCase().split(';').map((s) => s.trim());
  return type === 'application/json' && params.every((p) => !p.startsWith('charset=') || p === 'charset=utf-8');
}

export function createGraphQLHandler(options: GraphQLHandlerOptions): (request: Request, context: GraphQLContext) => Promise<Response> {
  const { schema, limits, maskError, fallback } = options;
  const cacheSize = options.cacheSize ?? 1_000;
  const operations = new Map<string, Operation>();

  /**
   * The operation compiled for this query text and operation name, or null when the document
   * does not parse, does not validate, or names no single query or mutation: yoga then answers
   * with the protocol's error.
   */
  function operationFor(query: string, operationName: string | undefined): Operation | null {
    // Only documents of a sane size are kept, so clients cannot fill memory with distinct ones.
    const cacheable = query.length <= MAX_CACHED_QUERY_CHARS;
    const key = `${operationName === undefined ? '-' : `+${operationName}`}\n${query}`;
    const known = cacheable ? operations.get(key) : undefined;
    if (known) {
      // Least recently used goes first: re-insert on every hit.
      operations.delete(key);
      operations.set(key, known);
      return known;
    }
    let document: DocumentNode;
    try {
      document = parseWithLimit(query, limits.maxTokens);
    } catch {
      return null;
    }
    if (validate(schema, document).length > 0) return null;
    const definition = getOperationAST(document, operationName);
    if (!definition || definition.operation === 'subscription') return null;
    const compiled = compileQuery(schema, document, operationName);
    if (!isCompiledQuery(compiled)) return null;
    const fixedCost = definition.variableDefinitions?.length ? null : measureQuery(schema, document, operationName);
    const operation = { document, compiled, fixedCost };
    if (!cacheable) return operation;
    if (operations.size >= cacheSize) operations.delete(operations.keys().next().value!);
    operations.set(key, operation);
    return operation;
  }

  return async (request, context) => {
    const mediaType = request.method === 'POST' && isJsonContentType(request.headers.get('content-type')) ? pickMediaType(request.headers.get('accept')) : null;
    if (!mediaType) return fallback(request, context);
    const text = await readBody(request, options.maxBodyBytes);
    if (text === null) return tooLarge(options.maxBodyBytes);
    const handOver = () => fallback(new Request(request.url, { method: 'POST', headers: request.headers, body: text }), context);
    let params: Params | null;
    try {
      params = readParams(JSON.parse(text));
    } catch {
      params = null;
    }
    if (!params) return handOver();
    const operation = operationFor(params.query, params.operationName);
    if (!operation) return handOver();
    const cost = operation.fixedCost ?? measureQuery(schema, operation.document, params.operationName, params.variables ?? {});
    if (checkLimits(cost, limits)) return handOver();

    context.operation.name = cost.operationName;
    const result = await operation.compiled.query(undefined, context, params.variables ?? {});
    // Variables that do not fit the operation are a request error: yoga words and codes it.
    if (!('data' in result)) return handOver();
    const body: ExecutionResult = withCost(result, context, cost);
    if (body.errors) body.errors = body.errors.map((error) => maskError(error) as GraphQLError);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': `${mediaType}; charset=utf-8` } });
  };
}

function tooLarge(limit: number): Response {
  const body = { errors: [{ message: `Request body is larger than ${limit} bytes.`, extensions: { code: 'BAD_USER_INPUT' } }] };
  return new Response(JSON.stringify(body), { status: 413, headers: { 'content-type': 'application/json; charset=utf-8' } });
}
