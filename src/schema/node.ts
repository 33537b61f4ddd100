// The Relay `Node` interface and the root `node(id)` / `nodes(ids)` fields. `node` is the relay
// plugin's, set in builder.ts (IDs of unknown types answer null). `nodes` is defined here because
// the plugin decodes every ID before the resolver runs, and one malformed ID then failed the whole
// non-null list (and `data` with it). Each type's loader comes from its own module (`builder.node`).
import { resolveNodes } from '@pothos/plugin-relay';
import type { GraphQLResolveInfo } from 'graphql';
import { builder, decodeGlobalId, isNodeType } from '../builder.js';
import type { GraphQLContext } from '../context.js';

const NodeRef = builder.nodeInterfaceRef();

/**
 * One item of `nodes`: the object, null, or the Error that nulls only this item. The Error is
 * resolved, never rejected: graphql-jit completes a rejected list item by pushing null onto the
 * list rather than writing its index, which shifts its siblings; both executors place a resolved
 * Error at its own index.
 */
async function nodeItem(raw: string, ctx: GraphQLContext, info: GraphQLResolveInfo): Promise<unknown> {
  try {
    const id = decodeGlobalId(raw);
    if (!isNodeType(info.schema, id.typename)) return null;
    // One lookup per ID: the loaders batch and dedupe them across the list.
    const [node] = await resolveNodes(builder as never, ctx, info, [id]);
    return node ?? null;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

builder.queryField('nodes', (t) =>
  t.field({
    type: [NodeRef],
    nullable: { list: false, items: true },
    description:
      'Several objects by global ID, in the order asked; null where one does not exist, and null with a BAD_USER_INPUT error where an ' +
      'ID is malformed. Repeated IDs cost nothing extra.',
    args: { ids: t.arg.idList({ required: true, description: 'Global IDs, as returned in `id` fields.' }) },
    resolve: (_root, { ids }, ctx, info) => ids.map((raw) => nodeItem(String(raw), ctx, info)),
  }),
);
