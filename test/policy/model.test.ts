import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import {
  normalizePrefix,
  parseImagePolicy,
  parseSize,
  PolicyError,
  SPEC_FIELDS,
} from '../../src/policy/model.ts';
import { generateKeyPairSync } from 'node:crypto';

const PUBLIC_KEY = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

const doc = (spec: Record<string, unknown>, name = 'p') => ({
  apiVersion: 'regdoctor.dev/v1alpha1',
  kind: 'ImagePolicy',
  metadata: { name },
  spec,
});
const error = (value: unknown): string => {
  try {
    parseImagePolicy(value, 'pol.yaml');
  } catch (err) {
    assert.ok(err instanceof PolicyError, String(err));
    assert.ok(!err.message.includes('\n'), 'one line');
    return err.message;
  }
  assert.fail('expected a PolicyError');
};

describe('parseImagePolicy', () => {
  test('defaults: enforce, no rules', () => {
    const p = parseImagePolicy(doc({}), 'pol.yaml');
    assert.equal(p.mode, 'enforce');
    assert.equal(p.allowedRegistries, null);
    assert.deepEqual(p.blockedImages, []);
    assert.equal(p.disallowLatestTag, false);
    assert.equal(p.origin, 'pol.yaml');
  });
  test('normalizes prefixes and patterns, keeps the registry-data rules', () => {
    const p = parseImagePolicy(
      doc({
        mode: 'warn',
        allowedRegistries: ['index.docker.io', 'GHCR.io/acme/', 'localhost:5000'],
        blockedImages: ['nginx:*'],
        requiredSignatures: [
          {
            images: ['ghcr.io/acme/**'],
            keys: [{ name: 'ci', publicKey: PUBLIC_KEY }],
          },
        ],
        minimumSeverity: 'HIGH',
        maxImageSize: '500Mi',
        allowedPlatforms: ['linux/amd64', 'linux/arm64/v8'],
      }),
      'pol.yaml',
    );
    assert.equal(p.mode, 'warn');
    assert.deepEqual(p.allowedRegistries, ['docker.io', 'ghcr.io/acme', 'localhost:5000']);
    assert.equal(p.blockedImages[0]?.normalized, 'docker.io/library/nginx:*');
    assert.equal(p.requiredSignatures?.[0]?.images?.[0]?.normalized, 'ghcr.io/acme/**');
    assert.equal(p.requiredSignatures?.[0]?.keys[0]?.name, 'ci');
    assert.equal(p.minimumSeverity, 'HIGH');
    assert.equal(p.maxImageSize, 500 * 1024 * 1024);
    assert.deepEqual(p.allowedPlatforms, ['linux/amd64', 'linux/arm64']);
  });

  const bad: [string, unknown, RegExp][] = [
    [
      'unknown spec field',
      doc({ disalowLatestTag: true }),
      /pol\.yaml: ImagePolicy "p": unknown field spec\.disalowLatestTag/,
    ],
    ['unknown top-level field', { ...doc({}), extra: 1 }, /unknown field extra/],
    [
      'wrong type',
      doc({ requireDigest: 'yes' }),
      /ImagePolicy "p": spec\.requireDigest: .*expected boolean, received string/,
    ],
    ['bad mode', doc({ mode: 'audit' }), /spec\.mode: unexpected value .*"enforce" or "warn"/],
    ['bad severity', doc({ minimumSeverity: 'high' }), /spec\.minimumSeverity/],
    [
      'missing name',
      { ...doc({}), metadata: {} },
      /ImagePolicy \(unnamed\): metadata\.name: required field is missing/,
    ],
    ['bad name', doc({}, 'Bad_Name'), /metadata\.name: must be a lowercase DNS subdomain name/],
    ['missing spec', { ...doc({}), spec: undefined }, /spec: required field is missing/],
    [
      'wrong kind',
      { ...doc({}), kind: 'ClusterImagePolicy' },
      /pol\.yaml: expected apiVersion regdoctor\.dev\/v1alpha1, kind ImagePolicy; got "regdoctor\.dev\/v1alpha1", "ClusterImagePolicy"/,
    ],
    ['not an object', ['x'], /expected an ImagePolicy object, got an array/],
    [
      'registry without a host',
      doc({ allowedRegistries: ['bitnami'] }),
      /spec\.allowedRegistries\[0\]: "bitnami" is not a registry host.*docker\.io\/bitnami/,
    ],
    ['registry URL', doc({ allowedRegistries: ['https://ghcr.io'] }), /allowedRegistries\[0\].*not a URL/],
    ['registry wildcard', doc({ allowedRegistries: ['ghcr.io/*'] }), /allowedRegistries\[0\].*no wildcards/],
    ['empty allowedRegistries', doc({ allowedRegistries: [] }), /allowedRegistries is empty/],
    ['bad pattern', doc({ blockedImages: ['ok', 'Acme/App'] }), /spec\.blockedImages\[1\]: .*lowercase/],
    ['bad exempt pattern', doc({ exemptImages: ['a@b@c'] }), /spec\.exemptImages\[0\]/],
    [
      'key not PEM',
      doc({ requiredSignatures: [{ keys: [{ publicKey: 'abc' }] }] }),
      /requiredSignatures\[0\]\.keys\[0\]\.publicKey: must be a PEM public key/,
    ],
    [
      'key that does not parse',
      doc({
        requiredSignatures: [
          { keys: [{ publicKey: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----' }] },
        ],
      }),
      /requiredSignatures\[0\]\.keys\[0\]\.publicKey: not a valid public key/,
    ],
    [
      'unsupported key type',
      doc({
        requiredSignatures: [
          {
            keys: [
              {
                publicKey: generateKeyPairSync('ed25519')
                  .publicKey.export({ type: 'spki', format: 'pem' })
                  .toString(),
              },
            ],
          },
        ],
      }),
      /publicKey: ed25519 \(unsupported\): use an ECDSA P-256 or RSA/,
    ],
    ['bad noVulnerabilityData', doc({ noVulnerabilityData: 'maybe' }), /spec\.noVulnerabilityData: /],
    [
      'no keys',
      doc({ requiredSignatures: [{ keys: [] }] }),
      /requiredSignatures\[0\]\.keys: needs at least one key/,
    ],
    ['bad size', doc({ maxImageSize: 'big' }), /spec\.maxImageSize: "big" is not a size/],
    [
      'size of the wrong type',
      doc({ maxImageSize: true }),
      /spec\.maxImageSize: must be a number of bytes or a size such as 500Mi/,
    ],
    ['negative size', doc({ maxImageSize: -1 }), /spec\.maxImageSize: must be a positive/],
    ['bad platform', doc({ allowedPlatforms: ['linux'] }), /allowedPlatforms\[0\]: "linux": write os\/arch/],
    [
      'a platform variant past any level',
      doc({ allowedPlatforms: ['linux/arm64', 'linux/amd64/v300000000'] }),
      /allowedPlatforms\[1\]: invalid platform "linux\/amd64\/v300000000": amd64 variant "v300000000" is not a CPU level/,
    ],
    [
      'In without values',
      doc({ namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }),
      /namespaceSelector\.matchExpressions\[0\]: In and NotIn need values/,
    ],
    [
      'bad operator',
      doc({ namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'Has' }] } }),
      /operator/,
    ],
    ['namespaces not strings', doc({ namespaces: [1] }), /spec\.namespaces\[0\]: .*expected string/],
  ];
  for (const [what, value, want] of bad) {
    test(`error: ${what}`, () => assert.match(error(value), want));
  }
});

describe('normalizePrefix', () => {
  const cases: [string, string][] = [
    ['docker.io', 'docker.io'],
    ['index.docker.io/library', 'docker.io/library'],
    ['registry-1.docker.io/bitnami', 'docker.io/bitnami'],
    ['localhost', 'localhost'],
    ['localhost:5000/', 'localhost:5000'],
    ['Registry.Example.com:443/team', 'registry.example.com:443/team'],
    ['[::1]:5000', '[::1]:5000'],
  ];
  for (const [input, want] of cases)
    test(`${input} → ${want}`, () => assert.equal(normalizePrefix(input), want));
  for (const bad of ['library', 'ghcr.io//a', 'ghcr.io/acme:1', 'ghcr.io/Acme', 'ghcr.io/a b', '/x']) {
    test(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => normalizePrefix(bad)));
  }
});

describe('parseSize', () => {
  const cases: [number | string, number][] = [
    [1024, 1024],
    ['1024', 1024],
    ['500Mi', 500 * 1024 ** 2],
    ['1.5GB', 1.5e9],
    ['2Gi', 2 * 1024 ** 3],
    ['10k'.toUpperCase(), 10_000],
  ];
  for (const [input, want] of cases) test(`${input} → ${want}`, () => assert.equal(parseSize(input), want));
  for (const bad of [0, 1.5, '0', 'x', '5 parsecs', '-1Mi']) {
    test(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseSize(bad)));
  }
});

describe('CRD', () => {
  const crd = parse(readFileSync(new URL('../../deploy/crds/imagepolicy.yaml', import.meta.url), 'utf8')) as {
    spec: {
      group: string;
      scope: string;
      names: { kind: string };
      versions: {
        name: string;
        schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } };
      }[];
    };
  };
  test('is cluster-scoped regdoctor.dev/v1alpha1 ImagePolicy', () => {
    assert.equal(crd.spec.group, 'regdoctor.dev');
    assert.equal(crd.spec.scope, 'Cluster');
    assert.equal(crd.spec.names.kind, 'ImagePolicy');
    assert.deepEqual(
      crd.spec.versions.map((v) => v.name),
      ['v1alpha1'],
    );
  });
  test('its spec schema has exactly the model fields', () => {
    const fields = Object.keys(crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties);
    assert.deepEqual([...fields].sort(), [...SPEC_FIELDS].sort());
  });
});
