// Typed errors of the CT client, each with a stable `code`, and the parser that turns any CT
// error response (every body shape of ct-api.md §7/§10) into one of them. Messages keep only
// CT's parsed human text: never the URL, a token or the raw body, since they end up in logs.

/** One parsed CT error message; `field` is CT's attribute name, null for base/general errors. */
export interface CtFieldError {
  field: string | null;
  message: string;
}

export abstract class CtError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export type CtHttpErrorCode = 'ERR_CT_NOT_FOUND' | 'ERR_CT_FORBIDDEN' | 'ERR_CT_VALIDATION' | 'ERR_CT_BAD_REQUEST' | 'ERR_CT_SERVER';

/** CT answered, and refused or failed the call (404, 403, 422, other 4xx, 5xx). */
export class CtHttpError extends CtError {
  readonly code: CtHttpErrorCode;
  readonly status: number;
  readonly method: string;
  readonly fieldErrors: CtFieldError[];
  constructor(o: { status: number; method: string; fieldErrors?: CtFieldError[]; code?: CtHttpErrorCode; message?: string }) {
    const fieldErrors = o.fieldErrors ?? [];
    const code = o.code ?? httpErrorCode(o.status, fieldErrors.length > 0);
    super(o.message ?? httpErrorMessage(o.status, o.method, code, fieldErrors));
    this.code = code;
    this.status = o.status;
    this.method = o.method;
    this.fieldErrors = fieldErrors;
  }
}

/** CT refused the caller's tokens for good (refresh refused, or 401 after a fresh token): sign in again. */
export class CtAuthError extends CtError {
  readonly code = 'ERR_CT_REAUTHENTICATE' as const;
  constructor(message = 'The CT session is no longer valid; sign in again') {
    super(message);
  }
}

/** CT could not be reached or did not answer in time. `outcomeUnknown` is true when a write may have happened. */
export class CtUnavailableError extends CtError {
  readonly code: 'ERR_CT_UNAVAILABLE' | 'ERR_CT_TIMEOUT';
  readonly outcomeUnknown: boolean;
  constructor(o: { code: 'ERR_CT_UNAVAILABLE' | 'ERR_CT_TIMEOUT'; outcomeUnknown: boolean; message?: string }) {
    super(o.message ?? unavailableMessage(o.code, o.outcomeUnknown));
    this.code = o.code;
    this.outcomeUnknown = o.outcomeUnknown;
  }
}

/** CT answered 429; `retryAfterSeconds` comes from Retry-After (1 when CT gave none). */
export class CtRateLimitedError extends CtError {
  readonly code = 'ERR_CT_RATE_LIMITED' as const;
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message?: string) {
    super(message ?? `CT rate limit reached; retry after ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function unavailableMessage(code: 'ERR_CT_UNAVAILABLE' | 'ERR_CT_TIMEOUT', outcomeUnknown: boolean): string {
  const what = code === 'ERR_CT_TIMEOUT' ? 'CT did not answer in time' : 'CT is unavailable';
  return outcomeUnknown
    ? `${what}; the outcome of the change is unknown (it may or may not have been applied), check before repeating it`
    : what;
}

function httpErrorCode(status: number, hasErrorsBody: boolean): CtHttpErrorCode {
  if (status >= 500) return 'ERR_CT_SERVER';
  if (status === 404) return 'ERR_CT_NOT_FOUND';
  if (status === 403) return 'ERR_CT_FORBIDDEN';
  if (status === 422) return 'ERR_CT_VALIDATION';
  // Rails apps sometimes answer validation failures with 400; the `errors` body is what tells.
  if (status === 400 && hasErrorsBody) return 'ERR_CT_VALIDATION';
  return 'ERR_CT_BAD_REQUEST';
}

const DEFAULT_TEXT: Record<CtHttpErrorCode, string> = {
  ERR_CT_NOT_FOUND: 'CT did not find the resource',
  ERR_CT_FORBIDDEN: 'CT refused the request',
  ERR_CT_VALIDATION: 'CT rejected the input',
  ERR_CT_BAD_REQUEST: 'CT rejected the request',
  ERR_CT_SERVER: 'CT failed to process the request',
};

function httpErrorMessage(status: number, method: string, code: CtHttpErrorCode, fieldErrors: CtFieldError[]): string {
  // CT's own words when it gave some (callers may show them to people); else method and status.
  if (fieldErrors.length === 0) return `${DEFAULT_TEXT[code]} (${method} ${status})`;
  return `${DEFAULT_TEXT[code]}: ${fieldErrors.map(fullMessage).join('; ')}`;
}

/** "name" + "can't be blank" => "Name can't be blank", as CT's dashboard shows it; full messages stay as they are. */
export function fullMessage(e: CtFieldError): string {
  if (e.field === null || e.field === 'base') return e.message;
  const human = e.field.replace(/_/g, ' ');
  if (e.message.toLowerCase().startsWith(human.toLowerCase())) return e.message;
  return `${human.charAt(0).toUpperCase()}${human.slice(1)} ${e.message}`;
}

// Bounds: CT's messages are short; anything longer is not a message meant for people.
const MAX_BODY_CHARS = 256 * 1024;
const MAX_MESSAGES = 20;
const MAX_MESSAGE_CHARS = 300;

/** Scrubs what must never travel in an error: URLs and long hex/base64 runs that look like tokens. */
function clean(text: string): string {
  const scrubbed = text
    .replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '[url]')
    .replace(/[A-Za-z0-9_\-+/=]{32,}/g, '[redacted]')
    .replace(/\s+/g, ' ')
    .trim();
  return scrubbed.length > MAX_MESSAGE_CHARS ? `${scrubbed.slice(0, MAX_MESSAGE_CHARS - 1)}…` : scrubbed;
}

function messagesOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === 'string' || typeof v === 'number' ? [String(v)] : []));
  return [];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Every §7 body shape as a flat list: `{errors:{field:[msgs]}}` (`base` => field null),
 * `{errors:["full message"]}`, `{errors:"text"}`, `{message:"..."}`, `{message:[...]}`,
 * `{error, error_description}`. Empty or non-JSON bodies give no messages.
 */
export function parseErrorBody(bodyText: string): CtFieldError[] {
  if (bodyText.length === 0 || bodyText.length > MAX_BODY_CHARS) return [];
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    return [];
  }
  const out: CtFieldError[] = [];
  const push = (field: string | null, message: string): void => {
    const m = clean(message);
    if (m.length > 0 && out.length < MAX_MESSAGES) out.push({ field, message: m });
  };
  if (Array.isArray(json)) {
    for (const m of messagesOf(json)) push(null, m);
    return out;
  }
  if (!isRecord(json)) return out;
  const errors = json['errors'];
  if (isRecord(errors)) {
    for (const [key, value] of Object.entries(errors)) {
      const field = key === 'base' ? null : clean(key);
      for (const m of messagesOf(value)) push(field, m);
    }
  } else {
    for (const m of messagesOf(errors)) push(null, m);
  }
  if (out.length > 0) return out;
  for (const m of messagesOf(json['message'])) push(null, m);
  if (out.length > 0) return out;
  const description = json['error_description'];
  const error = json['error'];
  if (typeof description === 'string' && description.length > 0) push(null, description);
  else if (typeof error === 'string') push(null, error);
  else if (isRecord(error)) for (const m of messagesOf(error['message'])) push(null, m);
  return out;
}

/** Retry-After as whole seconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const date = Date.parse(v);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** True when the body carries Rails' `errors` key, which is what makes a 400 a validation failure. */
function hasErrorsKey(bodyText: string): boolean {
  if (bodyText.length === 0 || bodyText.length > MAX_BODY_CHARS) return false;
  try {
    const json: unknown = JSON.parse(bodyText);
    return isRecord(json) && json['errors'] !== undefined && json['errors'] !== null;
  } catch {
    return false;
  }
}

/**
 * Maps a CT error response to a typed error: 401 => CtAuthError, 429 => CtRateLimitedError,
 * 404/403/422/other 4xx/5xx => CtHttpError (400 with an `errors` body counts as validation).
 */
export function parseCtError(
  status: number,
  bodyText: string,
  headers: Pick<Headers, 'get'>,
  method: string,
  now: number = Date.now(),
): CtError {
  const fieldErrors = parseErrorBody(bodyText);
  if (status === 401) return new CtAuthError('CT rejected the session tokens; sign in again');
  if (status === 429) {
    const seconds = parseRetryAfter(headers.get('retry-after'), now) ?? 1;
    return new CtRateLimitedError(seconds);
  }
  const code = httpErrorCode(status, status === 400 && hasErrorsKey(bodyText));
  return new CtHttpError({ status, method, fieldErrors, code });
}
