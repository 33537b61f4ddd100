/**
 * The automation SDK (`ct-graphql/client`): a graphql-request client for ct-graphql that sends the
 * caller's token as a bearer. An API token (`ctg_…`) stays the same for its whole life, since the
 * facade keeps its CT grant; a session token is followed to the re-sealed one whenever a response
 * hands it over (`x-session-token`), so a long-running script never falls behind CT's rotation.
 */
import { GraphQLClient } from 'graphql-request';

export interface CtGraphQLClientOptions {
  /** The facade's GraphQL endpoint, e.g. https://graph.example.com/graphql. */
  url: string;
  /** An API token (`ctg_…`, from `ct-graphql login` or device sign-in), or a session token from `/auth/callback`. */
  token: string;
  /** Called with each new session token, e.g. to store it for the next run (never for an API token). */
  onToken?: (token: string) => void;
  /** Defaults to the global fetch; tests pass the app's handler. */
  fetch?: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
}

export interface CtGraphQLClient {
  /** graphql-request's client: `request`, `rawRequest`, typed documents. */
  readonly client: GraphQLClient;
  /** The session token the next request will send. */
  token(): string;
}

export function createCtGraphQLClient(options: CtGraphQLClientOptions): CtGraphQLClient {
  let token = options.token;
  const send = options.fetch ?? globalThis.fetch;
  const client = new GraphQLClient(options.url, {
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${token}`);
      const response = await send(input, { ...init, headers });
      const fresh = response.headers.get('x-session-token');
      if (fresh && fresh !== token) {
        token = fresh;
        options.onToken?.(fresh);
      }
      return response;
    },
  });
  return { client, token: () => token };
}
