/**
 * What a `boxes reboot --location/--state` run chose, kept on this machine under its idempotency
 * key for as long as the facade keeps the key (24 hours). The facade replays a request only when it
 * is the same request; the boxes a filter finds change as the run acts (a rebooted box is no
 * longer offline), so a rerun with the key reads the boxes the first run chose from here instead
 * of listing again, and sends the very requests the first run sent. Without the file (another
 * machine, a day later) the rerun lists again, and the facade refuses the key if the boxes differ.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The facade's record lifetime: past it the key is new to the facade, and the saved choice is of no use. */
const KEEP_MS = 24 * 60 * 60 * 1000;

function runsDir(env: NodeJS.ProcessEnv): string {
  // XDG base directories: state that should survive a restart but is not worth a backup.
  const xdg = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : undefined;
  return join(xdg ?? join(env.HOME || homedir(), '.local', 'state'), 'ct-graphql', 'runs');
}

/** One file per facade and key; the name is a hash, since a key may hold any printable character. */
function runFile(baseUrl: string, key: string, env: NodeJS.ProcessEnv): string {
  return join(runsDir(env), `${createHash('sha256').update(`${baseUrl}\n${key}`).digest('hex')}.json`);
}

/** The targets a run with this key chose, or null when this machine has none (or they are older than the facade's record). */
export async function loadRun<T>(baseUrl: string, key: string, env: NodeJS.ProcessEnv = process.env): Promise<T[] | null> {
  try {
    const saved = JSON.parse(await readFile(runFile(baseUrl, key, env), 'utf8')) as { savedAt: number; targets: T[] };
    return Date.now() - saved.savedAt < KEEP_MS && Array.isArray(saved.targets) ? saved.targets : null;
  } catch {
    return null;
  }
}

/** Keeps the run's choice (best effort: a run is not stopped for want of a state folder), and forgets expired ones. */
export async function saveRun(baseUrl: string, key: string, targets: unknown[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const dir = runsDir(env);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(runFile(baseUrl, key, env), JSON.stringify({ savedAt: Date.now(), targets }), { mode: 0o600 });
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      if (Date.now() - (await stat(path)).mtimeMs > KEEP_MS) await rm(path, { force: true });
    }
  } catch {
    // Only a rerun with the key needs the file, and it falls back to listing again.
  }
}
