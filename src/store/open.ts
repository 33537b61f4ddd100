/**
 * Opens the durable store: PostgreSQL when DATABASE_URL is set, else SQLite under DATA_DIR; applies
 * the migrations; returns the repositories. Reached only through lazy.ts's dynamic import, so the
 * engines' packages load the first time something needs the store, never in a browser-only facade.
 */
import { createApiTokenRepository } from './api-token-rows.js';
import { createDeviceCodeRepository } from './device-code-rows.js';
import type { Engine } from './engine.js';
import { createGrantRepository } from './grant-rows.js';
import { createIdempotencyRepository } from './idempotency-rows.js';
import { migrate } from './migrations.js';
import type { Store } from './types.js';

export interface StoreSettings {
  /** postgres://… (never logged: it holds a password); undefined: SQLite under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Told about connection errors the pool recovers from by itself. */
  onError?: (error: Error) => void;
}

export async function openStore(settings: StoreSettings): Promise<Store> {
  // Each engine's module (and its driver package) loads only when that engine is chosen.
  const engine: Engine = settings.databaseUrl
    ? (await import('./postgres.js')).openPostgres(settings.databaseUrl, settings.onError ? { onError: settings.onError } : {})
    : (await import('./sqlite.js')).openSqlite(settings.dataDir);
  try {
    await migrate(engine.db as never);
  } catch (error) {
    await engine.close().catch(() => undefined);
    throw error;
  }
  return {
    engine: engine.name,
    apiTokens: createApiTokenRepository(engine),
    grants: createGrantRepository(engine),
    deviceCodes: createDeviceCodeRepository(engine),
    idempotency: createIdempotencyRepository(engine),
    close: () => engine.close(),
  };
}
