// What every /api/v1 route handler receives, plus the small validation helpers they share
// (Rails-style messages collected per field, rendered as 422 {errors:{field:[msg]}}).

import type { FieldErrors, Json } from '../http.js';
import type { Store, UserRecord } from '../store.js';

export interface Settings {
  rebootDurationMs: number;
  voucherGenerationDelayMs: number;
}

export interface ApiContext {
  request: Request;
  url: URL;
  params: Record<string, string>;
  body: Json;
  store: Store;
  user: UserRecord;
  nowMs: number;
  settings: Settings;
}

export type ApiHandler = (ctx: ApiContext) => Response | Promise<Response>;
export interface ApiRoute {
  auth: boolean;
  handler: ApiHandler;
}

export class Errors {
  readonly fields: FieldErrors = {};

  add(field: string, message: string): void {
    (this.fields[field] ??= []).push(message);
  }

  get any(): boolean {
    return Object.keys(this.fields).length > 0;
  }
}

/** Integer attribute in [min, max] with Rails numericality messages; `undefined` when absent. */
export function intInRange(errors: Errors, field: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) {
    errors.add(field, 'is not a number');
    return undefined;
  }
  if (!Number.isInteger(n)) {
    errors.add(field, 'must be an integer');
    return undefined;
  }
  if (n < min) {
    errors.add(field, `must be greater than or equal to ${min}`);
    return undefined;
  }
  if (n > max) {
    errors.add(field, `must be less than or equal to ${max}`);
    return undefined;
  }
  return n;
}

export function textMax(errors: Errors, field: string, value: unknown, max: number, required: boolean): string | null | undefined {
  if (value === undefined) return undefined;
  const s = value === null ? '' : typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
  if (s === null) {
    errors.add(field, 'is invalid');
    return undefined;
  }
  if (s.trim() === '') {
    if (required) errors.add(field, "can't be blank");
    return null;
  }
  if (s.length > max) errors.add(field, `is too long (maximum is ${max} characters)`);
  return s;
}
