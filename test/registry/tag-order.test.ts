// The order `regdoctor tags` prints: non-versions by name, then versions by semver precedence, newest last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareVersions, parseTagVersion, sortTags } from '../../src/registry/tag-order.ts';

test('semver.org precedence example, in any input order', () => {
  // https://semver.org/#spec-item-11 lists exactly this chain.
  const chain = [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
  ];
  fc.assert(
    fc.property(fc.shuffledSubarray(chain, { minLength: chain.length }), (shuffled) => {
      assert.deepEqual(sortTags(shuffled, 'semver'), chain);
    }),
  );
});

test('numbers compare as numbers, not text; non-versions come first by name; the newest is last', () => {
  const tags = [
    'latest',
    '1.10.0',
    '1.9.0',
    'v2.0.0',
    '1.2',
    'main',
    '1.2.0',
    '10',
    'sha256-ab12.sig',
    '1.10.0-rc.1',
  ];
  assert.deepEqual(sortTags(tags, 'semver'), [
    'latest',
    'main',
    'sha256-ab12.sig',
    '1.2',
    '1.2.0',
    '1.9.0',
    '1.10.0-rc.1',
    '1.10.0',
    'v2.0.0',
    '10',
  ]);
  assert.deepEqual(sortTags(tags, 'name'), [...tags].sort());
  assert.deepEqual(sortTags(tags, 'registry'), tags);
});

test('numbers past 2^53 and leading zeros keep their order', () => {
  assert.deepEqual(
    sortTags(['99999999999999999999', '100000000000000000000', '9007199254740993', '007'], 'semver'),
    ['007', '9007199254740993', '99999999999999999999', '100000000000000000000'],
  );
  assert.equal(compareVersions(parseTagVersion('1.02.3')!, parseTagVersion('1.2.3')!), 0);
});

test('any list: a permutation, stable under re-sorting, and versions ordered by their numbers', () => {
  const part = fc.integer({ min: 0, max: 30 });
  const version = fc.tuple(part, part, part).map(([a, b, c]) => `${a}.${b}.${c}`);
  const other = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,8}$/);
  fc.assert(
    fc.property(fc.array(fc.oneof(version, other), { maxLength: 40 }), (tags) => {
      const once = sortTags(tags, 'semver');
      assert.deepEqual([...once].sort(), [...tags].sort());
      assert.deepEqual(sortTags(once, 'semver'), once);
      const nums = once.filter((t) => /^\d+\.\d+\.\d+$/.test(t)).map((t) => t.split('.').map(Number));
      for (let i = 1; i < nums.length; i++) {
        const [a, b] = [nums[i - 1]!, nums[i]!];
        assert.ok(a[0]! < b[0]! || (a[0] === b[0] && (a[1]! < b[1]! || (a[1] === b[1] && a[2]! <= b[2]!))));
      }
    }),
  );
});

// A backtracking pattern would take hours on this; the timeout only turns such a hang into a failure.
test('a long hostile tag is read in one pass', { timeout: 10_000 }, () => {
  const tag = `1${'.1'.repeat(50_000)}-${'a-'.repeat(50_000)}!`;
  assert.equal(parseTagVersion(tag), null);
  assert.equal(parseTagVersion(tag.slice(0, -2))?.core.length, 50_001);
});
