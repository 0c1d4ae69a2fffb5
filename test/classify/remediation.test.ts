import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CAUSES } from '../../src/cause/index.ts';
import { remediationFor } from '../../src/cause/remediation.ts';

const FULL = {
  image: 'harbor.corp.example/team/api:1.4.2',
  registry: 'harbor.corp.example',
  platform: 'linux/arm64',
  tag: '1.4.2',
  suggestions: ['1.4.1', '1.4.3'],
};

describe('remediationFor', () => {
  for (const cause of CAUSES) {
    test(`${cause}: concrete single-line steps, with and without context`, () => {
      for (const ctx of [{}, FULL, { image: null, registry: null }]) {
        const steps = remediationFor(cause, ctx);
        assert.ok(steps.length >= 2, `${cause} has ${steps.length} steps`);
        for (const step of steps) {
          assert.equal(typeof step, 'string');
          assert.equal(step, step.trim());
          assert.ok(step.length > 10, step);
          assert.ok(!step.includes('\n'), step);
          assert.ok(!/\bundefined\b|(?<!\/dev\/)\bnull\b|\[object /.test(step), step);
        }
        assert.equal(new Set(steps).size, steps.length, 'no repeated steps');
      }
    });
  }

  test('values from the caller are used, and placeholders stand in for missing ones', () => {
    const withCtx = remediationFor('UNAUTHORIZED', FULL).join(' ');
    assert.ok(withCtx.includes('--docker-server=harbor.corp.example'));
    assert.ok(withCtx.includes('regdoctor probe harbor.corp.example/team/api:1.4.2'));
    const bare = remediationFor('UNAUTHORIZED', {}).join(' ');
    assert.ok(bare.includes('--docker-server=<registry>'));
    assert.ok(bare.includes('regdoctor probe <image>'));
  });

  test('pull secret steps carry placeholders, never credentials', () => {
    const step = remediationFor('UNAUTHORIZED', FULL).find((s) =>
      s.includes('kubectl create secret docker-registry'),
    );
    assert.ok(step);
    assert.match(step, /--docker-username=<user> --docker-password=<password> -n <namespace>/);
  });

  test('TLS trust points at the runtime config for that host', () => {
    const steps = remediationFor('TLS_UNTRUSTED', FULL).join(' ');
    assert.ok(steps.includes('/etc/containerd/certs.d/harbor.corp.example/hosts.toml'));
    assert.ok(steps.includes('ca = "/etc/containerd/certs.d/harbor.corp.example/ca.crt"'));
  });

  test('network checks go to where Docker Hub actually answers, config paths keep the registry name', () => {
    const dns = remediationFor('DNS_FAILURE', { registry: 'docker.io' }).join(' ');
    assert.ok(dns.includes('getent hosts registry-1.docker.io'));
    const http = remediationFor('HTTP_HTTPS_MISMATCH', { registry: 'registry.lab:5000' }).join(' ');
    assert.ok(http.includes('/etc/containerd/certs.d/registry.lab:5000/hosts.toml'));
    const tls = remediationFor('TLS_EXPIRED', { registry: 'registry.lab:5000' }).join(' ');
    assert.ok(tls.includes('-connect registry.lab:5000 -servername registry.lab '));
    assert.ok(
      remediationFor('TLS_EXPIRED', { registry: 'r.example' }).join(' ').includes('-connect r.example:443 '),
    );
  });

  test('a failing host other than the registry is what gets tested', () => {
    const steps = remediationFor('DNS_FAILURE', {
      registry: 'docker.io',
      host: 'production.cloudflare.docker.com',
    });
    assert.ok(steps.join(' ').includes('getent hosts production.cloudflare.docker.com'));
  });

  test('tag suggestions are offered when known', () => {
    assert.ok(remediationFor('MANIFEST_NOT_FOUND', FULL).some((s) => s.includes('1.4.1, 1.4.3')));
    // Without a tag list, a command that lists tags (the probe would only say the same again).
    const bare = remediationFor('MANIFEST_NOT_FOUND', { ...FULL, suggestions: [] });
    assert.ok(bare.some((s) => s.includes('skopeo list-tags docker://harbor.corp.example/team/api')));
    assert.ok(!bare.some((s) => s.includes('regdoctor probe')), bare.join('\n'));
    const listed = remediationFor('MANIFEST_NOT_FOUND', {
      ...FULL,
      suggestions: [],
      tags: ['2.0.0', 'edge'],
    });
    assert.ok(
      listed.some((s) => s.includes('some that exist: 2.0.0, edge')),
      listed.join('\n'),
    );
  });

  test('cloud registries get their IAM step', () => {
    const ecr = remediationFor('FORBIDDEN', {
      registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
    }).join(' ');
    assert.ok(ecr.includes('ecr:BatchGetImage'));
    const gar = remediationFor('FORBIDDEN', { registry: 'europe-west1-docker.pkg.dev' }).join(' ');
    assert.ok(gar.includes('roles/artifactregistry.reader'));
    const plain = remediationFor('FORBIDDEN', { registry: 'harbor.corp.example' }).join(' ');
    assert.ok(!plain.includes('ecr:') && !plain.includes('artifactregistry'));
  });

  test('short names get a fully qualified suggestion', () => {
    assert.ok(
      remediationFor('SHORT_NAME_UNRESOLVED', { image: 'alpine:3.20' }).some((s) =>
        s.includes('docker.io/library/alpine:3.20'),
      ),
    );
    assert.ok(
      remediationFor('SHORT_NAME_UNRESOLVED', { image: 'bitnami/redis:7' }).some((s) =>
        s.includes('docker.io/bitnami/redis:7'),
      ),
    );
  });

  test('the node platform is named as the build that is missing, not as the nodes to select', () => {
    const steps = remediationFor('PLATFORM_MISMATCH', FULL).join(' ');
    assert.ok(steps.includes('build linux/arm64 too'), steps);
    assert.ok(!steps.includes('kubernetes.io/arch: arm64'), steps);
  });

  test('PULL_TIMEOUT: settings of the runtimes and kubelets that exist in v1.25–v1.32, named as their sources name them', () => {
    const steps = remediationFor('PULL_TIMEOUT', FULL).join('\n');
    // dockershim (and its --image-pull-progress-deadline) left the kubelet in v1.24; dynamic kubelet config too.
    assert.doesNotMatch(steps, /dockershim|image-pull-progress-deadline|configSource/);
    for (const name of [
      'image_pull_progress_timeout', // containerd pkg/cri/config (1.7) and internal/cri/config (2.x)
      '[plugins."io.containerd.cri.v1.images"]',
      'pull_progress_timeout in the [crio.image] table', // cri-o pkg/config ImageConfig
      'serializeImagePulls', // kubelet config v1beta1 KubeletConfiguration
      'maxParallelImagePulls',
      'registryPullQPS',
      'registryBurst',
    ])
      assert.ok(steps.includes(name), `${name}\n${steps}`);
  });

  test("NETWORK_TIMEOUT: says that a pod's NetworkPolicy does not govern the node's pulls", () => {
    const steps = remediationFor('NETWORK_TIMEOUT', FULL).join('\n');
    assert.match(
      steps,
      /The pod's NetworkPolicy plays no part: the node's container runtime pulls the image/,
    );
    assert.doesNotMatch(steps, /network policies from the node/);
  });

  test('multi-line input does not leak line breaks into steps', () => {
    const steps = remediationFor('REGISTRY_ERROR', { image: 'a/b:1\nrm -rf /', registry: 'r.example\n' });
    for (const s of steps) assert.ok(!s.includes('\n'), s);
  });
});
