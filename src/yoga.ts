/**
 * The graphql-yoga instance: schema, error masking and the playground. It serves /graphql only;
 * app.ts builds the per-request context and hands it in as yoga's server context.
 */
import { type DocumentNode, type ExecutionResult, execute, subscribe } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';
import { forYoga, REPLAYED_HEADER } from './idempotency.js';
import type { Pipeline } from './pipeline.js';
import type { DocumentSource } from './persisted.js';
import { playgroundTabs } from './playground/examples.js';
import { renderPlayground } from './playground/page.js';
import { schema } from './schema/index.js';

// The bar above GraphiQL says whether and as whom you are signed in; the tabs show what to ask.
const EXAMPLE_TABS = playgroundTabs(schema);

export type CtYoga = YogaServerInstance<GraphQLContext, Record<string, never>>;

export interface YogaOptions {
  pipeline: Pipeline;
  maxBodyBytes: number;
  maskError: (error: unknown, message?: string, isDev?: boolean) => Error;
}

/**
 * yoga's side of pipeline.ts: the token-limited parse, the price and limits before any resolver
 * runs, `extensions.cost` on every executed operation (as GitHub and Shopify report cost), and
 * every error of a finished result masked (yoga masks execution errors itself; request, parse and
 * validation errors skip that, and get our codes here). Execution goes through the pipeline's
 * `spend` (the CT-call budget, the operation's span), as on the fast path. graphql-js executes:
 * yoga's default executor adds stream/defer machinery this schema does not use, at a measurable
 * cost per field. Persisted operations are resolved first (onParams), as on the fast path.
 */
export function usePipeline(pipeline: Pipeline): Plugin<GraphQLContext> {
  // A named document, by the parameters object yoga then carries as context.params into onExecute.
  const named = new WeakMap<object, { source: DocumentSource; query: string }>();
  const SENT = { source: { kind: 'sent' }, query: '' } as const;
  /** Prices an operation about to run or subscribe, for the caller and the document's origin. */
  function admit(args: { contextValue: unknown; document: DocumentNode; operationName?: string | null; variableValues?: unknown }) {
    const context = args.contextValue as GraphQLContext;
    const params = (context as GraphQLContext & { params?: object }).params;
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    const admitted = pipeline.admit(args.document, args.operationName, variables, context, (params && named.get(params)) ?? SENT);
    return { context, variables, ...admitted };
  }
  return {
    onParams({ params, request, setParams, context }) {
      // yoga's GET parser reads only the four standard parameters; documentId is the fifth.
      const documentId =
        (params as { documentId?: unknown }).documentId ??
        (request.method === 'GET' ? (new URL(request.url).searchParams.get('documentId') ?? undefined) : undefined);
      const document = pipeline.persisted.resolve({ ...params, documentId }, context as unknown as GraphQLContext);
      // Nothing to resolve: yoga's own checks word what is wrong with the request.
      if (!document) return;
      if ('error' in document) throw document.error;
      if (document.source.kind === 'sent') return;
      const { documentId: _named, ...rest } = params as typeof params & { documentId?: unknown };
      const resolved = { ...rest, query: document.query };
      named.set(resolved, document);
      setParams(resolved);
    },
    onParse({ setParseFn }) {
      setParseFn((source) => pipeline.parse(source));
    },
    async onExecute({ args, setResultAndStopExecution, setExecuteFn }) {
      const { context, variables, cost, refusal } = admit(args);
      if (refusal) {
        setResultAndStopExecution({ errors: [refusal] });
        return;
      }
      context.operation.name = cost.operationName;
      // Idempotency-Key: as on the fast path. yoga takes a status and headers from the `http` extension and strips it.
      const gate = await pipeline.guard(context, {
        document: args.document,
        operationName: args.operationName,
        variables,
        operationType: cost.operationType,
      });
      if (gate.kind === 'refuse') {
        setResultAndStopExecution({ errors: [forYoga(gate)] });
        return;
      }
      if (gate.kind === 'replay') {
        const replayed = JSON.parse(gate.body) as ExecutionResult;
        setResultAndStopExecution({
          ...replayed,
          extensions: { ...replayed.extensions, http: { headers: { [REPLAYED_HEADER]: 'true' } } },
        });
        return;
      }
      // The CT-call budget and the operation's span, as on the fast path.
      setExecuteFn((executeArgs) => pipeline.spend(context, cost, async () => execute(executeArgs)));
      return {
        async onExecuteDone({ result, setResult }) {
          if (!('data' in result) && !('errors' in result)) {
            if (gate.kind === 'run') await gate.done(null);
            return;
          }
          const finished = pipeline.finish(result, context, cost);
          if (gate.kind === 'run') await gate.done(finished);
          setResult(finished);
        },
      };
    },
    // A subscription is priced and limited like a query before it starts; each event is masked.
    onSubscribe({ args, setResultAndStopExecution, setSubscribeFn }) {
      setSubscribeFn(subscribe);
      const { context, cost, refusal } = admit(args);
      if (refusal) {
        setResultAndStopExecution({ errors: [refusal] });
        return;
      }
      context.operation.name = cost.operationName;
      return {
        onSubscribeResult() {
          return {
            onNext({ result, setResult }) {
              setResult(pipeline.maskResult(result));
            },
          };
        },
      };
    },
    onResultProcess({ result, setResult }) {
      if (!Array.isArray(result) && 'errors' in result) setResult(pipeline.maskResult(result));
    },
  };
}

export function createYogaServer(options: YogaOptions): CtYoga {
  return createYoga<GraphQLContext, Record<string, never>>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // CORS is decided by app.ts from CORS_ORIGINS; yoga's default would reflect any origin.
    cors: false,
    maxRequestBodySize: options.maxBodyBytes,
    logging: false,
    plugins: [usePipeline(options.pipeline)],
    // A persisted document named by id (the GraphQL over HTTP draft; GraphQL Code Generator's client preset).
    extraParamNames: ['documentId'],
    // Bounded by bytes (pipeline.ts): yoga's default keeps 1,024 documents of any size.
    parserAndValidationCache: { documentCache: options.pipeline.documentCache, errorCache: options.pipeline.errorCache },
    graphiql: { title: 'ct-graphql', defaultQuery: EXAMPLE_TABS[0]!.query, defaultTabs: EXAMPLE_TABS, endpoint: '/graphql' },
    // The playground's bundle is served by us (/graphql/assets/), not from unpkg.com.
    renderGraphiQL: renderPlayground,
    maskedErrors: { maskError: options.maskError },
  });
}
