// How CT resource paths (relative to CT_API_URL) are built: every key is percent-encoded, so a slug
// can never address another resource (ct-api.md §3: slugs and unique_ids are the keys). The paths
// themselves live with their resources, in src/ct/resources/.

/** Tagged template that percent-encodes every interpolated value: ctPath`/locations/${slug}/boxes`. */
export function ctPath(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += encodeURIComponent(String(value)) + (strings[i + 1] ?? '');
  });
  return out;
}
