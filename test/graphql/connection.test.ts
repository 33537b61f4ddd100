// Relay connections over CT pages (src/schema/connection.ts), checked against a direct reading of
// the Relay cursor-connections spec over an in-memory list, for thousands of first/after/last/before
// combinations and list sizes; plus the number of page fetches each combination costs.
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { pageStart, planPages } from '../../src/ct/paging.js';
import { type ConnectionArgs, cursorToOffset, offsetToCursor, type PageFetcher, resolveCtConnection } from '../../src/schema/connection.js';

/** A CT list stand-in: `total` items named by offset; counts the page fetches. */
function fakeList(total: number): { fetchPage: PageFetcher<number>; calls: Array<{ page: number; per: number }> } {
  const items = Array.from({ length: total }, (_, i) => i);
  const calls: Array<{ page: number; per: number }> = [];
  return {
    calls,
    fetchPage: async (page, per) => {
      calls.push({ page, per });
      expect(per).toBeLessThanOrEqual(100);
      return { items: items.slice(pageStart(page, per), pageStart(page + 1, per)), total };
    },
  };
}

/** The Relay spec, read literally (with this API's choices for its "may" clauses), over offsets. */
function reference(total: number, args: ConnectionArgs) {
  const first = args.first ?? (args.last == null ? 25 : null);
  const last = args.last ?? null;
  const a = args.after != null ? cursorToOffset(args.after) + 1 : 0;
  const hi = args.before != null ? Math.min(cursorToOffset(args.before), total) : total;
  const afterCursors: number[] = [];
  for (let i = a; i < hi; i++) afterCursors.push(i);
  let edges = afterCursors;
  if (first != null) edges = edges.slice(0, first);
  const beforeLast = edges;
  if (last != null) edges = edges.slice(Math.max(0, edges.length - last));
  const b = args.before != null ? cursorToOffset(args.before) : null;
  return {
    offsets: edges,
    pageInfo: {
      hasNextPage: first != null ? afterCursors.length > first : b !== null && b < total,
      hasPreviousPage: last != null ? beforeLast.length > last : args.after != null && Math.min(a, total) > 0,
      startCursor: edges.length > 0 ? offsetToCursor(edges[0] as number) : null,
      endCursor: edges.length > 0 ? offsetToCursor(edges[edges.length - 1] as number) : null,
    },
  };
}

const c = (offset: number | null): string | null => (offset === null ? null : offsetToCursor(offset));

describe('resolveCtConnection', () => {
  it('matches the Relay spec for every combination, with the fewest page fetches', async () => {
    const failures: string[] = [];
    for (const total of [0, 1, 6, 25, 26, 99, 100, 101, 137, 250]) {
      for (const first of [null, 0, 1, 6, 25, 100]) {
        for (const last of [null, 0, 1, 4, 100]) {
          for (const after of [null, 0, 5, 6, 24, 99, 100, 200, 300]) {
            for (const before of [null, 0, 1, 7, 30, 100, 120, 260, 400]) {
              const args: ConnectionArgs = { first, last, after: c(after), before: c(before) };
              const list = fakeList(total);
              const result = await resolveCtConnection(args, list.fetchPage, (n) => n);
              const callsForEdges = list.calls.length;
              const pageInfo = await result.pageInfo;
              const totalCount = await result.totalCount;
              const want = reference(total, args);
              const label = `total ${total} ${JSON.stringify({ first, last, after, before })}`;
              if (JSON.stringify(result.edges.map((e) => e.node)) !== JSON.stringify(want.offsets)) {
                failures.push(`${label}: edges ${JSON.stringify(result.edges.map((e) => e.node))}`);
              }
              if (result.edges.some((e) => cursorToOffset(e.cursor) !== e.node)) failures.push(`${label}: cursors`);
              if (JSON.stringify(pageInfo) !== JSON.stringify(want.pageInfo))
                failures.push(`${label}: pageInfo ${JSON.stringify(pageInfo)}`);
              if (totalCount !== total) failures.push(`${label}: totalCount ${totalCount}`);

              // Calls: a window known up front costs exactly what the planner says (none when empty);
              // `last` with neither `before` nor `first` costs the probe, plus the uncovered rest.
              const f = first ?? (last == null ? 25 : null);
              const a = after === null ? 0 : after + 1;
              let expected: number;
              if (f === null && before === null) {
                const probeEnd = (Math.floor(a / 100) + 1) * 100;
                expected = total <= probeEnd ? 1 : 1 + planPages(Math.max(a, total - (last as number), probeEnd), total).pages.length;
              } else {
                let end = f !== null ? a + f : (before as number);
                if (f !== null && before !== null) end = Math.min(end, before);
                const start = last !== null ? Math.max(a, end - last) : a;
                expected = start < end ? planPages(start, end).pages.length : 0;
                // A `last` window whose end lies past the list's end (a stale `before`, or first+last on a
                // short list) slides back once the total is known: the slid part costs its own call(s).
                if (last !== null && end > total && start < end) expected = -1;
              }
              if (expected >= 0 ? callsForEdges !== expected : callsForEdges > 4) {
                failures.push(`${label}: ${callsForEdges} calls, expected ${expected}`);
              }
            }
          }
        }
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it('fetches nothing for an empty window until totalCount or pageInfo is asked for, then one item', async () => {
    const list = fakeList(40);
    const result = await resolveCtConnection({ first: 0 }, list.fetchPage, (n) => n);
    expect(result.edges).toEqual([]);
    expect(list.calls).toEqual([]);
    expect(await result.totalCount).toBe(40);
    expect(await result.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null });
    expect(list.calls).toEqual([{ page: 1, per: 1 }]);
  });

  it('reads `last: 4` of a short list in one call, and of a long list in two', async () => {
    const short = fakeList(37);
    expect((await resolveCtConnection({ last: 4 }, short.fetchPage, (n) => n)).edges.map((e) => e.node)).toEqual([33, 34, 35, 36]);
    expect(short.calls).toEqual([{ page: 1, per: 100 }]);
    const long = fakeList(250);
    expect((await resolveCtConnection({ last: 4 }, long.fetchPage, (n) => n)).edges.map((e) => e.node)).toEqual([246, 247, 248, 249]);
    expect(long.calls).toEqual([
      { page: 1, per: 100 },
      { page: 50, per: 5 },
    ]);
  });

  it('refuses bad arguments with BAD_USER_INPUT before fetching anything', async () => {
    for (const args of [
      { first: 101 },
      { last: 101 },
      { first: -1 },
      { last: -5 },
      { after: 'nope' },
      { before: offsetToCursor(3).slice(1) },
    ]) {
      const list = fakeList(10);
      const error = await resolveCtConnection(args, list.fetchPage, (n) => n).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GraphQLError);
      expect((error as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
      expect(list.calls).toEqual([]);
    }
  });
});
