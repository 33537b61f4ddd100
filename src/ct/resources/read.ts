// How the resources describe a CT read: its route, its query and how its answer becomes domain
// values, described rather than sent, so the loaders can run it once per request however many
// fields ask for it (writes are sent at once: see write.ts).
import type { CtQuery } from '../client.js';

/** One GET: where it goes and how CT's answer becomes what the domain reads. */
export interface CtRead<T> {
  readonly path: string;
  readonly query: CtQuery;
  /** CT's parsed JSON answer, as the domain sees it. */
  readonly parse: (answer: unknown) => T;
}

/** A read whose answer is trusted to have the wire shape `W` (src/ct/types.ts), as every CT answer is. */
export function ctRead<W, T>(path: string, query: CtQuery, parse: (answer: W) => T): CtRead<T> {
  return { path, query, parse: parse as (answer: unknown) => T };
}

/** CT's optional filters: an empty string means "no filter" rather than "match nothing". */
export function filterQuery(query: Record<string, string | boolean | null | undefined>): CtQuery {
  const out: CtQuery = {};
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== '') out[k] = v;
  return out;
}
