// Global IDs of the domain types, both ways: base64url of `Location:<slug>`, `Box:<slug>`,
// `Voucher:<locationSlug>/<uniqueId>` and `SplashPage:<locationSlug>/<id>` (batches and splash pages
// are addressed only under their location). Out for `id` fields; in for `node(id:)` and for inputs,
// where a bad ID becomes an INVALID userError (mutations) or BAD_USER_INPUT (queries).
import { decodeGlobalId, encodeGlobalId } from '../builder.js';
import type { VoucherKey } from '../domain/voucher.js';
import { codedError } from '../errors.js';
import { ID_PATH, type InputPath, labelOf } from './input-checks.js';
import { type UserError, userError } from './payload.js';

/** The key inside a Voucher ID: CT only addresses a batch under its location. */
export function voucherKey(locationSlug: string, uniqueId: string | number): string {
  return `${locationSlug}/${uniqueId}`;
}

/** Splits a `voucherKey`; null when it is not one. Slugs contain no `/`, so the first `/` separates. */
export function parseVoucherKey(key: string): { locationSlug: string; uniqueId: string } | null {
  const at = key.indexOf('/');
  if (at <= 0 || at === key.length - 1) return null;
  return { locationSlug: key.slice(0, at), uniqueId: key.slice(at + 1) };
}

/** The key inside a SplashPage ID: CT lists splash pages only under their location. */
export const splashPageKey = (locationSlug: string, id: string): string => `${locationSlug}/${id}`;

/** Splits a `splashPageKey`; null when it is not one. */
export function parseSplashPageKey(key: string): { locationSlug: string; id: string } | null {
  const parsed = parseVoucherKey(key);
  return parsed ? { locationSlug: parsed.locationSlug, id: parsed.uniqueId } : null;
}

export const locationGlobalId = (slug: string): string => encodeGlobalId('Location', slug);
export const boxGlobalId = (slug: string): string => encodeGlobalId('Box', slug);
export const voucherGlobalId = (locationSlug: string, uniqueId: string | number): string =>
  encodeGlobalId('Voucher', voucherKey(locationSlug, uniqueId));

/** The key inside a global ID of `typename`, or an INVALID userError at `path` (malformed, or another type's ID). */
export function decodeIdInput(value: string, typename: string, path: InputPath): { key: string } | { error: UserError } {
  try {
    const { typename: actual, id } = decodeGlobalId(value);
    if (actual === typename) return { key: id };
  } catch {
    // not a global ID at all: same answer as one of the wrong type
  }
  return { error: userError('INVALID', path, `${labelOf(path)} is not a ${typename} ID`) };
}

/** Slugs (and CT's numeric ids) are word characters and hyphens; anything else cannot name a CT object. */
const SLUG_SHAPE = /^[A-Za-z0-9][\w-]*$/;

/** The slug inside a Location or Box ID given at `path`, or the userError saying why it is not one. */
export function decodeSlugInput(id: string, typename: 'Location' | 'Box', path: InputPath): { slug: string } | { error: UserError } {
  const decoded = decodeIdInput(id, typename, path);
  if ('error' in decoded) return decoded;
  if (!SLUG_SHAPE.test(decoded.key)) return { error: userError('INVALID', path, `The ${typename} ID does not hold a valid slug`) };
  return { slug: decoded.key };
}

/** The location slug and batch id inside the Voucher ID given at `path` (the `id` input), or the userError saying why not. */
export function decodeVoucherInput(
  id: string,
  path: InputPath = ID_PATH,
): { locationSlug: string; uniqueId: string } | { error: UserError } {
  const decoded = decodeIdInput(id, 'Voucher', path);
  if ('error' in decoded) return decoded;
  const parsed = parseVoucherKey(decoded.key);
  if (!parsed || !SLUG_SHAPE.test(parsed.locationSlug) || !/^\d+$/.test(parsed.uniqueId)) {
    return { error: userError('INVALID', path, 'The Voucher ID does not hold a location slug and batch id') };
  }
  return parsed;
}

/** The location slug and batch of the Voucher ID given at `path`, or the userError saying why not. */
export function decodeVoucherKeyInput(id: string, path: InputPath): VoucherKey | { error: UserError } {
  const decoded = decodeIdInput(id, 'Voucher', path);
  if ('error' in decoded) return decoded;
  const parsed = parseVoucherKey(decoded.key);
  if (!parsed || !SLUG_SHAPE.test(parsed.locationSlug) || !/^\d+$/.test(parsed.uniqueId)) {
    return { error: userError('INVALID', path, 'The Voucher ID does not hold a location slug and batch id') };
  }
  return { locationSlug: parsed.locationSlug, uniqueId: Number(parsed.uniqueId) };
}

/** For a query's ID argument: the decoded value, or the userError's message as BAD_USER_INPUT (before any CT call). */
export function orBadInput<T extends object>(decoded: T | { error: UserError }): T {
  if ('error' in decoded) throw codedError(decoded.error.message, 'BAD_USER_INPUT');
  return decoded;
}
