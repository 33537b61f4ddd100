// RFC 8628 user codes: what a person reads on one screen and types on another. Eight letters from
// twenty consonants (RFC 8628 §6.1: no vowels, so no words; and none of 0/O, 1/I to confuse),
// shown as WDJB-MJHT: 20^8 = 2.6e10 codes, against a 10-minute life and single use.
import { randomInt } from 'node:crypto';

export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const LENGTH = 8;

/** A new code, formatted for people (`WDJB-MJHT`). */
export function newUserCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return formatUserCode(code);
}

/**
 * What a person typed, as the canonical 8 letters: case, spaces and dashes do not matter. Null
 * when it cannot be a code (wrong length, or a character outside the alphabet).
 */
export function normalizeUserCode(input: string): string | null {
  const letters = input.toUpperCase().replace(/[\s\-‐-―]/g, '');
  if (letters.length !== LENGTH) return null;
  for (const c of letters) if (!USER_CODE_ALPHABET.includes(c)) return null;
  return letters;
}

export function formatUserCode(normalized: string): string {
  return `${normalized.slice(0, 4)}-${normalized.slice(4)}`;
}
