// How the instances of the facade agree on who polls (DESIGN.md "Live data"). In one process there
// is nothing to agree on: this instance polls every topic it has subscribers for. With REDIS_URL
// (redis.ts) one instance holds a lease per topic and fans its events out through pub/sub.
import type { BoxChange, BoxSnapshot } from './topics.js';
import type { VoucherModel } from '../domain/voucher.js';

/**
 * What a poll found, sent to the instances that did not poll. `gone`: CT answered that the watched
 * thing does not exist (or is not this user's); every stream of the topic ends with that code.
 */
export type TopicMessage =
  | { type: 'changes'; changes: BoxChange[] }
  | { type: 'completed'; voucher: VoucherModel }
  | { type: 'gone'; status: number };

/**
 * The outcome of claiming a topic's lease before a poll: `renewed` (this topic held it), `acquired`
 * (it was free: the previous holder left or died), `theirs` (another instance polls), `unknown`
 * (Redis could not be asked: this instance polls for its own subscribers until it can again).
 */
export type Claim = 'renewed' | 'acquired' | 'theirs' | 'unknown';

/** A session signed out: the digests of its refresh token (names its streams) and of its access token (its cached identity). */
export interface SignOut {
  credentialKey: string;
  accessDigest: string;
}

export interface Coordinator {
  /** True when several instances share the topics (Redis); false in one process. */
  readonly shared: boolean;
  /** `holder` names one topic object of one instance, so an old one's release cannot free a new one's lease. */
  claim(topic: string, holder: string): Promise<Claim>;
  release(topic: string, holder: string): Promise<void>;
  /** The last poll's box states, for an instance that takes a lease over; null when none were kept. */
  loadSnapshot(topic: string): Promise<BoxSnapshot | null>;
  saveSnapshot(topic: string, snapshot: BoxSnapshot): Promise<void>;
  publish(topic: string, message: TopicMessage): Promise<void>;
  /** Receives what other instances publish on the topic, until the returned function is called. */
  listen(topic: string, handler: (message: TopicMessage) => void): Promise<() => void>;
  /** Tells every instance that streams opened with this credential end, and forgets its identity fleet-wide. */
  signOut(signOut: SignOut): Promise<void>;
  /** The CT user an access token (by digest) belongs to, as another instance learned it; null when unknown. */
  identity(accessDigest: string): Promise<string | null>;
  rememberIdentity(accessDigest: string, userKey: string, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

/** One process: every claim is this instance's, and nothing travels. */
export function localCoordinator(): Coordinator {
  const claimed = new Map<string, string>();
  return {
    shared: false,
    async claim(topic, holder) {
      if (claimed.get(topic) === holder) return 'renewed';
      claimed.set(topic, holder);
      return 'acquired';
    },
    async release(topic, holder) {
      if (claimed.get(topic) === holder) claimed.delete(topic);
    },
    loadSnapshot: async () => null,
    saveSnapshot: async () => {},
    publish: async () => {},
    listen: async () => () => {},
    signOut: async () => {},
    identity: async () => null,
    rememberIdentity: async () => {},
    close: async () => {},
  };
}
