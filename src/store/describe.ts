/**
 * Where the store lives, worded for a log line or an error: the engine and its place, never the
 * password (nor the user name) that DATABASE_URL may carry.
 */
import { join, resolve } from 'node:path';

export function describeStore(settings: { databaseUrl: string | undefined; dataDir: string }): string {
  if (!settings.databaseUrl) return `SQLite at ${join(resolve(settings.dataDir), 'ct-graphql.db')}`;
  try {
    const url = new URL(settings.databaseUrl);
    return `PostgreSQL at ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}
