/**
 * How the `ct-graphql` command talks to the facade: which URL and token it uses, one GraphQL
 * request with its errors turned into messages a person can act on, and the exit codes.
 */
import { credentialsPath, loadToken } from './credentials.js';
import { CliError } from './errors.js';

export const DEFAULT_URL = 'http://localhost:4000';

export interface GraphQLErrorShape {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: GraphQLErrorShape[];
}

/** Where the token in use came from: the advice for a refused token depends on it. */
export type TokenSource = 'env' | 'file';

export interface Credential {
  token: string;
  from: TokenSource;
}

export interface GraphQLResult<T> extends GraphQLResponse<T> {
  /**
   * The facade refused the token (RFC 6750 `WWW-Authenticate: Bearer error="invalid_token"`):
   * revoked, expired or unknown. Said even when the answer is a plain `{ viewer: null }`.
   */
  refused: string | null;
  /** The facade answered from an earlier request with the same Idempotency-Key (`idempotent-replayed: true`): CT was not called. */
  replayed: boolean;
}

export function facadeUrl(env: NodeJS.ProcessEnv = process.env): string {
  const raw = (env.CT_GRAPHQL_URL || DEFAULT_URL).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`CT_GRAPHQL_URL is not a URL: "${raw}" (e.g. https://graph.example.com).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`CT_GRAPHQL_URL must be http(s), got "${raw}".`);
  return raw;
}

/** CT_GRAPHQL_TOKEN first (CI secrets, cron), then the token `ct-graphql login` stored for this facade. */
export async function resolveToken(baseUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<Credential> {
  if (env.CT_GRAPHQL_TOKEN) return { token: env.CT_GRAPHQL_TOKEN.trim(), from: 'env' };
  const stored = await loadToken(baseUrl, env);
  if (stored) return { token: stored.token, from: 'file' };
  throw new CliError(`not signed in to ${baseUrl}: run \`ct-graphql login\`, or set CT_GRAPHQL_TOKEN.`);
}

/** What to do about a token the facade no longer accepts, worded for where it came from. */
export function refusedAdvice(credential: Credential, baseUrl: string, env: NodeJS.ProcessEnv = process.env): string {
  return credential.from === 'env'
    ? 'the token in CT_GRAPHQL_TOKEN is revoked, expired or unknown to this facade: create a new one with ' +
        '`ct-graphql login --name <job>` and put it in CT_GRAPHQL_TOKEN.'
    : `the token stored for ${baseUrl} (in ${credentialsPath(env)}) is revoked, expired or unknown to this facade: ` +
        'sign in again with `ct-graphql login`.';
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
  headers: Record<string, string> = {},
): Promise<GraphQLResult<T>> {
  const response = await call(
    `${baseUrl}/graphql`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        authorization: `Bearer ${token}`,
        ...headers,
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
  if (typeof body !== 'object' || body === null)
    throw new CliError(`the facade answered HTTP ${response.status} without a GraphQL response.`);
  const challenge = response.headers.get('www-authenticate') ?? '';
  const refused = /\berror="invalid_token"/.test(challenge)
    ? (/error_description="([^"]*)"/.exec(challenge)?.[1] ?? 'invalid_token')
    : null;
  return { ...body, refused, replayed: response.headers.get('idempotent-replayed') === 'true' };
}

/** What to do about UNAUTHENTICATED (the token's CT sign-in ended), worded for where the token came from. */
export function signInAdvice(credential: Credential): string {
  return credential.from === 'env'
    ? 'Create a new token with `ct-graphql login --name <job>` and put it in CT_GRAPHQL_TOKEN.'
    : 'Sign in again with `ct-graphql login`.';
}

/** One line per error, with the advice a person needs for the codes that have one ('' leaves UNAUTHENTICATED's out). */
export function describeErrors(errors: GraphQLErrorShape[], unauthenticatedAdvice = 'Sign in again with `ct-graphql login`.'): string {
  return errors
    .map((error) => {
      const code = error.extensions?.code;
      const where = error.path?.length ? ` (at ${error.path.join('.')})` : '';
      const advice =
        code === 'UNAUTHENTICATED' && unauthenticatedAdvice
          ? ` ${unauthenticatedAdvice}`
          : code === 'RATE_LIMITED' && error.extensions?.retryAfter !== undefined
            ? ` Retry after ${String(error.extensions.retryAfter)} s.`
            : '';
      return `${code ?? 'ERROR'}: ${error.message}${where}${advice}`;
    })
    .join('\n');
}

/** The data of a response that must have no errors and an accepted token (the command's own operations). */
export function dataOf<T>(response: GraphQLResult<T>, credential: Credential, baseUrl: string): T {
  if (response.refused) throw new CliError(refusedAdvice(credential, baseUrl));
  if (response.errors?.length) throw new CliError(describeErrors(response.errors, signInAdvice(credential)));
  if (response.data == null) throw new CliError('the facade answered without data.');
  return response.data;
}
