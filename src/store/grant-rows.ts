/** The ct_grants repository: insert, read, and the locked read-modify-write that serialises refreshes. */
import type { Selectable } from 'kysely';
import type { Engine } from './engine.js';
import type { CtGrantsTable } from './tables.js';
import type { GrantRepository, GrantRow } from './types.js';

export function toGrant(r: Selectable<CtGrantsTable>): GrantRow {
  return {
    id: r.id,
    ctUserId: r.ct_user_id,
    sealed: r.sealed,
    needsSignIn: Number(r.needs_sign_in) === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function createGrantRepository(engine: Engine): GrantRepository {
  const { db } = engine;
  return {
    async insert(g) {
      await db
        .insertInto('ct_grants')
        .values({
          id: g.id,
          ct_user_id: g.ctUserId,
          sealed: g.sealed,
          needs_sign_in: g.needsSignIn ? 1 : 0,
          created_at: g.createdAt,
          updated_at: g.updatedAt,
        })
        .execute();
    },

    async get(id) {
      const row = await db.selectFrom('ct_grants').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toGrant(row) : null;
    },

    withLock(id, fn) {
      return engine.transaction(async (trx) => {
        let read = trx.selectFrom('ct_grants').selectAll().where('id', '=', id);
        if (engine.rowLocks) read = read.forUpdate();
        const row = await read.executeTakeFirst();
        return fn(row ? toGrant(row) : null, {
          async update(sealed, at) {
            await trx.updateTable('ct_grants').set({ sealed, needs_sign_in: 0, updated_at: at }).where('id', '=', id).execute();
          },
          async markNeedsSignIn(at) {
            await trx.updateTable('ct_grants').set({ needs_sign_in: 1, updated_at: at }).where('id', '=', id).execute();
          },
          async delete() {
            await trx.deleteFrom('api_tokens').where('grant_id', '=', id).execute();
            await trx.deleteFrom('ct_grants').where('id', '=', id).execute();
          },
        });
      });
    },
  };
}
