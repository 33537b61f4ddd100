// Read helpers the schema modules share: one object by key (null when CT says 404, but an error for the
// location a box or batch names) and one connection per list, each through the caller's loaders so
// every read is deduplicated and every list primes the item loaders.
import { requireUser, type GraphQLContext } from '../context.js';
import type { BoxFilter, BoxModel } from '../domain/box.js';
import type { LocationFilter, LocationModel } from '../domain/location.js';
import type { VoucherCodeFilter, VoucherCodeModel, VoucherFilter, VoucherModel } from '../domain/voucher.js';
import { codedError } from '../errors.js';
import { type ConnectionArgs, type ConnectionResult, resolveCtConnection } from './connection.js';

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

export async function loadBox(ctx: GraphQLContext, slug: string): Promise<BoxModel | null> {
  return requireUser(ctx).loaders.box(slug);
}

export async function loadVoucher(ctx: GraphQLContext, locationSlug: string, uniqueId: string | number): Promise<VoucherModel | null> {
  return requireUser(ctx).loaders.voucher(locationSlug, uniqueId);
}

export function locationConnection(ctx: GraphQLContext, args: ConnectionArgs & LocationFilter): Promise<ConnectionResult<LocationModel>> {
  const { loaders } = requireUser(ctx);
  return resolveCtConnection(args, (page, per) => loaders.locationsPage({ search: args.search }, { page, per }));
}

export function boxConnection(ctx: GraphQLContext, args: ConnectionArgs & BoxFilter): Promise<ConnectionResult<BoxModel>> {
  const { loaders } = requireUser(ctx);
  if (args.state === 'UNKNOWN') {
    throw codedError('`state: UNKNOWN` cannot filter: it stands for states CT reports that this API does not know.', 'BAD_USER_INPUT');
  }
  const filter: BoxFilter = { locationSlug: args.locationSlug, state: args.state, search: args.search };
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
