import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRateLimit, parseRetryAfter } from '../../src/registry/ratelimit.ts';

const NOW = new Date('2024-03-01T12:00:00Z');

describe('parseRateLimit', () => {
  test('Docker Hub headers (docker/docs pulls.md)', () => {
    assert.deepEqual(
      parseRateLimit({
        'ratelimit-limit': '100;w=21600',
        'ratelimit-remaining': '20;w=21600',
        'docker-ratelimit-source': '192.0.2.1',
      }),
      { limit: 100, remaining: 20, windowSeconds: 21600, source: '192.0.2.1' },
    );
  });

  test('header names are case-insensitive and arrays are accepted', () => {
    assert.deepEqual(
      parseRateLimit({ 'RateLimit-Limit': ['200;w=21600'], 'RateLimit-Remaining': '0;w=21600' }),
      {
        limit: 200,
        remaining: 0,
        windowSeconds: 21600,
      },
    );
  });

  test('early IETF draft trio, reset as a delay', () => {
    assert.deepEqual(
      parseRateLimit({ 'RateLimit-Limit': '10', 'RateLimit-Remaining': '3', 'RateLimit-Reset': '7' }),
      {
        limit: 10,
        remaining: 3,
        resetSeconds: 7,
      },
    );
  });

  test('later IETF draft: RateLimit-Policy + RateLimit, reporting the policy closest to exhaustion', () => {
    assert.deepEqual(
      parseRateLimit({
        'RateLimit-Policy': '"burst";q=100;w=60, "daily";q=1000;w=86400',
        RateLimit: '"burst";r=50;t=30, "daily";r=5;t=3600',
      }),
      { limit: 1000, remaining: 5, windowSeconds: 86400, resetSeconds: 3600 },
    );
    assert.deepEqual(parseRateLimit({ 'RateLimit-Policy': '10;w=1, 50;w=60' }), {
      limit: 10,
      windowSeconds: 1,
    });
  });

  test('X-RateLimit-*: a Unix-time reset becomes seconds from now, a small value is a delay', () => {
    const epoch = NOW.getTime() / 1000 + 90;
    assert.deepEqual(
      parseRateLimit(
        { 'X-RateLimit-Limit': '5000', 'X-RateLimit-Remaining': '4999', 'X-RateLimit-Reset': String(epoch) },
        NOW,
      ),
      { limit: 5000, remaining: 4999, resetSeconds: 90 },
    );
    assert.deepEqual(parseRateLimit({ 'x-ratelimit-reset': '42' }, NOW), { resetSeconds: 42 });
  });

  test('the standard fields win over X-RateLimit-*', () => {
    assert.deepEqual(
      parseRateLimit({ 'ratelimit-limit': '100', 'x-ratelimit-limit': '7', 'x-ratelimit-remaining': '1' }),
      {
        limit: 100,
        remaining: 1,
      },
    );
  });

  test('undefined when nothing rate-limit related is present, or only junk', () => {
    assert.equal(parseRateLimit({}), undefined);
    assert.equal(
      parseRateLimit({ 'content-type': 'application/json', 'docker-content-digest': 'sha256:x' }),
      undefined,
    );
    assert.equal(parseRateLimit({ 'ratelimit-limit': 'lots', 'ratelimit-remaining': undefined }), undefined);
    assert.equal(parseRateLimit({ 'ratelimit-limit': '-1' }), undefined);
  });

  test('property: never throws on arbitrary headers; numbers are finite and non-negative', () => {
    const name = fc.constantFrom(
      'ratelimit-limit',
      'RateLimit-Remaining',
      'ratelimit-reset',
      'ratelimit',
      'ratelimit-policy',
      'x-ratelimit-reset',
      'docker-ratelimit-source',
      'other',
    );
    const value = fc.oneof(fc.string(), fc.constantFrom('100;w=60', '"a";r=1;t=2', '"a";q=5', ',;=', '"'));
    fc.assert(
      fc.property(fc.dictionary(name, fc.oneof(value, fc.array(value))), (headers) => {
        const r = parseRateLimit(headers, NOW);
        if (!r) return;
        for (const k of ['limit', 'remaining', 'windowSeconds', 'resetSeconds'] as const) {
          if (r[k] !== undefined) assert.ok(Number.isFinite(r[k]) && r[k]! >= 0, `${k}=${r[k]}`);
        }
      }),
    );
  });
});

describe('parseRetryAfter', () => {
  test('delay-seconds', () => {
    assert.equal(parseRetryAfter('120'), 120);
    assert.equal(parseRetryAfter(' 0 '), 0);
  });

  test('the three HTTP-date forms', () => {
    const now = new Date('1994-11-06T08:48:37Z');
    assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now), 60);
    assert.equal(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now), 60);
    assert.equal(parseRetryAfter('Sun Nov  6 08:49:37 1994', now), 60);
  });

  test('a date in the past means now', () => {
    assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW), 0);
  });

  test('junk is undefined', () => {
    for (const v of [
      undefined,
      '',
      '-5',
      '1.5',
      '12.5',
      'soon',
      '2024-03-01T12:00:00Z',
      'Sun, 06 Nov 1994',
    ]) {
      assert.equal(parseRetryAfter(v, NOW), undefined, String(v));
    }
  });

  test('property: an IMF-fixdate k seconds ahead gives k', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (k) => {
        const date = new Date(NOW.getTime() + k * 1000).toUTCString();
        assert.equal(parseRetryAfter(date, NOW), k);
      }),
    );
  });
});
