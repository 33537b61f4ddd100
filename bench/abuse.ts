// `npm run bench:abuse`: what hostile documents cost the facade in time and memory (RSS), measured
// in one process with the simulator injected, after a forced GC before and after each attack.
// Not part of `npm test`: memory and time are measured here, never asserted in a unit test.
//   1. the fragment bomb: fragment F(i) spreads F(i+1) twice under two aliases, 14 levels deep;
//   2. 300 distinct valid queries (28 aliases each), signed out;
//   3. 1,000 distinct valid queries (28 aliases each), signed in, each sent twice.
// Prints one line per attack and exits 1 when an attack crosses its bound (issue 10's acceptance).
import { createSimulator, DEMO } from '../simulator/app.js';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:abuse does)');

const FACADE = 'http://facade.test';
const sim = createSimulator({ redirectUris: [`${FACADE}/auth/callback`] });
const config = loadConfig({
  PUBLIC_URL: FACADE,
  CT_API_URL: 'http://ct.test/api/v1',
  CT_OAUTH_URL: 'http://ct.test',
  CT_CLIENT_ID: DEMO.clientId,
  CT_CLIENT_SECRET: DEMO.clientSecret,
  SESSION_SECRET: 'abuse-bench-secret-0123456789-abcdefghijklmnop',
  LOG_LEVEL: 'silent',
});
const app = createApp({ config, fetch: (input, init) => sim.fetch(new Request(input, init)), logger: createLogger({ level: 'silent' }) });

function post(query: string, token?: string): Promise<Response> {
  return app.fetch(
    new Request(`${FACADE}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query }),
    }),
  );
}

export function fragmentBomb(levels: number): string {
  const fragments: string[] = [];
  for (let i = 0; i < levels; i++) {
    fragments.push(`fragment F${i} on Location { boxes { nodes { a: location { ...F${i + 1} } b: location { ...F${i + 1} } } } }`);
  }
  fragments.push(`fragment F${levels} on Location { name }`);
  return `{ locations { nodes { ...F0 } } }\n${fragments.join('\n')}`;
}

/** A valid query inside every default limit, with 28 aliases, made distinct by `n`. */
export function distinctQuery(n: number): string {
  const fields = ['name', 'town', 'slug', 'country', 'timezone', 'phone', 'website', 'postcode'];
  const parts: string[] = [];
  for (let i = 0; i < 28; i++) {
    const pick = fields.slice(0, 1 + ((n + i) % fields.length)).join(' ');
    parts.push(
      `a${i}: locations(first: ${1 + ((n * 7 + i) % 3)}) { totalCount nodes { id ${pick} archived boxesCount } pageInfo { hasNextPage endCursor } }`,
    );
  }
  return `query Q${n} { ${parts.join(' ')} }`;
}

function rssMb(): number {
  gc!();
  gc!();
  return process.memoryUsage().rss / 2 ** 20;
}
const heapMb = (): number => process.memoryUsage().heapUsed / 2 ** 20;

interface Outcome {
  name: string;
  ms: number;
  growthMb: number;
  boundMb: number;
  statuses: string;
  ok: boolean;
}
const outcomes: Outcome[] = [];

async function attack(name: string, boundMb: number, boundMs: number, run: () => Promise<number[]>): Promise<void> {
  const before = rssMb();
  const heapBefore = heapMb();
  const started = performance.now();
  const statuses = await run();
  const ms = performance.now() - started;
  const growthMb = rssMb() - before;
  const heapGrowthMb = heapMb() - heapBefore;
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  const ok = growthMb < boundMb && ms < boundMs;
  outcomes.push({ name, ms, growthMb, boundMb, statuses: [...counts].map(([s, c]) => `${c}x${s}`).join(' '), ok });
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${name}: ${ms.toFixed(0)} ms, RSS +${growthMb.toFixed(1)} MB, heap +${heapGrowthMb.toFixed(1)} MB (bound ${boundMb} MB, ${boundMs} ms), HTTP ${outcomes.at(-1)!.statuses}`,
  );
}

async function main(): Promise<void> {
  const issued = sim.control.issueTokens();
  const sealer = await app.sessions();
  const { token } = await sealer.seal({
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    expiresAt: (issued.created_at + issued.expires_in) * 1000,
  });
  // Warm up both paths so their one-time cost is not charged to the first attack.
  await (await post(distinctQuery(-1))).text();
  await (await post(distinctQuery(-2), token)).text();

  await attack('fragment bomb, 14 levels, signed out', 50, 1000, async () => {
    const res = await post(fragmentBomb(14));
    const body = (await res.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    if (body.errors?.[0]?.extensions?.code !== 'QUERY_TOO_COSTLY')
      throw new Error(`the bomb was not refused: ${JSON.stringify(body).slice(0, 300)}`);
    return [res.status];
  });
  await attack('300 distinct valid queries, signed out', 100, 60_000, async () => {
    const statuses: number[] = [];
    for (let n = 0; n < 300; n++) {
      const res = await post(distinctQuery(n));
      await res.text();
      statuses.push(res.status);
      sim.resetLog();
    }
    return statuses;
  });
  await attack('1000 distinct valid queries, signed in, each twice', 250, 600_000, async () => {
    const statuses: number[] = [];
    for (let n = 1000; n < 2000; n++) {
      for (let twice = 0; twice < 2; twice++) {
        const res = await post(distinctQuery(n), token);
        await res.text();
        statuses.push(res.status);
      }
      // The simulator logs every CT call; that log is not the facade's memory.
      sim.resetLog();
    }
    return statuses;
  });
  await app.close();
  process.exitCode = outcomes.every((o) => o.ok) ? 0 : 1;
}

await main();
