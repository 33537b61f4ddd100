// `npm run bench:cpu`: the facade's CPU per request in one process, with the simulator injected
// (no sockets, no latency), for the throughput scenarios' operations. It isolates the request
// path from HTTP and load-generator noise, so two versions of the code can be compared on a busy
// machine: run it on each, interleaved. Prints the median of ROUNDS rounds of REQUESTS requests,
// 8 in flight, as CPU microseconds per request (the simulator's own work included, the same for
// both versions). BENCH_CPU_TRACING=1 turns tracing on, exporting to an OTLP sink in another
// process, to show what spans and their export cost the facade.
import { createSimulator, DEMO } from '../simulator/app.js';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startOtlpSink } from './lib/otlp-sink.js';

const ROUNDS = Number(process.env.BENCH_CPU_ROUNDS ?? 7);
const REQUESTS = Number(process.env.BENCH_CPU_REQUESTS ?? 2000);
const FACADE = 'http://facade.test';

const sink = process.env.BENCH_CPU_TRACING === '1' ? await startOtlpSink() : null;
console.log(`tracing: ${sink ? `on, exporting to an OTLP sink (pid ${sink.pid})` : 'off'}`);
const sim = createSimulator({ redirectUris: [`${FACADE}/auth/callback`] });
const config = loadConfig({
  PUBLIC_URL: FACADE,
  CT_API_URL: 'http://ct.test/api/v1',
  CT_OAUTH_URL: 'http://ct.test',
  CT_CLIENT_ID: DEMO.clientId,
  CT_CLIENT_SECRET: DEMO.clientSecret,
  SESSION_SECRET: 'cpu-bench-secret-0123456789-abcdefghijklmnopq',
  LOG_LEVEL: 'silent',
  // One account makes thousands of CT calls a minute here: the budget is counted, never reached.
  RATE_LIMIT_CT_CALLS: '1000000000',
  ...(sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {}),
});
const app = createApp({ config, fetch: (input, init) => sim.fetch(new Request(input, init)), logger: createLogger({ level: 'silent' }) });
const issued = sim.control.issueTokens();
const { token } = await (await app.sessions()).seal({
  accessToken: issued.access_token,
  refreshToken: issued.refresh_token,
  expiresAt: (issued.created_at + issued.expires_in) * 1000,
});

let requests = 0;
async function post(query: string, variables: Record<string, unknown>): Promise<unknown> {
  requests += 1;
  const res = await app.fetch(
    new Request(`${FACADE}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(`bench query failed: ${JSON.stringify(body.errors).slice(0, 300)}`);
  sim.resetLog();
  return body;
}

// Any location will do: the first one CT lists, whatever data the simulator was seeded with.
const first = (await post('{ locations(first: 1) { nodes { slug } } }', {})) as { data: { locations: { nodes: Array<{ slug: string }> } } };
const aliasSlug = first.data.locations.nodes[0]!.slug;
const scenarios: Array<[string, string, Record<string, unknown>]> = [
  ['flat list: 25 locations', 'query Flat { locations(first: 25) { totalCount nodes { id slug name town country } } }', {}],
  [
    'one location asked 4 times (aliases)',
    `query Same($slug: String!) { a: location(slug: $slug) { name } b: location(slug: $slug) { name town }
      c: location(slug: $slug) { slug boxesCount } d: location(slug: $slug) { id timezone } }`,
    { slug: aliasSlug },
  ],
];

// BENCH_CPU_ONLY=alias runs the scenarios whose title contains that text (for profiling one).
const only = process.env.BENCH_CPU_ONLY;
for (const [title, query, variables] of scenarios.filter(([title]) => !only || title.includes(only))) {
  for (let i = 0; i < 300; i++) await post(query, variables);
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < REQUESTS; i += 8) {
      await Promise.all(Array.from({ length: 8 }, () => post(query, variables)));
      // Back to the event loop between batches, as a server is between requests: sockets (the
      // trace exporter's) and timers get their turn, which an unbroken chain of promises denies.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const used = process.cpuUsage(before);
    rounds.push((used.user + used.system) / REQUESTS);
  }
  rounds.sort((a, b) => a - b);
  const [min, median, max] = [rounds[0]!, rounds[Math.floor(rounds.length / 2)]!, rounds.at(-1)!].map((n) => n.toFixed(0));
  console.log(`${title}: ${median} CPU µs/request (median of ${ROUNDS}; min ${min}, max ${max})`);
}
await app.close();
if (sink) {
  const received = await sink.stop();
  console.log(`OTLP sink received ${received.spans} spans in ${received.exports} exports for ${requests} requests`);
}
