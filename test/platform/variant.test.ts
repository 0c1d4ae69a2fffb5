// Platform variants are read from flags, policies, ImagePullChecks and registry indexes. `linux/amd64/v300000000`
// once made selection list every lower level (300 million platforms) until the heap died: variants are validated
// where a platform is parsed, and selection is bounded even for a platform nobody validated.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UsageError } from '../../src/cause/index.ts';
import {
  compatiblePlatforms,
  formatPlatform,
  normalizePlatform,
  parsePlatform,
  selectPlatform,
  type Platform,
} from '../../src/platform/index.ts';

describe('variants', () => {
  const ONE_DIGIT = /variant "v?[\d.]+" is not a CPU level: levels are one digit/;
  const bad: [string, RegExp][] = [
    ['linux/amd64/v300000000', ONE_DIGIT],
    ['linux/amd64/10', ONE_DIGIT],
    ['linux/arm/v50000000', ONE_DIGIT],
    ['linux/arm64/v50000000', ONE_DIGIT],
    ['linux/arm64/v8.10', ONE_DIGIT],
    ['linux/aarch64/v12', ONE_DIGIT],
  ];
  for (const [spec, why] of bad) {
    test(`${spec} is refused with a clear error`, () => {
      assert.throws(
        () => parsePlatform(spec),
        (err: unknown) => err instanceof UsageError && why.test(err.message) && err.message.includes(spec),
      );
    });
  }

  // containerd's own cases include arm/v4 and arm/v9: one digit is all that is asked.
  const good = [
    'linux/arm/v4',
    'linux/arm/v9',
    'linux/amd64/v2',
    'linux/amd64/v4',
    'linux/amd64/v1',
    'linux/arm/v5',
    'linux/arm/v8',
    'linux/arm64/v8.9',
    'linux/arm64/v9.5',
    'linux/riscv64/rva22u64',
  ];
  for (const spec of good) test(`${spec} parses`, () => assert.doesNotThrow(() => parsePlatform(spec)));

  test('selection stays bounded for a platform nobody validated', () => {
    for (const architecture of ['amd64', 'arm', 'arm64']) {
      const want: Platform = normalizePlatform({ os: 'linux', architecture, variant: 'v300000000' });
      const vector = compatiblePlatforms(want);
      assert.ok(vector.length <= 32, `${architecture}: ${vector.length} platforms`);
      assert.equal(selectPlatform([], want), null);
    }
  });

  test('every parsed variant has a bounded compatibility list', () => {
    const arb = fc.record({
      architecture: fc.constantFrom('amd64', 'arm', 'arm64', 'aarch64', 'x86_64'),
      variant: fc.oneof(
        fc.nat({ max: 2 ** 31 }).map((n) => `v${n}`),
        fc.tuple(fc.nat({ max: 12 }), fc.nat({ max: 12 })).map(([a, b]) => `v${a}.${b}`),
      ),
    });
    fc.assert(
      fc.property(arb, ({ architecture, variant }) => {
        let p: Platform;
        try {
          p = parsePlatform(`linux/${architecture}/${variant}`);
        } catch (err) {
          assert.ok(err instanceof UsageError);
          return;
        }
        assert.ok(compatiblePlatforms(p).length <= 32, formatPlatform(p));
      }),
      { numRuns: 2000 },
    );
  });
});
