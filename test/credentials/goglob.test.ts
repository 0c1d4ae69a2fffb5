import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { toBytes } from '../../src/credentials/bytes.ts';
import { goFilepathMatch, type GlobResult } from '../../src/credentials/goglob.ts';

// Go's own path/filepath match_test.go table (golang/go src/path/filepath/match_test.go), as data.
const goTable: [pattern: string, name: string, want: GlobResult][] = [
  ['abc', 'abc', 'match'],
  ['*', 'abc', 'match'],
  ['*c', 'abc', 'match'],
  ['a*', 'a', 'match'],
  ['a*', 'abc', 'match'],
  ['a*', 'ab/c', 'nomatch'],
  ['a*/b', 'abc/b', 'match'],
  ['a*/b', 'a/c/b', 'nomatch'],
  ['a*b*c*d*e*/f', 'axbxcxdxe/f', 'match'],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', 'match'],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', 'nomatch'],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', 'nomatch'],
  ['a*b?c*x', 'abxbbxdbxebxczzx', 'match'],
  ['a*b?c*x', 'abxbbxdbxebxczzy', 'nomatch'],
  ['ab[c]', 'abc', 'match'],
  ['ab[b-d]', 'abc', 'match'],
  ['ab[e-g]', 'abc', 'nomatch'],
  ['ab[^c]', 'abc', 'nomatch'],
  ['ab[^b-d]', 'abc', 'nomatch'],
  ['ab[^e-g]', 'abc', 'match'],
  ['a\\*b', 'a*b', 'match'],
  ['a\\*b', 'ab', 'nomatch'],
  ['a?b', 'a☺b', 'match'],
  ['a[^a]b', 'a☺b', 'match'],
  ['a???b', 'a☺b', 'nomatch'],
  ['a[^a][^a][^a]b', 'a☺b', 'nomatch'],
  ['[a-ζ]*', 'α', 'match'],
  ['*[a-ζ]', 'A', 'nomatch'],
  ['a?b', 'a/b', 'nomatch'],
  ['a*b', 'a/b', 'nomatch'],
  ['[\\]a]', ']', 'match'],
  ['[\\-]', '-', 'match'],
  ['[x\\-]', 'x', 'match'],
  ['[x\\-]', '-', 'match'],
  ['[x\\-]', 'z', 'nomatch'],
  ['[\\-x]', 'x', 'match'],
  ['[\\-x]', '-', 'match'],
  ['[\\-x]', 'a', 'nomatch'],
  ['[]a]', ']', 'bad'],
  ['[-]', '-', 'bad'],
  ['[x-]', 'x', 'bad'],
  ['[x-]', '-', 'bad'],
  ['[x-]', 'z', 'bad'],
  ['[-x]', 'x', 'bad'],
  ['[-x]', '-', 'bad'],
  ['[-x]', 'a', 'bad'],
  ['\\', 'a', 'bad'],
  ['[a-b-c]', 'a', 'bad'],
  ['[', 'a', 'bad'],
  ['[^', 'a', 'bad'],
  ['[^bc', 'a', 'bad'],
  ['a[', 'a', 'bad'],
  ['a[', 'ab', 'bad'],
  ['a[', 'x', 'bad'],
  ['a/b[', 'x', 'bad'],
  ['*x', 'xxx', 'match'],
];

describe("goFilepathMatch reproduces Go's filepath.Match", () => {
  for (const [pattern, name, want] of goTable) {
    test(`Match(${JSON.stringify(pattern)}, ${JSON.stringify(name)}) = ${want}`, () => {
      assert.equal(goFilepathMatch(toBytes(pattern), toBytes(name)), want);
    });
  }

  test('host-label globs as the kubelet uses them', () => {
    assert.equal(goFilepathMatch('*', 'prefix'), 'match');
    assert.equal(goFilepathMatch('*-good', 'prefix-good'), 'match');
    assert.equal(goFilepathMatch('*-good', 'prefix-bad'), 'nomatch');
    assert.equal(goFilepathMatch('k*', 'quay'), 'nomatch');
    assert.equal(goFilepathMatch('c*', 'io'), 'nomatch');
    assert.equal(goFilepathMatch('reg[0-9]', 'reg7'), 'match');
    assert.equal(goFilepathMatch('reg[0-9]', 'regx'), 'nomatch');
    // '!' does not negate a class in Go (only '^' does), unlike shell globs.
    assert.equal(goFilepathMatch('[!a]', 'b'), 'nomatch');
    assert.equal(goFilepathMatch('[!a]', '!'), 'match');
  });
});
