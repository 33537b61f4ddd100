// Reading CT's loosely typed values (ct-api.md §3: numbers sometimes as text, empty strings for
// "nothing") into the domain's plain ones; shared by the resources' wire mappings.

export const str = (v: string | number | null | undefined): string | null => (v === null || v === undefined ? null : String(v));

export const num = (v: number | string | null | undefined): number | null => {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
};

export const bool = (v: boolean | null | undefined): boolean | null => (typeof v === 'boolean' ? v : null);

/** Text, with CT's empty string read as "none". */
export const text = (v: string | null | undefined): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** A CT answer that is an object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The domain value whose wire code is `code`, from a table of every domain value's code; undefined when none has it. */
export function fromWire<D extends string, W>(table: Readonly<Record<D, W>>, code: W): D | undefined {
  return (Object.keys(table) as D[]).find((value) => table[value] === code);
}
