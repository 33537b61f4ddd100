// The API token string (`ctg_` + 43 base62 characters = 256 random bits) and the one-way hash the
// store keeps instead of it. Base62 so that a double-click selects the whole token and no shell or
// URL needs it quoted; the prefix lets people, secret scanners and createRequestContext tell it
// from a session token at a glance.
import { createHash, randomBytes } from 'node:crypto';

export const API_TOKEN_PREFIX = 'ctg_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** ceil(256 / log2(62)): every 32-byte value fits, padded to a fixed length. */
const BODY_LENGTH = 43;
const SHAPE = /^ctg_[0-9A-Za-z]{43}$/;

function base62(bytes: Uint8Array, length: number): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(length, '0');
}

export function newApiTokenSecret(): string {
  return API_TOKEN_PREFIX + base62(randomBytes(32), BODY_LENGTH);
}

/** A bearer credential meant as an API token (well formed or not): it never falls back to the session path. */
export function isApiTokenCredential(bearer: string): boolean {
  return bearer.startsWith(API_TOKEN_PREFIX);
}

/** Well formed: worth a look-up. Anything else is refused without touching the store. */
export function isWellFormedApiToken(bearer: string): boolean {
  return SHAPE.test(bearer);
}

/**
 * sha256, hex. The inputs are 256-bit random values (or short-lived device codes), so a plain hash
 * cannot be reversed by guessing; a slow password hash would only cost CPU on every first use.
 */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
