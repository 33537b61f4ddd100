/** The idempotency_records repository: one record per CT user and Idempotency-Key, taken and finished by compare-and-set. */
import type { Selectable } from 'kysely';
import type { Engine } from './engine.js';
import type { IdempotencyRecordsTable } from './tables.js';
import type { IdempotencyRecordRow, IdempotencyRepository, IdempotencyStatus } from './types.js';

const STATUSES: readonly IdempotencyStatus[] = ['running', 'done', 'incomplete'];

function toRecord(r: Selectable<IdempotencyRecordsTable>): IdempotencyRecordRow {
  return {
    ctUserId: r.ct_user_id,
    key: r.idem_key,
    fingerprint: r.fingerprint,
    // An unknown status (written by a newer version) reads as incomplete: run again, looking first.
    status: (STATUSES as readonly string[]).includes(r.status) ? (r.status as IdempotencyStatus) : 'incomplete',
    response: r.response,
    attempts: r.attempts,
    firstStartedAt: r.first_started_at,
    leaseUntil: r.lease_until,
    expiresAt: r.expires_at,
  };
}

export function createIdempotencyRepository({ db }: Engine): IdempotencyRepository {
  return {
    async insert(row) {
      const result = await db
        .insertInto('idempotency_records')
        .values({
          ct_user_id: row.ctUserId,
          idem_key: row.key,
          fingerprint: row.fingerprint,
          status: row.status,
          response: row.response,
          attempts: row.attempts,
          first_started_at: row.firstStartedAt,
          lease_until: row.leaseUntil,
          expires_at: row.expiresAt,
        })
        .onConflict((oc) => oc.columns(['ct_user_id', 'idem_key']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },

    async get(ctUserId, key) {
      const row = await db
        .selectFrom('idempotency_records')
        .selectAll()
        .where('ct_user_id', '=', ctUserId)
        .where('idem_key', '=', key)
        .executeTakeFirst();
      return row ? toRecord(row) : null;
    },

    async takeOver(ctUserId, key, attempts, now, leaseUntil, evenDone = false) {
      const result = await db
        .updateTable('idempotency_records')
        .set({ status: 'running', attempts: attempts + 1, lease_until: leaseUntil, response: null })
        .where('ct_user_id', '=', ctUserId)
        .where('idem_key', '=', key)
        .where('attempts', '=', attempts)
        .where((eb) =>
          eb.or([
            eb('status', '=', evenDone ? 'done' : 'incomplete'),
            eb('status', '=', 'incomplete'),
            eb.and([eb('status', '=', 'running'), eb('lease_until', '<=', now)]),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async finish(ctUserId, key, attempts, status, response) {
      await db
        .updateTable('idempotency_records')
        .set({ status, response: status === 'done' ? response : null })
        .where('ct_user_id', '=', ctUserId)
        .where('idem_key', '=', key)
        .where('attempts', '=', attempts)
        .where('status', '=', 'running')
        .execute();
    },

    async remove(ctUserId, key, attempts) {
      await db
        .deleteFrom('idempotency_records')
        .where('ct_user_id', '=', ctUserId)
        .where('idem_key', '=', key)
        .where('attempts', '=', attempts)
        .execute();
    },

    async deleteExpired(before) {
      const result = await db.deleteFrom('idempotency_records').where('expires_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
