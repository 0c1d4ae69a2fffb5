import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UsageError } from '../../src/cause/index.ts';
import { formatDuration, parseDuration } from '../../src/util/duration.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

// Re-expressed from Go's time ParseDuration tests (values in milliseconds here).
const VALID: [string, number][] = [
  ['0', 0],
  ['5s', 5 * S],
  ['30s', 30 * S],
  ['1478s', 1478 * S],
  ['+5s', 5 * S],
  ['-0', 0],
  ['+0', 0],
  ['5.0s', 5 * S],
  ['5.6s', 5600],
  ['5.s', 5 * S],
  ['.5s', 500],
  ['1.004s', 1004],
  ['1.0040s', 1004],
  ['100.00100s', 100_001],
  ['10ns', 0.00001],
  ['11us', 0.011],
  ['12\u00b5s', 0.012],
  ['12\u03bcs', 0.012],
  ['13ms', 13],
  ['15m', 15 * M],
  ['16h', 16 * H],
  ['3h30m', 3 * H + 30 * M],
  ['10.5s4m', 4 * M + 10_500],
  ['1h2m3s4ms5us6ns', H + 2 * M + 3 * S + 4 + 0.005006],
  ['39h9m14.425s', 39 * H + 9 * M + 14_425],
  ['52763797000ns', 52_763.797],
  ['0.3333333333333333333h', 20 * M],
  ['0.100000000000000000000h', 6 * M],
  ['0.830103483285477580700h', 49 * M + 48 * S + 372.539827],
  ['9223372036854775807ns', Number(2n ** 63n - 1n) / 1e6],
  // kubectl: a bare non-negative integer is seconds
  ['30', 30 * S],
  ['3', 3 * S],
  ['+7', 7 * S],
];

const INVALID: [input: string, mentions: string][] = [
  ['', 'empty'],
  ['-', 'no number'],
  ['s', 'number'],
  ['.', 'number'],
  ['-.', 'number'],
  ['.s', 'number'],
  ['+.s', 'number'],
  ['1d', 'unknown unit "d"'],
  ['5 s', 'unknown unit'],
  ['5s ', 'unknown unit'],
  ['1.5', 'missing unit'],
  ['\ufffd', 'number'],
  ['-5s', 'negative'],
  ['-2m3.4s', 'negative'],
  ['9223372036854775808ns', 'too large'],
  ['9223372036854775810ns', 'too large'],
  ['9223372036854776us', 'too large'],
  ['3000000h', 'too large'],
  ['9223372036854ms775us808ns', 'too large'],
  ['99999999999999999999', 'too large'],
];

describe('parseDuration', () => {
  for (const [input, ms] of VALID) {
    test(`${JSON.stringify(input)} = ${ms}ms`, () => {
      const got = parseDuration(input);
      assert.ok(Math.abs(got - ms) <= Math.abs(ms) * 1e-12 + 1e-9, `got ${got}`);
    });
  }
  for (const [input, mentions] of INVALID) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => parseDuration(input),
        (e: unknown) =>
          e instanceof UsageError && e.message.includes(mentions) && e.message.includes('invalid duration'),
      );
    });
  }
});

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [0.0004, '400ns'],
    [0.75, '750µs'],
    [0.9996, '1ms'],
    [850, '850ms'],
    [999.7, '1s'],
    [1000, '1s'],
    [1234, '1.2s'],
    [59_940, '59.9s'],
    [59_960, '1m'],
    [123_456, '2m3s'],
    [H, '1h'],
    [H + 5 * M, '1h5m'],
    [26 * H + 7, '26h'],
    [-1500, '-1.5s'],
  ];
  for (const [ms, s] of cases) test(`${ms}ms → ${s}`, () => assert.equal(formatDuration(ms), s));

  // Every string formatDuration can produce, built independently of it.
  const canonical = fc.oneof(
    fc.constant('0s'),
    fc.integer({ min: 1, max: 499 }).map((n) => `${n}ns`),
    fc.integer({ min: 1, max: 999 }).map((n) => `${n}µs`),
    fc.integer({ min: 1, max: 999 }).map((n) => `${n}ms`),
    fc.integer({ min: 10, max: 599 }).map((t) => `${Math.floor(t / 10)}${t % 10 ? `.${t % 10}` : ''}s`),
    fc.integer({ min: 60, max: 10_000_000 }).map((secs) =>
      [
        [Math.floor(secs / 3600), 'h'],
        [Math.floor((secs % 3600) / 60), 'm'],
        [secs % 60, 's'],
      ]
        .filter(([v]) => v !== 0)
        .map(([v, u]) => `${v}${u}`)
        .join(''),
    ),
  );

  test('property: formatDuration ∘ parseDuration is the identity on canonical strings', () => {
    fc.assert(fc.property(canonical, (s) => assert.equal(formatDuration(parseDuration(s)), s)));
  });

  test('property: parseDuration ∘ formatDuration loses at most the displayed precision', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e10, noNaN: true }), (ms) => {
        const back = parseDuration(formatDuration(ms));
        assert.ok(Math.abs(back - ms) <= ms * 0.05 + 0.5, `${ms} → ${formatDuration(ms)} → ${back}`);
      }),
    );
  });
});
