// What the resources' writes share: CT's validation messages renamed from CT's attributes to the
// domain's field names (so the schema maps refusals without knowing CT's columns), and the error
// for a create CT accepted without answering with the object.
import type { CtClient } from '../client.js';
import { CtHttpError, CtUnavailableError, type CtFieldError } from '../errors.js';

/** What a resource's writes need of the CT client. */
export type CtSender = Pick<CtClient, 'send'>;

/** CT attribute => the domain field it holds, for one resource's writes. */
export type FieldNames = Readonly<Record<string, string>>;

const human = (attribute: string): string => attribute.replace(/_/g, ' ').toLowerCase();

/**
 * One CT validation message with its attribute named as the domain names it, and without CT's
 * wording of that attribute at its start (`location_name: "Location name can't be blank"` =>
 * `name: "can't be blank"`). A message with no attribute names one by its prefix when it starts
 * with a known attribute's words (`["Location name can't be blank"]`). An attribute the domain does
 * not know (or none) gives `field: null` and the whole message in CT's words.
 */
function renamed(e: CtFieldError, names: FieldNames): CtFieldError {
  let attribute = e.field;
  let rest = e.message;
  if (attribute === null) {
    const prefix = Object.keys(names)
      .sort((a, b) => b.length - a.length)
      .find((f) => rest.toLowerCase().startsWith(`${human(f)} `));
    if (prefix !== undefined) {
      attribute = prefix;
      rest = rest.slice(prefix.length + 1);
    }
  } else if (rest.toLowerCase().startsWith(`${human(attribute)} `)) {
    rest = rest.slice(attribute.length + 1);
  }
  const field = attribute === null ? undefined : names[attribute];
  if (field !== undefined) return { field, message: rest };
  return { field: null, message: attribute === null || attribute === 'base' ? e.message : `${attribute.replace(/_/g, ' ')} ${rest}` };
}

/**
 * A validation refusal (422, or 400 with an errors body) with its messages in domain terms
 * (`fieldErrors[].field` is then a domain field name, or null); any other error unchanged: only
 * validation messages name attributes.
 */
export function inDomainTerms(error: unknown, names: FieldNames): unknown {
  if (!(error instanceof CtHttpError) || error.code !== 'ERR_CT_VALIDATION') return error;
  const { status, method, code, message } = error;
  return new CtHttpError({ status, method, code, message, fieldErrors: error.fieldErrors.map((e) => renamed(e, names)) });
}

/** Runs one write; a refusal is thrown in domain terms (see inDomainTerms). */
export async function writeInDomainTerms<T>(names: FieldNames, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw inDomainTerms(error, names);
  }
}

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
