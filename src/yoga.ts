/**
 * The graphql-yoga instance: schema, error masking and the playground. It serves /graphql only;
 * app.ts builds the per-request context and hands it in as yoga's server context.
 */
import { GraphQLError, parse } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';
import { maskError } from './errors.js';
import { checkLimits, measureQuery, type Limits } from './limits.js';
import type { Logger } from './logger.js';
import { schema } from './schema/index.js';

const DEFAULT_QUERY = `# Sign in first: open /auth/login in this browser.
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
  logger: Logger;
  limits: Limits & { maxTokens: number };
  production: boolean;
}

/**
 * Refuses a query over the token, depth, alias or CT-call limits before any resolver runs, and
 * reports `extensions.cost` ({ ctCalls, estimated }) on every executed operation, the way
 * GitHub and Shopify report cost.
 */
export function useQueryLimits(limits: Limits & { maxTokens: number }): Plugin<GraphQLContext> {
  return {
    onParse({ setParseFn }) {
      setParseFn((source, parseOptions) => {
        try {
          return parse(source, { ...parseOptions, maxTokens: limits.maxTokens });
        } catch (error) {
          if (error instanceof GraphQLError && /tokens/.test(error.message) && /aborted/i.test(error.message)) {
            throw new GraphQLError(`Query has more than ${limits.maxTokens} tokens.`, {
              extensions: { code: 'QUERY_TOO_COSTLY', maxTokens: limits.maxTokens },
            });
          }
          throw error;
        }
      });
    },
    onExecute({ args, setResultAndStopExecution }) {
      const cost = measureQuery(args.schema, args.document, args.operationName, (args.variableValues ?? {}) as Record<string, unknown>);
      const refusal = checkLimits(cost, limits);
      if (refusal) {
        setResultAndStopExecution({ errors: [refusal] });
        return;
      }
      const context = args.contextValue as GraphQLContext;
      context.operation.name = cost.operationName;
      const ct = context.ct;
      return {
        onExecuteDone({ result, setResult }) {
          if (!('data' in result) && !('errors' in result)) return;
          setResult({
            ...result,
            extensions: { ...result.extensions, cost: { ctCalls: ct?.stats.calls ?? 0, estimated: cost.estimatedCtCalls } },
          });
        },
      };
    },
  };
}

export function createYogaServer(options: YogaOptions): CtYoga {
  const { logger } = options;
  return createYoga<GraphQLContext, Record<string, never>>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // CORS is decided by app.ts from CORS_ORIGINS; yoga's default would reflect any origin.
    cors: false,
    logging: false,
    plugins: [useQueryLimits(options.limits)],
    graphiql: { title: 'ct-graphql', defaultQuery: DEFAULT_QUERY },
    maskedErrors: {
      maskError(error, message, isDev) {
        const result = maskError(error, message, isDev && !options.production);
        if ((result as { extensions?: { code?: unknown } }).extensions?.code === 'INTERNAL_SERVER_ERROR') {
          const original = error instanceof Error && 'originalError' in error ? (error as { originalError?: unknown }).originalError : error;
          logger.error({ err: original instanceof Error ? { name: original.name, message: original.message, stack: original.stack } : String(original) }, 'unexpected error');
        }
        return result;
      },
    },
  });
}
