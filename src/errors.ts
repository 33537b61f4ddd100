/**
 * The one place that decides what an error looks like to a client: coded GraphQL errors from
 * DESIGN.md, CT client errors mapped to them, everything else masked. No CT URL, token, stack
 * or raw CT body ever leaves through here.
 */
import { GraphQLError } from 'graphql';
import { CtAuthError, CtError, CtHttpError, CtRateLimitedError, CtUnavailableError } from './ct/errors.js';
import type { Logger } from './logger.js';

export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_ERROR',
  'QUERY_TOO_COSTLY',
  // Persisted operations (persisted.ts): an unknown hash or id (Apollo's code, which its client
  // retries with the document), and a document sent in full when only persisted ones are allowed.
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_ONLY',
  // Idempotency-Key (idempotency.ts): the key was used with another request; a request with it is still running.
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_IN_PROGRESS',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The code of an error we could not classify; its message is always the generic one. */
export const UNEXPECTED_CODE = 'INTERNAL_SERVER_ERROR';
export const UNEXPECTED_MESSAGE = 'Unexpected error.';
export const REAUTHENTICATE_PATH = '/auth/login';

export function codedError(message: string, code: ErrorCode, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

export function unauthenticated(reason: string): GraphQLError {
  return codedError('You must be signed in with a CT account for this field.', 'UNAUTHENTICATED', {
    reason,
    reauthenticate: REAUTHENTICATE_PATH,
  });
}

/** Maps a CT client error to the coded error a client sees. */
export function fromCtError(error: CtError): { message: string; code: ErrorCode; extensions: Record<string, unknown> } {
  if (error instanceof CtAuthError) {
    return {
      message: 'Your CT sign-in has expired or was revoked; sign in again.',
      code: 'UNAUTHENTICATED',
      extensions: { reauthenticate: REAUTHENTICATE_PATH },
    };
  }
  if (error instanceof CtRateLimitedError) {
    return {
      message: `CT is rate limiting this account; retry after ${error.retryAfterSeconds} s.`,
      code: 'RATE_LIMITED',
      extensions: { retryAfter: error.retryAfterSeconds },
    };
  }
  if (error instanceof CtUnavailableError) {
    return {
      message: error.outcomeUnknown
        ? 'CT did not answer in time; the outcome of this change is unknown. Check before retrying.'
        : error.code === 'ERR_CT_TIMEOUT'
          ? 'CT did not answer in time.'
          : 'CT is unavailable.',
      code: 'UPSTREAM_UNAVAILABLE',
      extensions: error.outcomeUnknown ? { outcomeUnknown: true } : {},
    };
  }
  if (error instanceof CtHttpError) {
    switch (error.code) {
      case 'ERR_CT_NOT_FOUND':
        return { message: 'Not found in CT.', code: 'NOT_FOUND', extensions: {} };
      case 'ERR_CT_FORBIDDEN':
        return { message: error.message || 'CT refused this action.', code: 'FORBIDDEN', extensions: {} };
      case 'ERR_CT_VALIDATION':
      case 'ERR_CT_BAD_REQUEST':
        return { message: error.message || 'CT rejected the input.', code: 'BAD_USER_INPUT', extensions: {} };
      default:
        return { message: 'CT answered with an error.', code: 'UPSTREAM_ERROR', extensions: { status: error.status } };
    }
  }
  return { message: 'CT answered with an error.', code: 'UPSTREAM_ERROR', extensions: {} };
}

function isCoded(extensions: Record<string, unknown> | undefined): boolean {
  const code = extensions?.code;
  return typeof code === 'string' && (code === UNEXPECTED_CODE || (ERROR_CODES as readonly string[]).includes(code));
}

/**
 * yoga's `maskedErrors.maskError`: coded GraphQLErrors pass, CT errors are mapped, GraphQL
 * syntax/validation errors become BAD_USER_INPUT, and anything else becomes the generic error.
 */
export function maskError(error: unknown, _message?: string, isDev?: boolean): Error {
  if (!(error instanceof GraphQLError)) return masked(undefined, isDev ? error : undefined);
  const original = error.originalError;
  if (original instanceof CtError) {
    const mapped = fromCtError(original);
    return rebuild(error, mapped.message, { code: mapped.code, ...mapped.extensions });
  }
  if (original instanceof GraphQLError) return maskError(withLocation(original, error), _message, isDev);
  if (original === undefined || original === null) {
    if (isCoded(error.extensions)) return error;
    // Raised while executing (it has a path) yet by no resolver of ours: a value the schema cannot
    // represent, a null in a non-null field. A fault of ours or of CT's data, not the caller's.
    if (error.path !== undefined) return masked(error, isDev ? error : undefined);
    // Parse and validation errors, and yoga's own request errors, carry no original error. An
    // `originalError` extension (a JSON parser's message) may quote the request body: dropped.
    // Yoga answers 200 to `spec` errors of application/json requests unless such an extension is
    // there, so `spec` goes with it and a body that is not JSON still gets its 400.
    const { originalError: quoted, ...extensions } = error.extensions ?? {};
    if (quoted !== undefined && typeof extensions.http === 'object' && extensions.http !== null) {
      const { spec: _spec, ...http } = extensions.http as Record<string, unknown>;
      extensions.http = http;
    }
    return rebuild(error, error.message, { ...extensions, code: 'BAD_USER_INPUT' });
  }
  return masked(error, isDev ? original : undefined);
}

/** The code maskError gives an error, without building or logging anything: for the operation's span. */
export function codeOf(error: GraphQLError): string {
  const original = error.originalError;
  if (original instanceof CtError) return fromCtError(original).code;
  if (original instanceof GraphQLError) return codeOf(original);
  if (original !== undefined && original !== null) return UNEXPECTED_CODE;
  if (isCoded(error.extensions)) return error.extensions.code as string;
  return error.path !== undefined ? UNEXPECTED_CODE : 'BAD_USER_INPUT';
}

function withLocation(inner: GraphQLError, outer: GraphQLError): GraphQLError {
  return keepLocations(
    outer,
    new GraphQLError(inner.message, {
      nodes: outer.nodes,
      source: outer.source,
      positions: outer.positions,
      path: outer.path,
      originalError: inner.originalError ?? undefined,
      extensions: inner.extensions,
    }),
  );
}

function rebuild(error: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLError {
  return keepLocations(
    error,
    new GraphQLError(message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions }),
  );
}

/** graphql-jit's errors carry `locations` without the AST nodes they are derived from. */
function keepLocations(from: GraphQLError | undefined, to: GraphQLError): GraphQLError {
  if (from?.locations && !to.locations) (to as { locations?: GraphQLError['locations'] }).locations = from.locations;
  return to;
}

function masked(error: GraphQLError | undefined, devOriginal: unknown): GraphQLError {
  const extensions: Record<string, unknown> = { code: UNEXPECTED_CODE };
  if (devOriginal instanceof Error) extensions.originalError = { name: devOriginal.name, message: devOriginal.message };
  return keepLocations(
    error,
    new GraphQLError(UNEXPECTED_MESSAGE, {
      nodes: error?.nodes,
      source: error?.source,
      positions: error?.positions,
      path: error?.path,
      extensions,
    }),
  );
}

/**
 * maskError plus a log line (name and message, never a token) for every error that had to be
 * masked, so an operator can find what the client only saw as "Unexpected error.".
 */
export function createErrorMasker(options: {
  logger: Logger;
  production: boolean;
}): (error: unknown, message?: string, isDev?: boolean) => Error {
  return (error, message, isDev) => {
    const result = maskError(error, message, Boolean(isDev) && !options.production);
    // An error masked already (yoga and the pipeline may both pass it here) comes back as itself.
    if (result !== error && result instanceof GraphQLError && result.extensions.code === UNEXPECTED_CODE) {
      const original = error instanceof GraphQLError ? error.originalError : error;
      options.logger.error(
        { err: original instanceof Error ? { name: original.name, message: original.message, stack: original.stack } : String(original) },
        'unexpected error',
      );
    }
    return result;
  };
}
