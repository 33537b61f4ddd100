/**
 * Where the `ct-graphql` command keeps its API tokens: one JSON file under XDG_CONFIG_HOME
 * (default ~/.config/ct-graphql/credentials.json), readable by its owner only, with one entry per
 * facade URL so a person can sign in to a test and a production facade side by side.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface StoredToken {
  token: string;
  name?: string;
  scope?: string;
  savedAt: string;
}

interface CredentialsFile {
  facades: Record<string, StoredToken>;
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'ct-graphql', 'credentials.json');
}

async function readAll(path: string): Promise<CredentialsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { facades: {} };
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<CredentialsFile>;
  return { facades: typeof parsed.facades === 'object' && parsed.facades !== null ? parsed.facades : {} };
}

export async function loadToken(facadeUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<StoredToken | null> {
  return (await readAll(credentialsPath(env))).facades[facadeUrl] ?? null;
}

/** Writes atomically (temp file, then rename) and with mode 0600, so the token is never world-readable, even briefly. */
async function writeAll(path: string, all: CredentialsFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
}

export async function saveToken(facadeUrl: string, entry: StoredToken, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = credentialsPath(env);
  const all = await readAll(path);
  all.facades[facadeUrl] = entry;
  await writeAll(path, all);
  return path;
}

export async function removeToken(facadeUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const path = credentialsPath(env);
  const all = await readAll(path);
  if (!(facadeUrl in all.facades)) return false;
  delete all.facades[facadeUrl];
  await writeAll(path, all);
  return true;
}
