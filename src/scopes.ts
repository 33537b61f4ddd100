/**
 * What a credential may do, decided once the operation's type is known and before anything runs:
 * a `read` API token may query but not mutate. Both GraphQL paths (pipeline.ts: the fast path's
 * prepare and yoga's onExecute) ask this one function, so the rule cannot differ between them,
 * and a refused mutation makes no CT call at all.
 */
import type { GraphQLError } from 'graphql';
import type { Credential } from './context.js';
import { codedError } from './errors.js';

export type OperationType = 'query' | 'mutation' | 'subscription';

export function scopeRefusal(operation: OperationType, credential: Credential | null): GraphQLError | null {
  if (operation === 'mutation' && credential?.kind === 'apiToken' && credential.scope === 'read') {
    return codedError('This API token may only read: mutations need a token with the write scope.', 'FORBIDDEN', {
      requiredScope: 'write',
    });
  }
  return null;
}
