/**
 * What differs between the two engines, behind one small interface: the Kysely instance, how a
 * write transaction takes its locks, and how the connection is closed. sqlite.ts and postgres.ts
 * implement it; the repositories are written once against it.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Tables } from './tables.js';

export interface Engine {
  readonly name: 'sqlite' | 'postgres';
  readonly db: Kysely<Tables>;
  /**
   * A transaction that may write. SQLite: BEGIN IMMEDIATE, which takes the file's write lock at
   * once (a deferred BEGIN would take it at the first write and could fail with SQLITE_BUSY
   * halfway). PostgreSQL: a plain transaction; rows are locked with SELECT ... FOR UPDATE.
   */
  transaction<T>(fn: (trx: Kysely<Tables> | Transaction<Tables>) => Promise<T>): Promise<T>;
  /** True when a row must be locked explicitly inside `transaction` (PostgreSQL). */
  readonly rowLocks: boolean;
  close(): Promise<void>;
}
