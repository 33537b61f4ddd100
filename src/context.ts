/**
 * The per-request GraphQL context: the opened session, a CT client bound to this caller's
 * tokens, and a fresh set of loaders. Built once per request by app.ts; never shared.
 */
import type { GraphQLError } from 'graphql';
import type { Session } from './auth/session.js';
import type { CtClient } from './ct/client.js';
import { unauthenticated } from './errors.js';
import type { Loaders } from './loaders.js';

export type SessionProblem = 'MISSING' | 'INVALID' | 'EXPIRED';

export interface GraphQLContext {
  request: Request;
  session: Session | null;
  /** Why there is no session; null when signed in. */
  sessionProblem: SessionProblem | null;
  ct: CtClient | null;
  loaders: Loaders | null;
  /** Filled during execution, read by app.ts for metrics labels. */
  operation: { name: string | null };
}

const REASONS: Record<SessionProblem, string> = {
  MISSING: 'SIGNED_OUT',
  INVALID: 'SESSION_INVALID',
  EXPIRED: 'SESSION_EXPIRED',
};

/** The CT client and loaders of a signed-in caller, or UNAUTHENTICATED. */
export function requireUser(ctx: GraphQLContext): { ct: CtClient; loaders: Loaders } {
  if (ctx.ct && ctx.loaders) return { ct: ctx.ct, loaders: ctx.loaders };
  throw signedOutError(ctx);
}

export function signedOutError(ctx: Pick<GraphQLContext, 'sessionProblem'>): GraphQLError {
  return unauthenticated(REASONS[ctx.sessionProblem ?? 'MISSING']);
}
