// Look before create: after an attempt under the same Idempotency-Key whose outcome is unknown (CT
// timed out, dropped the connection, or failed after possibly acting), a create first looks on CT
// for what that attempt may have made, and takes it as its result instead of making a second one.
import type { GraphQLContext } from '../context.js';

/** Slack for the clocks of CT and the facade when telling whether an object was made after an attempt began. */
export const CLOCK_SLACK_MS = 120_000;

/** When creates must look first: the start of the earlier attempt; null when there was none that may have written. */
export const lookFirstSince = (ctx: GraphQLContext): number | null => ctx.idempotency?.lookFirstSince ?? null;

/**
 * Of the objects CT found by name, the one an earlier attempt made: created since that attempt began
 * (less the clock slack; an object without a creation time cannot be ruled out), that `fits` what
 * was asked, the earliest first. Null when none is.
 */
export function madeSince<T extends { createdAt: number | null }>(
  found: readonly T[],
  since: number,
  fits: (item: T) => boolean,
): T | null {
  const after = (since - CLOCK_SLACK_MS) / 1000; // CT keeps epoch seconds
  const candidates = found.filter((item) => (item.createdAt === null || item.createdAt >= after) && fits(item));
  candidates.sort((a, b) => (a.createdAt ?? Number.POSITIVE_INFINITY) - (b.createdAt ?? Number.POSITIVE_INFINITY));
  return candidates[0] ?? null;
}
