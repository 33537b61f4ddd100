/**
 * The sequence every GraphQL operation goes through, whichever HTTP path carried it: parse with
 * a token limit, validate, price and limit BEFORE anything is compiled or cached, execute, then
 * finish the result (cost, masked errors). graphql-http.ts (the JSON fast path) and yoga.ts (every
 * other request) both call this module, so a cross-cutting rule is written and tested once.
 *
 * Memory is bounded by bytes, not by entries: a parsed document costs about 75 bytes per
 * character of query text, and graphql-jit's compiled form several kilobytes per field selection
 * (bench/abuse.ts measures both), so a count bound lets distinct documents fill the heap.
 * graphql-jit is kept for what it is good at, an operation a signed-in client repeats: it is
 * compiled on its second use, and only when it is small enough to compile quickly. Signed-out
 * callers can only get UNAUTHENTICATED or `viewer: null`, so nothing of theirs is compiled or kept.
 *
 * Persisted operations (persisted.ts) resolve a named document before this sequence starts, on both
 * paths; the resolved document is then priced, limited and run like any other, and an APQ document
 * is kept only once it was admitted here.
 */
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import {
  execute,
  getOperationAST,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
  type Source,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import { budgetExtension, type BudgetState, type CtBudget, secondsToReset } from './budget.js';
import type { GraphQLContext } from './context.js';
import type { Gate, Idempotency, OperationToGuard } from './idempotency.js';
import { codedError, codeOf, UNEXPECTED_CODE } from './errors.js';
import { checkLimits, measureQuery, parseWithLimit, type QueryCost, type QueryLimits } from './limits.js';
import { createPersistedOperations, type DocumentSource, type PersistedOperations, type PersistedOptions } from './persisted.js';
import { scopeRefusal } from './scopes.js';

export interface PipelineOptions {
  schema: GraphQLSchema;
  limits: QueryLimits;
  maskError: (error: unknown) => Error;
  /** Bytes of parsed and compiled operations kept for the fast path. */
  operationCacheBytes?: number;
  /** Bytes of parsed documents kept for yoga's path. */
  documentCacheBytes?: number;
  /** Persisted operations: the trusted documents file, only mode, the APQ store's bound. */
  persisted?: PersistedOptions;
  /** The Idempotency-Key rule (idempotency.ts); without it, the header is ignored. */
  idempotency?: Idempotency;
  /** The CT-call budget per CT account (RATE_LIMIT_CT_CALLS); without it operations spend none. */
  budget?: CtBudget;
}

export interface OperationParams {
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
  /** Where the document came from (persisted.ts); sent in full when absent. */
  source?: DocumentSource;
}

/** An operation that parsed, validated and passed every limit: ready to run. */
export interface AdmittedOperation {
  cost: QueryCost;
  /** The Idempotency-Key rule for this operation and caller, to ask before `run`. */
  guard(context: GraphQLContext): Promise<Gate>;
  /** The finished result, or null when the variables do not fit the operation (a request error yoga words). */
  run(context: GraphQLContext): Promise<ExecutionResult | null>;
}

export interface Pipeline {
  /** graphql's parse with the token limit (a document over it is QUERY_TOO_COSTLY). */
  parse(source: string | Source): DocumentNode;
  /**
   * Prices a validated document: its cost, and the refusal when a limit is crossed or the caller's
   * credential may not run this kind of operation (a read-only API token's mutation).
   */
  admit(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown>,
    context: Pick<GraphQLContext, 'credential'>,
    /** A persisted document's origin: only mode refuses some, and an admitted APQ document is kept. */
    persisted?: { source: DocumentSource; query: string },
  ): { cost: QueryCost; refusal: GraphQLError | null };
  /**
   * The fast path's whole front half: the admitted operation for these parameters, or null when
   * yoga must answer instead (the document does not parse or validate, names no single query or
   * mutation, a limit refuses it, or the credential may not run it; yoga words each of those).
   * Nothing refused is compiled or kept.
   */
  prepare(params: OperationParams, caller: Pick<GraphQLContext, 'ct' | 'credential'>): AdmittedOperation | null;
  /** Persisted operations: what a request's documentId or APQ extension names, for both HTTP paths. */
  readonly persisted: PersistedOperations;
  /**
   * The Idempotency-Key rule for an admitted operation, once, on either path: run it (and report
   * its finished result), replay the first response, refuse it, or pass (no key, not a mutation).
   */
  guard(context: GraphQLContext, operation: OperationToGuard): Promise<Gate>;
  /**
   * Runs an admitted operation (`execute`) within its trace span and the caller's CT-call budget:
   * reserves the estimate first and refuses with RATE_LIMITED, before any CT call, when less
   * remains; afterwards settles the reservation to the CT calls really made. Both paths run every
   * operation through here.
   */
  spend(context: GraphQLContext, cost: QueryCost, execute: () => Promise<ExecutionResult>): Promise<ExecutionResult>;
  /** The response body of an executed operation: `extensions.cost`, and every error masked. */
  finish(result: ExecutionResult, context: GraphQLContext, cost: QueryCost): ExecutionResult;
  /** Every error of a result masked; the result itself when it has none. */
  maskResult<R extends ExecutionResult>(result: R): R;
  /** What the fast path keeps: operations and their estimated bytes. */
  readonly stats: { readonly operations: { readonly entries: number; readonly bytes: number } };
  /** yoga's parser cache, bounded by bytes like the fast path's. */
  readonly documentCache: LRUCache<string, DocumentNode>;
  /** yoga's parse-error cache; errors are small, so bounded by count. */
  readonly errorCache: LRUCache<string, object>;
}

/** Estimated heap bytes of a parsed document and its cache entry, per character of its text (measured: 73 for the AST alone). */
const DOCUMENT_BYTES_PER_CHAR = 100;
/** Estimated bytes of graphql-jit's code per field selection (measured: 1.3 KB of source, more once V8 compiles it). */
const COMPILED_BYTES_PER_SELECTION = 4_096;
/**
 * Operations with more selections than this run on graphql-js: graphql-jit writes about 1.3 KB
 * of code per selection, and real clients repeat small operations (the benchmark's have < 30).
 */
const MAX_COMPILED_SELECTIONS = 200;

interface CachedOperation {
  document: DocumentNode;
  /** The price when no variable's value enters it (limits.ts `variablesPriced`): measured once. */
  fixedCost: QueryCost | null;
  selections: number;
  uses: number;
  compiled: CompiledQuery | null;
}

function sizeOf(query: string, entry: CachedOperation): number {
  return query.length * DOCUMENT_BYTES_PER_CHAR + (entry.compiled ? entry.selections * COMPILED_BYTES_PER_SELECTION : 0) + 1;
}

export function createPipeline(options: PipelineOptions): Pipeline {
  const { schema, limits, maskError, budget } = options;
  const operations = new LRUCache<string, CachedOperation>({
    maxSize: options.operationCacheBytes ?? 32 * 2 ** 20,
    sizeCalculation: (entry, key) => sizeOf(key, entry),
  });
  const documentCache = new LRUCache<string, DocumentNode>({
    maxSize: options.documentCacheBytes ?? 16 * 2 ** 20,
    sizeCalculation: (_document, query) => query.length * DOCUMENT_BYTES_PER_CHAR + 1,
  });
  const errorCache = new LRUCache<string, object>({ max: 1_000 });
  const persisted = createPersistedOperations({ ...options.persisted, schema, maxTokens: limits.maxTokens });

  const parse = (source: string | Source) => parseWithLimit(source, limits.maxTokens);
  const PASS: Gate = { kind: 'pass' };

  function guard(context: GraphQLContext, operation: OperationToGuard): Promise<Gate> {
    if (!options.idempotency || operation.operationType !== 'mutation') return Promise.resolve(PASS);
    return options.idempotency.begin(context, operation);
  }

  function admit(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown>,
    context: Pick<GraphQLContext, 'credential'>,
    persistedDocument?: { source: DocumentSource; query: string },
  ) {
    const cost = measureQuery(schema, document, operationName, variables);
    const refusal =
      checkLimits(cost, limits) ??
      scopeRefusal(cost.operationType, context.credential) ??
      (persistedDocument ? persisted.refusal(persistedDocument.source, cost.operationType) : null);
    if (!refusal && persistedDocument) persisted.register(persistedDocument.source, persistedDocument.query, context);
    return { cost, refusal };
  }

  /** Parses and validates a query the fast path has not kept; null when yoga must answer. */
  function parseOperation(params: OperationParams): CachedOperation | null {
    let document: DocumentNode;
    try {
      document = parse(params.query);
    } catch {
      return null;
    }
    if (validate(schema, document).length > 0) return null;
    const definition = getOperationAST(document, params.operationName);
    if (!definition || definition.operation === 'subscription') return null;
    return { document, fixedCost: null, selections: 0, uses: 0, compiled: null };
  }

  function prepare(params: OperationParams, caller: Pick<GraphQLContext, 'ct' | 'credential'>): AdmittedOperation | null {
    const signedIn = caller.ct !== null;
    // Keyed by operation name too: one document can hold several operations.
    const key = `${params.operationName === undefined ? '-' : `+${params.operationName}`}\n${params.query}`;
    const known = signedIn ? operations.get(key) : undefined;
    const entry = known ?? parseOperation(params);
    if (!entry) return null;
    const variables = params.variables ?? {};
    const cost = entry.fixedCost ?? measureQuery(schema, entry.document, params.operationName, variables);
    if (checkLimits(cost, limits) || scopeRefusal(cost.operationType, caller.credential)) return null;
    if (!cost.variablesPriced) entry.fixedCost = cost;
    const source = params.source ?? { kind: 'sent' };
    if (persisted.refusal(source, cost.operationType)) return null;
    persisted.register(source, params.query, caller);

    if (signedIn) {
      entry.selections = cost.selections;
      entry.uses += 1;
      const compile = !entry.compiled && entry.uses >= 2 && cost.selections <= MAX_COMPILED_SELECTIONS;
      if (compile) {
        const compiled = compileQuery(schema, entry.document, params.operationName);
        if (isCompiledQuery(compiled)) entry.compiled = compiled;
      }
      // Kept only now that it passed every limit; set again after compiling, as its size grew.
      if (!known || compile) operations.set(key, entry);
    }

    return {
      cost,
      guard: (context) =>
        guard(context, { document: entry.document, operationName: params.operationName, variables, operationType: cost.operationType }),
      async run(context) {
        let unfit = false;
        const result = await spend(context, cost, async () => {
          const executed = entry.compiled
            ? await entry.compiled.query(undefined, context, variables)
            : await execute({
                schema,
                document: entry.document,
                operationName: params.operationName,
                variableValues: variables,
                contextValue: context,
              });
          unfit = !('data' in executed);
          return executed;
        });
        return unfit ? null : result;
      },
    };
  }

  async function spend(context: GraphQLContext, cost: QueryCost, run: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
    const span = context.trace?.startOperation(cost.operationType, cost.operationName);
    if (!span) return budgeted(context, cost, run);
    let result: ExecutionResult | undefined;
    try {
      result = await budgeted(context, cost, run);
      return result;
    } finally {
      const error = result?.errors?.[0];
      span.end({
        estimated: cost.estimatedCtCalls,
        ctCalls: context.ct?.stats.calls ?? 0,
        budgetRemaining: context.budget.state?.remaining ?? null,
        errorCode: result === undefined ? UNEXPECTED_CODE : error ? codeOf(error) : null,
      });
    }
  }

  async function budgeted(context: GraphQLContext, cost: QueryCost, run: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
    const account = budget && context.ct ? await context.ctUserId() : null;
    if (!budget || account === null) return run();
    const calls = () => context.ct?.stats.calls ?? 0;
    const reserved = await budget.reserve(account, cost.estimatedCtCalls);
    if (!reserved.granted) {
      // An older session's account may have cost a CT call to learn: made, so counted.
      const state = calls() > 0 ? await budget.charge(account, calls()) : reserved.state;
      context.budget.state = state;
      context.budget.retryAfter = secondsToReset(state);
      context.budget.refused = true;
      return { errors: [budgetRefusal(cost, state)] };
    }
    try {
      return await run();
    } finally {
      context.budget.state = await budget.settle(reserved.reservation, calls());
    }
  }

  function maskResult<R extends ExecutionResult>(result: R): R {
    if (!result.errors?.length) return result;
    return { ...result, errors: result.errors.map((error) => maskError(error) as GraphQLError) };
  }

  function finish(result: ExecutionResult, context: GraphQLContext, cost: QueryCost): ExecutionResult {
    // graphql-js's key order (errors, data, extensions), so both paths answer byte for byte alike.
    const { errors, data, extensions } = maskResult(result);
    // CT's own 429 (masked to RATE_LIMITED with its retryAfter) is told in `Retry-After` as well.
    for (const error of errors ?? []) {
      const wait = error.extensions?.code === 'RATE_LIMITED' ? error.extensions.retryAfter : undefined;
      if (typeof wait === 'number') context.budget.retryAfter = Math.max(context.budget.retryAfter ?? 0, wait);
    }
    const state = context.budget.state;
    const ctCost = {
      ctCalls: context.ct?.stats.calls ?? 0,
      // A session's Idempotency-Key may have cost a /me.json before the operation ran: part of the request's estimate too.
      estimated: cost.estimatedCtCalls + (context.idempotency?.lookupCalls ?? 0),
      budget: state && budgetExtension(state),
    };
    return { ...(errors?.length ? { errors } : {}), data, extensions: { ...extensions, cost: ctCost } };
  }

  const stats = {
    operations: {
      get entries() {
        return operations.size;
      },
      get bytes() {
        return operations.calculatedSize;
      },
    },
  };
  return { parse, admit, prepare, guard, spend, finish, maskResult, stats, documentCache, errorCache, persisted };
}

/** The answer to an operation whose estimate is more than the account has left this window. */
function budgetRefusal(cost: QueryCost, state: BudgetState): GraphQLError {
  const retryAfter = secondsToReset(state);
  return codedError(
    `This CT account has ${state.remaining} of its ${state.limit} CT calls per minute left, and this operation could need ` +
      `${cost.estimatedCtCalls}; retry after ${retryAfter} s.`,
    'RATE_LIMITED',
    { retryAfter, estimated: cost.estimatedCtCalls, remaining: state.remaining, limit: state.limit },
  );
}
