// Checking a mutation's input before anything is sent to CT: paths into the input, its field names
// worded for people, and InputCheck, which collects every problem of one input as INVALID userErrors.
import { type UserError, type UserErrorCode, userError } from './payload.js';

/** A path in the mutation's arguments, always starting with "input". */
export type InputPath = readonly string[];

/** The path of one field of the mutation's input. */
export const at = (field: string): InputPath => ['input', field];
/** The path of the `id` input that names the object a mutation writes. */
export const ID_PATH = at('id');

/** Each field's path in the input, for fields whose input name is their domain name. */
export function inputPaths(fields: readonly string[]): Record<string, InputPath> {
  return Object.fromEntries(fields.map((field) => [field, at(field)]));
}

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

  /**
   * An update must change something: some field besides `id` given. Said only when nothing else is
   * wrong (a null the update cannot send is reported as such, not as "nothing to change").
   */
  somethingToChange(changes: object): void {
    if (Object.values(changes).every((value) => value === undefined) && this.ok) {
      this.add(['input'], 'Nothing to change: give at least one field besides `id`');
    }
  }
}
