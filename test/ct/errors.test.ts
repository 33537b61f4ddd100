// parseCtError over every error body shape of ct-api.md §7/§10, the status mapping, Retry-After,
// and the token-response parser; literal bodies, since these are pure functions.

import { describe, expect, it } from 'vitest';
import {
  CtAuthError,
  CtHttpError,
  CtRateLimitedError,
  fullMessage,
  parseCtError,
  parseErrorBody,
  parseRetryAfter,
} from '../../src/ct/errors.js';
import { tokensFromResponse } from '../../src/ct/tokens.js';

const noHeaders = new Headers();

function httpError(status: number, body: unknown, method = 'POST'): CtHttpError {
  const e = parseCtError(status, typeof body === 'string' ? body : JSON.stringify(body), noHeaders, method);
  expect(e).toBeInstanceOf(CtHttpError);
  return e as CtHttpError;
}

describe('parseErrorBody: every §7 shape', () => {
  it('field hash: {errors:{field:[msgs]}}', () => {
    expect(
      parseErrorBody(JSON.stringify({ errors: { location_name: ["can't be blank"], quantity: ['is too big', 'must be even'] } })),
    ).toEqual([
      { field: 'location_name', message: "can't be blank" },
      { field: 'quantity', message: 'is too big' },
      { field: 'quantity', message: 'must be even' },
    ]);
  });

  it('base errors have a null field', () => {
    expect(parseErrorBody(JSON.stringify({ errors: { base: ["Splash codes can't be created on the free plans"] } }))).toEqual([
      { field: null, message: "Splash codes can't be created on the free plans" },
    ]);
  });

  it('full-message array: {errors:["..."]}', () => {
    expect(parseErrorBody(JSON.stringify({ errors: ["Channel can't be blank", 'Channel is invalid'] }))).toEqual([
      { field: null, message: "Channel can't be blank" },
      { field: null, message: 'Channel is invalid' },
    ]);
  });

  it('a field hash whose value is a single string', () => {
    expect(parseErrorBody(JSON.stringify({ errors: { mac: 'is invalid' } }))).toEqual([{ field: 'mac', message: 'is invalid' }]);
  });

  it('{message:"..."} and {message:[...]}', () => {
    expect(parseErrorBody(JSON.stringify({ message: 'Not found' }))).toEqual([{ field: null, message: 'Not found' }]);
    expect(parseErrorBody(JSON.stringify({ message: ['Plan limit reached', 'Upgrade'] }))).toEqual([
      { field: null, message: 'Plan limit reached' },
      { field: null, message: 'Upgrade' },
    ]);
  });

  it('OAuth style {error, error_description}: the description, else the error', () => {
    expect(parseErrorBody(JSON.stringify({ error: 'invalid_grant', error_description: 'The provided grant is invalid.' }))).toEqual([
      { field: null, message: 'The provided grant is invalid.' },
    ]);
    expect(parseErrorBody(JSON.stringify({ error: 'invalid_token' }))).toEqual([{ field: null, message: 'invalid_token' }]);
  });

  it('empty, non-JSON, scalar JSON and unknown objects give no messages', () => {
    expect(parseErrorBody('')).toEqual([]);
    expect(parseErrorBody('<html><body>502 Bad Gateway</body></html>')).toEqual([]);
    expect(parseErrorBody('"oops"')).toEqual([]);
    expect(parseErrorBody('null')).toEqual([]);
    expect(parseErrorBody(JSON.stringify({ status: 'error' }))).toEqual([]);
    expect(parseErrorBody(JSON.stringify({ errors: null }))).toEqual([]);
  });

  it('scrubs URLs and token-like strings out of messages and bounds their number', () => {
    const token = 'a'.repeat(64);
    const [first] = parseErrorBody(
      JSON.stringify({ message: `token ${token} rejected at https://api.ctapp.io/api/v1/x?access_token=${token}` }),
    );
    expect(first?.message).not.toContain(token);
    expect(first?.message).not.toContain('ctapp.io');
    const many = parseErrorBody(JSON.stringify({ errors: Array.from({ length: 500 }, (_, i) => `problem ${i}`) }));
    expect(many.length).toBeLessThanOrEqual(20);
  });
});

describe('parseCtError: status mapping', () => {
  it('404 => ERR_CT_NOT_FOUND with the parsed message', () => {
    const e = httpError(404, { message: 'Not found' }, 'GET');
    expect(e.code).toBe('ERR_CT_NOT_FOUND');
    expect(e.status).toBe(404);
    expect(e.method).toBe('GET');
    expect(e.fieldErrors).toEqual([{ field: null, message: 'Not found' }]);
  });

  it("403 => ERR_CT_FORBIDDEN, keeping CT's words", () => {
    const e = httpError(403, { message: 'This box does not accept jobs' });
    expect(e.code).toBe('ERR_CT_FORBIDDEN');
    expect(e.message).toContain('This box does not accept jobs');
  });

  it("422 => ERR_CT_VALIDATION with field errors; the message reads like the dashboard's", () => {
    const e = httpError(422, { errors: { location_name: ["can't be blank"] } });
    expect(e.code).toBe('ERR_CT_VALIDATION');
    expect(e.fieldErrors).toEqual([{ field: 'location_name', message: "can't be blank" }]);
    expect(e.message).toContain("Location name can't be blank");
  });

  it('400 with an errors body is validation; 400 without is a bad request', () => {
    expect(httpError(400, { errors: ['Quantity is too big'] }).code).toBe('ERR_CT_VALIDATION');
    expect(httpError(400, { message: 'Bad request' }).code).toBe('ERR_CT_BAD_REQUEST');
    expect(httpError(409, '').code).toBe('ERR_CT_BAD_REQUEST');
  });

  it('5xx => ERR_CT_SERVER, also with an HTML body that is never copied', () => {
    const html = '<html><title>Internal error at https://api.ctapp.io</title></html>';
    const e = httpError(500, html);
    expect(e.code).toBe('ERR_CT_SERVER');
    expect(e.fieldErrors).toEqual([]);
    expect(e.message).not.toContain('html');
    expect(e.message).not.toContain('ctapp');
    expect(httpError(503, '').code).toBe('ERR_CT_SERVER');
  });

  it('401 => CtAuthError (sign in again)', () => {
    const e = parseCtError(401, JSON.stringify({ error: 'invalid_token' }), noHeaders, 'GET');
    expect(e).toBeInstanceOf(CtAuthError);
    expect(e.code).toBe('ERR_CT_REAUTHENTICATE');
  });

  it('429 => CtRateLimitedError from Retry-After seconds, an HTTP date, or 1 s by default', () => {
    const seconds = parseCtError(429, '', new Headers({ 'retry-after': '7' }), 'GET');
    expect(seconds).toBeInstanceOf(CtRateLimitedError);
    expect((seconds as CtRateLimitedError).retryAfterSeconds).toBe(7);
    const now = Date.parse('2024-05-01T12:00:00Z');
    const dated = parseCtError(429, '', new Headers({ 'retry-after': 'Wed, 01 May 2024 12:00:30 GMT' }), 'GET', now);
    expect((dated as CtRateLimitedError).retryAfterSeconds).toBe(30);
    const bare = parseCtError(429, '', noHeaders, 'GET');
    expect((bare as CtRateLimitedError).retryAfterSeconds).toBe(1);
    expect(bare.code).toBe('ERR_CT_RATE_LIMITED');
  });
});

describe('helpers', () => {
  it('parseRetryAfter: seconds, dates in the past clamp to 0, junk is null', () => {
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter(' 12 ')).toBe(12);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:00 GMT', Date.parse('2024-01-01T00:00:00Z'))).toBe(0);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });

  it('fullMessage keeps full messages and prefixes short ones with the field', () => {
    expect(fullMessage({ field: 'channel', message: 'Channel is invalid' })).toBe('Channel is invalid');
    expect(fullMessage({ field: 'quantity', message: 'must be at most 1000' })).toBe('Quantity must be at most 1000');
    expect(fullMessage({ field: null, message: 'Plan limit' })).toBe('Plan limit');
  });
});

describe('tokensFromResponse', () => {
  const body = {
    access_token: 'a'.repeat(64),
    token_type: 'bearer',
    expires_in: 7200,
    refresh_token: 'b'.repeat(64),
    created_at: 1_700_000_000,
  };

  it('expiresAt = (created_at) + expires_in, in ms', () => {
    expect(tokensFromResponse(body, 1_700_000_100_000)).toEqual({
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      expiresAt: (1_700_000_000 + 7200) * 1000,
    });
  });

  it('uses now without created_at, and clamps a created_at ahead of our clock', () => {
    const now = 1_800_000_000_000;
    const { created_at: _ignored, ...noCreated } = body;
    expect(tokensFromResponse(noCreated, now).expiresAt).toBe(now + 7_200_000);
    expect(tokensFromResponse({ ...body, created_at: now / 1000 + 3600 }, now).expiresAt).toBe(now + 7_200_000);
  });

  it('keeps the previous refresh token when a refresh does not rotate it', () => {
    const { refresh_token: _r, ...noRefresh } = body;
    expect(tokensFromResponse(noRefresh, Date.now(), 'old').refreshToken).toBe('old');
  });

  it('rejects malformed responses without echoing them', () => {
    for (const bad of [
      null,
      'x',
      [],
      {},
      { ...body, access_token: '' },
      { ...body, token_type: 'mac' },
      { ...body, expires_in: -5 },
      { ...body, refresh_token: 42 },
    ]) {
      let error: unknown;
      try {
        tokensFromResponse(bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CtHttpError);
      expect((error as CtHttpError).code).toBe('ERR_CT_SERVER');
      expect((error as Error).message).not.toContain('a'.repeat(64));
    }
  });
});
