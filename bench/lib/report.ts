// Turns the measurements into the markdown tables that `npm run bench` prints and writes to
// bench/RESULTS.md: CT calls against the minimum, latency against the critical path, throughput
// per second and per CPU-second, and the ct-graphql / Mesh ratios.
import type { LatencyResult, ThroughputResult } from './measure.js';
import type { Scenario } from './scenarios.js';

export interface ScenarioOutcome {
  scenario: Scenario;
  minCalls: number;
  minWhy: string;
  /** Per server name: the latency result, or the reason it could not be measured. */
  latency: Map<string, LatencyResult | Error>;
  throughput: Map<string, ThroughputResult | Error>;
}

export interface ReportMeta {
  date: string;
  cores: number;
  cpuModel: string;
  node: string;
  latencyMs: number;
  runs: number;
  connections: number;
  seconds: number;
  servers: string[];
  notes: string[];
}

const MESH = 'mesh';
const OURS = 'ct-graphql';
/** ct-graphql's own process called with an API token (device sign-in) instead of a session token. */
export const API_TOKEN_SERVER = 'ct-graphql-token';
/** bench/lib/limit-server.mjs: bare node:http, one CT call, JSON.parse, the same JSON written (the floor). */
export const LIMIT_SERVER = 'limit';

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const ratio = (a: number | undefined, b: number | undefined): string =>
  a !== undefined && b !== undefined && b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}x` : 'n/a';

function cell<T>(value: T | Error | undefined, show: (v: T) => string): string {
  if (value === undefined) return '-';
  if (value instanceof Error) return 'failed (see notes)';
  return show(value);
}

const ok = (r: ThroughputResult | Error | undefined): ThroughputResult | undefined => (r instanceof Error ? undefined : r);

const calls = (r: LatencyResult): string => (r.callsMin === r.callsMax ? String(r.callsMin) : `${r.callsMin}-${r.callsMax}`);

export function renderReport(meta: ReportMeta, outcomes: ScenarioOutcome[]): string {
  const label = (s: string): string =>
    s === MESH ? 'Mesh' : s === API_TOKEN_SERVER ? 'ct-graphql (API token)' : s === LIMIT_SERVER ? 'limit (bare node:http)' : s;
  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  lines.push(
    `${meta.date}: ${meta.cores} cores (${meta.cpuModel}), Node ${meta.node}. ` +
      `Simulator, servers and load generator share the machine, each server in its own process over HTTP on loopback.`,
    '',
  );
  lines.push(
    `Servers: ${meta.servers.map(label).join(', ')}. ` +
      'ct-graphql as shipped, called with a session token; ct-graphql (API token) = the same process called with a `ctg_` API token ' +
      'from device sign-in (its CT grant kept in the embedded SQLite store); ' +
      'naive = the same code with `CT_LOADERS=off` (one CT call per resolver call); ' +
      'Mesh = GraphQL Mesh (compose-cli + @omnigraph/openapi, Hive gateway runtime) over bench/mesh/openapi.json; ' +
      'limit = bench/lib/limit-server.mjs, a bare node:http server that makes the same CT call, parses it and writes the same JSON ' +
      '(no GraphQL, no session, no checks: the floor for the throughput scenarios).',
    '',
  );

  lines.push(`## CT calls per query`, '');
  lines.push(`| scenario | minimum | ${meta.servers.map(label).join(' | ')} |`);
  lines.push(`| --- | --- | ${meta.servers.map(() => '---').join(' | ')} |`);
  for (const o of outcomes) {
    lines.push(
      `| ${o.scenario.title} | ${o.minCalls} (${o.minWhy}) | ` + `${meta.servers.map((s) => cell(o.latency.get(s), calls)).join(' | ')} |`,
    );
  }
  lines.push('');

  lines.push(`## Latency, ms (median / p99 of ${meta.runs} sequential runs, CT latency ${meta.latencyMs} ms per call)`, '');
  lines.push(`| scenario | critical path | ${meta.servers.map(label).join(' | ')} | ct-graphql / Mesh (median, lower is better) |`);
  lines.push(`| --- | --- | ${meta.servers.map(() => '---').join(' | ')} | --- |`);
  for (const o of outcomes) {
    const ours = o.latency.get(OURS);
    const mesh = o.latency.get(MESH);
    lines.push(
      `| ${o.scenario.title} | ${o.scenario.depth} x ${meta.latencyMs} = ${o.scenario.depth * meta.latencyMs} | ` +
        `${meta.servers.map((s) => cell(o.latency.get(s), (r) => `${fmt(r.medianMs)} / ${fmt(r.p99Ms)}`)).join(' | ')} | ` +
        `${ratio(ours instanceof Error ? undefined : ours?.medianMs, mesh instanceof Error ? undefined : mesh?.medianMs)} |`,
    );
  }
  lines.push('');

  const heavy = outcomes.filter((o) => o.throughput.size > 0);
  if (heavy.length > 0) {
    lines.push(`## Throughput (CT latency 0, ${meta.connections} connections, ${meta.seconds} s, autocannon)`, '');
    lines.push('Requests per CPU-second = completed requests / (user + system CPU seconds of the server process tree, from /proc).', '');
    lines.push('| scenario | server | requests/s | server CPU s | requests per CPU-second | failures |');
    lines.push('| --- | --- | --- | --- | --- | --- |');
    for (const o of heavy) {
      for (const s of meta.servers) {
        const r = o.throughput.get(s);
        if (r === undefined) continue;
        if (r instanceof Error) {
          lines.push(`| ${o.scenario.title} | ${label(s)} | ${cell(r, () => '')} | | | |`);
          continue;
        }
        lines.push(
          `| ${o.scenario.title} | ${label(s)} | ${fmt(r.rps, 0)} | ${fmt(r.cpuSeconds, 2)} | ${fmt(r.perCpuSecond, 0)} | ${r.failures} |`,
        );
      }
    }
    lines.push('');
    lines.push(
      '| scenario | ct-graphql / Mesh, requests/s (higher is better) | ct-graphql / Mesh, requests per CPU-second (higher is better) | ' +
        'ct-graphql / limit, requests per CPU-second (1.00x is the floor) |',
    );
    lines.push('| --- | --- | --- | --- |');
    for (const o of heavy) {
      const ours = ok(o.throughput.get(OURS));
      const mesh = ok(o.throughput.get(MESH));
      const limit = ok(o.throughput.get(LIMIT_SERVER));
      lines.push(
        `| ${o.scenario.title} | ${ratio(ours?.rps, mesh?.rps)} | ${ratio(ours?.perCpuSecond, mesh?.perCpuSecond)} | ` +
          `${ratio(ours?.perCpuSecond, limit?.perCpuSecond)} |`,
      );
    }
    lines.push('');

    if (meta.servers.includes(API_TOKEN_SERVER)) {
      lines.push('### API token against session (the same ct-graphql process, measured one after the other)', '');
      lines.push('| scenario | session, requests per CPU-second | API token, requests per CPU-second | API token / session |');
      lines.push('| --- | --- | --- | --- |');
      for (const o of heavy) {
        const session = o.throughput.get(OURS);
        const token = o.throughput.get(API_TOKEN_SERVER);
        lines.push(
          `| ${o.scenario.title} | ${cell(session, (r) => fmt(r.perCpuSecond, 0))} | ${cell(token, (r) => fmt(r.perCpuSecond, 0))} | ` +
            `${ratio(ok(token)?.perCpuSecond, ok(session)?.perCpuSecond)} |`,
        );
      }
      lines.push('');
    }
  }

  const failures: string[] = [];
  for (const o of outcomes) {
    for (const [kind, results] of [
      ['latency', o.latency],
      ['throughput', o.throughput],
    ] as const) {
      for (const [server, r] of results as Map<string, unknown>) {
        if (r instanceof Error)
          failures.push(`${o.scenario.id} / ${label(server)} (${kind}): ${r.message.replace(/\s+/g, ' ').replace(/\|/g, '/')}`);
      }
    }
  }
  if (failures.length > 0) {
    lines.push('## Failures', '');
    for (const f of failures) lines.push(`- ${f}`);
    lines.push('');
  }

  if (meta.notes.length > 0) {
    lines.push('## Notes', '');
    for (const n of meta.notes) lines.push(`- ${n}`);
    lines.push('');
  }
  return lines.join('\n');
}
