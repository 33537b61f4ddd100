/**
 * The graphql-yoga instance: schema, error masking and the playground. It serves /graphql only;
 * app.ts builds the per-request context and hands it in as yoga's server context.
 */
import { execute } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';
import type { Pipeline } from './pipeline.js';
import { renderPlayground } from './playground/page.js';
import { schema } from './schema/index.js';

const DEFAULT_QUERY = `# Sign in first: "Sign in with CT" above (/auth/login?redirect=/graphql).
query FirstLook {
  viewer { username email }
  locations(first: 5) {
    totalCount
    nodes { name town boxes(first: 3) { totalCount nodes { description state } } }
  }
}
`;

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
 * cost per field.
 */
export function usePipeline(pipeline: Pipeline): Plugin<GraphQLContext> {
  return {
    onParse({ setParseFn }) {
      setParseFn((source) => pipeline.parse(source));
    },
    onExecute({ args, setResultAndStopExecution, setExecuteFn }) {
      const context = args.contextValue as GraphQLContext;
      const { cost, refusal } = pipeline.admit(
        args.document,
        args.operationName,
        (args.variableValues ?? {}) as Record<string, unknown>,
        context,
      );
      if (refusal) {
        setResultAndStopExecution({ errors: [refusal] });
        return;
      }
      context.operation.name = cost.operationName;
      setExecuteFn((executeArgs) => pipeline.spend(context, cost, async () => execute(executeArgs)));
      return {
        onExecuteDone({ result, setResult }) {
          if (!('data' in result) && !('errors' in result)) return;
          setResult(pipeline.finish(result, context, cost));
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
    // Bounded by bytes (pipeline.ts): yoga's default keeps 1,024 documents of any size.
    parserAndValidationCache: { documentCache: options.pipeline.documentCache, errorCache: options.pipeline.errorCache },
    graphiql: { title: 'ct-graphql', defaultQuery: DEFAULT_QUERY, endpoint: '/graphql' },
    // The playground's bundle is served by us (/graphql/assets/), not from unpkg.com.
    renderGraphiQL: renderPlayground,
    maskedErrors: { maskError: options.maskError },
  });
}
