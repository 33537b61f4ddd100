/**
 * The store's schema as an ordered list of migrations, applied at start-up by Kysely's Migrator
 * (which takes a lock of its own, so instances starting together apply each one once). Only
 * portable column types (text, integer, bigint): the same migration runs on SQLite and PostgreSQL.
 * Append, never edit: a migration that ran somewhere is history.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const MIGRATIONS: Record<string, Migration> = {
  '0001_api_tokens': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('ct_grants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('ct_user_id', 'text', (c) => c.notNull())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('needs_sign_in', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('grant_id', 'text', (c) => c.notNull().references('ct_grants.id'))
        .addColumn('ct_user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('api_tokens_ct_user_id').on('api_tokens').column('ct_user_id').execute();
      await db.schema.createIndex('api_tokens_grant_id').on('api_tokens').column('grant_id').execute();
      await db.schema
        .createTable('device_codes')
        .addColumn('device_code_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_code_hash', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('token_lifetime_ms', 'bigint')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('interval_seconds', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('last_polled_at', 'bigint')
        .addColumn('grant_id', 'text')
        .addColumn('ct_user_id', 'text')
        .execute();
      await db.schema.createIndex('device_codes_expires_at').on('device_codes').column('expires_at').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('device_codes').execute();
      await db.schema.dropTable('api_tokens').execute();
      await db.schema.dropTable('ct_grants').execute();
    },
  },
  '0002_idempotency_records': {
    async up(db: Kysely<unknown>) {
      // One row per CT user and Idempotency-Key, for 24 hours: the request's fingerprint, its state
      // and, once done, the response that is replayed.
      await db.schema
        .createTable('idempotency_records')
        .addColumn('ct_user_id', 'text', (c) => c.notNull())
        .addColumn('idem_key', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('response', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('first_started_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_records_pk', ['ct_user_id', 'idem_key'])
        .execute();
      await db.schema.createIndex('idempotency_records_expires_at').on('idempotency_records').column('expires_at').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('idempotency_records').execute();
    },
  },
};

/** In code, not files on disk: the compiled facade needs no migrations folder next to it. */
const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Applies every migration not applied yet; throws with the failing migration's name. */
export async function migrate(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'store_migrations', migrationLockTableName: 'store_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`store migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
