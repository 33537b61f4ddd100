/**
 * The small pure parts of API tokens and device sign-in: the ctg_ secret and its hash, RFC 8628
 * user codes, and the grant box (sealing CT grants at rest, with SESSION_SECRET rotation).
 */
import { describe, expect, it } from 'vitest';
import { isApiTokenCredential, isWellFormedApiToken, newApiTokenSecret, secretHash } from '../../src/auth/api-token-secret.js';
import { createGrantBox } from '../../src/auth/grant-box.js';
import { createSessionSealer } from '../../src/auth/session.js';
import { formatUserCode, newUserCode, normalizeUserCode, USER_CODE_ALPHABET } from '../../src/auth/user-code.js';

const OLD = 'old-secret-0123456789-abcdefghijklmnopqrstuv';
const NEW = 'new-secret-0123456789-abcdefghijklmnopqrstuv';
const TOKENS = { accessToken: 'a'.repeat(64), refreshToken: 'b'.repeat(64), expiresAt: 1_800_000_000_000 };

describe('API token secrets', () => {
  it('are ctg_ plus 43 base62 characters, all different, and hash to 64 hex digits', () => {
    const secrets = Array.from({ length: 200 }, () => newApiTokenSecret());
    for (const s of secrets) {
      expect(s).toMatch(/^ctg_[0-9A-Za-z]{43}$/);
      expect(isWellFormedApiToken(s)).toBe(true);
      expect(isApiTokenCredential(s)).toBe(true);
      expect(secretHash(s)).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set(secrets).size).toBe(200);
    expect(secretHash(secrets[0]!)).not.toBe(secretHash(secrets[1]!));
  });

  it('tells API tokens from session tokens, and refuses malformed ones before any look-up', () => {
    expect(isApiTokenCredential('eyJhbGciOiJkaXIi.x.y.z.w')).toBe(false);
    expect(isApiTokenCredential('ctg_short')).toBe(true);
    for (const bad of ['ctg_short', `ctg_${'A'.repeat(42)}`, `ctg_${'A'.repeat(44)}`, `ctg_${'-'.repeat(43)}`, `CTG_${'A'.repeat(43)}`]) {
      expect(isWellFormedApiToken(bad)).toBe(false);
    }
  });
});

describe('user codes (RFC 8628 §6.1)', () => {
  it('use twenty consonants: no vowel, no 0/O or 1/I', () => {
    expect(USER_CODE_ALPHABET).toHaveLength(20);
    for (const c of 'AEIOU01') expect(USER_CODE_ALPHABET.includes(c)).toBe(false);
  });

  it('look like WDJB-MJHT and differ', () => {
    const codes = Array.from({ length: 200 }, () => newUserCode());
    for (const code of codes) expect(code).toMatch(new RegExp(`^[${USER_CODE_ALPHABET}]{4}-[${USER_CODE_ALPHABET}]{4}$`));
    expect(new Set(codes).size).toBeGreaterThan(195);
  });

  it('are read the way people type them: any case, spaces and dashes ignored; anything else is not a code', () => {
    expect(normalizeUserCode('wdjb-mjht')).toBe('WDJBMJHT');
    expect(normalizeUserCode(' WDJB MJHT ')).toBe('WDJBMJHT');
    expect(normalizeUserCode('WDJB–MJHT')).toBe('WDJBMJHT');
    expect(formatUserCode('WDJBMJHT')).toBe('WDJB-MJHT');
    for (const bad of ['WDJB-MJH', 'WDJB-MJHTX', 'WDJB-MJH0', 'WDJB-MJHO', 'WDJB-MJH1', 'WDJB-MJHI', 'WDJB-MJHA', '<script>', '']) {
      expect(normalizeUserCode(bad), bad).toBeNull();
    }
  });
});

describe('the grant box', () => {
  it('seals a grant so that its tokens do not appear, and opens it again', async () => {
    const box = await createGrantBox([NEW]);
    const sealed = await box.seal('grant-1', TOKENS);
    expect(sealed.split('.')).toHaveLength(5);
    expect(sealed).not.toContain(TOKENS.accessToken);
    expect(Buffer.from(sealed.split('.')[3]!, 'base64url').toString('latin1')).not.toContain('aaaa');
    expect(await box.open('grant-1', sealed)).toEqual(TOKENS);
  });

  it('rotation: the first secret seals, every secret opens; an unknown secret opens nothing', async () => {
    const sealedOld = await (await createGrantBox([OLD])).seal('g', TOKENS);
    const rotated = await createGrantBox([NEW, OLD]);
    expect(await rotated.open('g', sealedOld)).toEqual(TOKENS);
    const sealedNew = await rotated.seal('g', TOKENS);
    expect(await (await createGrantBox([NEW])).open('g', sealedNew)).toEqual(TOKENS);
    expect(await (await createGrantBox([OLD])).open('g', sealedNew)).toBeNull();
  });

  it('opens nothing when moved to another grant, tampered with, or presented as a session (another HKDF purpose)', async () => {
    const box = await createGrantBox([NEW]);
    const sealed = await box.seal('grant-1', TOKENS);
    expect(await box.open('grant-2', sealed)).toBeNull();
    const parts = sealed.split('.');
    parts[3] = (parts[3]![0] === 'A' ? 'B' : 'A') + parts[3]!.slice(1);
    expect(await box.open('grant-1', parts.join('.'))).toBeNull();
    expect(await box.open('grant-1', 'garbage')).toBeNull();
    const sessions = await createSessionSealer({ secrets: [NEW], maxAgeSeconds: 3600 });
    expect((await sessions.open(sealed)).session).toBeNull();
    const session = await sessions.seal(TOKENS);
    expect(await box.open('grant-1', session.token)).toBeNull();
  });
});
