/** The api_tokens repository: insert, look up by secret hash (joined with the grant), list per CT user, touch. */
import type { Selectable } from 'kysely';
import type { Engine } from './engine.js';
import { toGrant } from './grant-rows.js';
import type { ApiTokensTable } from './tables.js';
import type { ApiTokenRepository, ApiTokenRow } from './types.js';

export function toApiToken(r: Selectable<ApiTokensTable>): ApiTokenRow {
  return {
    id: r.id,
    tokenHash: r.token_hash,
    grantId: r.grant_id,
    ctUserId: r.ct_user_id,
    name: r.name,
    scope: r.scope === 'read' ? 'read' : 'write',
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
  };
}

export function apiTokenValues(t: ApiTokenRow): ApiTokensTable {
  return {
    id: t.id,
    token_hash: t.tokenHash,
    grant_id: t.grantId,
    ct_user_id: t.ctUserId,
    name: t.name,
    scope: t.scope,
    created_at: t.createdAt,
    last_used_at: t.lastUsedAt,
    expires_at: t.expiresAt,
  };
}

export function createApiTokenRepository({ db }: Engine): ApiTokenRepository {
  return {
    async insert(token) {
      await db.insertInto('api_tokens').values(apiTokenValues(token)).execute();
    },

    async get(id) {
      const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toApiToken(row) : null;
    },

    async findByHash(tokenHash) {
      const row = await db
        .selectFrom('api_tokens as t')
        .innerJoin('ct_grants as g', 'g.id', 't.grant_id')
        .selectAll('t')
        .select([
          'g.sealed as g_sealed',
          'g.needs_sign_in as g_needs_sign_in',
          'g.ct_user_id as g_ct_user_id',
          'g.created_at as g_created_at',
          'g.updated_at as g_updated_at',
        ])
        .where('t.token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (!row) return null;
      const grant = toGrant({
        id: row.grant_id,
        ct_user_id: row.g_ct_user_id,
        sealed: row.g_sealed,
        needs_sign_in: row.g_needs_sign_in,
        created_at: row.g_created_at,
        updated_at: row.g_updated_at,
      });
      return { token: toApiToken(row), grant };
    },

    async listByCtUser(ctUserId) {
      const rows = await db
        .selectFrom('api_tokens as t')
        .innerJoin('ct_grants as g', 'g.id', 't.grant_id')
        .selectAll('t')
        .select('g.needs_sign_in as g_needs_sign_in')
        .where('t.ct_user_id', '=', ctUserId)
        .orderBy('t.created_at', 'desc')
        .orderBy('t.id')
        .execute();
      return rows.map((row) => ({ token: toApiToken(row), needsSignIn: Number(row.g_needs_sign_in) === 1 }));
    },

    async touch(id, at) {
      // Never backwards: two instances may report uses out of order.
      await db
        .updateTable('api_tokens')
        .set({ last_used_at: at })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
        .execute();
    },
  };
}
