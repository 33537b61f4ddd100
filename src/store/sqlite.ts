/**
 * The embedded engine: SQLite through libsql's better-sqlite3-compatible Database, one file under
 * DATA_DIR, no server. Loaded only by open.ts, and only when DATABASE_URL is unset.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kysely, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import Database from 'libsql';
import { LRUCache } from 'lru-cache';
import type { Engine } from './engine.js';
import type { Tables } from './tables.js';

export const SQLITE_FILE = 'ct-graphql.db';

/** How long a statement waits for another process's write lock before failing (SQLITE_BUSY). */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * libsql's Database, but `prepare` hands out one statement per SQL text. Kysely prepares every
 * query anew, and a libsql statement's native memory is only freed when V8 collects its wrapper:
 * between two collections thousands could pile up (measured: +70 MiB RSS after 5000 look-ups,
 * against +12 MiB with statements reused). Our SQL texts are few (the parameters are bound, never
 * inlined), so a small cache holds them all. Safe because a statement runs synchronously to its
 * end on this one thread; Kysely's streaming (`iterate`) is not used by the store.
 */
function withStatementCache(database: Database.Database): SqliteDatabase {
  const statements = new LRUCache<string, Database.Statement>({ max: 200 });
  return {
    close: () => database.close(),
    prepare(text: string) {
      let statement = statements.get(text);
      if (!statement) {
        statement = database.prepare(text);
        statements.set(text, statement);
      }
      return statement as never;
    },
  };
}

export function openSqlite(dataDir: string): Engine {
  const dir = resolve(dataDir);
  // 0700: the file holds sealed CT grants; nobody else on the machine needs to read it.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const database = new Database(join(dir, SQLITE_FILE));
  // WAL: readers never wait for the writer; NORMAL is durable in WAL mode except for the last
  // transactions on a power cut, which for refreshed grants CT would answer with invalid_grant anyway.
  database.exec('PRAGMA journal_mode = WAL');
  database.exec('PRAGMA synchronous = NORMAL');
  database.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  database.exec('PRAGMA foreign_keys = ON');
  // libsql's Database and Statement have the better-sqlite3 methods Kysely calls (prepare, all, run, iterate, reader).
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });

  return {
    name: 'sqlite',
    db,
    rowLocks: false,
    // Kysely's SQLite driver has one connection behind a mutex: `connection()` holds it for the
    // whole callback, so nothing else in this process runs between BEGIN IMMEDIATE and COMMIT.
    transaction: (fn) =>
      db.connection().execute(async (conn) => {
        await sql`BEGIN IMMEDIATE`.execute(conn);
        try {
          const result = await fn(conn);
          await sql`COMMIT`.execute(conn);
          return result;
        } catch (error) {
          await sql`ROLLBACK`.execute(conn).catch(() => undefined);
          throw error;
        }
      }),
    close: () => db.destroy(),
  };
}
