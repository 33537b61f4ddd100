// Measurements: a GraphQL POST over real HTTP, sequential latency runs with the CT calls each run
// caused (from the simulator's request log), and autocannon throughput with the server's CPU time.
import autocannon from 'autocannon';
import { treeCpuSeconds } from './proc.js';
import { type Data, type Probe, queryOf, type Step } from './scenarios.js';
import type { SimulatorControl } from './sim.js';

export interface Target {
  name: string;
  /** GraphQL endpoint. */
  url: string;
  /** Server process whose tree's CPU time is measured. */
  pid: number;
  headers: Record<string, string>;
}

export interface GraphQLAnswer {
  status: number;
  data: Data | null;
  errors: unknown[] | null;
}

export async function postGraphQL(target: Target, query: string, variables?: Record<string, unknown>): Promise<GraphQLAnswer> {
  const res = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...target.headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: { data?: Data | null; errors?: unknown[] } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON: reported through status and missing data
  }
  return { status: res.status, data: body.data ?? null, errors: body.errors ?? null };
}

/** Runs the steps in order, feeding each step the previous step's data; throws on any problem. */
export async function runSteps(target: Target, steps: Step[], probe: Probe): Promise<void> {
  let previous: Data | null = null;
  for (const [i, step] of steps.entries()) {
    const answer = await postGraphQL(target, queryOf(step, probe), step.variables?.(probe, previous));
    if (answer.status !== 200 || answer.errors || !answer.data) {
      const first = (answer.errors?.[0] ?? {}) as { message?: string; path?: unknown[]; extensions?: { code?: string } };
      const detail = first.message
        ? `${first.extensions?.code ?? 'error'}: ${first.message}${first.path ? ` at ${first.path.join('.')}` : ''}`
        : 'no data';
      throw new Error(`step ${i + 1}: HTTP ${answer.status}, ${detail}`.slice(0, 300));
    }
    const problem = step.check?.(answer.data, probe);
    if (problem) throw new Error(`step ${i + 1}: ${problem}`);
    previous = answer.data;
  }
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface LatencyResult {
  runs: number;
  medianMs: number;
  p99Ms: number;
  /** CT calls per run: the smallest and largest seen (equal when the server is deterministic). */
  callsMin: number;
  callsMax: number;
}

export async function measureLatency(
  target: Target,
  steps: Step[],
  probe: Probe,
  sim: SimulatorControl,
  o: { runs: number; warmup: number },
): Promise<LatencyResult> {
  for (let i = 0; i < o.warmup; i++) await runSteps(target, steps, probe);
  const times: number[] = [];
  const calls: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    await sim.resetLog();
    const started = performance.now();
    await runSteps(target, steps, probe);
    times.push(performance.now() - started);
    calls.push(await sim.apiCallCount());
  }
  times.sort((a, b) => a - b);
  return {
    runs: o.runs,
    medianMs: percentile(times, 50),
    p99Ms: percentile(times, 99),
    callsMin: Math.min(...calls),
    callsMax: Math.max(...calls),
  };
}

export interface ThroughputResult {
  seconds: number;
  requests: number;
  rps: number;
  cpuSeconds: number;
  /** Completed requests per CPU-second of the server's process tree. */
  perCpuSecond: number;
  failures: number;
}

/** autocannon against one single-step query; the server's CPU time is read before and after. */
export async function measureThroughput(
  target: Target,
  step: Step,
  probe: Probe,
  o: { connections: number; seconds: number },
): Promise<ThroughputResult> {
  const body = JSON.stringify({ query: queryOf(step, probe), variables: step.variables?.(probe, null) });
  const options = {
    url: target.url,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...target.headers },
    body,
    connections: o.connections,
    duration: o.seconds,
  };
  // An untimed burst first, so JIT warm-up is not charged to the measured window (1 s was too
  // short: whichever of two targets on one process ran second measured up to 20 % faster).
  await autocannon({ ...options, duration: 3 });
  const cpuBefore = treeCpuSeconds(target.pid);
  const result = await autocannon(options);
  const cpuSeconds = treeCpuSeconds(target.pid) - cpuBefore;
  const ok = result['2xx'];
  return {
    seconds: result.duration,
    requests: ok,
    rps: ok / result.duration,
    cpuSeconds,
    perCpuSecond: cpuSeconds > 0 ? ok / cpuSeconds : Number.NaN,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}
