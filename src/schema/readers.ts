// Read helpers the schema modules share: one object by key (null when CT says 404, but an error for the
// location a box or batch names) and one connection per list, each through the caller's loaders so
// every read is deduplicated and every list primes the item loaders.
import type { GraphQLResolveInfo } from 'graphql';
import { requireUser, type GraphQLContext } from '../context.js';
import type { BoxFilter, BoxModel } from '../domain/box.js';
import type { LocationFilter, LocationModel } from '../domain/location.js';
import type { VoucherCodeFilter, VoucherCodeModel, VoucherCodeSearch, VoucherFilter, VoucherModel } from '../domain/voucher.js';
import { codedError } from '../errors.js';
import { type ConnectionArgs, type ConnectionResult, resolveCtConnection, resolveScannedConnection } from './connection.js';
import { selectsOnly } from './selection.js';

/** A location by slug or numeric id; null when CT has none (404). Free when a list already returned it. */
export async function loadLocation(ctx: GraphQLContext, key: string): Promise<LocationModel | null> {
  return requireUser(ctx).loaders.location(key);
}

/** The location a box or voucher batch belongs to: CT naming one it then cannot find is a coded error, not a masked internal one. */
export async function parentLocation(ctx: GraphQLContext, key: string | null, child: string): Promise<LocationModel> {
  const location = key === null ? null : await loadLocation(ctx, key);
  if (!location) throw codedError(`CT did not find the location of this ${child}.`, 'NOT_FOUND');
  return location;
}

/** The Location fields a slug answers by itself: the slug, the global ID (made from the slug) and the type name. */
const ANSWERED_BY_SLUG: ReadonlySet<string> = new Set(['id', 'slug', '__typename']);

/**
 * The location of a parent that knows its location's slug (`slug`, as CT gave it with the parent) or
 * only another key CT loads it by (`key`, e.g. its numeric id). When the slug is known and the query asks
 * for nothing under the location but what the slug answers, that is the answer, with no CT call, even
 * for a location CT would no longer show: the parent's own record names it. Otherwise it is read, as
 * `parentLocation`. A numeric id alone answers nothing: the slug (and so the global ID) is not known.
 */
export function parentLocationBySlug(
  ctx: GraphQLContext,
  info: GraphQLResolveInfo,
  slug: string | null,
  key: string | null,
  child: string,
): LocationModel | Promise<LocationModel> {
  // Every other field stays unset: selectsOnly has just said the query reads none of them.
  if (slug !== null && selectsOnly(info, ANSWERED_BY_SLUG)) return { slug } as LocationModel;
  return parentLocation(ctx, key, child);
}

export async function loadBox(ctx: GraphQLContext, slug: string): Promise<BoxModel | null> {
  return requireUser(ctx).loaders.box(slug);
}

export async function loadVoucher(ctx: GraphQLContext, locationSlug: string, uniqueId: string | number): Promise<VoucherModel | null> {
  return requireUser(ctx).loaders.voucher(locationSlug, uniqueId);
}

export function locationConnection(ctx: GraphQLContext, args: ConnectionArgs & LocationFilter): Promise<ConnectionResult<LocationModel>> {
  const { loaders } = requireUser(ctx);
  if (args.favourites === false) {
    throw codedError(
      '`favourites: false` cannot filter: CT lists only favourites or all locations. Leave it out for all.',
      'BAD_USER_INPUT',
    );
  }
  const filter: LocationFilter = { search: args.search, favourites: args.favourites, archived: args.archived, orderBy: args.orderBy };
  const fetchPage = (page: number, per: number) => loaders.locationsPage(filter, { page, per });
  const archived = args.archived;
  if (typeof archived !== 'boolean') return resolveCtConnection(args, fetchPage);
  // CT does not document an archived filter on its list: the flag is passed along (a CT that knows it
  // narrows the list) and every location is checked here, so the answer is right either way.
  return resolveScannedConnection(args, fetchPage, (location) => location.archived === archived, 'narrow it with `search` first');
}

export function boxConnection(ctx: GraphQLContext, args: ConnectionArgs & BoxFilter): Promise<ConnectionResult<BoxModel>> {
  const { loaders } = requireUser(ctx);
  if (args.state === 'UNKNOWN') {
    throw codedError('`state: UNKNOWN` cannot filter: it stands for states CT reports that this API does not know.', 'BAD_USER_INPUT');
  }
  const filter: BoxFilter = {
    locationSlug: args.locationSlug,
    state: args.state,
    search: args.search,
    machineType: args.machineType,
    firmwareVersion: args.firmwareVersion,
  };
  return resolveCtConnection(args, (page, per) => loaders.boxesPage(filter, { page, per }));
}

export function voucherConnection(
  ctx: GraphQLContext,
  locationSlug: string,
  args: ConnectionArgs & VoucherFilter,
): Promise<ConnectionResult<VoucherModel>> {
  const { loaders } = requireUser(ctx);
  return resolveCtConnection(args, (page, per) => loaders.vouchersPage(locationSlug, { search: args.search }, { page, per }));
}

export function voucherCodeConnection(
  ctx: GraphQLContext,
  voucher: Pick<VoucherModel, 'locationSlug' | 'uniqueId'>,
  args: ConnectionArgs & VoucherCodeFilter,
): Promise<ConnectionResult<VoucherCodeModel>> {
  const { loaders } = requireUser(ctx);
  return resolveCtConnection(args, (page, per) =>
    loaders.voucherCodesPage(voucher.locationSlug, voucher.uniqueId, { activated: args.activated }, { page, per }),
  );
}

/** The account's codes across batches and locations, one CT call per page; `filter` is already in domain terms. */
export function voucherCodeSearchConnection(
  ctx: GraphQLContext,
  args: ConnectionArgs,
  filter: VoucherCodeSearch,
): Promise<ConnectionResult<VoucherCodeModel>> {
  const { loaders } = requireUser(ctx);
  return resolveCtConnection(args, (page, per) => loaders.voucherCodeSearchPage(filter, { page, per }));
}
