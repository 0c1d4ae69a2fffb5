import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, selects, type PolicyObject } from '../../src/policy/evaluate.ts';
import { parseImagePolicy, type ImagePolicy } from '../../src/policy/model.ts';
import { generateKeyPairSync } from 'node:crypto';

const PUBLIC_KEY = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

const DIGEST = `sha256:${'b'.repeat(64)}`;

function policy(spec: Record<string, unknown>, name = 'p'): ImagePolicy {
  return parseImagePolicy(
    { apiVersion: 'regdoctor.dev/v1alpha1', kind: 'ImagePolicy', metadata: { name }, spec },
    't',
  );
}

type C = { name: string; image?: string; securityContext?: { privileged?: boolean | null } };
function pod(containers: C[], extra: { init?: C[]; ephemeral?: C[]; namespace?: string } = {}): PolicyObject {
  return {
    kind: 'Pod',
    metadata: { name: 'web', ...(extra.namespace ? { namespace: extra.namespace } : {}) },
    spec: { containers, initContainers: extra.init, ephemeralContainers: extra.ephemeral },
  };
}
const image = (ref: string) => pod([{ name: 'c', image: ref }]);
const rules = (p: ImagePolicy | ImagePolicy[], obj: PolicyObject) =>
  evaluate(Array.isArray(p) ? p : [p], obj).violations.map((v) => v.rule);

describe('allowedRegistries', () => {
  const p = policy({ allowedRegistries: ['docker.io', 'ghcr.io/acme', 'localhost:5000', 'host:5000/team'] });
  const allowed = [
    'nginx',
    'library/nginx',
    'docker.io/nginx',
    'index.docker.io/nginx',
    'bitnami/redis:7',
    'ghcr.io/acme', // the prefix names a repository itself
    'ghcr.io/acme/app:1',
    'ghcr.io/acme/team/app',
    `ghcr.io/acme/app@${DIGEST}`,
    'localhost:5000/app',
    'localhost:5000/app:5000',
    'host:5000/team/app:1',
  ];
  const denied = [
    'ghcr.io/acme-evil/x',
    'ghcr.io/other/app',
    'quay.io/acme/app',
    'localhost/app',
    'localhost:5001/app',
    'host:5000/app:1',
    'host:5000/teams/app',
    'docker.io.evil.com/library/nginx',
  ];
  for (const ref of allowed) test(`allows ${ref}`, () => assert.deepEqual(rules(p, image(ref)), []));
  for (const ref of denied)
    test(`denies ${ref}`, () => assert.deepEqual(rules(p, image(ref)), ['allowedRegistries']));
  test('a Docker Hub path prefix', () => {
    const hub = policy({ allowedRegistries: ['docker.io/library'] });
    assert.deepEqual(rules(hub, image('nginx')), []);
    assert.deepEqual(rules(hub, image('bitnami/nginx')), ['allowedRegistries']);
  });
  test('the message names the image, its normalized form and the prefixes', () => {
    const [v] = evaluate([p], image('quay.io/x/y:1')).violations;
    assert.match(
      v!.message,
      /"quay\.io\/x\/y:1" is not from an allowed registry: quay\.io\/x\/y is under none of docker\.io, ghcr\.io\/acme/,
    );
  });
});

describe('validReference', () => {
  const p = policy({ allowedRegistries: ['docker.io'] });
  for (const bad of [
    'Nginx',
    'acme/App:1',
    'nginx:',
    'nginx@sha256:abc',
    ' nginx',
    'https://ghcr.io/a',
    'a//b',
  ]) {
    test(`${JSON.stringify(bad)} is invalid`, () => {
      const { violations } = evaluate([p], image(bad));
      assert.deepEqual(
        violations.map((v) => v.rule),
        ['validReference'],
      );
      assert.match(violations[0]!.message, /invalid reference|empty|remove/);
      assert.equal(violations[0]!.image, bad);
    });
  }
  test('an uppercase registry host is valid (Docker reads it as a host)', () => {
    assert.deepEqual(rules(policy({ allowedRegistries: ['ghcr.io'] }), image('GHCR.IO/acme/app')), []);
  });
  test('a container without an image', () => {
    const { violations } = evaluate([p], pod([{ name: 'c' }]));
    assert.equal(violations[0]?.rule, 'validReference');
    assert.equal(violations[0]?.message, 'container has no image');
  });
  test('reported by every policy that applies, in its mode', () => {
    const { violations } = evaluate([p, policy({ mode: 'warn' }, 'w')], image('Bad'));
    assert.deepEqual(
      violations.map((v) => [v.policy, v.mode]),
      [
        ['p', 'enforce'],
        ['w', 'warn'],
      ],
    );
  });
});

describe('blockedImages', () => {
  const p = policy({ blockedImages: ['nginx:*', 'ghcr.io/evil/**', `busybox@${DIGEST}`] });
  test('short and long forms of a blocked image', () => {
    for (const ref of ['nginx', 'nginx:1.25', 'docker.io/library/nginx:1', 'index.docker.io/library/nginx:x'])
      assert.deepEqual(rules(p, image(ref)), ['blockedImages'], ref);
  });
  test('neighbours are not blocked', () => {
    for (const ref of ['bitnami/nginx', 'nginx-alpine', `nginx@${DIGEST}`, 'ghcr.io/evilcorp/x', 'busybox:1'])
      assert.deepEqual(rules(p, image(ref)), [], ref);
  });
  test('by digest, whatever the tag', () => {
    assert.deepEqual(rules(p, image(`busybox:1.36@${DIGEST}`)), ['blockedImages']);
  });
  test('the message shows the pattern as written and normalized', () => {
    const [v] = evaluate([p], image('nginx')).violations;
    assert.equal(
      v?.message,
      'image "nginx" (docker.io/library/nginx:latest) matches blocked pattern "nginx:*" (docker.io/library/nginx:*)',
    );
  });
});

describe('disallowLatestTag and requireDigest', () => {
  const latest = policy({ disallowLatestTag: true });
  const digest = policy({ requireDigest: true });
  test('untagged counts as latest', () => {
    const [v] = evaluate([latest], image('nginx')).violations;
    assert.equal(v?.rule, 'disallowLatestTag');
    assert.match(v!.message, /has no tag, so it pulls :latest/);
  });
  test('explicit :latest, on any registry, including one with a port', () => {
    assert.deepEqual(rules(latest, image('nginx:latest')), ['disallowLatestTag']);
    assert.deepEqual(rules(latest, image('localhost:5000/app')), ['disallowLatestTag']);
    assert.match(
      evaluate([latest], image('ghcr.io/a/b:latest')).violations[0]!.message,
      /uses the :latest tag/,
    );
  });
  test('a port is not a tag: host:5000/app is untagged', () => {
    assert.match(evaluate([latest], image('host:5000/app')).violations[0]!.message, /has no tag/);
    assert.deepEqual(rules(latest, image('host:5000/app:1')), []);
  });
  test('digest-pinned latest is allowed; other tags are allowed', () => {
    assert.deepEqual(rules(latest, image(`nginx:latest@${DIGEST}`)), []);
    assert.deepEqual(rules(latest, image(`nginx@${DIGEST}`)), []);
    assert.deepEqual(rules(latest, image('nginx:Latest')), []);
    assert.deepEqual(rules(latest, image('nginx:1.25')), []);
  });
  test('requireDigest', () => {
    assert.deepEqual(rules(digest, image('nginx:1.25')), ['requireDigest']);
    assert.deepEqual(rules(digest, image('nginx')), ['requireDigest']);
    assert.deepEqual(rules(digest, image(`nginx@${DIGEST}`)), []);
    assert.deepEqual(rules(digest, image(`localhost:5000/a:1@${DIGEST}`)), []);
  });
});

describe('disallowPrivileged', () => {
  const p = policy({ disallowPrivileged: true });
  test('in containers, init containers and ephemeral containers', () => {
    const obj = pod([{ name: 'a', image: 'x:1', securityContext: { privileged: true } }], {
      init: [{ name: 'i', image: 'x:1', securityContext: { privileged: true } }],
      ephemeral: [{ name: 'e', image: 'x:1', securityContext: { privileged: true } }],
    });
    const { violations } = evaluate([p], obj);
    assert.deepEqual(
      violations.map((v) => [v.rule, v.container, v.containerType]),
      [
        ['disallowPrivileged', 'i', 'initContainer'],
        ['disallowPrivileged', 'a', 'container'],
        ['disallowPrivileged', 'e', 'ephemeralContainer'],
      ],
    );
    assert.match(violations[0]!.message, /^init container runs privileged/);
  });
  test('false, null and absent are fine', () => {
    const obj = pod([
      { name: 'a', image: 'x:1', securityContext: { privileged: false } },
      { name: 'b', image: 'x:1', securityContext: { privileged: null } },
      { name: 'c', image: 'x:1' },
    ]);
    assert.deepEqual(rules(p, obj), []);
  });
  test('not checked unless asked', () => {
    assert.deepEqual(
      rules(policy({}), pod([{ name: 'a', image: 'x:1', securityContext: { privileged: true } }])),
      [],
    );
  });
  test('still checked when the image is invalid', () => {
    assert.deepEqual(rules(p, pod([{ name: 'a', image: 'X', securityContext: { privileged: true } }])), [
      'validReference',
      'disallowPrivileged',
    ]);
  });
});

describe('workload kinds', () => {
  const p = policy({ requireDigest: true });
  const spec = { containers: [{ name: 'c', image: 'nginx:1' }] };
  const objects: PolicyObject[] = [
    { kind: 'Pod', metadata: { name: 'x' }, spec },
    ...['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].map((kind) => ({
      kind,
      metadata: { name: 'x' },
      spec: { template: { spec } },
    })),
    { kind: 'CronJob', metadata: { name: 'x' }, spec: { jobTemplate: { spec: { template: { spec } } } } },
  ];
  for (const obj of objects) {
    test(obj.kind!, () => {
      const { violations } = evaluate([p], obj);
      assert.deepEqual(
        violations.map((v) => [v.kind, v.name, v.container, v.image]),
        [[obj.kind, 'x', 'c', 'nginx:1']],
      );
    });
  }
  test('other kinds and missing templates are skipped', () => {
    assert.deepEqual(rules(p, { kind: 'Service', metadata: { name: 's' }, spec }), []);
    assert.deepEqual(
      rules(p, { kind: 'CronJob', metadata: { name: 's' }, spec: { template: { spec } } }),
      [],
    );
  });
  test('an object without a kind is a Pod (as in ClusterState.pods)', () => {
    assert.equal(evaluate([p], { metadata: { name: 'x' }, spec }).violations[0]?.kind, 'Pod');
  });
});

describe('exemptions and namespaces', () => {
  test('exemptImages skips the container for every rule of that policy only', () => {
    const p = policy({
      requireDigest: true,
      disallowPrivileged: true,
      exemptImages: ['ghcr.io/acme/debug:*'],
    });
    const obj = pod([
      { name: 'dbg', image: 'ghcr.io/acme/debug:1', securityContext: { privileged: true } },
      { name: 'app', image: 'ghcr.io/acme/app:1' },
    ]);
    assert.deepEqual(
      evaluate([p], obj).violations.map((v) => v.container),
      ['app'],
    );
    const other = policy({ requireDigest: true }, 'q');
    assert.deepEqual(
      evaluate([p, other], obj).violations.map((v) => `${v.policy}/${v.container}`),
      ['p/app', 'q/dbg', 'q/app'],
    );
  });
  test('namespaces, excludedNamespaces, and the default namespace', () => {
    const only = policy({ requireDigest: true, namespaces: ['shop'] });
    const except = policy({ requireDigest: true, excludedNamespaces: ['kube-system'] });
    const at = (ns?: string) => pod([{ name: 'c', image: 'x:1' }], ns ? { namespace: ns } : {});
    assert.deepEqual(rules(only, at('shop')), ['requireDigest']);
    assert.deepEqual(rules(only, at('dev')), []);
    assert.deepEqual(rules(only, at()), []);
    assert.equal(evaluate([only], at(), { defaultNamespace: 'shop' }).violations.length, 1);
    assert.deepEqual(rules(except, at('kube-system')), []);
    assert.deepEqual(rules(except, at()), ['requireDigest']);
    assert.equal(evaluate([except], at()).violations[0]?.namespace, 'default');
  });
  test('namespaceSelector with known labels', () => {
    const p = policy({ requireDigest: true, namespaceSelector: { matchLabels: { env: 'prod' } } });
    const labels = new Map([
      ['shop', { env: 'prod' }],
      ['dev', { env: 'dev' }],
    ]);
    const opts = { namespaceLabels: (ns: string) => labels.get(ns) };
    const at = (ns: string) => pod([{ name: 'c', image: 'x:1' }], { namespace: ns });
    assert.equal(evaluate([p], at('shop'), opts).violations.length, 1);
    assert.equal(evaluate([p], at('dev'), opts).violations.length, 0);
  });
  test('namespaceSelector with unknown labels applies the policy and says so', () => {
    const p = policy({ requireDigest: true, namespaceSelector: { matchLabels: { env: 'prod' } } });
    const r = evaluate([p], pod([{ name: 'c', image: 'x:1' }], { namespace: 'shop' }));
    assert.equal(r.violations.length, 1);
    assert.deepEqual(
      r.notes.map((n) => n.rule),
      ['namespaceSelector'],
    );
    assert.match(r.notes[0]!.message, /labels of namespace "shop" are unknown/);
  });
  test('a selector on the namespace-name label alone needs no labels', () => {
    const p = policy({
      requireDigest: true,
      namespaceSelector: {
        matchExpressions: [
          { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] },
        ],
      },
    });
    const at = (ns: string) => evaluate([p], pod([{ name: 'c', image: 'x:1' }], { namespace: ns }));
    assert.deepEqual([at('kube-system').violations.length, at('kube-system').notes.length], [0, 0]);
    assert.deepEqual([at('shop').violations.length, at('shop').notes.length], [1, 0]);
  });
  test('label selector operators', () => {
    const l = { a: '1', b: '2' };
    assert.equal(selects({}, l), true);
    assert.equal(selects({ matchLabels: { a: '1' } }, l), true);
    assert.equal(selects({ matchLabels: { a: '2' } }, l), false);
    assert.equal(selects({ matchExpressions: [{ key: 'a', operator: 'In', values: ['0', '1'] }] }, l), true);
    assert.equal(selects({ matchExpressions: [{ key: 'c', operator: 'In', values: ['1'] }] }, l), false);
    assert.equal(selects({ matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['1'] }] }, l), true);
    assert.equal(selects({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, l), false);
    assert.equal(selects({ matchExpressions: [{ key: 'b', operator: 'Exists' }] }, l), true);
    assert.equal(selects({ matchExpressions: [{ key: 'b', operator: 'DoesNotExist' }] }, l), false);
  });
});

describe('combination and notes', () => {
  test('every policy applies and every violation is named', () => {
    const a = policy({ allowedRegistries: ['ghcr.io'] }, 'a');
    const b = policy({ mode: 'warn', disallowLatestTag: true }, 'b');
    const { violations } = evaluate([a, b], image('nginx'));
    assert.deepEqual(
      violations.map((v) => [v.policy, v.rule, v.mode]),
      [
        ['a', 'allowedRegistries', 'enforce'],
        ['b', 'disallowLatestTag', 'warn'],
      ],
    );
  });
  test('rules that need registry data are notes, never violations', () => {
    const p = policy({
      requiredSignatures: [{ keys: [{ publicKey: PUBLIC_KEY }] }],
      minimumSeverity: 'CRITICAL',
      maxImageSize: 1,
      allowedPlatforms: ['linux/amd64'],
    });
    const r = evaluate([p], image('nginx'));
    assert.deepEqual(r.violations, []);
    assert.deepEqual(
      r.notes.map((n) => n.rule),
      ['requiredSignatures', 'minimumSeverity', 'maxImageSize', 'allowedPlatforms'],
    );
    assert.match(r.notes[0]!.message, /not evaluated: needs registry data/);
  });
  test('no notes for a policy that applied to nothing', () => {
    const p = policy({ minimumSeverity: 'LOW', exemptImages: ['**'] });
    assert.deepEqual(evaluate([p], image('nginx')).notes, []);
  });
});
