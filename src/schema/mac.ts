// MAC address normalisation for addBox: the notations people paste (colons, hyphens, Cisco dots,
// bare hex; any case) turned into the lower-case colon form CT emits (ct-api.md §5.2, §10).
// Pure; no CT call. Anything else is rejected before CT is asked.

const HEX_PAIR = '[0-9A-Fa-f]{2}';
const HEX_QUAD = '[0-9A-Fa-f]{4}';

/** Each accepted notation; one separator throughout (mixing `:` and `-` is a typo, not a MAC). */
const NOTATIONS: readonly RegExp[] = [
  new RegExp(`^${HEX_PAIR}(?::${HEX_PAIR}){5}$`), // aa:bb:cc:dd:ee:ff
  new RegExp(`^${HEX_PAIR}(?:-${HEX_PAIR}){5}$`), // AA-BB-CC-DD-EE-FF
  new RegExp(`^${HEX_QUAD}(?:\\.${HEX_QUAD}){2}$`), // aabb.ccdd.eeff (Cisco)
  /^[0-9A-Fa-f]{12}$/, // aabbccddeeff
];

/** The MAC in CT's form (`aa:bb:cc:dd:ee:ff`), or null when `input` is not a MAC in an accepted notation. */
export function normalizeMac(input: string): string | null {
  const trimmed = input.trim();
  if (!NOTATIONS.some((re) => re.test(trimmed))) return null;
  const hex = trimmed.replace(/[:.-]/g, '').toLowerCase();
  return hex.match(/../g)?.join(':') ?? null;
}

/** What the INVALID userError says, so callers see every notation we take. */
export const MAC_FORMAT_MESSAGE =
  'MAC address is invalid: use six hex pairs as aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or aabbccddeeff';
