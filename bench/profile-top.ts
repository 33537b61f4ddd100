// `npm run bench:profile-top -- FILE.cpuprofile [N]`: the top of a V8 CPU profile (from
// BENCH_CPU_PROF=1) as two markdown tables: self time by area (a package, one of our modules,
// node's internals, GC) and by function. Idle time is left out, so the shares are of the time the
// process was busy. This is how the tops in bench/README.md were made.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: npm run bench:profile-top -- FILE.cpuprofile [N]');
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));

/** Where a frame's code lives: a package, one of our compiled modules, node itself, or a V8 pseudo-frame. */
function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/dist\/((?:src|simulator)\/.+)$/.exec(url) ?? /\/((?:src|simulator)\/.+)$/.exec(url);
  return ours ? ours[1]! : url;
}

const selfByArea = new Map<string, number>();
const selfByFunction = new Map<string, number>();
let busy = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]!);
  const dt = profile.timeDeltas[i] ?? 0;
  if (!node || node.callFrame.functionName === '(idle)') continue;
  busy += dt;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = area(url, functionName);
  selfByArea.set(where, (selfByArea.get(where) ?? 0) + dt);
  const key = `${functionName || '(anonymous)'} | ${where}${url ? `:${lineNumber + 1}` : ''}`;
  selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + dt);
}

const pct = (n: number): string => `${((100 * n) / busy).toFixed(1)} %`;
const rows = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
console.log(`busy: ${(busy / 1e6).toFixed(2)} s of samples\n`);
console.log('| area | self time |\n| --- | --- |');
for (const [name, t] of rows(selfByArea)) console.log(`| ${name} | ${pct(t)} |`);
console.log('\n| function | where | self time |\n| --- | --- | --- |');
for (const [key, t] of rows(selfByFunction)) {
  const [name, where] = key.split(' | ');
  console.log(`| ${name} | ${where} | ${pct(t)} |`);
}
