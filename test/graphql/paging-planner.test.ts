// The page-window planner (src/ct/paging.ts): every window is covered, with the fewest CT calls
// possible for a fixed page size, and then the smallest page size; checked exhaustively against
// brute force for every window of up to 100 items starting in the first 350 offsets.
import { describe, expect, it } from 'vitest';
import { CT_MAX_PER, pageStart, planPages } from '../../src/ct/paging.js';

/** Fewest calls any single `per` in [1, 100] needs for [start, end), by brute force. */
function fewestCalls(start: number, end: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let per = 1; per <= CT_MAX_PER; per++) best = Math.min(best, Math.floor((end - 1) / per) - Math.floor(start / per) + 1);
  return best;
}

describe('planPages', () => {
  it('fits an unaligned window of six items (offsets 7..12) into one page', () => {
    expect(planPages(7, 13)).toEqual({ per: 7, pages: [2] });
  });

  it('uses the page size itself for aligned windows', () => {
    expect(planPages(0, 10)).toEqual({ per: 10, pages: [1] });
    expect(planPages(10, 20)).toEqual({ per: 10, pages: [2] });
    expect(planPages(0, 25)).toEqual({ per: 25, pages: [1] });
  });

  it('needs two pages only when no page size fits the window into one', () => {
    // 100 items can only share one page of 100, which must start at a multiple of 100.
    expect(planPages(100, 200)).toEqual({ per: 100, pages: [2] });
    expect(planPages(50, 150)).toEqual({ per: 50, pages: [2, 3] });
    expect(planPages(130, 230).pages).toHaveLength(2);
    // Two items straddling 100 still fit one page: per 3, page 34 holds offsets 99..101.
    expect(planPages(99, 101)).toEqual({ per: 3, pages: [34] });
  });

  it('fetches nothing for an empty window or one past a known total', () => {
    expect(planPages(5, 5)).toEqual({ per: 0, pages: [] });
    expect(planPages(40, 60, { total: 40 })).toEqual({ per: 0, pages: [] });
  });

  it('clips the window to a known total', () => {
    // Only offsets 95..99 exist: five items, one page of five.
    expect(planPages(95, 120, { total: 100 })).toEqual({ per: 5, pages: [20] });
  });

  it('rejects nonsense windows', () => {
    expect(() => planPages(-1, 3)).toThrow(RangeError);
    expect(() => planPages(1.5, 3)).toThrow(RangeError);
  });

  it('is optimal for every window of 1..100 items starting below 350 (exhaustive)', () => {
    const failures: string[] = [];
    for (let start = 0; start < 350; start++) {
      for (let n = 1; n <= CT_MAX_PER; n++) {
        const end = start + n;
        const { per, pages } = planPages(start, end);
        const first = pages[0] as number;
        const last = pages[pages.length - 1] as number;
        const problems = [
          per < 1 || per > CT_MAX_PER ? 'per out of range' : '',
          pageStart(first, per) > start || pageStart(last + 1, per) < end ? 'does not cover' : '',
          pages.some((p, i) => p !== first + i) ? 'pages not contiguous' : '',
          pages.length !== fewestCalls(start, end) ? 'not the fewest calls' : '',
          pages.length > 2 ? 'more than two calls' : '',
        ];
        // Smallest page size among those that reach that count.
        for (let smaller = 1; smaller < per; smaller++) {
          if (Math.floor((end - 1) / smaller) - Math.floor(start / smaller) + 1 <= pages.length) problems.push(`per ${smaller} would do`);
        }
        const found = problems.filter(Boolean);
        if (found.length > 0) failures.push(`[${start}, ${end}) => per ${per} pages ${pages.join(',')}: ${found.join('; ')}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
