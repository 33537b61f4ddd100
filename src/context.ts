/**
 * The per-request GraphQL context and its factory: resolve the caller's credential (the one place
 * that does: an API token `Authorization: Bearer ctg_…`, else a session token as bearer or cookie),
 * bind a CT client to its CT tokens, make a fresh set of loaders; and afterwards, in `finish`, carry
 * what the request changed into the response (a re-sealed session; never anything for an API
 * token, whose grant lives in the store), keep caches away from user data, and record metrics.
 * Every credential kind and transport (HTTP, streams) builds its context here, once per request; a
 * context is never shared.
 */
import type { GraphQLError } from 'graphql';
import { isApiTokenCredential } from './auth/api-token-secret.js';
import type { ApiTokenProblem } from './auth/api-token-verifier.js';
import type { ApiTokens } from './auth/api-tokens.js';
import { sessionCookie } from './auth/cookies.js';
import { sessionTokenOf, type Session, type SessionSealer } from './auth/session.js';
import { createCtClient, type CtClient, type CtClientOptions } from './ct/client.js';
import { createCtApi, type CtApi } from './ct/resources/index.js';
import { codedError, unauthenticated } from './errors.js';
import type { Live } from './live/registry.js';
import { createLoaders, type LoaderOptions, type Loaders } from './loaders.js';
import type { Metrics } from './metrics.js';
import { withHeaders } from './responses.js';
import type { ApiTokenScope } from './store/types.js';
import { type BudgetState, setRateLimitHeaders } from './budget.js';
import type { RequestTrace } from './tracing.js';

export type SessionProblem = 'MISSING' | 'INVALID' | 'EXPIRED' | `API_TOKEN_${ApiTokenProblem}`;

/** Who is calling, once the credential opened. */
export type Credential = { kind: 'session' } | { kind: 'apiToken'; id: string; scope: ApiTokenScope; ctUserId: string };

/** What a request under an Idempotency-Key (pipeline.ts, idempotency.ts) tells the resolvers, and learns from them. */
export interface IdempotencyScope {
  /**
   * When the first attempt under this key began, if an earlier attempt may have written (its
   * outcome is unknown): creates then look on CT for what it made since, before creating. Null on
   * a first attempt.
   */
  readonly lookFirstSince: number | null;
  /** Set by a resolver that kept a failure inside its result (a bulk item): the response is then not final. */
  unsettled: boolean;
  /** CT calls made before the operation ran, to learn whose key it is (a session's /me.json): added to its estimate. */
  readonly lookupCalls: number;
}

export interface GraphQLContext {
  request: Request;
  /** The opened session token; null for API tokens and signed-out callers. */
  session: Session | null;
  /** The credential that signed this request in; null when signed out. */
  credential: Credential | null;
  /** Why there is no credential; null when signed in. */
  sessionProblem: SessionProblem | null;
  /** The caller's CT writes by resource (`ct.boxes.reboot(slug)`) and call counters; reads go through `loaders`. */
  ct: CtApi | null;
  loaders: Loaders | null;
  /**
   * The CT account whose CT-call budget this request spends: an API token and a session (sealed
   * since sessions carry it) say it; an older session asks CT once (/me.json through the loaders,
   * so a `viewer` in the same request shares the call), kept per session token. Null when signed out.
   */
  ctUserId(): Promise<string | null>;
  /** The budget as this request left it, and what the response must say about it: pipeline.ts fills it, `finish` writes it. */
  budget: BudgetOutcome;
  /** This request's trace; null when tracing is off. */
  trace: RequestTrace | null;
  /** API tokens of the signed-in CT user (Viewer.apiTokens, revokeApiToken); the store opens on first use. */
  apiTokens: ApiTokens;
  /** The caller's CT client itself, for work that outlives execution: a subscription's identity and its poll reader. */
  ctClient: CtClient | null;
  /** The app's subscriptions (src/live/); null where none are served. */
  live: Live | null;
  /** Filled during execution, read by app.ts for metrics labels. */
  operation: { name: string | null };
  /** Set once the request's Idempotency-Key holds its record; null without a key. */
  idempotency: IdempotencyScope | null;
}

export interface BudgetOutcome {
  /** The account's budget after this request; null when signed out or nothing was asked of it. */
  state: BudgetState | null;
  /** Seconds to tell the caller to wait (`Retry-After`): the budget refused, or CT answered 429. */
  retryAfter: number | null;
  /** The operation was refused before running, for the budget: the answer is a 429. */
  refused: boolean;
}

const REASONS: Record<SessionProblem, string> = {
  MISSING: 'SIGNED_OUT',
  INVALID: 'SESSION_INVALID',
  EXPIRED: 'SESSION_EXPIRED',
  // Unknown and revoked look the same: telling them apart would confirm that a leaked token existed.
  API_TOKEN_INVALID: 'API_TOKEN_INVALID',
  API_TOKEN_EXPIRED: 'API_TOKEN_EXPIRED',
  API_TOKEN_NEEDS_SIGN_IN: 'API_TOKEN_NEEDS_SIGN_IN',
  API_TOKEN_UNAVAILABLE: 'API_TOKEN_UNAVAILABLE',
};

/** The CT writes and loaders of a signed-in caller, or UNAUTHENTICATED. */
export function requireUser(ctx: GraphQLContext): { ct: CtApi; loaders: Loaders } {
  if (ctx.ct && ctx.loaders) return { ct: ctx.ct, loaders: ctx.loaders };
  throw signedOutError(ctx);
}

export function signedOutError(ctx: Pick<GraphQLContext, 'sessionProblem'>): GraphQLError {
  // Not the caller's fault: their token could not be checked because the store is down.
  if (ctx.sessionProblem === 'API_TOKEN_UNAVAILABLE') {
    return codedError(
      "API tokens cannot be checked right now (the facade's store is unavailable); retry shortly.",
      'UPSTREAM_UNAVAILABLE',
      { reason: REASONS.API_TOKEN_UNAVAILABLE },
    );
  }
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
  apiTokens: ApiTokens;
  /** The app's subscriptions, handed to every context. */
  live?: Live;
  /**
   * CT accounts of sessions sealed before sessions carried one, by session token, as ctUserId()
   * learns them: the answer in flight is kept, so parallel requests of one session ask CT once.
   */
  knownCtUsers?: {
    get(token: string): Promise<string | null> | undefined;
    set(token: string, ctUserId: Promise<string | null>): unknown;
    delete(token: string): unknown;
  };
}

export interface RequestContext {
  context: GraphQLContext;
  /** The response with the re-sealed session when CT tokens changed, no-store for user data, and metrics recorded. */
  finish(response: Response): Promise<Response>;
}

interface Opened {
  session: Session | null;
  credential: Credential | null;
  problem: SessionProblem | null;
  ct: CtClient | null;
}

/** `Authorization: Bearer ctg_…`: the token's grant from the store (cached), refreshed under the store's lock. */
async function openApiToken(secret: string, deps: RequestContextDeps, trace: RequestTrace | null): Promise<Opened> {
  const check = await deps.apiTokens.verify(secret);
  if ('problem' in check) return { session: null, credential: null, problem: `API_TOKEN_${check.problem}`, ct: null };
  const { token, tokens } = check.verified;
  const ct = createCtClient({
    ...deps.ct,
    tokens,
    refresher: deps.apiTokens.refresherFor(check.verified),
    onCall: deps.metrics.ctCall,
    ...(trace ? { trace: trace.ctCall } : {}),
  });
  return { session: null, credential: { kind: 'apiToken', id: token.id, scope: token.scope, ctUserId: token.ctUserId }, problem: null, ct };
}

async function openSession(token: string | null, deps: RequestContextDeps, trace: RequestTrace | null): Promise<Opened> {
  const opened = await deps.sealer.open(token);
  const session = opened.session;
  if (!session) return { session: null, credential: null, problem: opened.reason, ct: null };
  const ct = createCtClient({ ...deps.ct, tokens: session.tokens, onCall: deps.metrics.ctCall, ...(trace ? { trace: trace.ctCall } : {}) });
  return { session, credential: { kind: 'session' }, problem: null, ct };
}

/** `trace`: the request's span when tracing is on; its CT calls become its children. */
export async function createRequestContext(
  request: Request,
  deps: RequestContextDeps,
  trace: RequestTrace | null = null,
): Promise<RequestContext> {
  const started = performance.now();
  const { sealer, metrics } = deps;
  const presented = sessionTokenOf(request);
  // A bearer that says it is an API token never falls back to the session path, even when it fails.
  const opened =
    presented?.from === 'bearer' && isApiTokenCredential(presented.token)
      ? await openApiToken(presented.token, deps, trace)
      : await openSession(presented?.token ?? null, deps, trace);
  const { session, ct } = opened;
  // The account of an older session, once asked (at most once per request).
  let learnt: Promise<string | null> | null = null;
  const context: GraphQLContext = {
    request,
    session,
    credential: opened.credential,
    sessionProblem: opened.problem,
    ct: ct ? createCtApi(ct) : null,
    ctUserId() {
      if (opened.credential?.kind === 'apiToken') return Promise.resolve(opened.credential.ctUserId);
      if (!session || !context.loaders) return Promise.resolve(null);
      if (session.ctUserId !== null) return Promise.resolve(session.ctUserId);
      if (learnt) return learnt;
      const token = presented?.token ?? '';
      learnt = deps.knownCtUsers?.get(token) ?? null;
      if (!learnt) {
        // CT could not say: the operation will meet the same trouble and report it.
        const asked = context.loaders.viewer().then(
          (viewer) => viewer.accountId,
          () => null,
        );
        deps.knownCtUsers?.set(token, asked);
        // Not knowing is not kept: the next request asks again.
        void asked.then((id) => id === null && deps.knownCtUsers?.delete(token));
        learnt = asked;
      }
      return learnt;
    },
    budget: { state: null, retryAfter: null, refused: false },
    trace,
    operation: { name: null },
    loaders: ct ? createLoaders(ct, deps.loaders) : null,
    apiTokens: deps.apiTokens,
    idempotency: null,
    ctClient: ct,
    live: deps.live ?? null,
  };

  async function finish(response: Response): Promise<Response> {
    if (session && ct?.tokensChanged) {
      // A re-sealed session keeps the exp of the one it replaces: SESSION_MAX_AGE bounds its whole
      // life. It carries the CT account on, or gains it when this request had to ask.
      const ctUserId = session.ctUserId ?? (learnt ? await learnt : null);
      const resealed = await sealer.seal(ct.tokens, { exp: session.exp, ctUserId });
      const maxAgeSeconds = Math.max(0, session.exp - Math.floor(Date.now() / 1000));
      response = withHeaders(response, (headers) => {
        headers.append('set-cookie', sessionCookie(resealed.token, { maxAgeSeconds, secure: deps.secureCookies }));
        // Bearer clients need the new token in a header; a cookie session keeps it out of reach of page scripts.
        if (presented?.from === 'bearer') headers.set('x-session-token', resealed.token);
      });
    }
    // RFC 6750 §3.1: a refused bearer credential is named as such even on a 200 (a signed-out
    // `viewer` is null, not an error), so a script or the CLI can tell "revoked" from "no data".
    const refused = opened.problem;
    if (presented?.from === 'bearer' && refused && refused !== 'MISSING' && refused !== 'API_TOKEN_UNAVAILABLE') {
      response = withHeaders(response, (headers) =>
        headers.set('www-authenticate', `Bearer error="invalid_token", error_description="${REASONS[refused]}"`),
      );
    }
    // Answers hold one user's CT data (and maybe a new session): never stored by caches.
    if (ct) response = withHeaders(response, (headers) => headers.set('cache-control', 'private, no-store'));
    response = budgetHeaders(response, context.budget);
    // Only signed-in callers name operations in metrics, so anonymous ones cannot use up the label slots.
    metrics.request(metrics.operationLabel(ct ? context.operation.name : null), response.status, (performance.now() - started) / 1000);
    if (ct) metrics.requestDone({ ...ct.stats, ...context.loaders?.stats });
    if (context.budget.refused) metrics.budgetRefused();
    return response;
  }

  return { context, finish };
}

/**
 * The budget on the HTTP response: the IETF draft's RateLimit fields when the request spent one,
 * `Retry-After` when the caller must wait, and 429 for an operation the budget refused (its body
 * was built as a GraphQL result, with a 200; the status is the one thing set here).
 */
function budgetHeaders(response: Response, budget: BudgetOutcome): Response {
  if (budget.state === null && budget.retryAfter === null) return response;
  const edit = (headers: Headers) => {
    if (budget.state) setRateLimitHeaders(headers, budget.state);
    if (budget.retryAfter !== null) headers.set('retry-after', String(budget.retryAfter));
  };
  if (!budget.refused || response.status === 429) return withHeaders(response, edit);
  const refused = new Response(response.body, { status: 429, headers: new Headers(response.headers) });
  edit(refused.headers);
  return refused;
}
