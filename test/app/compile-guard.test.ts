/**
 * What a document must pass before graphql-jit compiles it or the pipeline keeps it: the limits
 * first (a refused document is never compiled or cached, however it arrives), a signed-in caller,
 * and a second use. compileQuery is wrapped, not replaced, so every count below is real.
 */
import { parse } from 'graphql';
import { compileQuery } from 'graphql-jit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPipeline } from '../../src/pipeline.js';
import { schema } from '../../src/schema/index.js';
import { createHarness } from '../harness.js';

vi.mock('graphql-jit', async (importOriginal) => {
  const original = await importOriginal<typeof import('graphql-jit')>();
  return { ...original, compileQuery: vi.fn(original.compileQuery) };
});
const compiled = vi.mocked(compileQuery);
afterEach(() => compiled.mockClear());

/** Fragment F(i) spreads F(i+1) twice under two aliases: the inlined document doubles per level. */
function fragmentBomb(levels: number): string {
  const fragments: string[] = [];
  for (let i = 0; i < levels; i++) {
    fragments.push(`fragment F${i} on Location { boxes { nodes { a: location { ...F${i + 1} } b: location { ...F${i + 1} } } } }`);
  }
  fragments.push(`fragment F${levels} on Location { name }`);
  return `{ locations { nodes { ...F0 } } }\n${fragments.join('\n')}`;
}

type Body = { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };

describe('the JSON fast path compiles nothing that a limit refuses', () => {
  const h = createHarness();

  for (const signedIn of [false, true]) {
    it(`refuses the fragment bomb ${signedIn ? 'signed in' : 'signed out'} without compiling it or calling CT`, async () => {
      const token = signedIn ? await h.login() : null;
      h.sim.resetLog();
      const res = await h.post({ query: fragmentBomb(6) }, token ? { authorization: `Bearer ${token}` } : {});
      const body = (await res.json()) as Body;
      expect(body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
      expect(compiled).not.toHaveBeenCalled();
      expect(h.ctCalls()).toHaveLength(0);
    });
  }

  it('refuses a document over budget through its variables, without compiling it, however often it is sent', async () => {
    const token = await h.login();
    const query = 'query Big($n: Int) { locations(first: $n) { nodes { boxes(first: $n) { nodes { location { name } } } } } }';
    for (let i = 0; i < 3; i++) {
      const body = (await (await h.post({ query, variables: { n: 100 } }, { authorization: `Bearer ${token}` })).json()) as Body;
      expect(body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
    }
    expect(compiled).not.toHaveBeenCalled();
    // The same document within budget runs, and is compiled on its second use only.
    for (let i = 0; i < 3; i++) {
      const body = (await (await h.post({ query, variables: { n: 1 } }, { authorization: `Bearer ${token}` })).json()) as Body;
      expect(body.errors).toBeUndefined();
      expect(compiled).toHaveBeenCalledTimes(i === 0 ? 0 : 1);
    }
  });

  it('never compiles for a signed-out caller, whose answers are UNAUTHENTICATED or viewer: null', async () => {
    for (let i = 0; i < 3; i++) {
      const body = (await (await h.post({ query: '{ viewer { username } locations(first: 2) { totalCount } }' })).json()) as Body;
      expect(body.data).toEqual({ viewer: null, locations: null });
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(compiled).not.toHaveBeenCalled();
  });
});

describe('the pipeline keeps operations within a byte budget', () => {
  const query = (n: number) =>
    `query Q${n} { ${Array.from({ length: 20 }, (_, i) => `a${i}: locations(first: ${1 + ((n + i) % 3)}) { totalCount nodes { id name town slug } }`).join(' ')} }`;

  it('holds no more bytes than it was given, however many distinct operations arrive', () => {
    const budget = 2 * 2 ** 20;
    const pipeline = createPipeline({
      schema,
      limits: { maxDepth: 10, maxAliases: 30, maxCtCalls: 200, maxTokens: 2000 },
      maskError: (e) => e as Error,
      operationCacheBytes: budget,
    });
    for (let n = 0; n < 200; n++) {
      for (let use = 0; use < 2; use++)
        expect(pipeline.prepare({ query: query(n), variables: undefined, operationName: undefined }, true)).not.toBeNull();
    }
    expect(pipeline.stats.operations.bytes).toBeLessThanOrEqual(budget);
    expect(pipeline.stats.operations.entries).toBeGreaterThan(0);
    expect(pipeline.stats.operations.entries).toBeLessThan(200);
  });

  it('runs an operation whose inlined fragments exceed the compile bound on graphql-js, never compiled', () => {
    const pipeline = createPipeline({
      schema,
      limits: { maxDepth: 100, maxAliases: 30, maxCtCalls: Number.MAX_SAFE_INTEGER, maxTokens: 2000 },
      maskError: (e) => e as Error,
    });
    // 2^7 copies of the innermost selection: within these limits, too large to be worth compiling.
    const bomb = fragmentBomb(7);
    expect(pipeline.admit(parse(bomb), undefined, {}).cost.selections).toBeGreaterThan(200);
    for (let use = 0; use < 3; use++)
      expect(pipeline.prepare({ query: bomb, variables: undefined, operationName: undefined }, true)).not.toBeNull();
    expect(compiled).not.toHaveBeenCalled();
  });
});
