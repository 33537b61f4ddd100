/**
 * Persisted operations: a request may name its document instead of sending it.
 *
 * - Apollo's automatic persisted queries (APQ): `extensions.persistedQuery: { version: 1, sha256Hash }`.
 *   Hash only and unknown: `PERSISTED_QUERY_NOT_FOUND` (message `PersistedQueryNotFound`, what
 *   Apollo Client and urql look for), so the client sends hash plus document. That document is
 *   kept under its hash only once it parsed, validated and passed every limit (pipeline.ts calls
 *   `register` at that point), and only for a signed-in caller, as the pipeline keeps nothing of a
 *   signed-out one. The store is an LRU bounded by bytes.
 * - Trusted documents: an allow-list file (PERSISTED_OPERATIONS_FILE) of id -> document, as GraphQL
 *   Code Generator's client preset writes it (`persistedDocuments: true`: persisted-documents.json)
 *   or as Apollo's persisted query manifest; a request names one by `documentId` or by the APQ
 *   extension (whose bare hex hash also finds the client preset's `sha256:<hex>` ids). Every
 *   document is parsed and validated at start-up: a stale file stops the facade rather than
 *   failing one request at a time.
 *
 * With PERSISTED_OPERATIONS_ONLY=true nothing is registered and a document sent in full is refused
 * (`PERSISTED_QUERY_ONLY`) before it is even parsed, except from the playground: a cookie session on
 * PUBLIC_URL's own origin may still run introspection and queries (not mutations or subscriptions),
 * so operators keep exploring while frontends and tokens run only what was shipped.
 *
 * A resolved document then goes through the same pipeline as any other: limits, cost, fast path.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphQLError, validate, type GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import { sessionTokenOf } from './auth/session.js';
import { ConfigError } from './config.js';
import type { GraphQLContext } from './context.js';
import { parseWithLimit } from './limits.js';
import type { OperationType } from './scopes.js';

/** The request fields that can name or carry a document (GraphQL over HTTP, Apollo's extension, `documentId`). */
export interface DocumentParams {
  query?: unknown;
  extensions?: unknown;
  documentId?: unknown;
}

/** Where a resolved document came from: sent in full, named (trusted list or APQ store), or APQ hash plus document not yet kept. */
export type DocumentSource = { kind: 'sent' } | { kind: 'persisted' } | { kind: 'register'; hash: string };

export interface ResolvedDocument {
  query: string;
  source: DocumentSource;
}

export type Caller = Pick<GraphQLContext, 'credential' | 'request'>;

export interface PersistedOptions {
  /** PERSISTED_OPERATIONS_FILE: the trusted documents. */
  file?: string | undefined;
  /**
   * Trusted documents the facade ships itself (the /board example's manifest), merged with `file`.
   * A document of theirs that no longer fits the schema is left out with a warning rather than
   * stopping the start-up: a stale build of an example must not take the API down.
   */
  builtInFiles?: string[];
  /** Told about built-in documents left out. */
  warn?: (message: string) => void;
  /** PERSISTED_OPERATIONS_ONLY: refuse documents sent in full (but the playground's queries). */
  only?: boolean;
  /** PUBLIC_URL's origin: the playground's requests come from it. */
  publicOrigin?: string;
  /** Bytes of APQ documents kept; 8 MiB by default. */
  apqBytes?: number;
}

export interface PersistedOperations {
  readonly only: boolean;
  /**
   * The document these parameters name or carry; an error to answer instead (unknown hash,
   * mismatch, refused in only mode); or null when there is nothing persisted about them and no
   * document either (yoga words that request error).
   */
  resolve(params: DocumentParams, caller: Caller): ResolvedDocument | { error: GraphQLError } | null;
  /** The only-mode refusal of an admitted operation: a document sent in full that is not a query. */
  refusal(source: DocumentSource, operation: OperationType): GraphQLError | null;
  /** Keeps an APQ document that passed every limit, for a signed-in caller. */
  register(source: DocumentSource, query: string, caller: Pick<GraphQLContext, 'credential'>): void;
  readonly stats: { readonly trusted: number; readonly apqEntries: number; readonly apqBytes: number };
}

const APQ_VERSION = 1;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function persistedError(message: string, code: string, status: number): { error: GraphQLError } {
  return { error: new GraphQLError(message, { extensions: { code, http: { status } } }) };
}

const NOT_FOUND = () => persistedError('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND', 404);
const ONLY = () =>
  persistedError(
    'Only persisted operations are accepted here: send a documentId or extensions.persistedQuery of a document in the allow-list.',
    'PERSISTED_QUERY_ONLY',
    400,
  );

/** The APQ extension's hash, null without one, or an error for a malformed one. */
function apqHash(extensions: unknown): string | null | { error: GraphQLError } {
  if (typeof extensions !== 'object' || extensions === null) return null;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (persisted === undefined || persisted === null) return null;
  const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
  if (version !== APQ_VERSION) return persistedError('Unsupported persisted query version: only version 1.', 'BAD_USER_INPUT', 400);
  if (typeof sha256Hash !== 'string' || !SHA256_HEX.test(sha256Hash)) {
    return persistedError('persistedQuery.sha256Hash must be 64 lowercase hex digits.', 'BAD_USER_INPUT', 400);
  }
  return sha256Hash;
}

/**
 * Reads an allow-list file: `{ "<id>": "<document>" }` (GraphQL Code Generator's client preset) or
 * `{ "format": "apollo-persisted-query-manifest", "operations": [{ "id", "body" }] }`.
 */
export function readTrustedDocuments(file: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`PERSISTED_OPERATIONS_FILE ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const documents = new Map<string, string>();
  const shape = `PERSISTED_OPERATIONS_FILE ${file} must be { "<id>": "<document>" } or an Apollo persisted query manifest`;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(shape);
  const manifest = parsed as { format?: unknown; operations?: unknown };
  if (manifest.format === 'apollo-persisted-query-manifest') {
    if (!Array.isArray(manifest.operations)) throw new ConfigError(shape);
    for (const operation of manifest.operations as Array<{ id?: unknown; body?: unknown }>) {
      if (typeof operation?.id !== 'string' || typeof operation.body !== 'string') throw new ConfigError(shape);
      documents.set(operation.id, operation.body);
    }
    return documents;
  }
  for (const [id, document] of Object.entries(parsed)) {
    if (typeof document !== 'string') throw new ConfigError(shape);
    documents.set(id, document);
  }
  return documents;
}

/** The documents that do not parse or validate against the schema, as `id: reason`. */
function misfits(documents: Map<string, string>, schema: GraphQLSchema, maxTokens: number): Array<{ id: string; reason: string }> {
  const bad: Array<{ id: string; reason: string }> = [];
  for (const [id, text] of documents) {
    try {
      const errors = validate(schema, parseWithLimit(text, maxTokens));
      if (errors.length > 0) bad.push({ id, reason: errors[0]!.message });
    } catch (error) {
      bad.push({ id, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return bad;
}

/** Parses and validates every trusted document now, so a stale allow-list stops the start-up with the ids at fault. */
function checkTrusted(documents: Map<string, string>, schema: GraphQLSchema, maxTokens: number, file: string): void {
  const bad = misfits(documents, schema, maxTokens).map(({ id, reason }) => `${id}: ${reason}`);
  if (bad.length > 0) {
    const shown = bad.slice(0, 5).join('; ');
    throw new ConfigError(`PERSISTED_OPERATIONS_FILE ${file}: ${bad.length} document(s) do not fit the schema: ${shown}`);
  }
}

export function createPersistedOperations(o: PersistedOptions & { schema: GraphQLSchema; maxTokens: number }): PersistedOperations {
  const only = o.only ?? false;
  const trusted = o.file ? readTrustedDocuments(o.file) : new Map<string, string>();
  if (o.file) checkTrusted(trusted, o.schema, o.maxTokens, o.file);
  for (const file of o.builtInFiles ?? []) {
    const shipped = readTrustedDocuments(file);
    const bad = new Set(misfits(shipped, o.schema, o.maxTokens).map(({ id }) => id));
    if (bad.size > 0) o.warn?.(`${file}: ${bad.size} document(s) do not fit the schema and are left out (rebuild: npm run build)`);
    // The configured file wins on a shared id (the same id means the same document anyway).
    for (const [id, text] of shipped) if (!bad.has(id) && !trusted.has(id)) trusted.set(id, text);
  }
  // Strings are UTF-16 in V8 (two bytes a character at worst), plus the key and the entry itself.
  const apq = new LRUCache<string, string>({
    maxSize: o.apqBytes ?? 8 * 2 ** 20,
    sizeCalculation: (query, hash) => (query.length + hash.length) * 2 + 64,
  });

  /** The playground: a signed-in browser session on our own origin. */
  function fromPlayground(caller: Caller): boolean {
    return (
      caller.credential?.kind === 'session' &&
      sessionTokenOf(caller.request)?.from === 'cookie' &&
      o.publicOrigin !== undefined &&
      caller.request.headers.get('origin') === o.publicOrigin
    );
  }

  function sent(query: unknown, caller: Caller): ResolvedDocument | { error: GraphQLError } | null {
    if (typeof query !== 'string') return null;
    if (only && !fromPlayground(caller)) return ONLY();
    return { query, source: { kind: 'sent' } };
  }

  return {
    only,
    resolve(params, caller) {
      if (typeof params.documentId === 'string') {
        // "sha256:<hex>" (the persisted documents draft, the client preset's ids) also names an APQ document.
        const hex = /^sha256:([0-9a-f]{64})$/.exec(params.documentId)?.[1];
        const known = trusted.get(params.documentId) ?? (hex === undefined ? undefined : (trusted.get(hex) ?? apq.get(hex)));
        return known === undefined ? NOT_FOUND() : { query: known, source: { kind: 'persisted' } };
      }
      const hash = apqHash(params.extensions);
      if (hash === null) return sent(params.query, caller);
      if (typeof hash !== 'string') return hash;
      const known = trusted.get(hash) ?? trusted.get(`sha256:${hash}`) ?? apq.get(hash);
      if (known !== undefined) return { query: known, source: { kind: 'persisted' } };
      if (typeof params.query !== 'string') return NOT_FOUND();
      if (sha256Hex(params.query) !== hash) {
        return persistedError('persistedQuery.sha256Hash is not the SHA-256 of the query.', 'BAD_USER_INPUT', 400);
      }
      // Only mode keeps nothing new: the document is judged as one sent in full.
      return only ? sent(params.query, caller) : { query: params.query, source: { kind: 'register', hash } };
    },
    refusal(source, operation) {
      return only && source.kind === 'sent' && operation !== 'query' ? ONLY().error : null;
    },
    register(source, query, caller) {
      if (source.kind === 'register' && caller.credential !== null && !apq.has(source.hash)) apq.set(source.hash, query);
    },
    stats: {
      trusted: trusted.size,
      get apqEntries() {
        return apq.size;
      },
      get apqBytes() {
        return apq.calculatedSize;
      },
    },
  };
}
