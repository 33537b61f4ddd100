/**
 * How the `ct-graphql` command talks to the facade: which URL and token it uses, one GraphQL
 * request with its errors turned into messages a person can act on, and the exit codes.
 */
import { loadToken } from './credentials.js';

export const DEFAULT_URL = 'http://localhost:4000';

/** A failure the command reports on stderr with exit code 1, without a stack trace. */
export class CliError extends Error {}

export interface GraphQLErrorShape {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: GraphQLErrorShape[];
}

export function facadeUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.CT_GRAPHQL_URL || DEFAULT_URL).replace(/\/+$/, '');
}

/** CT_GRAPHQL_TOKEN first (CI secrets, cron), then the token `ct-graphql login` stored for this facade. */
export async function resolveToken(
  baseUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ token: string; from: 'env' | 'file' }> {
  if (env.CT_GRAPHQL_TOKEN) return { token: env.CT_GRAPHQL_TOKEN, from: 'env' };
  const stored = await loadToken(baseUrl, env);
  if (stored) return { token: stored.token, from: 'file' };
  throw new CliError(`not signed in to ${baseUrl}: run \`ct-graphql login\`, or set CT_GRAPHQL_TOKEN.`);
}

/** fetch, with "the facade is not there" said plainly instead of as a stack trace. */
export async function call(url: string, init: RequestInit, fetchFn: typeof fetch = globalThis.fetch): Promise<Response> {
  try {
    return await fetchFn(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError(
      `cannot reach the facade at ${new URL(url).origin} (${cause}); is it running? Set CT_GRAPHQL_URL to point elsewhere.`,
    );
  }
}

export async function graphql<T>(
  baseUrl: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
  fetchFn?: typeof fetch,
): Promise<GraphQLResponse<T>> {
  const response = await call(
    `${baseUrl}/graphql`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query, variables }),
    },
    fetchFn,
  );
  let body: GraphQLResponse<T>;
  try {
    body = (await response.json()) as GraphQLResponse<T>;
  } catch {
    throw new CliError(`the facade answered HTTP ${response.status} without a GraphQL response; is ${baseUrl} a ct-graphql facade?`);
  }
  return body;
}

/** One line per error, with the advice a person needs for the codes that have one. */
export function describeErrors(errors: GraphQLErrorShape[]): string {
  return errors
    .map((error) => {
      const code = error.extensions?.code;
      const where = error.path?.length ? ` (at ${error.path.join('.')})` : '';
      const advice =
        code === 'UNAUTHENTICATED'
          ? ' Sign in again with `ct-graphql login`.'
          : code === 'RATE_LIMITED' && error.extensions?.retryAfter !== undefined
            ? ` Retry after ${String(error.extensions.retryAfter)} s.`
            : '';
      return `${code ?? 'ERROR'}: ${error.message}${where}${advice}`;
    })
    .join('\n');
}

/** The data of a response that must have no errors (the command's own operations). */
export function dataOf<T>(response: GraphQLResponse<T>): T {
  if (response.errors?.length) throw new CliError(describeErrors(response.errors));
  if (response.data == null) throw new CliError('the facade answered without data.');
  return response.data;
}
