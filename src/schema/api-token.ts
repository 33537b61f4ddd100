// API tokens in the schema: `Viewer.apiTokens` (the CT account's tokens, never their secrets),
// the `ApiToken` node, and `revokeApiToken`, which deletes a token and revokes its CT grant at CT.
// Tokens belong to a CT account (the id in /me.json), so any sign-in of that account sees them.
// The data comes from the store through ctx.apiTokens; this module only shapes it.
import type { ApiTokenInfo } from '../auth/api-tokens.js';
import { builder, encodeGlobalId } from '../builder.js';
import { requireUser, type GraphQLContext } from '../context.js';
import { deleteMutation, idInputType } from './mutation-fields.js';
import { ViewerRef } from './refs.js';
import { decodeIdInput } from './ids.js';
import { ID_PATH } from './input-checks.js';
import { failed, type Payload, succeeded, userError } from './payload.js';

const ApiTokenRef = builder.objectRef<ApiTokenInfo>('ApiToken');

const ApiTokenScopeEnum = builder.enumType('ApiTokenScope', {
  description: 'What an API token may do.',
  values: {
    READ: { value: 'read', description: 'Queries only: a mutation is refused with FORBIDDEN before CT is called.' },
    WRITE: { value: 'write', description: 'Queries and mutations.' },
  } as const,
});

/**
 * The CT account the caller acts as. An API token carries it; a session asks CT (/me.json, one
 * call, shared with `viewer` in the same request).
 */
async function callerCtUserId(ctx: GraphQLContext): Promise<string | null> {
  if (ctx.credential?.kind === 'apiToken') return ctx.credential.ctUserId;
  return (await requireUser(ctx).loaders.viewer()).accountId;
}

builder.node(ApiTokenRef, {
  description:
    'A personal API token (`ctg_…`) for automation: a credential with its own CT sign-in, kept by the facade and refreshed across CT ' +
    'rotations. Its secret is shown once, when it is created, and is never readable here.',
  id: { resolve: (token) => token.id },
  loadWithoutCache: async (id, ctx) => {
    const ctUserId = await callerCtUserId(ctx);
    return ctUserId === null ? null : ctx.apiTokens.get(String(id), ctUserId);
  },
  fields: (t) => ({
    name: t.exposeString('name', {
      nullable: false,
      description: 'Name given when the token was created, to tell tokens apart (e.g. "nightly voucher job").',
    }),
    scope: t.field({ type: ApiTokenScopeEnum, nullable: false, description: 'What the token may do.', resolve: (token) => token.scope }),
    createdAt: t.field({
      type: 'DateTime',
      nullable: false,
      description: 'When the token was created.',
      resolve: (token) => token.createdAt,
    }),
    lastUsedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the token was last used, to about a minute; null when it never was.',
      resolve: (token) => token.lastUsedAt,
    }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the token stops working; null when it does not expire.',
      resolve: (token) => token.expiresAt,
    }),
    needsSignIn: t.boolean({
      nullable: false,
      description:
        "True when CT refused to refresh the token's grant (e.g. the CT password changed or access was withdrawn): the token fails " +
        'with UNAUTHENTICATED until it is replaced by a new sign-in.',
      resolve: (token) => token.needsSignIn,
    }),
  }),
});

builder.objectField(ViewerRef, 'apiTokens', (t) =>
  t.field({
    type: [ApiTokenRef],
    nullable: false,
    description: 'The API tokens of this CT account, newest first. Costs no CT call.',
    resolve: async (me, _args, ctx) => {
      const ctUserId = me.accountId;
      return ctUserId === null ? [] : ctx.apiTokens.list(ctUserId);
    },
  }),
);

const ApiTokenIdInput = idInputType('ApiTokenIdInput', 'API token');

async function revokeApiToken(ctx: GraphQLContext, id: string): Promise<Payload<string>> {
  requireUser(ctx);
  const decoded = decodeIdInput(id, 'ApiToken', ID_PATH);
  if ('error' in decoded) return failed([decoded.error]);
  const ctUserId = await callerCtUserId(ctx);
  const revoked = ctUserId !== null && (await ctx.apiTokens.revoke(decoded.key, ctUserId));
  if (!revoked) return failed([userError('NOT_FOUND', ID_PATH, 'No API token of yours has this ID (it may be revoked already)')]);
  return succeeded(encodeGlobalId('ApiToken', decoded.key));
}

deleteMutation('revokeApiToken', 'API token', {
  description:
    'Revoke an API token: it stops working at once on this instance and within seconds on every other, and its CT grant is revoked at ' +
    'CT. A token may revoke itself. Needs a session or a write token.',
  input: ApiTokenIdInput,
  inputDescription: 'The API token to revoke.',
  resolve: (ctx, input) => revokeApiToken(ctx, input.id),
});
