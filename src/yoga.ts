/**
 * The graphql-yoga instance: schema, error masking and the playground. It serves /graphql only;
 * app.ts builds the per-request context and hands it in as yoga's server context.
 */
import { execute, type GraphQLError } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';
import { maskError } from './errors.js';
import { checkLimits, measureQuery, parseWithLimit, withCost, type QueryLimits } from './limits.js';
import { renderPlayground } from './playground.js';
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
  limits: QueryLimits;
  maxBodyBytes: number;
  maskError: (error: unknown, message?: string, isDev?: boolean) => Error;
}

/**
 * Refuses a query over the token, depth, alias or CT-call limits before any resolver runs, and
 * reports `extensions.cost` ({ ctCalls, estimated }) on every executed operation, the way
 * GitHub and Shopify report cost. graphql-js executes: yoga's default executor adds stream/defer
 * machinery this schema does not use, at a measurable cost per field.
 */
export function useQueryLimits(limits: QueryLimits): Plugin<GraphQLContext> {
  return {
    onParse({ setParseFn }) {
      setParseFn((source, parseOptions) => parseWithLimit(source, limits.maxTokens, parseOptions));
    },
    onExecute({ args, setResultAndStopExecution, setExecuteFn }) {
      setExecuteFn(execute);
      const cost = measureQuery(args.schema, args.document, args.operationName, (args.variableValues ?? {}) as Record<string, unknown>);
      const refusal = checkLimits(cost, limits);
      if (refusal) {
        setResultAndStopExecution({ errors: [refusal] });
        return;
      }
      const context = args.contextValue as GraphQLContext;
      context.operation.name = cost.operationName;
      return {
        onExecuteDone({ result, setResult }) {
          if (!('data' in result) && !('errors' in result)) return;
          setResult(withCost(result, context, cost));
        },
      };
    },
  };
}

/**
 * Passes every error of a finished result through maskError. Yoga masks (and we log) execution
 * errors already; request, parse and validation errors skip that mask, and get our codes here.
 */
export function useCodedErrors(): Plugin<GraphQLContext> {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
      setResult({ ...result, errors: result.errors.map((error) => maskError(error) as GraphQLError) });
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
    plugins: [useQueryLimits(options.limits), useCodedErrors()],
    graphiql: { title: 'ct-graphql', defaultQuery: DEFAULT_QUERY, endpoint: '/graphql' },
    // The playground's bundle is served by us (/graphql/assets/), not from unpkg.com.
    renderGraphiQL: renderPlayground,
    maskedErrors: { maskError: options.maskError },
  });
}
