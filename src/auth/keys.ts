// Key derivation and the one JWE "box" that session tokens and the OAuth state cookie share:
// HKDF-SHA256 per configured secret, compact JWE dir + A256GCM, key picked by kid (JWK thumbprint).
// Kept apart from session.ts so both token kinds get the same allow-lists and error handling.
import { hkdfSync } from 'node:crypto';
import { EncryptJWT, base64url, calculateJwkThumbprint, errors, jwtDecrypt } from 'jose';
import type { JWTPayload } from 'jose';

export const MIN_SECRET_BYTES = 32;
const CLOCK_TOLERANCE_SECONDS = 5;

export interface DerivedKey {
  readonly kid: string;
  readonly key: CryptoKey;
}

/**
 * One 256-bit key per (secret, purpose). The purpose goes into HKDF's info, so the session key and
 * the state-cookie key differ even for the same secret, and a token of one kind can never open as
 * the other (its kid is simply unknown to the other box).
 */
export async function deriveKey(secret: string, info: string): Promise<DerivedKey> {
  const raw = new Uint8Array(hkdfSync('sha256', Buffer.from(secret, 'utf8'), new Uint8Array(0), info, 32));
  const kid = await calculateJwkThumbprint({ kty: 'oct', k: base64url.encode(raw) }, 'sha256');
  // Imported once: handing jose raw bytes would re-import the key on every seal and open.
  const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
  return { kid, key };
}

export function checkSecrets(secrets: readonly string[]): void {
  if (secrets.length === 0) throw new Error('session secrets: at least one secret is required');
  secrets.forEach((secret, i) => {
    // Only the position is reported, never the value.
    if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
      throw new Error(`session secret #${i + 1} is shorter than ${MIN_SECRET_BYTES} bytes; use a long random value`);
    }
  });
}

export type BoxOpenResult<T> = { payload: T & { iat: number; exp: number } } | { payload: null; reason: 'INVALID' | 'EXPIRED' };

export interface JweBox {
  seal(claims: Record<string, unknown>, times: { iat: number; exp: number }): Promise<string>;
  /** Never throws: anything that is not a genuine, unexpired token of this box is INVALID or EXPIRED. */
  open(token: string): Promise<BoxOpenResult<Record<string, unknown>>>;
}

export async function createJweBox(secrets: readonly string[], info: string, now: () => number): Promise<JweBox> {
  checkSecrets(secrets);
  const keys = await Promise.all(secrets.map((s) => deriveKey(s, info)));
  const sealing = keys[0]!;
  const byKid = new Map(keys.map((k) => [k.kid, k.key] as const));

  return {
    async seal(claims, { iat, exp }) {
      return new EncryptJWT(claims)
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: sealing.kid })
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .encrypt(sealing.key);
    },
    async open(token) {
      try {
        const { payload } = await jwtDecrypt(
          token,
          (header) => {
            // Refuse unknown kids instead of trying every key: a foreign token fails fast and
            // retired secrets are found directly.
            const key = typeof header.kid === 'string' ? byKid.get(header.kid) : undefined;
            if (!key) throw new errors.JWEDecryptionFailed();
            return key;
          },
          {
            keyManagementAlgorithms: ['dir'],
            contentEncryptionAlgorithms: ['A256GCM'],
            clockTolerance: CLOCK_TOLERANCE_SECONDS,
            requiredClaims: ['iat', 'exp'],
            currentDate: new Date(now()),
          },
        );
        if (!hasTimes(payload)) return { payload: null, reason: 'INVALID' };
        return { payload };
      } catch (err) {
        // jose only reports ERR_JWT_EXPIRED after the ciphertext authenticated, so EXPIRED is never
        // claimed for a forged token.
        if (err instanceof errors.JWTExpired) return { payload: null, reason: 'EXPIRED' };
        return { payload: null, reason: 'INVALID' };
      }
    },
  };
}

function hasTimes(p: JWTPayload): p is JWTPayload & { iat: number; exp: number } {
  return typeof p.iat === 'number' && typeof p.exp === 'number';
}
