// The pollers behind the subscriptions (DESIGN.md "Live data"). A topic is one thing one CT user
// watches: a location's boxes, or one voucher batch until it completes. Per topic this instance
// keeps its local subscribers and one timer; with the first subscriber the topic starts, with the
// last it stops (its lease released, its channel left, no CT call after that).
//
// Each tick claims the topic's lease (coordinator.ts: always granted in one process; with Redis
// only one instance at a time holds it) and, when it is this instance's, polls CT once per interval
// for all subscribers of every instance: with the credentials of its local subscribers in turn
// (one whose credentials cannot be used now is skipped; one CT refuses gets the coded error alone
// and the same poll goes on with the next; one that left is simply no longer there). A poll's
// findings go to the local subscribers and, through the coordinator, to every other instance's.
//
// Box topics compare each poll with the last one by box slug and send only the boxes whose state
// changed. A new box topic polls before its first subscriber's stream starts (the baseline), so a
// change made right after subscribing is never mistaken for the starting point.
//
// Nothing here knows GraphQL: errors are CT client errors and the two below; src/schema/live.ts
// turns them into coded GraphQL errors.
import type { CtClient } from '../ct/client.js';
import { CtAuthError, CtHttpError } from '../ct/errors.js';
import type { ViewerModel } from '../domain/viewer.js';
import type { VoucherModel } from '../domain/voucher.js';
import { createLoaders, type LoaderOptions, type Loaders } from '../loaders.js';
import { LRUCache } from 'lru-cache';
import { localCoordinator, type Claim, type Coordinator, type SignOut, type TopicMessage } from './coordinator.js';
import { createQueue, type LiveQueue } from './queue.js';
import { callerHeldReader, digest, serverHeldReader, usableUntil, type LiveCtOptions, type LiveReader } from './reader.js';
import type { LiveLogger } from './redis.js';
import {
  diffBoxes,
  readLocationBoxes,
  readVoucher,
  topicKey,
  type BoxChange,
  type BoxSnapshot,
  type TopicKind,
  type TopicSpec,
} from './topics.js';

/** The subscriber's access token expired during the stream (a poller never refreshes a caller-held session). */
export class LiveExpiredError extends Error {
  override readonly name = 'LiveExpiredError';
}

/** The facade is shutting down: no new stream starts. */
export class LiveClosedError extends Error {
  override readonly name = 'LiveClosedError';
}

/** What a subscriber's stream carries; an error is the last value before the stream ends. */
export type LiveEvent = { type: 'box'; change: BoxChange } | { type: 'voucher'; voucher: VoucherModel } | { type: 'error'; error: Error };

/** One subscribing request: the CT user it is, and the reader a poller may use on its behalf. */
export interface Subscriber {
  readonly userKey: string;
  readonly reader: LiveReader;
  /** The CT account the CT-call budget counts under (null: unknown, so nothing is charged for it). */
  readonly account: string | null;
}

export interface SubscriberInput {
  /** The request's CT client: identity lookups go through it, so a refresh reaches the response's headers. */
  client: CtClient;
  /** True for a session token (the caller holds the CT tokens): a poller must not refresh them. */
  callerHoldsTokens: boolean;
  /** The signed-in account, read through the request's loaders when the CT user is not known yet. */
  viewer: () => Promise<ViewerModel>;
  /** The CT account whose budget this subscriber's polls are charged to (the request's ctUserId). */
  account?: string | null;
}

export interface LiveStats {
  /** Streams open on this instance, by topic kind. */
  readonly subscriptions: Readonly<Record<TopicKind, number>>;
  /** Topics this instance polls (holds the lease of), by kind. */
  readonly pollers: Readonly<Record<TopicKind, number>>;
  /** Polls made, by kind. */
  readonly polls: Readonly<Record<TopicKind, number>>;
  /** CT calls made by polls (every page, retries included), by kind. */
  readonly pollCtCalls: Readonly<Record<TopicKind, number>>;
  /** Polls that CT failed (unavailable, rate limited, 5xx): the stream waits for the next one. */
  readonly pollFailures: number;
  /** /me.json calls made to learn which CT user a subscriber is. */
  readonly identityLookups: number;
}

export interface Live {
  /** Who the request's caller is in CT (one /me.json per access token, fleet-wide with Redis) and the reader polls may use. */
  subscriber(input: SubscriberInput): Promise<Subscriber>;
  /** A stream of the state changes of the location's boxes; resolves once the poller has its baseline. */
  boxChanges(subscriber: Subscriber, locationSlug: string): Promise<AsyncIterableIterator<LiveEvent>>;
  /** A stream with the batch once it is complete (at once when it already is), then its end. */
  voucherCompletion(subscriber: Subscriber, locationSlug: string, uniqueId: string): Promise<AsyncIterableIterator<LiveEvent>>;
  /** Fresh loaders for one event of a stream, over the subscriber's reader. */
  loadersFor(subscriber: Subscriber): Loaders;
  /** Sign-out: the streams opened with this session end, and who its access token belonged to is forgotten (on every instance). */
  signedOut(tokens: { accessToken: string; refreshToken: string }): Promise<void>;
  readonly stats: LiveStats;
  /** Resolves when this instance finishes its next poll (tests and benchmarks wait on it instead of sleeping). */
  nextPoll(): Promise<void>;
  /** Shutdown: every stream ends, polls in flight finish, leases are released; no stream starts afterwards. */
  close(): Promise<void>;
}

export interface LiveOptions {
  /** LIVE_POLL_INTERVAL_MS. */
  intervalMs: number;
  /** CT client settings for the readers of caller-held sessions (onCall included, for metrics). */
  ct: LiveCtOptions;
  loaders: LoaderOptions;
  /** Makes the coordinator (redis.ts with REDIS_URL); in one process by default. `onSignOut`: another instance saw a sign-out. */
  coordinator?: (hooks: { onSignOut(signOut: SignOut): void }) => Coordinator;
  logger?: LiveLogger;
  /** Clock in epoch ms (token expiry); Date.now by default. */
  now?: () => number;
  /**
   * The CT-call budget: each poll's CT calls are charged to the account of the subscriber whose
   * credentials made them, as are the CT calls of subscribing (identity, a voucher's first read).
   * Charged, never refused: the calls were made, and a stream that stopped polling would silently
   * stop being live; the account's queries feel the spent budget instead.
   */
  budget?: { charge(account: string, calls: number): Promise<unknown> };
}

interface Entry {
  readonly topic: Topic;
  readonly reader: LiveReader;
  readonly account: string | null;
  readonly queue: LiveQueue<LiveEvent>;
  /** Settles when the topic is ready for this subscriber (or failed for it). */
  readonly joined: Deferred;
  /** Out of the topic: its reader is no longer used, nothing more is pushed. */
  gone: boolean;
}

interface Topic {
  readonly key: string;
  /** Digest of the key: the only name of the topic that leaves this process. */
  readonly hash: string;
  /** The lease holder value of this topic object (a later topic with the same key gets another). */
  readonly holder: string;
  readonly spec: TopicSpec;
  readonly entries: Set<Entry>;
  state: 'starting' | 'ready' | 'stopped';
  holding: boolean;
  /** When this instance last started a poll of the topic (performance.now()). */
  polledAt: number;
  /** Whose turn it is to lend a poll its credentials (an index into the entries, in arrival order). */
  turn: number;
  snapshot: BoxSnapshot | null;
  timer: NodeJS.Timeout | null;
  unlisten: (() => void) | null;
}

interface Deferred {
  promise: Promise<void>;
  settled: boolean;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A rejection nobody awaits (the subscriber already left) must not crash the process.
  promise.catch(() => {});
  const d: Deferred = {
    promise,
    settled: false,
    resolve() {
      if (d.settled) return;
      d.settled = true;
      resolve();
    },
    reject(error) {
      if (d.settled) return;
      d.settled = true;
      reject(error);
    },
  };
  return d;
}

const byKind = (): Record<TopicKind, number> => ({ boxes: 0, voucher: 0 });

/** CT answers that mean the watched thing is not there for this user: every stream of the topic ends. */
function isGone(error: unknown): error is CtHttpError {
  return error instanceof CtHttpError && (error.status === 404 || error.status === 403);
}

export function createLive(o: LiveOptions): Live {
  const coordinator = o.coordinator ? o.coordinator({ onSignOut: (signOut) => forgetCredential(signOut) }) : localCoordinator();
  const now = o.now ?? Date.now;
  const intervalMs = o.intervalMs;
  // With a shared coordinator every instance ticks twice per interval: the holder renews its lease
  // (so it lapses only after a whole interval without a tick), the others look for a free one (so a
  // holder that died is replaced within the lease's lifetime plus half an interval).
  const halfMs = Math.max(1, Math.floor(intervalMs / 2));
  const ctOptions: LiveCtOptions = { ...o.ct, now };
  const topics = new Map<string, Topic>();
  const identities = new LRUCache<string, string>({ max: 10_000, ttlAutopurge: false });
  const pollWaiters: Array<() => void> = [];
  const counts = {
    subscriptions: byKind(),
    polls: byKind(),
    pollCtCalls: byKind(),
    pollFailures: 0,
    identityLookups: 0,
  };
  let closed = false;
  let serial = 0;

  const stats: LiveStats = {
    subscriptions: counts.subscriptions,
    get pollers() {
      const held = byKind();
      for (const topic of topics.values()) if (topic.holding) held[topic.spec.kind]++;
      return held;
    },
    polls: counts.polls,
    pollCtCalls: counts.pollCtCalls,
    get pollFailures() {
      return counts.pollFailures;
    },
    get identityLookups() {
      return counts.identityLookups;
    },
  };

  // ---- subscribers

  async function subscriber(input: SubscriberInput): Promise<Subscriber> {
    const { client } = input;
    let tokens = client.tokens;
    // A caller-held token close to expiry is refreshed now, by this request, so the new session rides on its headers.
    const fresh = !input.callerHoldsTokens || usableUntil(tokens) > now();
    let userKey = fresh ? await knownIdentity(digest(tokens.accessToken)) : null;
    let account = input.account ?? null;
    if (userKey === null) {
      counts.identityLookups++;
      // The pipeline does not budget a subscribing request (its stream has no end to settle at): its calls are charged here.
      const before = client.stats.calls;
      try {
        const viewer = await input.viewer();
        userKey = viewer.key;
        account ??= viewer.accountId;
      } finally {
        await charge(account, client.stats.calls - before);
      }
      tokens = client.tokens;
      const ttl = tokens.expiresAt - now();
      if (ttl > 0) {
        identities.set(digest(tokens.accessToken), userKey, { ttl });
        await coordinator.rememberIdentity(digest(tokens.accessToken), userKey, ttl);
      }
    }
    if (!input.callerHoldsTokens) return { userKey, account, reader: serverHeldReader(client, digest(tokens.refreshToken)) };
    const reader = callerHeldReader(ctOptions, tokens);
    if (reader.usableUntil <= now()) throw new LiveExpiredError('The CT access token could not be renewed for this subscription.');
    return { userKey, account, reader };
  }

  async function knownIdentity(accessDigest: string): Promise<string | null> {
    const local = identities.get(accessDigest);
    if (local !== undefined) return local;
    return coordinator.identity(accessDigest);
  }

  // ---- topics and entries

  function topicFor(spec: TopicSpec): { topic: Topic; created: boolean } {
    const key = topicKey(spec);
    const known = topics.get(key);
    if (known) return { topic: known, created: false };
    const topic: Topic = {
      key,
      hash: digest(key),
      holder: `${process.pid}:${++serial}:${Math.random().toString(36).slice(2)}`,
      spec,
      entries: new Set(),
      state: 'starting',
      holding: false,
      polledAt: Number.NEGATIVE_INFINITY,
      turn: 0,
      snapshot: null,
      timer: null,
      unlisten: null,
    };
    topics.set(key, topic);
    return { topic, created: true };
  }

  function addEntry(topic: Topic, reader: LiveReader, account: string | null): Entry {
    const entry: Entry = {
      topic,
      reader,
      account,
      joined: deferred(),
      gone: false,
      queue: createQueue<LiveEvent>(() => removeEntry(entry)),
    };
    topic.entries.add(entry);
    counts.subscriptions[topic.spec.kind]++;
    if (topic.state === 'ready') entry.joined.resolve();
    return entry;
  }

  /** The entry leaves its topic (its consumer left, or it failed); the last one stops the topic. */
  function removeEntry(entry: Entry): void {
    if (entry.gone) return;
    entry.gone = true;
    const { topic } = entry;
    topic.entries.delete(entry);
    counts.subscriptions[topic.spec.kind]--;
    entry.joined.reject(new LiveClosedError('The subscription ended before it started.'));
    if (topic.entries.size === 0) stopTopic(topic);
  }

  /** Ends one subscriber's stream: with `error` as its last event, or cleanly. */
  function endEntry(entry: Entry, error: Error | null): void {
    if (entry.gone) return;
    if (!entry.joined.settled) {
      entry.joined.reject(error ?? new LiveClosedError('The subscription ended before it started.'));
    } else {
      if (error) entry.queue.push({ type: 'error', error });
      entry.queue.end();
    }
    removeEntry(entry);
  }

  function deliver(topic: Topic, event: LiveEvent): void {
    for (const entry of topic.entries) if (!entry.gone) entry.queue.push(event);
  }

  function stopTopic(topic: Topic): void {
    if (stopped(topic)) return;
    topic.state = 'stopped';
    if (topic.timer) clearTimeout(topic.timer);
    topic.timer = null;
    if (topics.get(topic.key) === topic) topics.delete(topic.key);
    topic.unlisten?.();
    topic.unlisten = null;
    for (const entry of [...topic.entries]) endEntry(entry, null);
    if (topic.holding) {
      topic.holding = false;
      track(coordinator.release(topic.hash, topic.holder));
    }
  }

  const pending = new Set<Promise<unknown>>();
  function track(promise: Promise<unknown>): void {
    pending.add(promise);
    const done = (): void => void pending.delete(promise);
    promise.then(done, done);
  }

  /** Starts a new topic: listens for other instances' findings, then runs its first tick after `delayMs`. */
  async function start(topic: Topic, delayMs: number): Promise<void> {
    const unlisten = await coordinator.listen(topic.hash, (message) => receive(topic, message));
    if (stopped(topic)) {
      unlisten();
      return;
    }
    topic.unlisten = unlisten;
    schedule(topic, delayMs);
  }

  function schedule(topic: Topic, delayMs: number): void {
    if (stopped(topic)) return;
    topic.timer = setTimeout(() => {
      tick(topic).catch((error: unknown) => {
        o.logger?.warn({ err: asError(error).name }, 'a live tick failed');
        schedule(topic, intervalMs);
      });
    }, delayMs);
    topic.timer.unref();
  }

  /** Another instance's poll: its findings reach the subscribers here. */
  function receive(topic: Topic, message: TopicMessage): void {
    if (stopped(topic)) return;
    if (message.type === 'changes') {
      topic.snapshot ??= {};
      for (const change of message.changes) {
        topic.snapshot[change.box.slug] = change.box.state;
        deliver(topic, { type: 'box', change });
      }
    } else if (message.type === 'completed') {
      deliver(topic, { type: 'voucher', voucher: message.voucher });
      stopTopic(topic);
    } else {
      failTopic(topic, new CtHttpError({ status: message.status, method: 'GET' }));
    }
  }

  function failTopic(topic: Topic, error: Error): void {
    for (const entry of [...topic.entries]) endEntry(entry, error);
    stopTopic(topic);
  }

  function markReady(topic: Topic): void {
    if (topic.state !== 'starting') return;
    topic.state = 'ready';
    for (const entry of topic.entries) entry.joined.resolve();
  }

  async function tick(topic: Topic): Promise<void> {
    topic.timer = null;
    if (stopped(topic)) return;
    for (const entry of [...topic.entries]) {
      if (entry.reader.usableUntil <= now()) {
        endEntry(entry, new LiveExpiredError('The CT access token of this subscription expired; subscribe again to renew it.'));
      }
    }
    if (stopped(topic)) return;
    const claim: Claim = await coordinator.claim(topic.hash, topic.holder);
    if (stopped(topic)) {
      if (claim === 'acquired' || claim === 'renewed') track(coordinator.release(topic.hash, topic.holder));
      return;
    }
    const mine = claim !== 'theirs';
    topic.holding = mine;
    if (claim === 'acquired' && coordinator.shared && topic.spec.kind === 'boxes') {
      // Taking over from another instance: compare with what it saw last, so no change falls between the two.
      topic.snapshot = (await coordinator.loadSnapshot(topic.hash)) ?? topic.snapshot;
    }
    // Shared: every instance ticks twice per interval (the holder renews its lease, the others look
    // for a free one) and the holder polls once per interval, or at once when it has just taken over.
    const due = !coordinator.shared || claim === 'acquired' || performance.now() - topic.polledAt >= intervalMs;
    if (mine && due) {
      topic.polledAt = performance.now();
      const polling = poll(topic, claim !== 'unknown');
      track(polling);
      await polling;
    } else if (!mine) {
      markReady(topic);
    }
    schedule(topic, coordinator.shared ? halfMs : intervalMs);
  }

  /**
   * The subscriber whose credentials the next poll uses: each local subscriber in turn (skipping
   * those that cannot be used now), so CT checks every one of them every few polls at no extra
   * call, and a subscriber whose access is gone gets its coded error even while others' still work.
   */
  function readerEntry(topic: Topic): Entry | null {
    const entries = [...topic.entries];
    for (let i = 0; i < entries.length; i++) {
      const at = (topic.turn + i) % entries.length;
      const entry = entries[at]!;
      if (entry.gone || entry.reader.usableUntil <= now()) continue;
      topic.turn = at + 1;
      return entry;
    }
    return null;
  }

  async function poll(topic: Topic, shared: boolean): Promise<void> {
    const { spec } = topic;
    try {
      for (;;) {
        if (stopped(topic)) return;
        const entry = readerEntry(topic);
        if (!entry) return;
        const before = entry.reader.calls;
        counts.polls[spec.kind]++;
        try {
          if (spec.kind === 'boxes') {
            const boxes = await readLocationBoxes(entry.reader, spec.locationSlug);
            if (stopped(topic)) return;
            const { changes, snapshot } = diffBoxes(topic.snapshot, boxes);
            topic.snapshot = snapshot;
            for (const change of changes) deliver(topic, { type: 'box', change });
            if (shared) {
              // Kept before it is told: a holder dying in between leaves its successor a snapshot with
              // these changes (sent by nobody, or already heard), never one without them (heard twice).
              await coordinator.saveSnapshot(topic.hash, snapshot);
              if (changes.length > 0) await coordinator.publish(topic.hash, { type: 'changes', changes });
            }
            markReady(topic);
          } else {
            const voucher = await readVoucher(entry.reader, spec.locationSlug, spec.uniqueId);
            if (stopped(topic)) return;
            markReady(topic);
            if (voucher.completed) {
              deliver(topic, { type: 'voucher', voucher });
              if (shared) await coordinator.publish(topic.hash, { type: 'completed', voucher });
              stopTopic(topic);
            }
          }
          return;
        } catch (error) {
          if (error instanceof CtAuthError) {
            // This credential is refused: its subscriber gets the coded error, the poll goes on with the next one.
            endEntry(entry, error);
            continue;
          }
          if (isGone(error)) {
            if (shared) await coordinator.publish(topic.hash, { type: 'gone', status: error.status });
            failTopic(topic, error);
            return;
          }
          counts.pollFailures++;
          o.logger?.warn(
            { kind: spec.kind, err: error instanceof Error ? error.name : 'unknown' },
            'a live poll failed; retrying next interval',
          );
          // Without a baseline there is no stream to keep: the subscribers waiting for it get the error (UPSTREAM_UNAVAILABLE).
          if (topic.state === 'starting') failTopic(topic, asError(error));
          return;
        } finally {
          const calls = entry.reader.calls - before;
          counts.pollCtCalls[spec.kind] += calls;
          // Awaited before nextPoll() wakes, so whoever waits for a poll sees its calls in the budget.
          await charge(entry.account, calls);
        }
      }
    } finally {
      for (const wake of pollWaiters.splice(0)) wake();
    }
  }

  /** A failed charge (rare: the budget counts in this process while Redis is down) must not end a poll or a subscribe. */
  async function charge(account: string | null, calls: number): Promise<void> {
    if (!o.budget || account === null || calls <= 0) return;
    try {
      await o.budget.charge(account, calls);
    } catch (error) {
      o.logger?.warn({ err: asError(error).name }, 'charging live CT calls to the CT-call budget failed');
    }
  }

  /**
   * Adds a subscriber to the topic (starting it when new, its first tick after `firstTickMs`) and
   * waits until the topic is ready for it; `ready`: it already is (the subscriber just read CT itself).
   */
  async function join(spec: TopicSpec, sub: Subscriber, firstTickMs: number, ready: boolean): Promise<AsyncIterableIterator<LiveEvent>> {
    const { topic, created } = topicFor(spec);
    const entry = addEntry(topic, sub.reader, sub.account);
    if (ready) markReady(topic);
    if (created) void start(topic, firstTickMs).catch((error: unknown) => failTopic(topic, asError(error)));
    await entry.joined.promise;
    return entry.queue;
  }

  function refuseWhenClosed(): void {
    if (closed) throw new LiveClosedError('The server is shutting down; subscribe again in a moment.');
  }

  return {
    subscriber,
    async boxChanges(sub, locationSlug) {
      refuseWhenClosed();
      // A new topic polls at once: that poll is the baseline the stream starts from.
      return join({ kind: 'boxes', userKey: sub.userKey, locationSlug }, sub, 0, false);
    },
    async voucherCompletion(sub, locationSlug, uniqueId) {
      refuseWhenClosed();
      const spec: TopicSpec = { kind: 'voucher', userKey: sub.userKey, locationSlug, uniqueId };
      const known = topics.get(topicKey(spec));
      if (known?.state !== 'ready') {
        // Read once for this subscriber: an unknown batch is NOT_FOUND now, a completed one is answered now.
        const before = sub.reader.calls;
        let voucher: VoucherModel;
        try {
          voucher = await readVoucher(sub.reader, locationSlug, uniqueId);
        } finally {
          await charge(sub.account, sub.reader.calls - before);
        }
        if (voucher.completed) {
          const queue = createQueue<LiveEvent>(() => {});
          queue.push({ type: 'voucher', voucher });
          queue.end();
          return queue;
        }
        refuseWhenClosed();
      }
      // The batch was just read (here or by the topic's last poll): the shared poll comes one interval later.
      return join(spec, sub, intervalMs, true);
    },
    loadersFor: (sub) => createLoaders(sub.reader.eventClient(), o.loaders),
    async signedOut(tokens) {
      const signOut: SignOut = { credentialKey: digest(tokens.refreshToken), accessDigest: digest(tokens.accessToken) };
      forgetCredential(signOut);
      await coordinator.signOut(signOut);
    },
    stats,
    nextPoll: () => new Promise<void>((resolve) => pollWaiters.push(resolve)),
    async close() {
      closed = true;
      for (const topic of [...topics.values()]) stopTopic(topic);
      await Promise.allSettled([...pending]);
      await coordinator.close();
    },
  };

  /** A signed-out session: its streams end, and its access token names nobody any more (a subscribe must ask CT again). */
  function forgetCredential(signOut: SignOut): void {
    identities.delete(signOut.accessDigest);
    for (const topic of [...topics.values()]) {
      for (const entry of [...topic.entries]) if (entry.reader.credentialKey === signOut.credentialKey) endEntry(entry, null);
    }
  }
}

/** A function rather than a comparison, so the type checker does not narrow the state across awaits. */
function stopped(topic: Topic): boolean {
  return topic.state === 'stopped';
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
