/**
 * The per-request GraphQL context and its factory: open the caller's session, bind a CT client to
 * its tokens, make a fresh set of loaders; and afterwards, in `finish`, carry what the request
 * changed into the response (a re-sealed session), keep caches away from user data, and record
 * metrics. Every credential kind and transport (HTTP, streams) builds its context here, once per
 * request; a context is never shared.
 */
import type { GraphQLError } from 'graphql';
import { sessionCookie } from './auth/cookies.js';
import { sessionTokenOf, type Session, type SessionSealer } from './auth/session.js';
import { createCtClient, type CtClient, type CtClientOptions } from './ct/client.js';
import { createCtApi, type CtApi } from './ct/resources/index.js';
import { unauthenticated } from './errors.js';
import type { Live } from './live/registry.js';
import { createLoaders, type LoaderOptions, type Loaders } from './loaders.js';
import type { Metrics } from './metrics.js';
import { withHeaders } from './responses.js';

export type SessionProblem = 'MISSING' | 'INVALID' | 'EXPIRED';

export interface GraphQLContext {
  request: Request;
  session: Session | null;
  /** Why there is no session; null when signed in. */
  sessionProblem: SessionProblem | null;
  /** The caller's CT writes by resource (`ct.boxes.reboot(slug)`) and call counters; reads go through `loaders`. */
  ct: CtApi | null;
  loaders: Loaders | null;
  /** The caller's CT client itself, for work that outlives execution: a subscription's identity and its poll reader. */
  ctClient: CtClient | null;
  /** The app's subscriptions (src/live/); null where none are served. */
  live: Live | null;
  /** Filled during execution, read by app.ts for metrics labels. */
  operation: { name: string | null };
}

const REASONS: Record<SessionProblem, string> = {
  MISSING: 'SIGNED_OUT',
  INVALID: 'SESSION_INVALID',
  EXPIRED: 'SESSION_EXPIRED',
};

/** The CT writes and loaders of a signed-in caller, or UNAUTHENTICATED. */
export function requireUser(ctx: GraphQLContext): { ct: CtApi; loaders: Loaders } {
  if (ctx.ct && ctx.loaders) return { ct: ctx.ct, loaders: ctx.loaders };
  throw signedOutError(ctx);
}

export function signedOutError(ctx: Pick<GraphQLContext, 'sessionProblem'>): GraphQLError {
  return unauthenticated(REASONS[ctx.sessionProblem ?? 'MISSING']);
}

export interface RequestContextDeps {
  sealer: SessionSealer;
  /** Everything a CT client needs but the caller's tokens. */
  ct: Omit<CtClientOptions, 'tokens' | 'onCall'>;
  loaders: LoaderOptions;
  metrics: Metrics;
  /** Cookies get `Secure` when the facade is served over https. */
  secureCookies: boolean;
  /** The app's subscriptions, handed to every context. */
  live?: Live;
}

export interface RequestContext {
  context: GraphQLContext;
  /** The response with the re-sealed session when CT tokens changed, no-store for user data, and metrics recorded. */
  finish(response: Response): Promise<Response>;
}

export async function createRequestContext(request: Request, deps: RequestContextDeps): Promise<RequestContext> {
  const started = performance.now();
  const { sealer, metrics } = deps;
  const presented = sessionTokenOf(request);
  const opened = await sealer.open(presented?.token ?? null);
  const session = opened.session;
  const ct = session ? createCtClient({ ...deps.ct, tokens: session.tokens, onCall: metrics.ctCall }) : null;
  const context: GraphQLContext = {
    request,
    session,
    sessionProblem: session ? null : opened.reason,
    ct: ct ? createCtApi(ct) : null,
    operation: { name: null },
    loaders: ct ? createLoaders(ct, deps.loaders) : null,
    ctClient: ct,
    live: deps.live ?? null,
  };

  async function finish(response: Response): Promise<Response> {
    if (session && ct?.tokensChanged) {
      // A re-sealed session keeps the exp of the one it replaces: SESSION_MAX_AGE bounds its whole life.
      const resealed = await sealer.seal(ct.tokens, { exp: session.exp });
      const maxAgeSeconds = Math.max(0, session.exp - Math.floor(Date.now() / 1000));
      response = withHeaders(response, (headers) => {
        headers.append('set-cookie', sessionCookie(resealed.token, { maxAgeSeconds, secure: deps.secureCookies }));
        // Bearer clients need the new token in a header; a cookie session keeps it out of reach of page scripts.
        if (presented?.from === 'bearer') headers.set('x-session-token', resealed.token);
      });
    }
    // Answers hold one user's CT data (and maybe a new session): never stored by caches.
    if (session) response = withHeaders(response, (headers) => headers.set('cache-control', 'private, no-store'));
    // Only signed-in callers name operations in metrics, so anonymous ones cannot use up the label slots.
    metrics.request(metrics.operationLabel(session ? context.operation.name : null), response.status, (performance.now() - started) / 1000);
    if (ct) metrics.requestDone({ ...ct.stats, ...context.loaders?.stats });
    return response;
  }

  return { context, finish };
}
