// The credentials a poller reads CT with: a current subscriber's, through a CT client (so timeouts,
// read retries, rate limits and metrics apply as to any request).
//
// Which client depends on who holds the credential. A session token is held by the caller (cookie
// or bearer): when CT rotates its tokens, only a response can hand the caller the new session. A
// stream's headers are long gone, so a poller must never refresh a session's tokens: CT would
// revoke the pair in the caller's hands and sign it out a minute later (the refresher keeps a
// result for 60 s). Such a reader uses the access token as it is, until a minute before it expires
// (when the CT client would refresh it), and its subscriber then resubscribes, which refreshes the
// session in the subscribe response's headers. A credential the facade holds server-side (an API
// token's grant) refreshes without the caller, so its request's own client is used as it is.
import { createHash } from 'node:crypto';
import { REFRESH_AHEAD_MS, createCtClient, type CtClient, type CtClientOptions } from '../ct/client.js';
import { CtAuthError } from '../ct/errors.js';
import type { Refresher } from '../ct/refresher.js';
import type { CtRead } from '../ct/resources/read.js';
import type { CtTokens } from '../ct/tokens.js';

export interface LiveReader {
  /** One CT read for a poll. */
  read<T>(request: CtRead<T>): Promise<T>;
  /** CT calls `read` made so far, retries included (the poll CT calls metric). */
  readonly calls: number;
  /** A client to resolve one of the subscriber's events with (fresh loaders per event). */
  eventClient(): CtClient;
  /** Names the credential without holding it: sign-out ends the streams opened with it. */
  readonly credentialKey: string;
  /** Epoch ms after which a poller must not use this reader (Infinity when it refreshes by itself). */
  readonly usableUntil: number;
}

/** What a CT client needs besides the tokens and a refresher. */
export type LiveCtOptions = Omit<CtClientOptions, 'tokens' | 'refresher'>;

/** sha256 hex of a token: a name for it that is safe to keep, compare, log or send to Redis. */
export function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Stands in for the refresher where refreshing would leave the caller's copy of the tokens behind. */
const CALLER_REFRESHES: Refresher = {
  refresh: () => Promise.reject(new CtAuthError('CT refused the access token of this subscription')),
  forget: async () => null,
  stats: { refreshes: 0, failures: 0, reused: 0 },
};

/** When a caller-held access token stops being usable: when the CT client would start refreshing it. */
export function usableUntil(tokens: CtTokens): number {
  return tokens.expiresAt - REFRESH_AHEAD_MS;
}

/**
 * A reader over a caller-held (session) credential: never refreshes, usable until shortly before
 * expiry. It keeps only the tokens: a client that never refreshes has no state worth keeping, so
 * each poll and each event gets its own (an idle subscriber then costs the tokens, not clients).
 */
export function callerHeldReader(options: LiveCtOptions, tokens: CtTokens): LiveReader {
  const make = (): CtClient => createCtClient({ ...options, tokens, refresher: CALLER_REFRESHES });
  let calls = 0;
  return {
    async read(request) {
      const client = make();
      try {
        return request.parse(await client.get<unknown>(request.path, request.query));
      } finally {
        calls += client.stats.calls;
      }
    },
    get calls() {
      return calls;
    },
    eventClient: make,
    credentialKey: digest(tokens.refreshToken),
    usableUntil: usableUntil(tokens),
  };
}

/** A reader over a credential the facade refreshes itself: the request's own client, for as long as the stream lives. */
export function serverHeldReader(client: CtClient, credentialKey: string): LiveReader {
  return {
    read: async (request) => request.parse(await client.get<unknown>(request.path, request.query)),
    // The request's client also resolves the events: its count includes theirs.
    get calls() {
      return client.stats.calls;
    },
    eventClient: () => client,
    credentialKey,
    usableUntil: Number.POSITIVE_INFINITY,
  };
}
