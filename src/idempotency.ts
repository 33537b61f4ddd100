/**
 * Idempotency-Key on mutations (after the IETF draft "The Idempotency-Key HTTP Header Field" and
 * Stripe), for both GraphQL paths through pipeline.ts. A POST /graphql carrying a mutation and the
 * header `Idempotency-Key` (1 to 255 characters) is tied to a record in the store, scoped to the CT
 * user and the key and kept 24 hours:
 *
 * - written (running, with a lease) before the operation runs, so before any CT write, and finished
 *   after it: a crash in between leaves a running record whose lease runs out, never a silent
 *   second write;
 * - the same key with the same operation (document, operation name, variables) once the first is
 *   done: the first response is replayed, byte for byte, with `idempotent-replayed: true`, and CT is
 *   not called;
 * - the same key with another operation: IDEMPOTENCY_KEY_REUSED (422), nothing runs;
 * - the same key while the first is still running: IDEMPOTENCY_IN_PROGRESS (409, Retry-After: 1),
 *   nothing runs; the client retries (it is not made to wait);
 * - a response with errors (CT unavailable, an unknown outcome, a bulk item that failed) is not
 *   final: the next request with the key runs again, and creates first look on CT for what an
 *   earlier attempt made (look before create, schema/look-first.ts). A response without errors,
 *   userErrors included, is final.
 *
 * Queries ignore the header: reading twice is harmless. Signed-out callers have nothing to guard.
 */
import { createHash } from 'node:crypto';
import { type DocumentNode, type ExecutionResult, GraphQLError, print } from 'graphql';
import type { GraphQLContext, IdempotencyScope } from './context.js';
import { CtError } from './ct/errors.js';
import { codedError, type ErrorCode, fromCtError } from './errors.js';
import { createJweBox, type JweBox } from './jwe.js';
import type { Store } from './store/types.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
export const MAX_KEY_LENGTH = 255;
/** How long a key is remembered. */
export const RECORD_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a running attempt holds its key. Longer than any request can take (100 items at a CT
 * timeout each, within the concurrency bound), so a live attempt is never taken over; past it, an
 * attempt is taken to have died, and the next request with the key runs again, looking first.
 */
export const DEFAULT_LEASE_MS = 5 * 60 * 1000;
/** Expired records are purged by the first request after this long. */
const PURGE_INTERVAL_MS = 10 * 60 * 1000;

/** What the caller of `begin` does with the operation. */
export type Gate =
  /** No key, not a mutation, or signed out: run as usual. */
  | { kind: 'pass' }
  /** Answer this error alone, with this HTTP status and headers; nothing runs. */
  | { kind: 'refuse'; error: GraphQLError; status: number; headers: Record<string, string> }
  /** Answer this body (the first response, as sent) with `idempotent-replayed: true`; nothing runs. */
  | { kind: 'replay'; body: string }
  /** Run the operation, then report its finished result (null: it did not run, e.g. its variables did not fit). */
  | { kind: 'run'; done(result: ExecutionResult | null): Promise<void> };

export interface OperationToGuard {
  document: DocumentNode;
  operationName: string | null | undefined;
  variables: Record<string, unknown>;
  operationType: 'query' | 'mutation' | 'subscription';
}

export interface Idempotency {
  /** Decides the fate of an admitted operation; for `run`, sets `context.idempotency`. */
  begin(context: GraphQLContext, operation: OperationToGuard): Promise<Gate>;
}

export interface IdempotencyOptions {
  store: () => Promise<Store>;
  /** SESSION_SECRET's secrets: responses are sealed at rest (they can hold voucher codes), the first seals, all open. */
  secrets: readonly string[];
  now?: () => number;
  leaseMs?: number;
  /** Failures that cost only a log line (a record that could not be finished, a purge). */
  warn?: (what: string, details: Record<string, unknown>) => void;
}

/** The key from the header: an sf-string's quotes (the IETF draft's form) are optional. Null when absent. */
export function readKey(request: Request): { key: string } | { invalid: string } | null {
  const raw = request.headers.get(IDEMPOTENCY_KEY_HEADER);
  if (raw === null) return null;
  const trimmed = raw.trim();
  const key = trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
  if (key.length === 0) return { invalid: 'is empty' };
  if (key.length > MAX_KEY_LENGTH) return { invalid: `is longer than ${MAX_KEY_LENGTH} characters` };
  if (!/^[\x20-\x7e]+$/.test(key)) return { invalid: 'holds characters other than printable ASCII' };
  return { key };
}

/** Variables with their keys sorted at every level, so that key order does not make two requests differ. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** What makes two requests "the same": the printed document (layout and comments aside), the operation name and the variables. */
export function fingerprint(o: Pick<OperationToGuard, 'document' | 'operationName' | 'variables'>): string {
  const text = JSON.stringify([o.operationName ?? null, print(o.document), canonical(o.variables)]);
  return createHash('sha256').update(text).digest('hex');
}

// Part of the stored format: changing it makes every stored response unreadable (they are then run again, looking first).
const RESPONSE_INFO = 'ct-graphql idempotent response v1';

/** Responses sealed for the store, bound to their CT user and key: a sealed response copied onto another record opens to nothing. */
interface ResponseBox {
  seal(ctUserId: string, key: string, body: string): Promise<string>;
  /** Null when no configured secret opens it, or it belongs to another record. */
  open(ctUserId: string, key: string, sealed: string): Promise<string | null>;
}

async function createResponseBox(secrets: readonly string[], now: () => number): Promise<ResponseBox> {
  const box: JweBox = await createJweBox(secrets, RESPONSE_INFO, now);
  return {
    seal(ctUserId, key, body) {
      const iat = Math.floor(now() / 1000);
      // Outlives its record by an hour, so a record read just before it expires still opens.
      return box.seal({ u: ctUserId, k: key, r: body }, { iat, exp: iat + RECORD_TTL_MS / 1000 + 3600 });
    },
    async open(ctUserId, key, sealed) {
      const { payload } = await box.open(sealed);
      if (payload === null || payload.u !== ctUserId || payload.k !== key || typeof payload.r !== 'string') return null;
      return payload.r;
    },
  };
}

function refusal(message: string, code: ErrorCode, status: number, extensions: Record<string, unknown> = {}, headers = {}): Gate {
  return { kind: 'refuse', error: codedError(message, code, extensions), status, headers };
}

/** A final response: executed (it has `data`, null or not) and no error anywhere in it, nor kept inside a result. */
function isFinal(result: ExecutionResult, scope: IdempotencyScope): boolean {
  return result.data !== undefined && !result.errors?.length && !scope.unsettled;
}

export function createIdempotency(o: IdempotencyOptions): Idempotency {
  const now = o.now ?? Date.now;
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  const warn = o.warn ?? (() => undefined);
  let lastPurge = 0;
  let responses: Promise<ResponseBox> | null = null;
  const box = (): Promise<ResponseBox> => {
    responses ??= createResponseBox(o.secrets, now);
    return responses;
  };

  /**
   * The CT account the caller acts as, from the context's one answer to that question: an API
   * token and a session sealed at sign-in carry it; an older session asks CT once (counted below).
   */
  async function ctUserOf(context: GraphQLContext): Promise<string> {
    const id = await context.ctUserId();
    if (id === null) throw new Error('a signed-in caller without a CT account');
    return id;
  }

  function purge(store: Store, at: number): void {
    if (at - lastPurge < PURGE_INTERVAL_MS) return;
    lastPurge = at;
    store.idempotency.deleteExpired(at).catch((error: unknown) => warn('idempotency records were not purged', { err: String(error) }));
  }

  async function begin(context: GraphQLContext, operation: OperationToGuard): Promise<Gate> {
    if (operation.operationType !== 'mutation' || context.credential === null) return { kind: 'pass' };
    const header = readKey(context.request);
    if (header === null) return { kind: 'pass' };
    if ('invalid' in header) {
      return refusal(
        `The Idempotency-Key header ${header.invalid}: send 1 to ${MAX_KEY_LENGTH} printable characters.`,
        'BAD_USER_INPUT',
        400,
        {
          reason: 'IDEMPOTENCY_KEY_INVALID',
          maxLength: MAX_KEY_LENGTH,
        },
      );
    }
    // The store first: when it is down, nothing is asked of CT either.
    let store: Store;
    try {
      store = await o.store();
    } catch (error) {
      return storeDown(error);
    }
    let ctUserId: string;
    const callsBefore = context.ct?.stats.calls ?? 0;
    try {
      ctUserId = await ctUserOf(context);
    } catch (error) {
      if (!(error instanceof CtError)) throw error;
      const mapped = fromCtError(error);
      const status = mapped.code === 'UNAUTHENTICATED' ? 401 : mapped.code === 'RATE_LIMITED' ? 429 : 502;
      return refusal(mapped.message, mapped.code, status, mapped.extensions);
    }
    const lookupCalls = (context.ct?.stats.calls ?? 0) - callsBefore;
    const fp = fingerprint(operation);
    try {
      const repo = store.idempotency;
      const at = now();
      purge(store, at);
      const run = (attempts: number, lookFirstSince: number | null): Gate => {
        const scope: IdempotencyScope = { lookFirstSince, unsettled: false, lookupCalls };
        context.idempotency = scope;
        return {
          kind: 'run',
          async done(result) {
            try {
              if (result !== null && isFinal(result, scope)) {
                const sealed = await (await box()).seal(ctUserId, header.key, JSON.stringify(result));
                await repo.finish(ctUserId, header.key, attempts, 'done', sealed);
              } else if (attempts === 1 && (result === null || result.data === undefined)) {
                // Refused before it ran (its variables did not fit): as if it never came.
                await repo.remove(ctUserId, header.key, attempts);
              } else {
                await repo.finish(ctUserId, header.key, attempts, 'incomplete', null);
              }
            } catch (error) {
              // The response still goes out; the record stays running until its lease lapses, then a retry looks first.
              warn('an idempotency record could not be finished', { err: error instanceof Error ? error.message : String(error) });
            }
          },
        };
      };
      // Two rounds at most: a record that expired (or vanished) between reading and writing is replaced once.
      for (let round = 0; round < 2; round++) {
        const inserted = await repo.insert({
          ctUserId,
          key: header.key,
          fingerprint: fp,
          status: 'running',
          response: null,
          attempts: 1,
          firstStartedAt: at,
          leaseUntil: at + leaseMs,
          expiresAt: at + RECORD_TTL_MS,
        });
        if (inserted) return run(1, null);
        const record = await repo.get(ctUserId, header.key);
        if (record === null) continue;
        if (record.expiresAt <= at) {
          await repo.remove(ctUserId, header.key, record.attempts);
          continue;
        }
        if (record.fingerprint !== fp) {
          return refusal(
            'This Idempotency-Key was used with another request (its document, operation name or variables differ); use a new key.',
            'IDEMPOTENCY_KEY_REUSED',
            422,
          );
        }
        if (record.status === 'running' && record.leaseUntil > at) break;
        const done = record.status === 'done';
        if (done) {
          const body = record.response === null ? null : await (await box()).open(ctUserId, header.key, record.response);
          if (body !== null) return { kind: 'replay', body };
          // Sealed under a secret no longer configured: it cannot be replayed, so the request runs again, creates looking first.
        }
        // Incomplete, or running past its lease (that attempt died): run again, creates looking first, if no other retry took it.
        const taken = await repo.takeOver(ctUserId, header.key, record.attempts, at, at + leaseMs, done);
        if (taken) return run(record.attempts + 1, record.firstStartedAt);
        break;
      }
      return refusal(
        'A request with this Idempotency-Key is still running; retry shortly to get its response.',
        'IDEMPOTENCY_IN_PROGRESS',
        409,
        { retryAfter: 1 },
        { 'retry-after': '1' },
      );
    } catch (error) {
      return storeDown(error);
    }
  }

  function storeDown(error: unknown): Gate {
    warn('the idempotency store is unavailable', { err: error instanceof Error ? error.message : String(error) });
    return refusal(
      "Idempotency-Key cannot be honoured right now (the facade's store is unavailable); nothing was done, retry shortly.",
      'UPSTREAM_UNAVAILABLE',
      503,
      { reason: 'IDEMPOTENCY_STORE_UNAVAILABLE' },
    );
  }

  return { begin };
}

/** The body of a refusal, as both HTTP paths send it: the error alone, `http` (yoga's own extension) left out. */
export function refusalBody(error: GraphQLError): { errors: GraphQLError[] } {
  return { errors: [error] };
}

/** The refusal as yoga answers it: its HTTP status and headers ride in the error's `http` extension, which yoga strips. */
export function forYoga(gate: Extract<Gate, { kind: 'refuse' }>): GraphQLError {
  const { error } = gate;
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: gate.status, headers: gate.headers } } });
}
