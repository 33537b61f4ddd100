// CT's resource paths (relative to CT_API_URL), built in one place: every key is percent-encoded,
// so a slug can never address another resource (ct-api.md §3: slugs and unique_ids are the keys).

/** Tagged template that percent-encodes every interpolated value: ctPath`/locations/${slug}/boxes`. */
export function ctPath(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += encodeURIComponent(String(value)) + (strings[i + 1] ?? '');
  });
  return out;
}

/** A location by slug (or, where CT accepts it, numeric id). */
export const locationPath = (slugOrId: string | number): string => ctPath`/locations/${slugOrId}`;
export const boxPath = (slug: string): string => ctPath`/boxes/${slug}`;
/** CT addresses a voucher batch only under its location. */
export const voucherPath = (locationSlug: string, uniqueId: string | number): string =>
  ctPath`/locations/${locationSlug}/vouchers/${uniqueId}`;
