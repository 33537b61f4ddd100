// Session sealing: format, confidentiality of the CT tokens inside, key rotation, and that every kind of
// bad token opens to a reason instead of throwing.
import { describe, expect, it } from 'vitest';
import { EncryptJWT, SignJWT, UnsecuredJWT, base64url, decodeProtectedHeader } from 'jose';
import { createSessionSealer, readSessionToken } from '../../src/auth/session.js';
import type { SessionSealer } from '../../src/auth/session.js';
import type { CtTokens } from '../../src/ct/tokens.js';

const SECRET_A = 'a'.repeat(16) + '-secret-A-for-tests-0123456789';
const SECRET_B = 'b'.repeat(16) + '-secret-B-for-tests-0123456789';
const TOKENS: CtTokens = {
  accessToken: '3f9a0c1be2d44c5f8a7b6e5d4c3b2a190817263544536271809f8e7d6c5b4a39',
  refreshToken: 'c0ffee00deadbeef11223344556677889900aabbccddeeff0011223344556677',
  expiresAt: 1_900_000_000_000,
};
const DAY = 86_400;

const sealer = (secrets: string[], o: { maxAgeSeconds?: number; now?: () => number } = {}) =>
  createSessionSealer({ secrets, maxAgeSeconds: o.maxAgeSeconds ?? 30 * DAY, ...(o.now ? { now: o.now } : {}) });

/** Replaces one character in the middle of a segment with one whose 6-bit value differs in its top bit. */
function flip(token: string, segment: number): string {
  const parts = token.split('.');
  const seg = parts[segment]!;
  if (seg.length === 0) {
    parts[segment] = 'AAAA';
  } else {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const i = Math.floor(seg.length / 2);
    const v = alphabet.indexOf(seg[i]!);
    parts[segment] = seg.slice(0, i) + alphabet[(v + 32) % 64] + seg.slice(i + 1);
  }
  return parts.join('.');
}

async function expectReason(s: SessionSealer, token: string | null, reason: 'MISSING' | 'INVALID' | 'EXPIRED') {
  const result = await s.open(token); // must resolve, never reject
  expect(result.session).toBeNull();
  expect(result).toEqual({ session: null, reason });
}

describe('createSessionSealer', () => {
  it('seals into a five-segment compact JWE with header {alg: dir, enc: A256GCM, kid}', async () => {
    const s = await sealer([SECRET_A]);
    const { token } = await s.seal(TOKENS);
    const parts = token.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[1]).toBe(''); // dir: no encrypted key
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(parts[0]!)));
    expect(Object.keys(header).sort()).toEqual(['alg', 'enc', 'kid']);
    expect(header.alg).toBe('dir');
    expect(header.enc).toBe('A256GCM');
    expect(header.kid).toMatch(/^[A-Za-z0-9_-]{43}$/); // base64url SHA-256 thumbprint
  });

  it('round-trips the CT tokens with iat and exp', async () => {
    const nowMs = 1_800_000_000_000;
    const s = await sealer([SECRET_A], { maxAgeSeconds: 3600, now: () => nowMs });
    const { token, expiresAt } = await s.seal(TOKENS);
    expect(expiresAt.getTime()).toBe(nowMs + 3600_000);
    const opened = await s.open(token);
    expect(opened.session).toEqual({ tokens: TOKENS, iat: nowMs / 1000, exp: nowMs / 1000 + 3600, ctUserId: null });
  });

  it('carries the CT account it is sealed with, so nothing has to ask CT whose tokens these are', async () => {
    const s = await sealer([SECRET_A]);
    const { token } = await s.seal(TOKENS, { ctUserId: '4711' });
    expect((await s.open(token)).session?.ctUserId).toBe('4711');
    // Re-sealed after a refresh (new tokens, the old exp) it is carried on by whoever re-seals.
    const opened = (await s.open(token)).session!;
    const resealed = await s.seal({ ...TOKENS, accessToken: 'rotated' }, { exp: opened.exp, ctUserId: opened.ctUserId });
    expect((await s.open(resealed.token)).session).toMatchObject({ ctUserId: '4711', exp: opened.exp });
  });

  it('keeps the given exp when re-sealing', async () => {
    const nowMs = 1_800_000_000_000;
    const s = await sealer([SECRET_A], { maxAgeSeconds: 3600, now: () => nowMs });
    const exp = nowMs / 1000 + 120;
    const { token, expiresAt } = await s.seal(TOKENS, { exp });
    expect(expiresAt.getTime()).toBe(exp * 1000);
    const opened = await s.open(token);
    expect(opened.session?.exp).toBe(exp);
  });

  it('never exposes a CT token in the session token, in any common encoding', async () => {
    const s = await sealer([SECRET_A]);
    const { token } = await s.seal(TOKENS);
    for (const secret of [TOKENS.accessToken, TOKENS.refreshToken]) {
      const bytes = Buffer.from(secret, 'utf8');
      for (const encoded of [secret, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')]) {
        expect(token).not.toContain(encoded);
        expect(token).not.toContain(encoded.slice(0, 16));
      }
      // Nor in a decoded segment (the header and the ciphertext alike).
      for (const seg of token.split('.')) {
        const decoded = Buffer.from(seg, 'base64url');
        expect(decoded.includes(bytes)).toBe(false);
        expect(decoded.toString('latin1')).not.toContain(secret.slice(0, 16));
      }
    }
  });

  it('rotates: the first secret seals, every configured secret opens, a dropped secret does not', async () => {
    const a = await sealer([SECRET_A]);
    const { token } = await a.seal(TOKENS);
    const rotated = await sealer([SECRET_B, SECRET_A]);
    expect((await rotated.open(token)).session?.tokens).toEqual(TOKENS);
    // New tokens are sealed with B's key.
    const fresh = (await rotated.seal(TOKENS)).token;
    expect(decodeProtectedHeader(fresh).kid).not.toBe(decodeProtectedHeader(token).kid);
    expect((await (await sealer([SECRET_B])).open(fresh)).session?.tokens).toEqual(TOKENS);
    // A retired secret no longer opens.
    await expectReason(await sealer([SECRET_B]), token, 'INVALID');
  });

  it('opens missing tokens as MISSING', async () => {
    const s = await sealer([SECRET_A]);
    await expectReason(s, null, 'MISSING');
    await expectReason(s, '', 'MISSING');
  });

  it('opens tampered tokens (any segment) as INVALID', async () => {
    const s = await sealer([SECRET_A]);
    const { token } = await s.seal(TOKENS);
    for (let segment = 0; segment < 5; segment++) {
      const bad = flip(token, segment);
      expect(bad).not.toBe(token);
      await expectReason(s, bad, 'INVALID');
    }
  });

  it('opens truncated tokens as INVALID', async () => {
    const s = await sealer([SECRET_A]);
    const { token } = await s.seal(TOKENS);
    for (const cut of [1, 5, token.length / 2, token.length - 10]) {
      await expectReason(s, token.slice(0, token.length - cut), 'INVALID');
    }
    await expectReason(s, token.split('.').slice(0, 4).join('.'), 'INVALID');
  });

  it('opens garbage as INVALID', async () => {
    const s = await sealer([SECRET_A]);
    for (const garbage of [
      'x',
      '....',
      'a.b.c.d.e',
      'not a token at all',
      '\u0000\u0001',
      'é.é.é.é.é',
      '%%%',
      '{"alg":"dir"}',
      'A'.repeat(20_000),
    ]) {
      await expectReason(s, garbage, 'INVALID');
    }
  });

  it('opens expired tokens as EXPIRED (exp in the past)', async () => {
    const s = await sealer([SECRET_A]);
    const { token } = await s.seal(TOKENS, { exp: Math.floor(Date.now() / 1000) - 60 });
    await expectReason(s, token, 'EXPIRED');
  });

  it('opens tokens past maxAgeSeconds as EXPIRED, within the clock tolerance as valid', async () => {
    let nowMs = 1_800_000_000_000;
    const s = await sealer([SECRET_A], { maxAgeSeconds: 10, now: () => nowMs });
    const { token } = await s.seal(TOKENS);
    nowMs += 12_000; // 2 s past exp: inside the 5 s tolerance
    expect((await s.open(token)).session).not.toBeNull();
    nowMs += 10_000; // 12 s past exp
    await expectReason(s, token, 'EXPIRED');
  });

  it('opens a JWE sealed with a foreign key as INVALID, even when it borrows our kid', async () => {
    const s = await sealer([SECRET_A]);
    const { token } = await s.seal(TOKENS);
    const ourKid = decodeProtectedHeader(token).kid!;
    const foreignKey = new Uint8Array(32).fill(7);
    const now = Math.floor(Date.now() / 1000);
    const payload = { ct: { a: 'x', r: 'y', e: 1 } };
    for (const kid of [ourKid, 'some-other-kid', undefined]) {
      const forged = await new EncryptJWT(payload)
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', ...(kid ? { kid } : {}) })
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .encrypt(foreignKey);
      await expectReason(s, forged, 'INVALID');
    }
  });

  it('refuses other JWE algorithms even with our kid', async () => {
    const s = await sealer([SECRET_A]);
    const ourKid = decodeProtectedHeader((await s.seal(TOKENS)).token).kid!;
    const now = Math.floor(Date.now() / 1000);
    const forged = await new EncryptJWT({ ct: { a: 'x', r: 'y', e: 1 } })
      .setProtectedHeader({ alg: 'dir', enc: 'A128GCM', kid: ourKid })
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .encrypt(new Uint8Array(16).fill(1));
    await expectReason(s, forged, 'INVALID');
    const kw = await new EncryptJWT({ ct: { a: 'x', r: 'y', e: 1 } })
      .setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM', kid: ourKid })
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .encrypt(new Uint8Array(32).fill(1));
    await expectReason(s, kw, 'INVALID');
  });

  it('opens a signed JWT (JWS) and an alg:none JWT as INVALID', async () => {
    const s = await sealer([SECRET_A]);
    const ourKid = decodeProtectedHeader((await s.seal(TOKENS)).token).kid!;
    const now = Math.floor(Date.now() / 1000);
    const claims = { ct: { a: TOKENS.accessToken, r: TOKENS.refreshToken, e: 1 } };
    const jws = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: ourKid })
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(SECRET_A));
    await expectReason(s, jws, 'INVALID');
    const none = new UnsecuredJWT(claims)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .encode();
    await expectReason(s, none, 'INVALID');
    // alg:none dressed up as five segments.
    const header = base64url.encode(JSON.stringify({ alg: 'none', enc: 'A256GCM', kid: ourKid }));
    await expectReason(s, `${header}..AAAA.${base64url.encode(JSON.stringify(claims))}.`, 'INVALID');
  });

  it('keeps session tokens and OAuth state tokens apart', async () => {
    const s = await sealer([SECRET_A]);
    const state = await s.sealOAuthState({ state: 'st', codeVerifier: 'v', redirect: '/graphql' });
    await expectReason(s, state, 'INVALID');
    const { token } = await s.seal(TOKENS);
    expect(await s.openOAuthState(token)).toBeNull();
    expect(await s.openOAuthState(state)).toEqual({ state: 'st', codeVerifier: 'v', redirect: '/graphql' });
  });

  it('expires OAuth state after ten minutes and refuses tampered state', async () => {
    let nowMs = 1_800_000_000_000;
    const s = await sealer([SECRET_A], { now: () => nowMs });
    const state = await s.sealOAuthState({ state: 'st', codeVerifier: 'v', redirect: '/' });
    expect(await s.openOAuthState(flip(state, 3))).toBeNull();
    expect(await s.openOAuthState(null)).toBeNull();
    nowMs += 601_000;
    expect(await s.openOAuthState(state)).not.toBeNull(); // clock tolerance
    nowMs += 10_000;
    expect(await s.openOAuthState(state)).toBeNull();
  });

  it('refuses short or absent secrets at creation, naming the position but not the value', async () => {
    await expect(sealer([])).rejects.toThrow(/at least one secret/);
    await expect(sealer(['short-secret'])).rejects.toThrow(/#1 is shorter than 32 bytes/);
    await expect(sealer([SECRET_A, 'x'.repeat(31)])).rejects.toThrow(/#2 is shorter than 32 bytes/);
    await expect(sealer(['short-secret'])).rejects.not.toThrow(/short-secret/);
    await expect(sealer([SECRET_A], { maxAgeSeconds: 0 })).rejects.toThrow(/maxAgeSeconds/);
    await expect(sealer(['x'.repeat(32)])).resolves.toBeDefined();
  });
});

describe('readSessionToken', () => {
  const req = (headers: Record<string, string>) => new Request('http://facade.test/graphql', { headers });

  it('prefers Authorization: Bearer over the cookie', () => {
    expect(readSessionToken(req({ authorization: 'Bearer tok.en', cookie: 'ct_session=cookie.tok' }))).toBe('tok.en');
    expect(readSessionToken(req({ authorization: 'bearer  tok.en ' }))).toBe('tok.en');
  });

  it('falls back to the ct_session cookie', () => {
    expect(readSessionToken(req({ cookie: 'other=1; ct_session=cookie.tok; x=y' }))).toBe('cookie.tok');
    expect(readSessionToken(req({ authorization: 'Basic dXNlcjpwYXNz', cookie: 'ct_session=cookie.tok' }))).toBe('cookie.tok');
    expect(readSessionToken(req({ authorization: 'Bearer ', cookie: 'ct_session=cookie.tok' }))).toBe('cookie.tok');
  });

  it('returns null without either', () => {
    expect(readSessionToken(req({}))).toBeNull();
    expect(readSessionToken(req({ cookie: 'ct_session=; other=1' }))).toBeNull();
    expect(readSessionToken(req({ authorization: 'Basic abc' }))).toBeNull();
  });
});

describe('opened-session cache', () => {
  it('a session opened once still expires on time', async () => {
    let clock = 1_800_000_000_000;
    const s = await sealer([SECRET_A], { maxAgeSeconds: 60, now: () => clock });
    const { token } = await s.seal(TOKENS);
    expect((await s.open(token)).session?.tokens).toEqual(TOKENS);
    expect((await s.open(token)).session?.tokens).toEqual(TOKENS);
    clock += 120_000;
    await expectReason(s, token, 'EXPIRED');
  });

  it('never serves a tampered token from the cache of its genuine twin', async () => {
    const s = await sealer([SECRET_A]);
    const { token } = await s.seal(TOKENS);
    await s.open(token);
    await expectReason(s, flip(token, 4), 'INVALID');
  });
});
