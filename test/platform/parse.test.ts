import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UsageError } from '../../src/cause/index.ts';
import {
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  parsePlatform,
  platformFromNodeArch,
  type Platform,
} from '../../src/platform/index.ts';

const host = hostPlatform();
const hostArch = [host.architecture, host.variant].filter(Boolean).join('/');

// Re-expressed from containerd/platforms TestParseSelector. Where containerd keeps a non-canonical variant in the
// parsed value (linux/arm64/v8 → variant "v8", linux/arm → no variant), parsePlatform returns the normalised form.
const PARSE_CASES: [input: string, expected: Platform, formatted: string][] = [
  ['linux/arm64', { os: 'linux', architecture: 'arm64' }, 'linux/arm64'],
  ['linux/arm64/v8', { os: 'linux', architecture: 'arm64' }, 'linux/arm64'],
  ['linux/aarch64/8', { os: 'linux', architecture: 'arm64' }, 'linux/arm64'],
  ['linux/arm64/v8.0', { os: 'linux', architecture: 'arm64' }, 'linux/arm64'],
  ['linux/arm64/9.0', { os: 'linux', architecture: 'arm64', variant: 'v9' }, 'linux/arm64/v9'],
  ['linux/arm64/v8.2', { os: 'linux', architecture: 'arm64', variant: 'v8.2' }, 'linux/arm64/v8.2'],
  ['linux/arm', { os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
  ['linux/arm/7', { os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
  ['linux/arm/v6', { os: 'linux', architecture: 'arm', variant: 'v6' }, 'linux/arm/v6'],
  ['linux/armhf', { os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
  ['linux/armel', { os: 'linux', architecture: 'arm', variant: 'v6' }, 'linux/arm/v6'],
  ['linux/amd64/v1', { os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
  ['linux/amd64/v3', { os: 'linux', architecture: 'amd64', variant: 'v3' }, 'linux/amd64/v3'],
  ['Linux/x86_64', { os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
  ['linux/x86-64', { os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
  ['linux/i386', { os: 'linux', architecture: '386' }, 'linux/386'],
  ['linux/s390x', { os: 'linux', architecture: 's390x' }, 'linux/s390x'],
  ['windows/amd64', { os: 'windows', architecture: 'amd64' }, 'windows/amd64'],
  ['arm', { os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
  ['armel', { os: 'linux', architecture: 'arm', variant: 'v6' }, 'linux/arm/v6'],
  ['armhf', { os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
  ['Aarch64', { os: 'linux', architecture: 'arm64' }, 'linux/arm64'],
  ['x86_64', { os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
  ['i386', { os: 'linux', architecture: '386' }, 'linux/386'],
  ['s390x', { os: 'linux', architecture: 's390x' }, 'linux/s390x'],
  [
    'windows(10.0.17763+win32k)/amd64',
    { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763', osFeatures: ['win32k'] },
    'windows(10.0.17763+win32k)/amd64',
  ],
  [
    'linux(+unsorted+erofs)/amd64',
    { os: 'linux', architecture: 'amd64', osFeatures: ['erofs', 'unsorted'] },
    'linux(+erofs+unsorted)/amd64',
  ],
  [
    'windows(10.0.17763%2Bbuild.42)/amd64',
    { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763+build.42' },
    'windows(10.0.17763%2Bbuild.42)/amd64',
  ],
  [
    'windows(50%25done)/amd64',
    { os: 'windows', architecture: 'amd64', osVersion: '50%done' },
    'windows(50%25done)/amd64',
  ],
];

describe('parsePlatform', () => {
  for (const [input, expected, formatted] of PARSE_CASES) {
    test(input, () => {
      const p = parsePlatform(input);
      assert.deepEqual(p, expected);
      assert.equal(formatPlatform(p), formatted);
      assert.deepEqual(parsePlatform(formatted), p, 'formatted output parses back to the same platform');
    });
  }

  test('a lone OS takes the architecture of this machine', () => {
    assert.equal(formatPlatform(parsePlatform('linux')), `linux/${hostArch}`);
    assert.equal(formatPlatform(parsePlatform('macOS')), `darwin/${hostArch}`);
    const win = parsePlatform('windows(10.0.17763)');
    assert.equal(win.osVersion, '10.0.17763');
    assert.equal(formatPlatform(win), `windows(10.0.17763)/${hostArch}`);
  });

  for (const bad of [
    '',
    '/linux/arm',
    'linux/arm/',
    'linux /arm',
    'linux/&arm',
    'linux/arm/foo/bar',
    '*',
    'linux/*',
    'notanos',
    'amd64(1.0)',
    'windows(50%zzdone)/amd64',
  ]) {
    test(`rejects ${JSON.stringify(bad)} with a UsageError`, () => {
      assert.throws(() => parsePlatform(bad), UsageError);
    });
  }
});

describe('normalizePlatform', () => {
  const cases: [Platform, Platform][] = [
    [
      { os: 'Linux', architecture: 'AArch64', variant: 'V8' },
      { os: 'linux', architecture: 'arm64' },
    ],
    [
      { os: 'linux', architecture: 'arm' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ],
    [
      { os: 'linux', architecture: 'arm', variant: '5' },
      { os: 'linux', architecture: 'arm', variant: 'v5' },
    ],
    [
      { os: 'linux', architecture: 'i386', variant: 'x' },
      { os: 'linux', architecture: '386' },
    ],
    [
      { os: 'macos', architecture: 'arm64' },
      { os: 'darwin', architecture: 'arm64' },
    ],
    [
      { os: 'linux', architecture: 'amd64', osFeatures: ['b', 'a', 'b'] },
      { os: 'linux', architecture: 'amd64', osFeatures: ['a', 'b'] },
    ],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)}`, () => assert.deepEqual(normalizePlatform(input), expected));
  }

  test('is idempotent, and format/parse round-trips normalised platforms', () => {
    const arb = fc.record({
      os: fc.constantFrom('linux', 'windows', 'darwin', 'freebsd', 'Linux'),
      architecture: fc.constantFrom(
        'amd64',
        'x86_64',
        'arm',
        'armhf',
        'armel',
        'arm64',
        'aarch64',
        '386',
        'riscv64',
      ),
      variant: fc.constantFrom('', 'v1', 'v2', 'v3', 'v5', 'v6', 'v7', 'v8', '8', 'v8.1', 'v9'),
    });
    fc.assert(
      fc.property(arb, (raw) => {
        const n = normalizePlatform(raw);
        assert.deepEqual(normalizePlatform(n), n);
        assert.deepEqual(parsePlatform(formatPlatform(n)), n);
      }),
    );
  });
});

describe('hostPlatform', () => {
  const cases: [arch: string, armVersion: string | undefined, endian: 'LE' | 'BE', expected: string][] = [
    ['x64', undefined, 'LE', 'linux/amd64'],
    ['arm64', undefined, 'LE', 'linux/arm64'],
    ['arm', undefined, 'LE', 'linux/arm/v7'],
    ['arm', '6', 'LE', 'linux/arm/v6'],
    ['ia32', undefined, 'LE', 'linux/386'],
    ['ppc64', undefined, 'LE', 'linux/ppc64le'],
    ['ppc64', undefined, 'BE', 'linux/ppc64'],
    ['s390x', undefined, 'BE', 'linux/s390x'],
    ['riscv64', undefined, 'LE', 'linux/riscv64'],
    ['loong64', undefined, 'LE', 'linux/loong64'],
    ['mipsel', undefined, 'LE', 'linux/mipsle'],
  ];
  for (const [arch, armVersion, endian, expected] of cases) {
    test(`${arch}${armVersion ? ` (arm_version ${armVersion})` : ''} ${endian} → ${expected}`, () => {
      assert.equal(formatPlatform(platformFromNodeArch(arch, armVersion, endian)), expected);
    });
  }

  test('is a normalised Linux platform', () => {
    const p = hostPlatform();
    assert.equal(p.os, 'linux');
    assert.deepEqual(normalizePlatform(p), p);
  });
});
