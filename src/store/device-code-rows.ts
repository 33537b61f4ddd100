/** The device_codes repository: RFC 8628 device authorisations, their state changes and the one-time claim. */
import type { Selectable } from 'kysely';
import { apiTokenValues } from './api-token-rows.js';
import type { Engine } from './engine.js';
import type { DeviceCodesTable } from './tables.js';
import type { DeviceCodeRepository, DeviceCodeRow, DeviceCodeStatus } from './types.js';

const STATUSES: readonly DeviceCodeStatus[] = ['pending', 'confirmed', 'approved', 'denied', 'claimed'];

function toDeviceCode(r: Selectable<DeviceCodesTable>): DeviceCodeRow {
  return {
    deviceCodeHash: r.device_code_hash,
    userCodeHash: r.user_code_hash,
    name: r.name,
    scope: r.scope === 'read' ? 'read' : 'write',
    tokenLifetimeMs: r.token_lifetime_ms,
    // An unknown status (written by a newer version) reads as used up, never as usable.
    status: (STATUSES as readonly string[]).includes(r.status) ? (r.status as DeviceCodeStatus) : 'claimed',
    intervalSeconds: r.interval_seconds,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastPolledAt: r.last_polled_at,
    grantId: r.grant_id,
    ctUserId: r.ct_user_id,
  };
}

export function createDeviceCodeRepository(engine: Engine): DeviceCodeRepository {
  const { db } = engine;
  return {
    async insert(d) {
      await db
        .insertInto('device_codes')
        .values({
          device_code_hash: d.deviceCodeHash,
          user_code_hash: d.userCodeHash,
          name: d.name,
          scope: d.scope,
          token_lifetime_ms: d.tokenLifetimeMs,
          status: d.status,
          interval_seconds: d.intervalSeconds,
          created_at: d.createdAt,
          expires_at: d.expiresAt,
          last_polled_at: d.lastPolledAt,
          grant_id: d.grantId,
          ct_user_id: d.ctUserId,
        })
        .execute();
    },

    async byDeviceCode(hash) {
      const row = await db.selectFrom('device_codes').selectAll().where('device_code_hash', '=', hash).executeTakeFirst();
      return row ? toDeviceCode(row) : null;
    },

    async byUserCode(hash) {
      const row = await db.selectFrom('device_codes').selectAll().where('user_code_hash', '=', hash).executeTakeFirst();
      return row ? toDeviceCode(row) : null;
    },

    async transition(hash, from, to, grant) {
      const result = await db
        .updateTable('device_codes')
        .set({ status: to, ...(grant ? { grant_id: grant.grantId, ct_user_id: grant.ctUserId } : {}) })
        .where('device_code_hash', '=', hash)
        .where('status', '=', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async recordPoll(hash, at, intervalSeconds) {
      await db
        .updateTable('device_codes')
        .set({ last_polled_at: at, interval_seconds: intervalSeconds })
        .where('device_code_hash', '=', hash)
        .execute();
    },

    claim(hash, token) {
      return engine.transaction(async (trx) => {
        const claimed = await trx
          .updateTable('device_codes')
          .set({ status: 'claimed' })
          .where('device_code_hash', '=', hash)
          .where('status', '=', 'approved')
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) return false;
        await trx.insertInto('api_tokens').values(apiTokenValues(token)).execute();
        return true;
      });
    },

    deleteExpired(before) {
      return engine.transaction(async (trx) => {
        const orphans = await trx
          .selectFrom('device_codes')
          .select('grant_id')
          .where('expires_at', '<', before)
          .where('status', '=', 'approved')
          .where('grant_id', 'is not', null)
          .execute();
        await trx.deleteFrom('device_codes').where('expires_at', '<', before).execute();
        return orphans.map((o) => o.grant_id).filter((id): id is string => id !== null);
      });
    },
  };
}
