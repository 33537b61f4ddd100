// URL building and path templates: what the client sends, and what metrics see of a path.

import { describe, expect, it } from 'vitest';
import { buildUrl, pathTemplate } from '../../src/ct/client.js';
import { ctPath } from '../../src/ct/paths.js';
import { CtHttpError } from '../../src/ct/errors.js';

describe('buildUrl', () => {
  it('joins base, path and query, skipping undefined and null', () => {
    expect(buildUrl('http://x/api/v1/', '/locations', { q: 'caf é', page: 2, per: undefined, short: null, favourites: true })).toBe(
      'http://x/api/v1/locations?q=caf+%C3%A9&page=2&favourites=true',
    );
    expect(buildUrl('http://x/api/v1', 'me.json', {})).toBe('http://x/api/v1/me.json');
  });

  it('refuses paths that would address another resource, as not found', () => {
    for (const bad of [
      '/locations/',
      '/locations//vouchers',
      '/locations/..',
      '/locations/%2E%2E/boxes',
      '/locations/a?b=1',
      '/locations/a#b',
      '/locations/a%2Fb',
      '/locations/%zz',
    ]) {
      let error: unknown;
      try {
        buildUrl('http://x', bad, undefined);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(CtHttpError);
      expect((error as CtHttpError).code).toBe('ERR_CT_NOT_FOUND');
    }
  });
});

describe('ctPath', () => {
  it('encodes every interpolated value', () => {
    expect(ctPath`/locations/${'a/b?c'}/vouchers/${12}`).toBe('/locations/a%2Fb%3Fc/vouchers/12');
  });
});

describe('pathTemplate', () => {
  it('replaces every id segment and keeps collection names', () => {
    expect(pathTemplate('/locations')).toBe('/locations');
    expect(pathTemplate('/locations/cafe-x1')).toBe('/locations/:slug');
    expect(pathTemplate('/locations/cafe-x1/vouchers/123/codes')).toBe('/locations/:slug/vouchers/:id/codes');
    expect(pathTemplate('/boxes/box-1/reboot')).toBe('/boxes/:slug/reboot');
    expect(pathTemplate('/me.json')).toBe('/me.json');
  });

  it('lets no value through, even in a collection position', () => {
    expect(pathTemplate('/locations/x/jane@example.com/y')).toBe('/locations/:slug/:id/:id');
    expect(pathTemplate('/locations/x/vouchers/7?q=secret')).toBe('/locations/:slug/vouchers/:id');
  });
});
