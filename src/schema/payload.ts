// What every mutation resolves to: a Payload holding the object written (or a deleted object's ID)
// or the userErrors saying why not, and the GraphQL types of those errors, UserError and
// UserErrorCode (DESIGN.md: expected failures are typed data, never thrown).
import { builder } from '../builder.js';

export type UserErrorCode = 'INVALID' | 'NOT_FOUND' | 'FORBIDDEN' | 'CONFLICT';

/** One expected failure of a mutation; `field` is the path in the mutation's arguments (`["input", "name"]`). */
export interface UserError {
  message: string;
  field: string[] | null;
  code: UserErrorCode;
}

export const UserErrorCodeEnum = builder.enumType('UserErrorCode', {
  description: 'Why a mutation refused its input; stable, for automation to branch on.',
  values: {
    INVALID: { value: 'INVALID', description: 'The input breaks a rule (checked by this API or by CT); `field` says which input.' },
    NOT_FOUND: { value: 'NOT_FOUND', description: 'An object named by an ID in the input does not exist or is not visible to you.' },
    FORBIDDEN: {
      value: 'FORBIDDEN',
      description: 'CT refused the action for this object or account (e.g. a box that cannot take jobs now).',
    },
    CONFLICT: { value: 'CONFLICT', description: 'The change clashes with existing data (e.g. a MAC address already registered).' },
  } as const,
});

export const UserErrorRef = builder.objectRef<UserError>('UserError').implement({
  description: 'An expected failure of a mutation, returned as data beside its (then null) result.',
  fields: (t) => ({
    message: t.exposeString('message', { nullable: false, description: 'What went wrong, for people.' }),
    field: t.exposeStringList('field', {
      nullable: true,
      description: 'Path of the offending input in the mutation arguments, e.g. ["input", "name"]; null when no single input is at fault.',
    }),
    code: t.field({ type: UserErrorCodeEnum, nullable: false, description: 'Machine-readable kind of failure.', resolve: (e) => e.code }),
  }),
});

/** `field`: the path in the mutation's arguments (an InputPath), or null when no single input is at fault. */
export function userError(code: UserErrorCode, field: readonly string[] | null, message: string): UserError {
  return { code, field: field ? [...field] : null, message };
}

/** What every payload resolves from: the object written (or a deleted object's ID), or the userErrors. */
export interface Payload<T> {
  result: T | null;
  userErrors: UserError[];
}

export const failed = <T>(userErrors: UserError[]): Payload<T> => ({ result: null, userErrors });
export const succeeded = <T>(result: T): Payload<T> => ({ result, userErrors: [] });
