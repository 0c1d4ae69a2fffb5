import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  describeAvailable,
  formatPlatform,
  parsePlatform,
  selectPlatform,
  type IndexEntry,
  type Platform,
} from '../../src/platform/index.ts';

let n = 0;
function entry(platform: Platform | undefined, annotations?: Record<string, string>): IndexEntry {
  n++;
  const digest = `sha256:${n.toString(16).padStart(64, '0')}`;
  return {
    digest,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 1000 + n,
    ...(platform ? { platform } : {}),
    ...(annotations ? { annotations } : {}),
  };
}
const raw = (s: string): Platform => {
  const [os = '', architecture = '', variant] = s.split('/');
  return variant ? { os, architecture, variant } : { os, architecture };
};
const attestation = (forDigest: string): IndexEntry =>
  entry(
    { os: 'unknown', architecture: 'unknown' },
    { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': forDigest },
  );

// Re-expressed from containerd/platforms TestOnly: which candidates Only(want) accepts.
const ONLY_CASES: [want: string, accepted: string[], rejected: string[]][] = [
  [
    'linux/amd64',
    ['linux/amd64', 'linux/386'],
    ['linux/amd64/v2', 'linux/arm/v7', 'linux/arm64', 'windows/amd64'],
  ],
  [
    'linux/amd64/v2',
    ['linux/amd64', 'linux/amd64/v1', 'linux/amd64/v2', 'linux/386'],
    ['linux/amd64/v3', 'linux/amd64/v4', 'linux/arm/v7', 'linux/arm64', 'windows/amd64'],
  ],
  ['linux/386', ['linux/386'], ['linux/amd64', 'linux/arm/v7', 'linux/arm64', 'windows/amd64']],
  [
    'windows/amd64',
    ['windows/amd64', 'windows(10.0.17763)/amd64'],
    ['linux/amd64', 'linux/arm64', 'windows/arm'],
  ],
  [
    'linux/arm/v8',
    ['linux/arm', 'linux/arm/v5', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm/v8'],
    ['linux/amd64', 'linux/arm/v4', 'linux/arm64', 'windows/arm'],
  ],
  [
    'linux/arm/v7',
    ['linux/arm', 'linux/arm/v5', 'linux/arm/v6', 'linux/arm/v7'],
    ['linux/amd64', 'linux/arm/v4', 'linux/arm/v8', 'linux/arm64', 'windows/arm'],
  ],
  [
    'linux/arm/v6',
    ['linux/arm/v5', 'linux/arm/v6'],
    ['linux/amd64', 'linux/arm', 'linux/arm/v4', 'linux/arm/v7', 'linux/arm/v8', 'linux/arm64'],
  ],
  ['linux/arm/v5', ['linux/arm/v5'], ['linux/arm', 'linux/arm/v4', 'linux/arm/v6', 'linux/arm64']],
  ['linux/arm/v4', ['linux/arm/v4'], ['linux/arm', 'linux/arm/v5', 'linux/arm/v6', 'linux/arm64']],
  [
    'linux/arm64/v9',
    [
      'linux/arm',
      'linux/arm/v5',
      'linux/arm/v8',
      'linux/arm64',
      'linux/arm64/v8',
      'linux/arm64/v8.1',
      'linux/arm64/v8.5',
      'linux/arm64/v9',
      'linux/arm64/v9.0',
    ],
    ['linux/amd64', 'linux/arm/v4', 'windows/arm', 'linux/arm64/v8.6'],
  ],
  [
    'linux/arm64/v8.1',
    ['linux/arm', 'linux/arm/v5', 'linux/arm/v8', 'linux/arm64', 'linux/arm64/v8', 'linux/arm64/v8.1'],
    ['linux/amd64', 'linux/arm/v4', 'linux/arm/v9', 'linux/arm64/v9', 'windows/arm'],
  ],
  [
    'linux/arm64',
    [
      'linux/arm',
      'linux/arm/v5',
      'linux/arm/v6',
      'linux/arm/v7',
      'linux/arm/v8',
      'linux/arm64',
      'linux/arm64/v8',
    ],
    ['linux/amd64', 'linux/arm/v4', 'linux/arm/v9', 'linux/arm64/v9', 'linux/arm64/v8.1', 'windows/arm'],
  ],
];

describe('selectPlatform: containerd Only() compatibility', () => {
  for (const [want, accepted, rejected] of ONLY_CASES) {
    test(want, () => {
      const w = parsePlatform(want);
      for (const c of accepted) {
        assert.ok(selectPlatform([entry(parsePlatform(c))], w), `${want} should accept ${c}`);
      }
      for (const c of rejected) {
        assert.equal(selectPlatform([entry(parsePlatform(c))], w), null, `${want} should reject ${c}`);
      }
    });
  }

  test('matches raw, non-normalised index platforms', () => {
    const e = entry({ os: 'linux', architecture: 'aarch64', variant: 'v8' });
    assert.equal(selectPlatform([e], parsePlatform('linux/arm64'))?.entry, e);
    const arm = entry({ os: 'linux', architecture: 'arm' });
    assert.equal(selectPlatform([arm], parsePlatform('linux/arm/v7'))?.exact, true);
  });
});

describe('selectPlatform: which entry wins', () => {
  test('an exact match beats an earlier compatible one', () => {
    const i386 = entry(raw('linux/386'));
    const amd64 = entry(raw('linux/amd64'));
    assert.deepEqual(selectPlatform([i386, amd64], raw('linux/amd64')), { entry: amd64, exact: true });
  });

  test('the fallback order is the most capable compatible platform first', () => {
    const entries = [entry(raw('linux/386')), entry(raw('linux/amd64')), entry(raw('linux/amd64/v2'))];
    const r = selectPlatform(entries, parsePlatform('linux/amd64/v3'));
    assert.equal(r?.entry, entries[2]);
    assert.equal(r?.exact, false);
    assert.equal(r?.via, 'linux/amd64/v2');

    const arm = [entry(raw('linux/arm/v5')), entry(raw('linux/arm/v7')), entry(raw('linux/arm/v6'))];
    const r2 = selectPlatform(arm, parsePlatform('linux/arm64'));
    assert.equal(r2?.entry, arm[1]);
    assert.equal(r2?.via, 'linux/arm/v7');
  });

  test('only 386 for an amd64 node is a fallback, reported with its platform', () => {
    const r = selectPlatform([entry(raw('linux/386')), entry(raw('linux/arm64'))], raw('linux/amd64'));
    assert.equal(r?.exact, false);
    assert.equal(r?.via, 'linux/386');
  });

  test('among equal matches the first entry wins', () => {
    const a = entry(raw('linux/amd64'));
    const b = entry(raw('linux/amd64'));
    assert.equal(selectPlatform([a, b], raw('linux/amd64'))?.entry, a);
  });

  test('no compatible entry gives null', () => {
    const entries = [entry(raw('linux/arm64')), entry(raw('linux/s390x'))];
    assert.equal(selectPlatform(entries, raw('linux/amd64')), null);
    assert.equal(selectPlatform([], raw('linux/amd64')), null);
  });

  test('OS features: an entry needing features the node lacks is skipped; more matching features win', () => {
    const plain = entry(raw('linux/amd64'));
    const gpu = entry({ os: 'linux', architecture: 'amd64', osFeatures: ['gpu'] });
    assert.equal(selectPlatform([gpu, plain], raw('linux/amd64'))?.entry, plain);
    assert.equal(selectPlatform([gpu], raw('linux/amd64')), null);
    const want = { os: 'linux', architecture: 'amd64', osFeatures: ['gpu', 'simd'] };
    assert.equal(selectPlatform([plain, gpu], want)?.entry, gpu);
  });

  test('Windows: the container build must suit the host build', () => {
    const ltsc2019 = entry({ os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.5576' });
    const ltsc2022 = entry({ os: 'windows', architecture: 'amd64', osVersion: '10.0.20348.2340' });
    const idx = [ltsc2022, ltsc2019];
    assert.equal(selectPlatform(idx, parsePlatform('windows(10.0.17763)/amd64'))?.entry, ltsc2019);
    assert.equal(selectPlatform(idx, parsePlatform('windows(10.0.20348)/amd64'))?.entry, ltsc2022);
    // A host newer than Server 2022 runs 2022 containers, never 2019 ones.
    assert.equal(selectPlatform([ltsc2019], parsePlatform('windows(10.0.26100)/amd64')), null);
    assert.equal(selectPlatform([ltsc2022], parsePlatform('windows(10.0.26100)/amd64'))?.entry, ltsc2022);
    // Without a host version every build matches.
    assert.equal(selectPlatform(idx, raw('windows/amd64'))?.entry, ltsc2022);
  });
});

describe('attestation manifests', () => {
  test('are never selected, not even for unknown/unknown', () => {
    const img = entry(raw('linux/amd64'));
    const att = attestation(img.digest);
    assert.equal(selectPlatform([att, img], raw('linux/amd64'))?.entry, img);
    assert.equal(selectPlatform([att], raw('unknown/unknown')), null);
    assert.equal(selectPlatform([entry(undefined)], raw('linux/amd64')), null);
  });

  test('property: selectPlatform never returns an attestation or platform-less entry', () => {
    const plat = fc.constantFrom(
      'linux/amd64',
      'linux/arm64',
      'linux/arm/v7',
      'linux/386',
      'unknown/unknown',
      'windows/amd64',
    );
    const arbEntry = fc.oneof(
      plat.map((p) => entry(raw(p))),
      plat.map((p) => entry(raw(p), { 'vnd.docker.reference.type': 'attestation-manifest' })),
      fc.constant(null).map(() => entry(undefined)),
    );
    fc.assert(
      fc.property(fc.array(arbEntry, { maxLength: 12 }), plat, (entries, want) => {
        const r = selectPlatform(entries, raw(want));
        if (!r) return;
        assert.ok(entries.includes(r.entry));
        assert.ok(r.entry.platform);
        assert.notEqual(r.entry.annotations?.['vnd.docker.reference.type'], 'attestation-manifest');
        assert.notEqual(r.entry.platform.os, 'unknown');
      }),
    );
  });
});

describe('describeAvailable', () => {
  test('lists runnable platforms once each, in index order', () => {
    const a = entry(raw('linux/amd64'));
    const entries = [
      a,
      attestation(a.digest),
      entry({ os: 'linux', architecture: 'arm', variant: 'v7' }),
      entry({ os: 'linux', architecture: 'aarch64' }),
      entry(raw('linux/amd64')),
      entry(undefined),
      entry({ os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.5576' }),
    ];
    assert.deepEqual(describeAvailable(entries), [
      'linux/amd64',
      'linux/arm/v7',
      'linux/arm64',
      'windows(10.0.17763.5576)/amd64',
    ]);
    assert.deepEqual(describeAvailable([]), []);
  });

  test('every described platform is one selectPlatform would pick for that platform', () => {
    const entries = ['linux/amd64', 'linux/arm64/v8', 'linux/ppc64le', 'linux/arm/v6'].map((p) =>
      entry(raw(p)),
    );
    for (const p of describeAvailable(entries)) {
      const r = selectPlatform(entries, parsePlatform(p));
      assert.equal(r?.exact, true, p);
      assert.equal(formatPlatform(parsePlatform(p)), p);
    }
  });
});
