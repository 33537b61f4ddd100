/**
 * The server engine: PostgreSQL through a `pg` Pool (DATABASE_URL), shared by every facade
 * instance. Loaded only by open.ts, and only when DATABASE_URL is set.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Engine } from './engine.js';
import type { Tables } from './tables.js';

const INT8_OID = 20;

export interface PostgresOptions {
  /** Connections per instance: a grant refresh holds one for a CT round trip. */
  maxConnections?: number;
  /** Told about idle-connection errors (the pool replaces the connection); never given the URL. */
  onError?: (error: Error) => void;
}

export function openPostgres(url: string, o: PostgresOptions = {}): Engine {
  const pool = new pg.Pool({
    connectionString: url,
    max: o.maxConnections ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Times are epoch ms in bigint columns: read them as numbers (exact up to 2^53, year 287396),
    // as SQLite does, instead of pg's default strings.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // Without a listener an idle client's error (a server restart) would crash the process.
  pool.on('error', (error) => o.onError?.(error));
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  return {
    name: 'postgres',
    db,
    rowLocks: true,
    transaction: (fn) => db.transaction().execute(fn),
    close: () => db.destroy(),
  };
}
