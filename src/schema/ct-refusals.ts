// CT's expected refusals of a write (422 or 400 with errors, 404, 403, 409) turned into userErrors at
// paths in OUR input. The CT resources have already named each message's field in domain terms
// (src/ct/resources/write.ts); this module only places them in a mutation's input. Anything
// unexpected is rethrown, to be masked.
import { CtHttpError, type CtFieldError } from '../ct/errors.js';
import { ID_PATH, type InputPath, labelOf } from './input-checks.js';
import { type UserError, type UserErrorCode, userError } from './payload.js';

/** How one mutation's CT refusals map back to its input: domain field => our path, and which ID a 404/403 is about. */
export interface CtErrorSpec {
  /** Domain field a CT message is about (`name`, `mac`, `location`, ...) => path in our input. */
  fields: Readonly<Record<string, InputPath>>;
  /** The ID input a 404 means was not found. */
  notFound: InputPath;
  /** The ID input a 403 refuses (null: the account or action as a whole). */
  forbidden: InputPath | null;
  /** Where a message about no particular input points: `["input"]` unless the mutation has only an ID. */
  base?: InputPath;
}

/** The spec of a write about the object named by the ID input at `id`: CT's 404 and 403 are about that object. */
export function byIdSpec(fields: Readonly<Record<string, InputPath>>, id: InputPath = ID_PATH): CtErrorSpec {
  return { fields, notFound: id, forbidden: id };
}

const CONFLICT_MESSAGE = /has already been taken|already exists|is already/i;

const capitalized = (message: string): string => message.charAt(0).toUpperCase() + message.slice(1);

/** One CT message at our path, worded with our input's name; a message about no input of ours stays in CT's words. */
function mapFieldError(e: CtFieldError, spec: CtErrorSpec): UserError {
  const code: UserErrorCode = CONFLICT_MESSAGE.test(e.message) ? 'CONFLICT' : 'INVALID';
  const path = e.field === null ? undefined : spec.fields[e.field];
  if (path) return userError(code, path, `${labelOf(path)} ${e.message}`);
  const message = e.field === null ? e.message : `${labelOf([e.field])} ${e.message}`;
  return userError(code, spec.base ?? ['input'], capitalized(message));
}

/**
 * The userErrors for an expected CT refusal (422/400-with-errors => INVALID or CONFLICT per message,
 * 404 => NOT_FOUND, 403 => FORBIDDEN, 409 => CONFLICT); null for anything unexpected, which callers rethrow.
 */
export function ctUserErrors(error: unknown, spec: CtErrorSpec): UserError[] | null {
  if (!(error instanceof CtHttpError)) return null;
  if (error.code === 'ERR_CT_VALIDATION') {
    if (error.fieldErrors.length === 0) return [userError('INVALID', spec.base ?? ['input'], 'CT rejected the input')];
    return error.fieldErrors.map((e) => mapFieldError(e, spec));
  }
  if (error.code === 'ERR_CT_NOT_FOUND') {
    return [userError('NOT_FOUND', spec.notFound, `${labelOf(spec.notFound)} names nothing CT knows (it does not exist or is not yours)`)];
  }
  if (error.code === 'ERR_CT_FORBIDDEN') {
    const said = error.fieldErrors.map((e) => e.message).join('; ');
    return [userError('FORBIDDEN', spec.forbidden, said || 'CT refused this action')];
  }
  if (error.status === 409) {
    const said = error.fieldErrors.map((e) => e.message).join('; ');
    return [userError('CONFLICT', spec.base ?? ['input'], said || 'The change conflicts with the current state in CT')];
  }
  return null;
}

export type WriteResult<T> = { ok: true; value: T } | { ok: false; userErrors: UserError[] };

/** Runs one CT write (never retried); expected refusals become userErrors, anything else is thrown. */
export async function ctWrite<T>(spec: CtErrorSpec, write: () => Promise<T>): Promise<WriteResult<T>> {
  try {
    return { ok: true, value: await write() };
  } catch (error) {
    const userErrors = ctUserErrors(error, spec);
    if (userErrors) return { ok: false, userErrors };
    throw error;
  }
}
