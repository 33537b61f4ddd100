// Guest codes across batches: the root `voucherCodes` search (CT's account-wide code search) and, on
// any VoucherCode, its `voucher` (batch) and `location`. "A guest says code K7P2QX does not work: which
// batch, is it activated?" is one query: the search, the code's location, and CT's batch list filtered
// by the code's username (CT's code records name their location but not their batch).
import { builder } from '../builder.js';
import { requireUser, type GraphQLContext } from '../context.js';
import type { LocationModel } from '../domain/location.js';
import type { VoucherCodeModel, VoucherCodeSearch, VoucherModel } from '../domain/voucher.js';
import { codedError } from '../errors.js';
import { decodeSlugInput, decodeVoucherKeyInput, orBadInput } from './ids.js';
import { loadVoucher, parentLocation, voucherCodeSearchConnection } from './readers.js';
import { LocationRef, VoucherCodeConnection, VoucherCodeRef, VoucherRef } from './refs.js';

const UNPLACED =
  'CT did not say which location this code belongs to; ask `voucherCodes` with `locationId` (or `voucherId`) to place its codes.';

/** The code's location: from the read that returned the code, else an error that says how to place it. */
async function codeLocation(ctx: GraphQLContext, code: VoucherCodeModel): Promise<LocationModel> {
  const key = code.batch?.locationSlug ?? code.locationKey;
  if (key === null) throw codedError(UNPLACED, 'UPSTREAM_ERROR');
  return parentLocation(ctx, key, 'voucher code');
}

/**
 * The code's batch: known from the read that returned the code (free, or one GET), else CT's batch
 * list at the code's location filtered by its username (one call, after the location's).
 */
async function codeVoucher(ctx: GraphQLContext, code: VoucherCodeModel): Promise<VoucherModel | null> {
  if (code.batch) return loadVoucher(ctx, code.batch.locationSlug, code.batch.uniqueId);
  const location = await codeLocation(ctx, code);
  return requireUser(ctx).loaders.voucherHoldingCode(location.slug, code.username);
}

builder.objectFields(VoucherCodeRef, (t) => ({
  voucher: t.field({
    type: VoucherRef,
    nullable: true,
    description:
      "The batch the code belongs to. Free for a batch's own codes; for a searched code, one CT call (the batch list filtered by " +
      "this code's username) after the code's location.",
    resolve: (code, _args, ctx) => codeVoucher(ctx, code),
  }),
  location: t.field({
    type: LocationRef,
    nullable: true,
    description:
      'The location the code belongs to. One CT call unless the query already read it; an UPSTREAM_ERROR when CT did not say ' +
      '(then search with `locationId`).',
    resolve: (code, _args, ctx) => codeLocation(ctx, code),
  }),
}));

const seconds = (date: Date | null | undefined): number | null => (date ? Math.floor(date.getTime() / 1000) : null);

builder.queryField('voucherCodes', (t) =>
  t.field({
    type: VoucherCodeConnection,
    description:
      "Guest codes across all your voucher batches and locations (CT's code search), in CT's order. One CT call per page; " +
      'add `voucher` and `location` to each code to see where it belongs.',
    args: {
      ...t.arg.connectionArgs(),
      search: t.arg.string({ description: 'Text the code (its username) contains; CT ignores case.' }),
      locationId: t.arg.id({ description: 'Only the codes of the location with this global ID.' }),
      voucherId: t.arg.id({ description: 'Only the codes of the voucher batch with this global ID.' }),
      activated: t.arg.boolean({ description: 'true: only codes already used; false: only unused codes.' }),
      from: t.arg({ type: 'DateTime', description: 'Only codes created at or after this time (CT `start`).' }),
      to: t.arg({ type: 'DateTime', description: 'Only codes created at or before this time (CT `end`).' }),
    },
    resolve: (_root, args, ctx) => {
      const location = args.locationId == null ? null : orBadInput(decodeSlugInput(String(args.locationId), 'Location', ['locationId']));
      const voucher = args.voucherId == null ? null : orBadInput(decodeVoucherKeyInput(String(args.voucherId), ['voucherId']));
      if (location && voucher && location.slug !== voucher.locationSlug) {
        throw codedError('`voucherId` names a batch of another location than `locationId`.', 'BAD_USER_INPUT');
      }
      const from = seconds(args.from);
      const to = seconds(args.to);
      if (from !== null && to !== null && from > to) throw codedError('`from` must not be after `to`.', 'BAD_USER_INPUT');
      const filter: VoucherCodeSearch = {
        search: args.search,
        locationSlug: location?.slug ?? null,
        voucher,
        activated: args.activated,
        from,
        to,
      };
      return voucherCodeSearchConnection(ctx, args, filter);
    },
  }),
);
