import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { damerauLevenshtein, nearestTags } from '../../src/registry/suggest.ts';

// Plain Levenshtein, written the obvious way, as an upper bound to check against.
function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

describe('damerauLevenshtein', () => {
  const cases: [string, string, number][] = [
    ['', '', 0],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['latest', 'lastet', 2],
    ['lates', 'latest', 1],
    ['alpine', 'alpnie', 1],
    ['abcdef', 'abdcef', 1],
    // Unrestricted DL edits a transposed pair again; the restricted (OSA) variant says 3 here.
    ['ca', 'abc', 2],
  ];
  for (const [a, b, d] of cases)
    test(`${a || '""'} / ${b || '""'} = ${d}`, () => assert.equal(damerauLevenshtein(a, b), d));

  const str = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '.', '1', 'é'), maxLength: 9 });
  test('property: a metric between |len difference| and Levenshtein', () => {
    fc.assert(
      fc.property(str, str, str, (a, b, c) => {
        const ab = damerauLevenshtein(a, b);
        assert.equal(ab, damerauLevenshtein(b, a));
        assert.equal(damerauLevenshtein(a, a), 0);
        assert.ok(ab >= Math.abs(a.length - b.length));
        assert.ok(ab <= levenshtein(a, b));
        assert.ok(damerauLevenshtein(a, c) <= ab + damerauLevenshtein(b, c), 'triangle inequality');
      }),
    );
  });

  test('property: with a bound, the exact distance up to the bound, else bound + 1', () => {
    fc.assert(
      fc.property(str, str, fc.integer({ min: 0, max: 6 }), (a, b, bound) => {
        assert.equal(damerauLevenshtein(a, b, bound), Math.min(damerauLevenshtein(a, b), bound + 1));
      }),
    );
  });
});

describe('nearestTags', () => {
  test('a missing patch release: the neighbouring patches first, newer first', () => {
    assert.deepEqual(nearestTags('1.25.3', ['1.25.2', '1.25.4', '1.24', 'latest']), [
      '1.25.4',
      '1.25.2',
      '1.24',
    ]);
  });

  test('the same tag in another case comes first', () => {
    assert.deepEqual(nearestTags('LATEST', ['stable', 'latest', 'Latest']), ['latest', 'Latest']);
    assert.equal(nearestTags('V1.2.3', ['1.2.4', 'v1.2.3', '1.2.3'])[0], 'v1.2.3');
  });

  test('a "v" prefix or a missing one is a near miss', () => {
    assert.deepEqual(nearestTags('v1.2', ['1.20', '1.3', '1.2']).slice(0, 1), ['1.2']);
    assert.deepEqual(nearestTags('1.2', ['v1.3', 'v1.2', '2.0']).slice(0, 1), ['v1.2']);
  });

  test('a variant suffix is kept when the same version family has it', () => {
    const tags = ['1.25.2', '1.25.2-alpine', '1.25.4-alpine', 'alpine'];
    assert.deepEqual(nearestTags('1.25.3-alpine', tags).slice(0, 2), ['1.25.4-alpine', '1.25.2-alpine']);
  });

  test('more specific tags of a wanted version family rank by closeness', () => {
    assert.deepEqual(nearestTags('16', ['15', '16.1', '16.2', '17', 'latest']), ['16.2', '16.1', '17', '15']);
  });

  test('typos are found by edit distance; unrelated tags are left out', () => {
    assert.deepEqual(nearestTags('lates', ['stable', 'latest', '1.0']), ['latest']);
    assert.deepEqual(nearestTags('alpnie', ['alpine', 'edge', 'alpine3.19']), ['alpine']);
    assert.deepEqual(nearestTags('alpine', ['edge', 'alpine3.19', '3.19-alpine']), [
      'alpine3.19',
      '3.19-alpine',
    ]);
    assert.deepEqual(nearestTags('bookworm', ['latest', '1.0', 'edge']), []);
  });

  test('respects max, and an empty list gives nothing', () => {
    const tags = ['1.0.1', '1.0.2', '1.0.3', '1.0.4'];
    assert.equal(nearestTags('1.0.0', tags, 2).length, 2);
    assert.deepEqual(nearestTags('1.0.0', tags, 0), []);
    assert.deepEqual(nearestTags('1.0.0', []), []);
  });

  test('works on 10,000 tags and keeps the right ones', () => {
    const tags = Array.from({ length: 10_000 }, (_, i) => `${i % 7}.${i % 13}.${i}-build${i % 3}`);
    tags.push('3.5.1234-build2');
    const got = nearestTags('3.5.1234-build1', tags);
    assert.equal(got.length, 5);
    assert.equal(got[0], '3.5.1234-build2');
    for (const t of got.slice(1)) assert.match(t, /^3\.5\.\d+-build1$/);
  });

  test('property: result is a duplicate-free subset of tags, at most max long, exact match first', () => {
    const tag = fc.oneof(
      fc.stringMatching(/^v?\d{1,2}(\.\d{1,2}){0,2}(-[a-z]{1,6})?$/),
      fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9._-]{0,10}$/),
    );
    fc.assert(
      fc.property(
        tag,
        fc.array(tag, { maxLength: 40 }),
        fc.integer({ min: 0, max: 8 }),
        (wanted, tags, max) => {
          const got = nearestTags(wanted, tags, max);
          assert.ok(got.length <= max);
          assert.equal(new Set(got).size, got.length);
          for (const t of got) assert.ok(tags.includes(t));
          const ci = tags.find((t) => t.toLowerCase() === wanted.toLowerCase());
          if (ci !== undefined && max > 0) assert.equal(got[0]!.toLowerCase(), wanted.toLowerCase());
          assert.deepEqual(nearestTags(wanted, tags, max), got, 'deterministic');
        },
      ),
    );
  });
});
