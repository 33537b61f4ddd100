// Child processes for the benchmark: spawning a server and waiting until an HTTP probe answers,
// stopping it, and reading the CPU time of its whole process tree from /proc. Free loopback ports
// come from test/net.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Spawned {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The last lines the process wrote, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env?: Record<string, string | undefined>;
  /** GET this URL until it answers 2xx. */
  readyUrl: string;
  readyTimeoutMs?: number;
}

export async function spawnServer(o: SpawnOptions): Promise<Spawned> {
  const child = spawn(o.command, o.args, {
    cwd: o.cwd,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  const spawned: Spawned = {
    name: o.name,
    pid: child.pid ?? -1,
    child,
    output: () => tail,
    stop: () => stopChild(child),
  };
  const deadline = Date.now() + (o.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) throw new Error(`${o.name} ${exited} before it was ready:\n${tail}`);
    try {
      const res = await fetch(o.readyUrl);
      await res.arrayBuffer();
      if (res.ok) return spawned;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await spawned.stop();
      throw new Error(`${o.name} did not answer ${o.readyUrl} in time:\n${tail}`);
    }
    await sleep(100);
  }
}

/** SIGTERM, then SIGKILL after 3 s; resolves when the child has exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// ------------------------------------------------------------------ CPU time from /proc

const CLOCK_TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); ppid is field 4, utime 14, stime 15.
    return { pid, ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return null; // gone, or not Linux
  }
}

/** User + system CPU seconds used so far by `pid` and every live descendant of it. */
export function treeCpuSeconds(pid: number): number {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) stats.push(stat);
  }
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) {
    const list = children.get(s.ppid) ?? [];
    list.push(s);
    children.set(s.ppid, list);
  }
  let ticks = 0;
  const root = stats.find((s) => s.pid === pid);
  const queue: ProcStat[] = root ? [root] : [];
  while (queue.length > 0) {
    const s = queue.pop()!;
    ticks += s.ticks;
    queue.push(...(children.get(s.pid) ?? []));
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}
