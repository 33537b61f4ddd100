// Typed userErrors for mutations (DESIGN.md): the UserError type and UserErrorCode enum, local input
// checks, global-ID decoding for `id` inputs, and CT's expected refusals (422/404/403/409) turned into
// userErrors at paths in OUR input; what every resolver returns (Payload). Unexpected failures are rethrown.
import { builder, decodeGlobalId } from '../builder.js';
import { CtHttpError, CtUnavailableError, type CtFieldError } from '../ct/errors.js';

export type UserErrorCode = 'INVALID' | 'NOT_FOUND' | 'FORBIDDEN' | 'CONFLICT';

/** One expected failure of a mutation; `field` is the path in the mutation's arguments (`["input", "name"]`). */
export interface UserError {
  message: string;
  field: string[] | null;
  code: UserErrorCode;
}

/** A path in the mutation's arguments, always starting with "input". */
export type InputPath = readonly string[];

/** The path of one field of the mutation's input. */
export const at = (field: string): InputPath => ['input', field];
/** The path of the `id` input that names the object a mutation writes. */
export const ID_PATH = at('id');

/** `{ourField: 'ct_attribute'}` turned round: CT attribute => our input path, for `CtErrorSpec.fields`. */
export function inputPathsByCtAttribute(attributes: Readonly<Record<string, string>>): Record<string, InputPath> {
  return Object.fromEntries(Object.entries(attributes).map(([ours, ct]) => [ct, at(ours)]));
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

export function userError(code: UserErrorCode, field: InputPath | null, message: string): UserError {
  return { code, field: field ? [...field] : null, message };
}

// ---------------------------------------------------------------- local checks

/** "sessionTimeoutMinutes" => "Session timeout minutes": our input names, worded for messages. */
export function labelOf(path: InputPath): string {
  const leaf = [...path].reverse().find((p) => !/^\d+$/.test(p)) ?? 'input';
  const words = leaf
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(' ')
    .map((w) => (w === 'mac' || w === 'id' ? w.toUpperCase() : w === 'mb' ? 'MB' : w));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Collects every problem of one input before anything is sent to CT, so callers see them all at once. */
export class InputCheck {
  readonly errors: UserError[] = [];

  get ok(): boolean {
    return this.errors.length === 0;
  }

  add(path: InputPath, message: string, code: UserErrorCode = 'INVALID'): void {
    this.errors.push(userError(code, path, message));
  }

  /** Text: blank is refused when `required`; `max` counts characters. undefined (absent) is always fine. */
  text(path: InputPath, value: string | null | undefined, o: { required?: boolean; max?: number } = {}): void {
    if (value === undefined) return;
    if (value === null || value.trim() === '') {
      if (o.required) this.add(path, `${labelOf(path)} can't be blank`);
      return;
    }
    if (o.max !== undefined && value.length > o.max) this.add(path, `${labelOf(path)} is too long (maximum is ${o.max} characters)`);
  }

  /** A number in [min, max]; null is refused unless `nullable` (null then clears the value in CT). */
  range(path: InputPath, value: number | null | undefined, min: number, max: number, o: { nullable?: boolean } = {}): void {
    if (value === undefined) return;
    if (value === null) {
      if (!o.nullable) this.notNull(path, value);
      return;
    }
    if (!Number.isFinite(value) || value < min || value > max) {
      this.add(path, `${labelOf(path)} must be between ${min} and ${max}`);
    }
  }

  /** `input.latitude` in [-90, 90] and `input.longitude` in [-180, 180] degrees; null clears them. */
  coordinates(input: { latitude?: number | null; longitude?: number | null }): void {
    this.range(at('latitude'), input.latitude, -90, 90, { nullable: true });
    this.range(at('longitude'), input.longitude, -180, 180, { nullable: true });
  }

  /** Null given for a setting that cannot be cleared: absent means "leave unchanged", null means nothing. */
  notNull(path: InputPath, value: unknown): void {
    if (value === null) this.add(path, `${labelOf(path)} can't be null; omit it to leave it unchanged`);
  }

  /** A required value that is absent or null in this combination of inputs. */
  required(path: InputPath, value: unknown, why: string): void {
    if (value === undefined || value === null) this.add(path, `${labelOf(path)} is required ${why}`);
  }

  /** An update's CT body must change something; said only when nothing else is wrong. */
  somethingToChange(body: Record<string, unknown>): void {
    if (Object.keys(body).length === 0 && this.ok) this.add(['input'], 'Nothing to change: give at least one field besides `id`');
  }
}

// ---------------------------------------------------------------- global IDs

/** The key inside a global ID of `typename`, or an INVALID userError at `path` (malformed, or another type's ID). */
export function decodeIdInput(value: string, typename: string, path: InputPath): { key: string } | { error: UserError } {
  try {
    const { typename: actual, id } = decodeGlobalId(value);
    if (actual === typename) return { key: id };
  } catch {
    // not a global ID at all: same answer as one of the wrong type
  }
  return { error: userError('INVALID', path, `${labelOf(path)} is not a ${typename} ID`) };
}

/** Slugs (and CT's numeric ids) are word characters and hyphens; anything else cannot name a CT object. */
export const SLUG_SHAPE = /^[A-Za-z0-9][\w-]*$/;

/** The slug inside a Location or Box ID given at `path`, or the userError saying why it is not one. */
export function decodeSlugInput(id: string, typename: 'Location' | 'Box', path: InputPath): { slug: string } | { error: UserError } {
  const decoded = decodeIdInput(id, typename, path);
  if ('error' in decoded) return decoded;
  if (!SLUG_SHAPE.test(decoded.key)) return { error: userError('INVALID', path, `The ${typename} ID does not hold a valid slug`) };
  return { slug: decoded.key };
}

// ---------------------------------------------------------------- CT refusals => userErrors

/** How one mutation's CT errors map back to its input: CT attribute => our path, and which ID a 404/403 is about. */
export interface CtErrorSpec {
  /** CT attribute name (`location_name`, `calledstationid`, ...) => path in our input. */
  fields: Readonly<Record<string, InputPath>>;
  /** The ID input a 404 means was not found. */
  notFound: InputPath;
  /** The ID input a 403 refuses (null: the account or action as a whole). */
  forbidden: InputPath | null;
  /** Where a 422 about no particular attribute points: `["input"]` unless the mutation has only an ID. */
  base?: InputPath;
}

/** The spec of a write about the object named by the ID input at `id`: CT's 404 and 403 are about that object. */
export function byIdSpec(fields: Readonly<Record<string, InputPath>>, id: InputPath = ID_PATH): CtErrorSpec {
  return { fields, notFound: id, forbidden: id };
}

const CONFLICT_MESSAGE = /has already been taken|already exists|is already/i;

function humanCt(field: string): string {
  return field.replace(/_/g, ' ').toLowerCase();
}

/** One CT message at our path, worded with our input's name instead of CT's column name. */
function mapFieldError(e: CtFieldError, spec: CtErrorSpec): UserError {
  let field = e.field;
  let rest = e.message;
  if (field === null) {
    // `{errors:["Location name can't be blank"]}`: a full message whose prefix names the attribute.
    const prefix = Object.keys(spec.fields)
      .sort((a, b) => b.length - a.length)
      .find((f) => rest.toLowerCase().startsWith(`${humanCt(f)} `));
    if (prefix !== undefined) {
      field = prefix;
      rest = rest.slice(prefix.length + 1);
    }
  } else if (rest.toLowerCase().startsWith(`${humanCt(field)} `)) {
    rest = rest.slice(field.length + 1);
  }
  const code: UserErrorCode = CONFLICT_MESSAGE.test(rest) ? 'CONFLICT' : 'INVALID';
  const path = field === null ? null : spec.fields[field];
  if (path) return userError(code, path, `${labelOf(path)} ${rest}`);
  // An attribute we do not send or know (or base): the input as a whole, in CT's own words.
  const base = spec.base ?? ['input'];
  const message = field === null || field === 'base' ? e.message : `${field.replace(/_/g, ' ')} ${rest}`;
  return userError(code, base, message.charAt(0).toUpperCase() + message.slice(1));
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
/**
 * CT answered a create with 2xx but not with the object: it probably made it, so the caller is
 * told the outcome is unknown (never "failed", which would invite a duplicate).
 */
export function unreadableCreate(what: string): CtUnavailableError {
  return new CtUnavailableError({
    code: 'ERR_CT_UNAVAILABLE',
    outcomeUnknown: true,
    message: `CT accepted the new ${what} but did not answer with it; check before creating it again`,
  });
}

export async function ctWrite<T>(spec: CtErrorSpec, write: () => Promise<T>): Promise<WriteResult<T>> {
  try {
    return { ok: true, value: await write() };
  } catch (error) {
    const userErrors = ctUserErrors(error, spec);
    if (userErrors) return { ok: false, userErrors };
    throw error;
  }
}

// ---------------------------------------------------------------- what resolvers return

/** What every payload resolves from: the object written (or a deleted object's ID), or the userErrors. */
export interface Payload<T> {
  result: T | null;
  userErrors: UserError[];
}

export const failed = <T>(userErrors: UserError[]): Payload<T> => ({ result: null, userErrors });
export const succeeded = <T>(result: T): Payload<T> => ({ result, userErrors: [] });
