// Global IDs of the domain types (INTERFACES.md): base64url of `Location:<slug>`, `Box:<slug>`,
// `Voucher:<locationSlug>/<unique_id>`. Mutation inputs take these IDs; the decoders turn a wrong
// or malformed ID into BAD_USER_INPUT instead of a masked internal error.
import { decodeGlobalId, encodeGlobalId } from '../builder.js';
import { codedError } from '../errors.js';
import { parseVoucherKey, voucherKey } from '../loaders.js';

export type NodeTypename = 'Location' | 'Box' | 'Voucher';

export const locationGlobalId = (slug: string): string => encodeGlobalId('Location', slug);
export const boxGlobalId = (slug: string): string => encodeGlobalId('Box', slug);
export const voucherGlobalId = (locationSlug: string, uniqueId: string | number): string =>
  encodeGlobalId('Voucher', voucherKey(locationSlug, uniqueId));

/** The key inside a global ID of the expected type; BAD_USER_INPUT when it is malformed or of another type. */
export function decodeTypedId(globalId: string, typename: NodeTypename, argument = 'id'): string {
  const decoded = decodeGlobalId(globalId);
  if (decoded.typename !== typename) {
    throw codedError(`\`${argument}\` must be the ID of a ${typename}, got the ID of a ${decoded.typename}.`, 'BAD_USER_INPUT');
  }
  return decoded.id;
}

/** The location slug inside a Location ID. */
export const decodeLocationId = (globalId: string, argument?: string): string => decodeTypedId(globalId, 'Location', argument);

/** The box slug inside a Box ID. */
export const decodeBoxId = (globalId: string, argument?: string): string => decodeTypedId(globalId, 'Box', argument);

/** The location slug and unique_id inside a Voucher ID. */
export function decodeVoucherId(globalId: string, argument = 'id'): { locationSlug: string; uniqueId: string } {
  const parsed = parseVoucherKey(decodeTypedId(globalId, 'Voucher', argument));
  if (!parsed) throw codedError(`\`${argument}\` is not a valid Voucher ID.`, 'BAD_USER_INPUT');
  return parsed;
}
