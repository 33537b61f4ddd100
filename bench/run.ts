// `npm run bench`: starts the CT simulator (fixed latency per CT call), ct-graphql as shipped, the
// same code with loaders off (naive), and GraphQL Mesh over the same simulator, each in its own
// process over HTTP on loopback; runs the scenarios of bench/lib/scenarios.ts against each (and
// against ct-graphql a second time with an API token instead of a session: `ct-graphql-token`);
// prints the markdown tables and writes bench/RESULTS.md. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO } from '../simulator/app.js';
import { freePort } from '../test/net.js';
import { ctAccessToken, facadeApiToken, facadeSessionToken } from './lib/login.js';
import { measureLatency, measureThroughput, runSteps, type Target } from './lib/measure.js';
import { startMesh } from './lib/mesh.js';
import { startOtlpSink } from './lib/otlp-sink.js';
import { spawnServer } from './lib/proc.js';
import { API_TOKEN_SERVER, LIMIT_SERVER, renderReport, type ScenarioOutcome } from './lib/report.js';
import { BULK_BOXES, SCENARIOS, type Probe } from './lib/scenarios.js';
import { REPO_DIR, startSimulator, type SimulatorControl } from './lib/sim.js';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
  return n;
}

const settings = {
  latencyMs: intEnv('BENCH_CT_LATENCY_MS', 20),
  runs: Math.max(1, intEnv('BENCH_RUNS', 50)),
  warmup: intEnv('BENCH_WARMUP', 5),
  connections: Math.max(1, intEnv('BENCH_CONNECTIONS', 16)),
  seconds: Math.max(1, intEnv('BENCH_DURATION_S', 10)),
  servers: (process.env['BENCH_SERVERS'] ?? 'ct-graphql,naive,mesh,limit')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  throughput: process.env['BENCH_THROUGHPUT'] !== '0',
  /** A subset of scenario ids (BENCH_SCENARIOS=flat,same-object), e.g. to profile one; all when unset. */
  scenarios: process.env['BENCH_SCENARIOS']
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  /** Write a V8 CPU profile of each ct-graphql process to bench/.profiles (on its exit). */
  cpuProf: process.env['BENCH_CPU_PROF'] === '1',
};

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);
const account = { username: DEMO.username, password: DEMO.password };

interface Running {
  target: Target;
  output(): string;
  stop(): Promise<void>;
  /** ct-graphql only: the same process called with an API token instead of the session. */
  apiToken?: Target;
}

/** node's flags for BENCH_CPU_PROF=1: a V8 CPU profile in bench/.profiles when the process exits. */
const profileArgs = (): string[] => (settings.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(REPO_DIR, 'bench', '.profiles')}`] : []);

async function startFacade(name: string, sim: SimulatorControl, extraEnv: Record<string, string>, apiToken = false): Promise<Running> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  await sim.registerRedirectUri(`${base}/auth/callback`);
  // The embedded store (API tokens, device sign-ins) in a folder of this run, never ./data.
  const dataDir = mkdtempSync(join(tmpdir(), 'ct-graphql-bench-'));
  const spawned = await spawnServer({
    name,
    command: process.execPath,
    args: [
      ...profileArgs(),
      // As shipped: the compiled build `npm start` runs (a TypeScript loader would add its own wrappers to every profile).
      'dist/src/server.js',
    ],
    cwd: REPO_DIR,
    env: {
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: base,
      CT_API_URL: `${sim.url}/api/v1`,
      CT_OAUTH_URL: sim.url,
      CT_CLIENT_ID: DEMO.clientId,
      CT_CLIENT_SECRET: DEMO.clientSecret,
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: 'info', // as shipped: one log line per request
      DATA_DIR: dataDir,
      // One account makes thousands of CT calls a minute under load: the budget is counted, never reached.
      RATE_LIMIT_CT_CALLS: '1000000000',
      ...extraEnv,
    },
    readyUrl: `${base}/healthz`,
  });
  const stop = async (): Promise<void> => {
    await spawned.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const token = await facadeSessionToken(base, account);
    const url = `${base}/graphql`;
    const secret = apiToken ? await facadeApiToken(base, account, 'bench') : null;
    return {
      target: { name, url, pid: spawned.pid, headers: { authorization: `Bearer ${token}` } },
      ...(secret ? { apiToken: { name: API_TOKEN_SERVER, url, pid: spawned.pid, headers: { authorization: `Bearer ${secret}` } } } : {}),
      output: () => spawned.output(),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The floor (bench/lib/limit-server.mjs): one CT call, JSON.parse, the same JSON written; called with a CT token, as Mesh is. */
async function startLimit(sim: SimulatorControl): Promise<Running> {
  const port = await freePort();
  const spawned = await spawnServer({
    name: LIMIT_SERVER,
    command: process.execPath,
    args: [...profileArgs(), 'bench/lib/limit-server.mjs', String(port), `${sim.url}/api/v1`],
    cwd: REPO_DIR,
    readyUrl: `http://127.0.0.1:${port}/healthz`,
  });
  const token = await ctAccessToken(sim.url, DEMO, account);
  return {
    target: {
      name: LIMIT_SERVER,
      url: `http://127.0.0.1:${port}/graphql`,
      pid: spawned.pid,
      headers: { authorization: `Bearer ${token}` },
    },
    output: () => spawned.output(),
    stop: () => spawned.stop(),
  };
}

async function startMeshPeer(sim: SimulatorControl, notes: string[]): Promise<Running> {
  const mesh = await startMesh(`${sim.url}/api/v1`, log);
  if (mesh.install.installed)
    notes.push(`GraphQL Mesh was installed into bench/mesh/node_modules by this run (${mesh.install.seconds.toFixed(0)} s).`);
  const token = await ctAccessToken(sim.url, DEMO, account);
  return {
    target: { name: 'mesh', url: mesh.url, pid: mesh.pid, headers: { authorization: `Bearer ${token}` } },
    output: () => mesh.process.output(),
    stop: () => mesh.stop(),
  };
}

/** Reads the seeded data the data-dependent scenarios need, straight from the simulator's REST API. */
async function probe(sim: SimulatorControl): Promise<Probe> {
  const token = await ctAccessToken(sim.url, DEMO, account);
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${sim.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`probe GET ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  type Page<K extends string, T> = Record<K, T[]> & { _links: { total_entries: number } };
  const locations = await get<Page<'locations', { slug: string }>>('/locations?per=100');
  if (locations.locations.length < 25) throw new Error('the simulator needs at least 25 locations for the flat scenario');
  const boxes = await get<Page<'boxes', { location_slug: string }>>('/boxes?per=20');
  let voucherSlug: string | null = null;
  let voucherBatches5 = 0;
  for (const l of locations.locations) {
    const v = await get<Page<'vouchers', { completed: boolean }>>(`/locations/${l.slug}/vouchers?per=5`);
    const n = v.vouchers.length;
    if (n > voucherBatches5 && v.vouchers.every((x) => x.completed)) {
      voucherSlug = l.slug;
      voucherBatches5 = n;
      if (n === 5) break;
    }
  }
  if (!voucherSlug) throw new Error('no location with completed voucher batches in the simulator');
  const createSlug = [...locations.locations].reverse().find((l) => l.slug !== voucherSlug)?.slug ?? voucherSlug;
  const willing: string[] = [];
  for (let page = 1; willing.length < BULK_BOXES; page++) {
    const list = await get<Page<'boxes', { slug: string; allowed_job: boolean }> & { _links: { next_page: number | null } }>(
      `/boxes?per=100&page=${page}`,
    );
    willing.push(...list.boxes.filter((b) => b.allowed_job).map((b) => b.slug));
    if (!list._links.next_page) break;
  }
  if (willing.length < BULK_BOXES) throw new Error(`the simulator needs ${BULK_BOXES} boxes that take jobs for the bulk scenario`);
  return {
    aliasSlug: locations.locations[0]!.slug,
    boxLocations20: new Set(boxes.boxes.map((b) => b.location_slug)).size,
    voucherSlug,
    voucherBatches5,
    createSlug,
    locationsTotal: locations._links.total_entries,
    rebootSlugs: willing.slice(0, BULK_BOXES),
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const notes: string[] = [];
  const running: Running[] = [];
  log(`simulator with ${settings.latencyMs} ms per CT call; servers: ${settings.servers.join(', ')}`);
  // The servers run the compiled build, as `npm start` does: build it first when a source is newer.
  const built = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: REPO_DIR, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('the build failed');
  const sim = await startSimulator();
  try {
    await sim.setLatency(settings.latencyMs);
    const starters: Record<string, () => Promise<Running>> = {
      // Profiled, the session alone, so a profile shows one path; BENCH_SERVERS=ct-graphql-token profiles the other.
      'ct-graphql': () => startFacade('ct-graphql', sim, {}, !settings.cpuProf),
      // The API token alone (for a profile of that path only): the same process, its session left unmeasured.
      [API_TOKEN_SERVER]: () => startFacade('ct-graphql', sim, {}, true),
      naive: () => startFacade('naive', sim, { CT_LOADERS: 'off' }),
      mesh: () => startMeshPeer(sim, notes),
      limit: () => startLimit(sim),
      // ct-graphql with tracing on, exporting to a sink in its own process (not counted as the server's CPU).
      traced: async () => {
        const sink = await startOtlpSink();
        const facade = await startFacade('traced', sim, { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url });
        const stop = async () => {
          await facade.stop();
          await sink.stop();
        };
        return { ...facade, stop };
      },
    };
    const servers: string[] = [];
    for (const name of settings.servers) {
      const start = starters[name];
      if (!start) throw new Error(`unknown server "${name}" in BENCH_SERVERS (ct-graphql, ct-graphql-token, naive, mesh, limit, traced)`);
      try {
        const started = await start();
        running.push(started);
        if (name !== API_TOKEN_SERVER) servers.push(name);
        log(`${name} ready`);
        // Right after the session: the two are measured back to back on the same process.
        if (started.apiToken) {
          servers.push(API_TOKEN_SERVER);
          log(`${API_TOKEN_SERVER} (ct-graphql with an API token from device sign-in) ready`);
        }
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        notes.push(`${name} could not be started: ${message.split('\n')[0]}`);
        log(`${name} could not be started:\n${message}`);
      }
    }
    const targets = new Map(
      running.flatMap((r) => [[r.target.name, r.target] as const, ...(r.apiToken ? [[r.apiToken.name, r.apiToken] as const] : [])]),
    );
    const outputs = new Map(running.flatMap((r) => [[r.target.name, r] as const, ...(r.apiToken ? [[r.apiToken.name, r] as const] : [])]));
    const shownOutput = new Set<string>();
    const p = await probe(sim);
    // The probe as a report shows it: the bulk scenario's 40 slugs as their number.
    const shown = JSON.stringify({ ...p, rebootSlugs: `${p.rebootSlugs.length} boxes` });
    log(`probe: ${shown}`);

    const outcomes: ScenarioOutcome[] = [];
    for (const scenario of SCENARIOS.filter((s) => !settings.scenarios || settings.scenarios.includes(s.id))) {
      const outcome: ScenarioOutcome = {
        scenario,
        minCalls: scenario.minCalls(p),
        minWhy: scenario.minWhy(p),
        latency: new Map(),
        throughput: new Map(),
      };
      outcomes.push(outcome);
      for (const name of servers) {
        // The limit server knows only the throughput scenarios' two operations.
        if (name === LIMIT_SERVER && !scenario.throughput) continue;
        const target = targets.get(name)!;
        const steps = name === 'mesh' ? scenario.mesh : scenario.facade;
        try {
          await runSteps(target, steps, p); // the answer has the expected shape before anything is timed
          const r = await measureLatency(target, steps, p, sim, { runs: settings.runs, warmup: settings.warmup });
          outcome.latency.set(name, r);
          log(
            `${scenario.id} / ${name}: ${r.callsMin} CT calls (min ${outcome.minCalls}), median ${r.medianMs.toFixed(1)} ms, p99 ` +
              `${r.p99Ms.toFixed(1)} ms`,
          );
        } catch (e) {
          outcome.latency.set(name, e instanceof Error ? e : new Error(String(e)));
          log(`${scenario.id} / ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
          if (!shownOutput.has(name)) {
            shownOutput.add(name); // the server's own log usually says why; once per server is enough
            log(`${name} output (last lines):\n${outputs.get(name)?.output().slice(-1500) ?? ''}`);
          }
        }
      }
    }

    if (settings.throughput) {
      await sim.setLatency(0);
      for (const outcome of outcomes.filter((o) => o.scenario.throughput)) {
        for (const name of servers) {
          if (outcome.latency.get(name) instanceof Error) continue;
          const target = targets.get(name)!;
          const step = (name === 'mesh' ? outcome.scenario.mesh : outcome.scenario.facade)[0]!;
          try {
            const r = await measureThroughput(target, step, p, { connections: settings.connections, seconds: settings.seconds });
            outcome.throughput.set(name, r);
            log(
              `${outcome.scenario.id} / ${name}: ${r.rps.toFixed(0)} req/s, ${r.perCpuSecond.toFixed(0)} req per CPU-s ` +
                `(${r.cpuSeconds.toFixed(2)} CPU s), ${r.failures} failures`,
            );
            const session = outcome.throughput.get('ct-graphql');
            if (name === API_TOKEN_SERVER && session && !(session instanceof Error)) {
              const ratio = (r.perCpuSecond / session.perCpuSecond).toFixed(2);
              log(`${outcome.scenario.id}: API token / session, requests per CPU-second: ${ratio}`);
            }
          } catch (e) {
            outcome.throughput.set(name, e instanceof Error ? e : new Error(String(e)));
          }
          await sim.resetLog(); // the log of a load run is large and not needed
        }
      }
      await sim.setLatency(settings.latencyMs);
    }

    notes.push(`Whole run: ${((performance.now() - started) / 1000).toFixed(0)} s. Probe: ${shown}.`);
    const cpu = cpus();
    const report = renderReport(
      {
        date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
        cores: cpu.length,
        cpuModel: cpu[0]?.model.trim() ?? 'unknown',
        node: process.version,
        latencyMs: settings.latencyMs,
        runs: settings.runs,
        connections: settings.connections,
        seconds: settings.seconds,
        servers,
        notes,
      },
      outcomes,
    );
    process.stdout.write(`${report}\n`);
    // Only a full, unprofiled comparison replaces the committed RESULTS.md.
    const full =
      ['ct-graphql', 'naive', 'mesh', 'limit'].every((s) => servers.includes(s)) &&
      settings.throughput &&
      !settings.cpuProf &&
      !settings.scenarios;
    const file = full ? 'RESULTS.md' : 'RESULTS.partial.md';
    writeFileSync(join(REPO_DIR, 'bench', file), report);
    log(`wrote bench/${file}`);
  } finally {
    await Promise.all(running.map((r) => r.stop()));
    await sim.stop();
  }
}

/**
 * The live-data costs (CT calls per minute and memory per idle subscriber for 1, 10 and 100
 * subscribers) come from their own script, run after the query scenarios unless BENCH_LIVE=0.
 */
function runLiveBench(): void {
  if (process.env.BENCH_LIVE === '0') return;
  log('live data: npm run bench:live (BENCH_LIVE=0 skips it)');
  const live = spawnSync(process.execPath, ['--import', 'tsx', 'bench/live.ts'], { cwd: REPO_DIR, stdio: 'inherit' });
  if (live.status !== 0) process.exitCode = 1;
}

main()
  .then(() => {
    if (!process.exitCode) runLiveBench();
  })
  .catch((e: unknown) => {
    process.stderr.write(`[bench] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
