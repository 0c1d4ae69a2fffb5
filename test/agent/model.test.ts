// The pure parts around ImagePullChecks: the node label, parsing a check and its result as hostile input, what the
// agent's policy gate refuses, and the node facts (images a node holds, the kubelet's pull settings).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeLabelValue, parseCheck } from '../../src/agent/check.ts';
import { refusal } from '../../src/agent/gate.ts';
import { parseResult, resultJson, RESULT_MAX_BYTES } from '../../src/agent/result.ts';
import { describePullSettings, nodesHolding, pullSettings } from '../../src/cluster/node-facts.ts';
import { nodeSchema } from '../../src/cluster/types.ts';
import { parseImagePolicy } from '../../src/policy/model.ts';
import type { ProbeResult } from '../../src/result/index.ts';
import { MAX_ENDPOINTS } from '../../src/runtime/index.ts';
import { parseLabelSelector } from '../helpers/kube-selectors.ts';

const check = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'regdoctor.dev/v1alpha1',
  kind: 'ImagePullCheck',
  metadata: { name: 'c1', uid: 'u', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec,
  ...extra,
});

describe('ImagePullCheck', () => {
  test('node label: the name itself when it is a label value, else a hash a label selector can match', () => {
    assert.equal(
      nodeLabelValue('ip-10-0-0-1.eu-west-1.compute.internal'),
      'ip-10-0-0-1.eu-west-1.compute.internal',
    );
    const long = `${'node-'.repeat(20)}x.example.com`;
    const v = nodeLabelValue(long);
    assert.match(v, /^sha256\.[0-9a-f]{48}$/);
    assert.ok(v.length <= 63);
    assert.notEqual(nodeLabelValue(`${long}2`), v);
    // What an agent sends as its selector matches what a creator sets.
    assert.ok(
      parseLabelSelector(`regdoctor.dev/node=${v}`)({ metadata: { labels: { 'regdoctor.dev/node': v } } }),
    );
  });

  test('parsing: required fields, bounds, exclusive credential sources', () => {
    assert.ok(!('error' in parseCheck(check({ image: 'a/b:1', nodeName: 'n' }))));
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ nodeName: 'n' }, /image/],
      [{ image: 'x'.repeat(5000), nodeName: 'n' }, /image/],
      [{ image: 'a', nodeName: 'n', pullSecrets: [{ name: 's' }] }, /need namespace/],
      [
        { image: 'a', nodeName: 'n', namespace: 'x', pullSecrets: [{ name: 's' }], podRef: { name: 'p' } },
        /exclusive/,
      ],
      [
        {
          image: 'a',
          nodeName: 'n',
          namespace: 'x',
          pullSecrets: Array.from({ length: 40 }, () => ({ name: 's' })),
        },
        /pullSecrets/,
      ],
    ];
    for (const [spec, why] of bad) {
      const r = parseCheck(check(spec));
      assert.ok('error' in r, JSON.stringify(spec).slice(0, 80));
      assert.match((r as { error: string }).error, why);
      assert.equal((r as { name: string }).name, 'c1');
    }
    assert.ok('error' in parseCheck(check({ image: 'a', nodeName: 'n' }, { status: { phase: 'Done' } })));
    assert.ok('error' in parseCheck(null));
  });
});

const probe = (over: Partial<ProbeResult> = {}): ProbeResult => ({
  image: 'r.test/app:1',
  reference: { registry: 'r.test', repository: 'app', tag: '1', digest: null },
  platform: 'linux/amd64',
  cause: null,
  confidence: 'certain',
  summary: 'pullable',
  remediation: [],
  steps: [
    { name: 'dns', ok: true, ms: 1, summary: 'r.test → 10.0.0.1', detail: { addresses: ['10.0.0.1'] } },
  ],
  ...over,
});
const facts = { name: 'n1', agent: 'a1', imageFs: null, imageBytes: 10 };

describe("a check's result through the API server", () => {
  test('round trip: what the agent writes reads back as the same probe', () => {
    const written = JSON.parse(
      JSON.stringify(resultJson(probe({ cause: 'DNS_FAILURE', alternatives: ['NETWORK_TIMEOUT'] }), facts)),
    );
    const back = parseResult(written);
    assert.ok(!('error' in back));
    if ('error' in back) return;
    assert.equal(back.probe.cause, 'DNS_FAILURE');
    assert.deepEqual(back.probe.alternatives, ['NETWORK_TIMEOUT']);
    assert.deepEqual(back.node, facts);
  });

  test('hostile status: unknown cause, wrong types, too many steps are refused, never rendered', () => {
    const good = JSON.parse(JSON.stringify(resultJson(probe(), facts)));
    for (const bad of [
      { ...good, cause: 'ALL_GOOD' },
      { ...good, steps: 'none' },
      { ...good, steps: Array.from({ length: 1025 }, () => good.steps[0]) },
      { ...good, steps: [{ ...good.steps[0], name: 'exec' }] },
      { ...good, summary: 'x'.repeat(70_000) },
      'just a string',
    ]) {
      assert.ok('error' in parseResult(bad));
    }
  });

  test('a walk over the most endpoints a runtime plan keeps (64, each with its steps) reads back whole', () => {
    const step = {
      name: 'manifest' as const,
      ok: false,
      ms: 1,
      summary: 'HTTP 503',
      detail: { endpoint: 'e' },
    };
    const walk = probe({
      steps: Array.from({ length: MAX_ENDPOINTS * 8 }, () => step),
      cause: 'REGISTRY_ERROR',
    });
    const back = parseResult(JSON.parse(JSON.stringify(resultJson(walk, facts))));
    assert.ok(!('error' in back) && back.probe.steps.length === MAX_ENDPOINTS * 8);
  });

  test('a huge result is cut to its verdict and step summaries, under the limit', () => {
    const huge = probe({
      steps: [
        {
          name: 'manifest',
          ok: false,
          ms: 1,
          summary: 'bad',
          detail: { body: 'x'.repeat(RESULT_MAX_BYTES) },
        },
      ],
      cause: 'REGISTRY_ERROR',
    });
    const j = resultJson(huge, facts);
    assert.ok(JSON.stringify(j).length < RESULT_MAX_BYTES);
    assert.equal(j.truncated, true);
    assert.equal(j.cause, 'REGISTRY_ERROR');
  });
});

describe("the agent's policy gate", () => {
  const pol = (name: string, spec: Record<string, unknown>) =>
    parseImagePolicy(
      { apiVersion: 'regdoctor.dev/v1alpha1', kind: 'ImagePolicy', metadata: { name }, spec },
      'test',
    );
  const allow = pol('allow', { allowedRegistries: ['registry.example.com'] });

  test('an allow-list refuses other registries, whatever the port or path tricks', () => {
    assert.equal(refusal([allow], 'registry.example.com/team/app:1', 'shop'), null);
    for (const image of [
      '10.0.0.1:22/x',
      '169.254.169.254/latest/meta-data:1',
      'registry.example.com.evil.io/x:1',
      'registry.example.com:2375/x:1',
      'localhost:6443/x',
      'UPPER/case',
    ]) {
      assert.match(
        refusal([allow], image, 'shop') ?? '',
        /ImagePolicy allow: .*not from an allowed registry/,
        image,
      );
    }
    assert.match(refusal([allow], 'a b', 'shop') ?? '', /not a valid image reference/);
  });

  test('namespaced policies: in their namespace for a check that names one, everywhere for one that does not', () => {
    const scoped = pol('shop-only', { allowedRegistries: ['registry.example.com'], namespaces: ['shop'] });
    assert.equal(refusal([scoped], '10.0.0.1:22/x', 'other'), null);
    assert.notEqual(refusal([scoped], '10.0.0.1:22/x', 'shop'), null);
    assert.notEqual(
      refusal([scoped], '10.0.0.1:22/x', undefined),
      null,
      'no namespace: the strictest reading',
    );
  });

  test('warn-mode policies and other rules do not refuse; blockedImages does; --require-allow-list', () => {
    assert.equal(
      refusal([pol('w', { mode: 'warn', allowedRegistries: ['x.io'] })], '10.0.0.1:22/x', 's'),
      null,
    );
    assert.equal(refusal([pol('latest', { disallowLatestTag: true })], 'r.io/x:latest', 's'), null);
    assert.match(
      refusal([pol('b', { blockedImages: ['r.io/bad/**'] })], 'r.io/bad/x:1', 's') ?? '',
      /blocked/,
    );
    assert.match(refusal([], 'r.io/x:1', 's', { requireAllowList: true }) ?? '', /--require-allow-list/);
    assert.equal(refusal([allow], 'registry.example.com/x:1', 's', { requireAllowList: true }), null);
  });
});

describe('node facts', () => {
  const n = (name: string, images: { names: string[]; sizeBytes?: number }[]) =>
    nodeSchema.parse({ metadata: { name }, status: { images } });
  const D = `sha256:${'a'.repeat(64)}`;
  const E = `sha256:${'b'.repeat(64)}`;
  const nodes = [
    n('by-digest', [
      { names: [`docker.io/library/nginx@${D}`, 'docker.io/library/nginx:1.27'], sizeBytes: 70e6 },
    ]),
    n('old-tag', [{ names: [`docker.io/library/nginx@${E}`, 'docker.io/library/nginx:1.27'] }]),
    n('other', [{ names: ['docker.io/library/redis:7'] }]),
  ];

  test('Node.status.images: by the resolved digest when known, by tag otherwise; names normalized', () => {
    assert.deepEqual(nodesHolding(nodes, 'nginx:1.27', D), [
      { node: 'by-digest', match: 'digest', sizeBytes: 70e6 },
      { node: 'old-tag', match: 'tag', sizeBytes: null },
    ]);
    assert.deepEqual(
      nodesHolding(nodes, `nginx@${E}`, null).map((h) => h.node),
      ['old-tag'],
    );
    assert.deepEqual(nodesHolding(nodes, 'nginx:1.28', null), []);
    assert.deepEqual(nodesHolding(nodes, 'NOT A REF', null), []);
  });

  test('configz: the pull settings, described in one line; anything else is null', () => {
    const s = pullSettings({
      kubeletconfig: {
        serializeImagePulls: false,
        maxParallelImagePulls: 3,
        registryPullQPS: 5,
        registryBurst: 10,
        imageGCHighThresholdPercent: 85,
        imageGCLowThresholdPercent: 80,
        evictionHard: { 'imagefs.available': '15%' },
        unrelated: { deep: true },
      },
    });
    assert.ok(s);
    assert.equal(
      describePullSettings(s),
      'parallel pulls (at most 3); registryPullQPS 5, burst 10; image GC from 85% disk use down to 80%; DiskPressure below 15% free on the image filesystem',
    );
    assert.equal(
      describePullSettings({ ...s, serializeImagePulls: true, registryPullQPS: 0 }).split('; ')[0],
      'pulls one at a time (serializeImagePulls)',
    );
    assert.equal(pullSettings({ kubeletconfig: { registryPullQPS: 'five' } }), null);
    assert.equal(pullSettings('<html>'), null);
  });
});
