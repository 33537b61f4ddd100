/**
 * Where the `ct-graphql` command keeps its API tokens: one JSON file under XDG_CONFIG_HOME
 * (default ~/.config/ct-graphql/credentials.json), readable by its owner only, with one entry per
 * facade URL so a person can sign in to a test and a production facade side by side.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { CliError } from './errors.js';

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
  // The XDG spec: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : undefined;
  const base = xdg ?? join(env.HOME || homedir(), '.config');
  return join(base, 'ct-graphql', 'credentials.json');
}

async function readAll(path: string): Promise<CredentialsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { facades: {} };
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let parsed: Partial<CredentialsFile>;
  try {
    parsed = JSON.parse(text) as Partial<CredentialsFile>;
  } catch {
    throw new CliError(`${path} is not valid JSON: delete it and run \`ct-graphql login\` again.`);
  }
  const facades = typeof parsed?.facades === 'object' && parsed.facades !== null ? parsed.facades : {};
  return { facades };
}

export async function loadToken(facadeUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<StoredToken | null> {
  const entry = (await readAll(credentialsPath(env))).facades[facadeUrl];
  return entry && typeof entry.token === 'string' ? entry : null;
}

/**
 * Writes atomically (a new temp file, then rename) with mode 0600 from the moment the file exists,
 * so the token is never readable by others, even briefly, and a crash never leaves half a file.
 */
async function writeAll(path: string, all: CredentialsFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  // A leftover of a crashed run may have another mode; 'wx' below must create the file anew.
  await rm(temp, { force: true });
  await writeFile(temp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  // The umask can only take bits away from 0600; chmod states the mode outright all the same.
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
