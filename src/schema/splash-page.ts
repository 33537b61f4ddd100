// The SplashPage type (the login page a voucher batch's codes are typed into), a location's
// `splashPages`, and a batch's `splashPage`. CT lists splash pages only per location, so a page's key
// holds its location's slug and its CT id, and one list call per location answers every page there.
import { builder } from '../builder.js';
import { requireUser, type GraphQLContext } from '../context.js';
import type { SplashPageList, SplashPageModel } from '../domain/splash-page.js';
import { parseSplashPageKey, splashPageKey } from './ids.js';
import { parentLocation } from './readers.js';
import { LocationRef, SplashPageRef, VoucherRef } from './refs.js';

/** What a batch names instead of one of its location's pages when guests log in elsewhere. */
export const EXTERNAL = 'external';

/** A location's splash pages: one CT call per location per request, however many fields ask. */
export function loadSplashPages(ctx: GraphQLContext, locationSlug: string): Promise<SplashPageList | null> {
  return requireUser(ctx).loaders.splashPages(locationSlug);
}

async function loadSplashPage(ctx: GraphQLContext, locationSlug: string, id: string): Promise<SplashPageModel | null> {
  const list = await loadSplashPages(ctx, locationSlug);
  return list?.pages.find((page) => page.id === id) ?? null;
}

builder.node(SplashPageRef, {
  description: 'A splash page: the login page of a location that guests type voucher codes into.',
  id: { resolve: (page) => splashPageKey(page.locationSlug, page.id) },
  loadWithoutCache: (key, ctx) => {
    const parsed = parseSplashPageKey(key);
    return parsed ? loadSplashPage(ctx, parsed.locationSlug, parsed.id) : null;
  },
  fields: (t) => ({
    legacyId: t.exposeString('id', {
      nullable: false,
      description: "CT's id of the page: what `CreateVoucherInput.splashPageId` and `Voucher.splashPageId` hold.",
    }),
    uniqueId: t.exposeString('uniqueId', { description: "CT's `unique_id` of the page." }),
    name: t.exposeString('name', { nullable: false, description: 'Name of the page, as shown in CT.' }),
    active: t.exposeBoolean('active', { description: 'True when the page is in use; null when CT does not say.' }),
    location: t.field({
      type: LocationRef,
      nullable: false,
      description: 'The location the page belongs to. Costs no CT call when the query already read that location.',
      resolve: (page, _args, ctx) => parentLocation(ctx, page.locationSlug, 'splash page'),
    }),
  }),
});

builder.objectField(LocationRef, 'splashPages', (t) =>
  t.field({
    type: [SplashPageRef],
    nullable: true,
    description: "The location's splash pages, the ones its voucher batches can use. One CT call.",
    resolve: async (location, _args, ctx) => (await loadSplashPages(ctx, location.slug))?.pages ?? null,
  }),
);

builder.objectField(VoucherRef, 'splashPage', (t) =>
  t.field({
    type: SplashPageRef,
    nullable: true,
    description:
      "The splash page the batch's codes log in through; null for an external page or none. One CT call (the location's splash " +
      'pages), shared with every other batch of that location in the query.',
    resolve: (voucher, _args, ctx) =>
      voucher.splashPageId && voucher.splashPageId !== EXTERNAL ? loadSplashPage(ctx, voucher.locationSlug, voucher.splashPageId) : null,
  }),
);
