// Global IDs of the domain types: base64url of `Location:<slug>`, `Box:<slug>` and
// `Voucher:<locationSlug>/<unique_id>` (a voucher is addressed only under its location). Mutation
// inputs decode them in user-errors.ts, where a bad ID becomes an INVALID userError.
import { encodeGlobalId } from '../builder.js';
import { voucherKey } from '../loaders.js';

export const locationGlobalId = (slug: string): string => encodeGlobalId('Location', slug);
export const boxGlobalId = (slug: string): string => encodeGlobalId('Box', slug);
export const voucherGlobalId = (locationSlug: string, uniqueId: string | number): string =>
  encodeGlobalId('Voucher', voucherKey(locationSlug, uniqueId));
