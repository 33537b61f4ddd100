// Cookie strings and parsing, and the same-origin check on redirect paths.
import { describe, expect, it } from 'vitest';
import { clearOAuthStateCookie, clearSessionCookie, oauthStateCookie, parseCookies, sessionCookie } from '../../src/auth/cookies.js';
import { safeRedirectPath } from '../../src/auth/redirect.js';

describe('cookies', () => {
  it('builds the session cookie with HttpOnly, SameSite=Lax, Path=/ and Secure only when asked', () => {
    expect(sessionCookie('a.b.c', { maxAgeSeconds: 3600, secure: false })).toBe(
      'ct_session=a.b.c; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600',
    );
    expect(sessionCookie('a.b.c', { maxAgeSeconds: 3600.7, secure: true })).toBe(
      'ct_session=a.b.c; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600; Secure',
    );
    expect(clearSessionCookie(false)).toBe('ct_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0');
    expect(clearSessionCookie(true)).toMatch(/; Secure$/);
  });

  it('scopes the OAuth state cookie to /auth for ten minutes', () => {
    expect(oauthStateCookie('x.y', false)).toBe('ct_oauth=x.y; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=600');
    expect(clearOAuthStateCookie(true)).toBe('ct_oauth=; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=0; Secure');
  });

  it('parses Cookie headers leniently, first occurrence wins', () => {
    const c = parseCookies('a=1; b="two"; =bad; novalue; ct_session=x.y.z; a=3; enc=%41%zz; pct=%41');
    expect(c.get('a')).toBe('1');
    expect(c.get('b')).toBe('two');
    expect(c.get('ct_session')).toBe('x.y.z');
    expect(c.get('enc')).toBe('%41%zz');
    expect(c.get('pct')).toBe('A');
    expect(c.has('novalue')).toBe(false);
    expect(parseCookies(null).size).toBe(0);
    expect(parseCookies('').size).toBe(0);
  });
});

describe('safeRedirectPath', () => {
  it('accepts same-origin paths', () => {
    expect(safeRedirectPath('/graphql')).toBe('/graphql');
    expect(safeRedirectPath('/')).toBe('/');
    expect(safeRedirectPath('/a/b?x=1&y=%2F#frag')).toBe('/a/b?x=1&y=%2F#frag');
    expect(safeRedirectPath('/caf\u00e9')).toBe('/caf%C3%A9');
    expect(safeRedirectPath('/a/../graphql')).toBe('/graphql');
  });

  it('refuses anything that could leave the origin', () => {
    for (const bad of [
      '',
      'graphql',
      '//evil.com',
      '///evil.com',
      '/\\evil.com',
      '\\\\evil.com',
      '/a\\b',
      'https://evil.com',
      'javascript:alert(1)',
      'http:/evil.com',
      '/\t/evil.com',
      '/\n/evil.com',
      '/%0d%0a'.replace('%0d%0a', '\r\n'),
      '/x\u0000',
      '/x\u007f',
      ' /graphql',
      '/..//evil.com',
      '/' + 'a'.repeat(3000),
    ]) {
      expect(safeRedirectPath(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});
