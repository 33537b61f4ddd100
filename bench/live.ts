// `npm run bench:live`: what subscriptions cost. The simulator and ct-graphql (src/server.ts as
// shipped, NODE_ENV=production, with a memory hook over IPC) each run in their own process; for 1,
// 10 and 100 subscribers of one location, each with its own session, it opens their SSE streams over
// real sockets, counts the CT calls subscribing made and the CT calls per minute while they stay
// open and idle (from the simulator's log), and the server's heap and RSS per idle subscriber (after
// a GC). Prints a markdown table and writes bench/RESULTS.live.md. See bench/README.md.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO } from '../simulator/app.js';
import { createSessionSealer } from '../src/auth/session.js';
import { freePort } from '../test/net.js';
import { REPO_DIR, startSimulator } from './lib/sim.js';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : Number.parseInt(raw, 10);
}

const INTERVAL_MS = intEnv('BENCH_LIVE_INTERVAL_MS', 15_000);
const WINDOW_S = intEnv('BENCH_LIVE_WINDOW_S', 60);
const COUNTS = (process.env.BENCH_LIVE_SUBSCRIBERS ?? '1,10,100').split(',').map(Number);
const MEMORY_N = intEnv('BENCH_LIVE_MEMORY_N', 1000);
const SECRET = randomBytes(32).toString('base64url');

const QUERY = 'subscription Watch($id: ID!) { boxStateChanged(locationId: $id) { previousState box { id state } } }';

interface LogEntry {
  method: string;
  path: string;
}

interface Memory {
  heapUsed: number;
  rss: number;
}

async function startFacade(
  simUrl: string,
): Promise<{ url: string; child: ChildProcess; memory(): Promise<Memory>; stop(): Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = fork(join(REPO_DIR, 'bench/lib/live-server.ts'), [], {
    cwd: REPO_DIR,
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      CT_API_URL: `${simUrl}/api/v1`,
      CT_OAUTH_URL: simUrl,
      CT_CLIENT_ID: DEMO.clientId,
      CT_CLIENT_SECRET: DEMO.clientSecret,
      SESSION_SECRET: SECRET,
      LIVE_POLL_INTERVAL_MS: String(INTERVAL_MS),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 300 || child.exitCode !== null) throw new Error('ct-graphql did not start');
    await sleep(100);
  }
  return {
    url,
    child,
    memory: () =>
      new Promise((resolve) => {
        child.once('message', (message: { usage: NodeJS.MemoryUsage }) =>
          resolve({ heapUsed: message.usage.heapUsed, rss: message.usage.rss }),
        );
        child.send({ type: 'memory' });
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function simLog(simUrl: string): Promise<LogEntry[]> {
  return ((await (await fetch(`${simUrl}/__sim/log`)).json()) as { log: LogEntry[] }).log.filter((e) => e.path.startsWith('/api/'));
}

async function resetLog(simUrl: string): Promise<void> {
  await fetch(`${simUrl}/__sim/log`, { method: 'DELETE' });
}

async function metric(facadeUrl: string, line: string): Promise<number> {
  const text = await (await fetch(`${facadeUrl}/metrics`)).text();
  return Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/** A session of the demo user: CT tokens issued by the simulator, sealed as the facade does. */
async function sessions(simUrl: string, count: number): Promise<string[]> {
  const sealer = await createSessionSealer({ secrets: [SECRET], maxAgeSeconds: 3600 });
  return Promise.all(
    Array.from({ length: count }, async () => {
      const res = await fetch(`${simUrl}/__sim/tokens`, { method: 'POST', body: '{}' });
      const issued = (await res.json()) as { access_token: string; refresh_token: string; created_at: number; expires_in: number };
      const sealed = await sealer.seal({
        accessToken: issued.access_token,
        refreshToken: issued.refresh_token,
        expiresAt: (issued.created_at + issued.expires_in) * 1000,
      });
      return sealed.token;
    }),
  );
}

/** Opens a stream and keeps reading it in the background, as an idle client does. */
async function subscribe(facadeUrl: string, token: string, locationId: string): Promise<AbortController> {
  const abort = new AbortController();
  const res = await fetch(`${facadeUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY, variables: { id: locationId } }),
    signal: abort.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`subscribe answered HTTP ${res.status}`);
  const reader = res.body.getReader();
  void (async () => {
    try {
      for (;;) if ((await reader.read()).done) return;
    } catch {
      // aborted
    }
  })();
  return abort;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; !(await check()); i++) {
    if (i > 600) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface Row {
  subscribers: number;
  subscribeCalls: { me: number; boxes: number };
  windowCalls: number;
  perMinute: number;
  withoutFacade: number;
  heapPerSubscriberKb: number;
  rssPerSubscriberKb: number;
}

async function measure(
  facade: Awaited<ReturnType<typeof startFacade>>,
  simUrl: string,
  locationId: string,
  count: number,
  window: boolean,
): Promise<Row> {
  const tokens = await sessions(simUrl, count);
  const before = await facade.memory();
  await resetLog(simUrl);
  const streams: AbortController[] = [];
  // In batches, as clients arrive: the first one's stream starts after the baseline poll.
  for (let i = 0; i < tokens.length; i += 50) {
    streams.push(...(await Promise.all(tokens.slice(i, i + 50).map((token) => subscribe(facade.url, token, locationId)))));
  }
  const opened = await simLog(simUrl);
  const subscribeCalls = {
    me: opened.filter((e) => e.path === '/api/v1/me.json').length,
    boxes: opened.filter((e) => e.path === '/api/v1/boxes').length,
  };
  const after = await facade.memory();
  let windowCalls = Number.NaN;
  if (window) {
    await resetLog(simUrl);
    await sleep(WINDOW_S * 1000);
    windowCalls = (await simLog(simUrl)).length;
  }
  for (const stream of streams) stream.abort();
  await until(async () => (await metric(facade.url, 'ct_graphql_live_subscriptions{kind="boxes"}')) === 0, 'the subscribers to leave');
  return {
    subscribers: count,
    subscribeCalls,
    windowCalls,
    perMinute: (windowCalls * 60) / WINDOW_S,
    withoutFacade: (count * 60_000) / INTERVAL_MS,
    heapPerSubscriberKb: (after.heapUsed - before.heapUsed) / count / 1024,
    rssPerSubscriberKb: (after.rss - before.rss) / count / 1024,
  };
}

const kb = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');

async function run(): Promise<void> {
  const sim = await startSimulator();
  const facade = await startFacade(sim.url);
  try {
    const [token] = await sessions(sim.url, 1);
    const found = (await (
      await fetch(`${facade.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ locations(first: 1) { nodes { id boxesCount } } }' }),
      })
    ).json()) as { data: { locations: { nodes: Array<{ id: string; boxesCount: number }> } } };
    const location = found.data.locations.nodes[0]!;
    // Warm-up: the first subscription compiles what every later one reuses.
    await measure(facade, sim.url, location.id, 5, false);

    const rows: Row[] = [];
    for (const count of COUNTS) {
      console.error(`${count} subscriber(s): subscribing, then ${WINDOW_S} s idle`);
      rows.push(await measure(facade, sim.url, location.id, count, true));
    }
    console.error(`${MEMORY_N} idle subscribers, for memory only`);
    const large = await measure(facade, sim.url, location.id, MEMORY_N, false);

    // The last subscriber gone, the poller is gone: no CT call for two intervals.
    await resetLog(sim.url);
    await sleep(2 * INTERVAL_MS + 500);
    const afterLeaving = (await simLog(sim.url)).length;

    const lines = [
      '# Live data: what subscriptions cost',
      '',
      `\`npm run bench:live\` on ${new Date().toISOString().slice(0, 10)}: one location with ${location.boxesCount} boxes, ` +
        `LIVE_POLL_INTERVAL_MS=${INTERVAL_MS}, each subscriber with its own session, streams over loopback sockets, ` +
        `CT calls from the simulator's log over ${WINDOW_S} s of idle streams.`,
      '',
      '| subscribers | CT calls to subscribe (/me.json + box list) | CT calls in the window | CT calls per minute | ' +
        'the same clients polling CT themselves | heap per idle subscriber | RSS per idle subscriber |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (r) =>
          `| ${r.subscribers} | ${r.subscribeCalls.me} + ${r.subscribeCalls.boxes} | ${r.windowCalls} | ${r.perMinute.toFixed(1)} | ` +
          `${r.withoutFacade.toFixed(0)} | ${kb(r.heapPerSubscriberKb)} KiB | ${kb(r.rssPerSubscriberKb)} KiB |`,
      ),
      `| ${large.subscribers} (memory only) | ${large.subscribeCalls.me} + ${large.subscribeCalls.boxes} | | | | ` +
        `${kb(large.heapPerSubscriberKb)} KiB | ${kb(large.rssPerSubscriberKb)} KiB |`,
      '',
      `After the last subscriber left: ${afterLeaving} CT calls in the next ${((2 * INTERVAL_MS + 500) / 1000).toFixed(1)} s.`,
      '',
      'Memory is measured in the server process after two forced GCs, before and after the streams opened; for 1 and 10',
      'subscribers it is within the noise of the heap, the larger counts are the figure to read.',
      '',
    ];
    const report = lines.join('\n');
    console.log(report);
    writeFileSync(join(REPO_DIR, 'bench', 'RESULTS.live.md'), report);
  } finally {
    await facade.stop();
    await sim.stop();
  }
}

await run();
