// Read helpers the schema modules share: one object by key (null when CT says 404, but an error for the
// location a box or batch names) and one connection per CT list, each through the caller's loaders so
// every GET is deduplicated and every list primes the item loaders.
import { requireUser, type GraphQLContext } from '../context.js';
import type { CtQuery } from '../ct/client.js';
import type { CtLinks } from '../ct/types.js';
import { codedError } from '../errors.js';
import { voucherKey } from '../loaders.js';
import { type ConnectionArgs, type ConnectionResult, type FetchedPage, resolveCtConnection, totalOf } from './connection.js';
import {
  type BoxModel,
  type BoxStateValue,
  type LocationModel,
  toBox,
  toLocation,
  toVoucher,
  toVoucherCode,
  type VoucherCodeModel,
  type VoucherModel,
} from './models.js';

/** A location by slug or numeric id; null when CT has none (404). Free when a list already returned it. */
export async function loadLocation(ctx: GraphQLContext, key: string): Promise<LocationModel | null> {
  const wire = await requireUser(ctx).loaders.locationBySlug.load(key);
  return wire ? toLocation(wire) : null;
}

/** The location a box or voucher batch belongs to: CT naming one it then cannot find is a coded error, not a masked internal one. */
export async function parentLocation(ctx: GraphQLContext, key: string | null, child: string): Promise<LocationModel> {
  const location = key === null ? null : await loadLocation(ctx, key);
  if (!location) throw codedError(`CT did not find the location of this ${child}.`, 'NOT_FOUND');
  return location;
}

export async function loadBox(ctx: GraphQLContext, slug: string): Promise<BoxModel | null> {
  const wire = await requireUser(ctx).loaders.boxBySlug.load(slug);
  return wire ? toBox(wire) : null;
}

export async function loadVoucher(ctx: GraphQLContext, locationSlug: string, uniqueId: string | number): Promise<VoucherModel | null> {
  const wire = await requireUser(ctx).loaders.voucherByKey.load(voucherKey(locationSlug, uniqueId));
  return wire ? toVoucher(wire, locationSlug) : null;
}

function page<T>(items: T[] | undefined, links: CtLinks | undefined, pageNo: number, per: number): FetchedPage<T> {
  const list = items ?? [];
  return { items: list, total: totalOf(links, pageNo, per, list.length) };
}

/** CT's optional filters: empty strings mean "no filter" rather than "match nothing". */
function filters(query: Record<string, string | boolean | null | undefined>): CtQuery {
  const out: CtQuery = {};
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== '') out[k] = v;
  return out;
}

export function locationConnection(
  ctx: GraphQLContext,
  args: ConnectionArgs & { search?: string | null },
): Promise<ConnectionResult<LocationModel>> {
  const { loaders } = requireUser(ctx);
  const query = filters({ q: args.search });
  return resolveCtConnection(
    args,
    async (p, per) => {
      const list = await loaders.locationList({ ...query, page: p, per });
      return page(list.locations, list._links, p, per);
    },
    toLocation,
  );
}

export function boxConnection(
  ctx: GraphQLContext,
  args: ConnectionArgs & { state?: BoxStateValue | null; search?: string | null; locationSlug?: string | null },
): Promise<ConnectionResult<BoxModel>> {
  const { loaders } = requireUser(ctx);
  if (args.state === 'unknown') {
    throw codedError('`state: UNKNOWN` cannot filter: it stands for states CT reports that this API does not know.', 'BAD_USER_INPUT');
  }
  const query = filters({ location_id: args.locationSlug, state: args.state, q: args.search });
  return resolveCtConnection(
    args,
    async (p, per) => {
      const list = await loaders.boxList({ ...query, page: p, per });
      return page(list.boxes, list._links, p, per);
    },
    toBox,
  );
}

export function voucherConnection(
  ctx: GraphQLContext,
  locationSlug: string,
  args: ConnectionArgs & { search?: string | null },
): Promise<ConnectionResult<VoucherModel>> {
  const { loaders } = requireUser(ctx);
  const query = filters({ q: args.search });
  return resolveCtConnection(
    args,
    async (p, per) => {
      const list = await loaders.voucherList(locationSlug, { ...query, page: p, per });
      return page(list.vouchers, list._links, p, per);
    },
    (wire) => toVoucher(wire, locationSlug),
  );
}

export function voucherCodeConnection(
  ctx: GraphQLContext,
  voucher: Pick<VoucherModel, 'locationSlug' | 'uniqueId'>,
  args: ConnectionArgs & { activated?: boolean | null },
): Promise<ConnectionResult<VoucherCodeModel>> {
  const { loaders } = requireUser(ctx);
  const query = filters({ activated: args.activated });
  return resolveCtConnection(
    args,
    async (p, per) => {
      const list = await loaders.codeList(voucher.locationSlug, voucher.uniqueId, { ...query, page: p, per });
      return page(list.codes, list._links, p, per);
    },
    toVoucherCode,
  );
}
