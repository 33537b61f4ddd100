// The Subscription root (DESIGN.md "Live data"): `boxStateChanged(locationId)` and
// `voucherCompleted(id)`, served as GraphQL over Server-Sent Events by yoga. The pollers behind them
// live in src/live/; this module checks the caller and the IDs, and turns what a stream carries into
// GraphQL: each event is resolved with fresh loaders over the subscriber's own CT reader, and an
// error event becomes a coded error, after which the stream ends.
import type { GraphQLError } from 'graphql';
import { builder, decodeGlobalId } from '../builder.js';
import { requireUser, type GraphQLContext } from '../context.js';
import { CtError } from '../ct/errors.js';
import { codedError, fromCtError } from '../errors.js';
import { LiveClosedError, LiveExpiredError, type LiveEvent, type Subscriber } from '../live/registry.js';
import type { BoxChange } from '../live/topics.js';
import type { Loaders } from '../loaders.js';
import { parseVoucherKey } from './ids.js';
import { BoxRef, BoxStateEnum, VoucherRef } from './refs.js';

/** A stream value with the loaders its event is resolved with. */
interface StreamValue {
  event: LiveEvent;
  loaders: Loaders;
}

const SLUG_SHAPE = /^[A-Za-z0-9][\w-]*$/;

function badId(what: string): GraphQLError {
  return codedError(`\`${what}\` is not a ${what === 'locationId' ? 'Location' : 'Voucher'} ID.`, 'BAD_USER_INPUT');
}

function locationSlugOf(id: string): string {
  try {
    const { typename, id: slug } = decodeGlobalId(id);
    if (typename === 'Location' && SLUG_SHAPE.test(slug)) return slug;
  } catch {
    // the same answer as an ID of another type
  }
  throw badId('locationId');
}

function voucherKeyOf(id: string): { locationSlug: string; uniqueId: string } {
  try {
    const decoded = decodeGlobalId(id);
    const key = decoded.typename === 'Voucher' ? parseVoucherKey(decoded.id) : null;
    if (key && SLUG_SHAPE.test(key.locationSlug) && /^\d+$/.test(key.uniqueId)) return key;
  } catch {
    // the same answer as an ID of another type
  }
  throw badId('id');
}

/** What a stream's error (or a refused subscribe) looks like to the client. */
export function liveError(error: unknown): GraphQLError | unknown {
  if (error instanceof LiveExpiredError) {
    return codedError(
      'The CT access token this subscription was opened with has expired. Subscribe again: that renews your session (no new sign-in).',
      'UNAUTHENTICATED',
      { reason: 'SUBSCRIPTION_EXPIRED' },
    );
  }
  if (error instanceof LiveClosedError) {
    return codedError('The server is shutting down; subscribe again in a moment.', 'UPSTREAM_UNAVAILABLE', { reason: 'SHUTTING_DOWN' });
  }
  if (error instanceof CtError) {
    const mapped = fromCtError(error);
    const reason = mapped.code === 'UNAUTHENTICATED' ? { reason: 'CT_ACCESS_LOST' } : {};
    return codedError(mapped.message, mapped.code, { ...mapped.extensions, ...reason });
  }
  return error;
}

/** The signed-in caller as a subscriber: its CT user (known, or one /me.json) and a reader for the pollers. */
async function subscriberOf(ctx: GraphQLContext): Promise<{ subscriber: Subscriber; live: NonNullable<GraphQLContext['live']> }> {
  const { loaders } = requireUser(ctx);
  const { live, ctClient } = ctx;
  if (!live || !ctClient) throw codedError('Subscriptions are not served here.', 'BAD_USER_INPUT');
  // The CT account the budget charges this subscriber's CT calls to, when known without asking CT (an
  // older session's is learned from the identity lookup, if one is made): subscribing must not cost a /me.json more.
  const account = ctx.credential?.kind === 'apiToken' ? ctx.credential.ctUserId : (ctx.session?.ctUserId ?? null);
  const subscriber = await live.subscriber({
    client: ctClient,
    callerHoldsTokens: ctx.session !== null,
    viewer: () => loaders.viewer(),
    account,
  });
  return { subscriber, live };
}

/**
 * The subscriber's events, each with fresh loaders over its reader (a stream outlives any cache).
 * A plain iterator rather than an async generator: a generator waiting for the next event could
 * not be closed when the client leaves, and the subscriber would never leave its poller.
 */
function withLoaders(source: AsyncIterableIterator<LiveEvent>, loaders: () => Loaders): AsyncIterableIterator<StreamValue> {
  const iterator: AsyncIterableIterator<StreamValue> = {
    async next() {
      const step = await source.next();
      return step.done ? { done: true, value: undefined } : { done: false, value: { event: step.value, loaders: loaders() } };
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

async function stream(
  ctx: GraphQLContext,
  open: (live: NonNullable<GraphQLContext['live']>, subscriber: Subscriber) => Promise<AsyncIterableIterator<LiveEvent>>,
): Promise<AsyncIterableIterator<StreamValue>> {
  try {
    const { subscriber, live } = await subscriberOf(ctx);
    return withLoaders(await open(live, subscriber), () => live.loadersFor(subscriber));
  } catch (error) {
    throw liveError(error);
  }
}

/** The event for the resolver: an error event is thrown as its coded error (the stream ends after it). */
function eventOf(value: StreamValue, ctx: GraphQLContext): LiveEvent {
  if (value.event.type === 'error') throw liveError(value.event.error);
  ctx.loaders = value.loaders;
  return value.event;
}

builder.subscriptionType({
  description:
    'Live data over Server-Sent Events (GraphQL over SSE). CT has no push API, so the facade polls CT every LIVE_POLL_INTERVAL_MS ' +
    '(15 s by default) once for everyone watching the same thing, and sends what changed.',
});

const BoxStateChangeRef = builder.objectRef<BoxChange>('BoxStateChange').implement({
  description: 'A box whose state changed, with the state it had before.',
  fields: (t) => ({
    box: t.field({
      type: BoxRef,
      nullable: false,
      description: 'The box as CT reported it when the change was seen (its `state` is the new one).',
      resolve: (change) => change.box,
    }),
    previousState: t.expose('previousState', { type: BoxStateEnum, nullable: false, description: 'The state before this change.' }),
  }),
});

builder.subscriptionFields((t) => ({
  boxStateChanged: t.field({
    type: BoxStateChangeRef,
    nullable: false,
    description:
      'Each change of state of a box at this location (a reboot: REBOOTING, then ONLINE), within one poll interval of CT changing. ' +
      'Starts from the states CT reports when you subscribe; boxes added later report from their first change. Ends with ' +
      'UNAUTHENTICATED when CT stops accepting your sign-in (or, for a session, when its CT access token expires: subscribe again), ' +
      'with NOT_FOUND when the location goes, and cleanly on sign-out.',
    args: { locationId: t.arg.id({ required: true, description: 'The global ID of the location to watch.' }) },
    subscribe: (_root, args, ctx) => stream(ctx, (live, subscriber) => live.boxChanges(subscriber, locationSlugOf(args.locationId))),
    resolve: (value, _args, ctx) => {
      const event = eventOf(value, ctx);
      if (event.type !== 'box') throw new Error('boxStateChanged received another kind of event');
      return event.change;
    },
  }),
  voucherCompleted: t.field({
    type: VoucherRef,
    nullable: false,
    description:
      'The voucher batch once CT has generated its codes (at once when it already has), then the stream ends. Ask for `codes` here ' +
      'to get them in the same event.',
    args: { id: t.arg.id({ required: true, description: 'The global ID of the voucher batch.' }) },
    subscribe: (_root, args, ctx) =>
      stream(ctx, (live, subscriber) => {
        const { locationSlug, uniqueId } = voucherKeyOf(args.id);
        return live.voucherCompletion(subscriber, locationSlug, uniqueId);
      }),
    resolve: (value, _args, ctx) => {
      const event = eventOf(value, ctx);
      if (event.type !== 'voucher') throw new Error('voucherCompleted received another kind of event');
      return event.voucher;
    },
  }),
}));
