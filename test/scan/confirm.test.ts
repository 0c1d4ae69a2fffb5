// Confirmation by probe: every failing pod is probed with its own pull secrets (in kubelet order) and the platform
// of its node, against real docker-registry instances. The probe proves the cause where the kubelet's message
// cannot, and a refusal explained by the pod's secrets is reported as the secret problem.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { scanCluster, type ScanResult } from '../../src/scan/index.ts';
import type { ClusterState } from '../../src/cluster/types.ts';
import { kubelet } from './kubelet.ts';
import { regdoctorRequests, session, settled, startLab, USER, type Lab } from './lab.ts';
import { assertVerdict, evidenceMatches, findingOf } from './support.ts';
import { msg, NOW, pullFailure, world, type World } from './world.ts';

const AMD64 = { os: 'linux', architecture: 'amd64' };

describe('scan: probe confirmation with the pod’s own credentials and node platform', () => {
  const fx = useFixture();
  let lab: Lab;
  let w: World;
  let state: ClusterState;
  let result: ScanResult;

  before(async () => {
    lab = await startLab(fx);
    const host = lab.auth.host;
    const missing = lab.img.app('1.0.2');
    const present = lab.img.app('1.0.0');
    w = world()
      .dockerSecret('shop', 'regcred', { [host]: { username: USER, password: lab.password } })
      .dockerSecret('shop', 'stale', { [host]: { username: USER, password: lab.wrongPassword } })
      .dockerSecret('shop', 'elsewhere', {
        'registry.other.example:5000': { username: USER, password: lab.password },
      })
      .secret('shop', 'opaque-creds', 'Opaque', {
        '.dockerconfigjson': Buffer.from(
          JSON.stringify({ auths: { [host]: { username: USER, password: lab.password } } }),
        ).toString('base64'),
      })
      .serviceAccount('shop', 'default');
    const web = w.deployment('shop', 'web');
    w.pod({
      namespace: 'shop',
      name: 'web-7c9f8d6b5d-x2k4p',
      owner: web,
      image: missing,
      secrets: ['regcred'],
      events: pullFailure(missing, kubelet.notFound(missing)),
    });
    // `kubectl debug` added an ephemeral container whose image tag does not exist; the pod itself runs.
    w.pod({
      namespace: 'shop',
      name: 'api-6f7d9c8b7-4kq9s',
      type: 'ephemeral',
      container: 'debugger-x7k2p',
      image: missing,
      secrets: ['regcred'],
      events: pullFailure(missing, kubelet.notFound(missing)),
    });
    // Both secrets cover the registry: the kubelet tries the stale one first, then the good one.
    w.pod({
      namespace: 'shop',
      name: 'two-secrets',
      image: missing,
      secrets: ['stale', 'regcred'],
      events: pullFailure(missing, kubelet.notFound(missing)),
    });
    w.pod({
      namespace: 'shop',
      name: 'wrong-password',
      image: present,
      secrets: ['stale'],
      events: pullFailure(present, kubelet.unauthorized(present)),
    });
    const gone = w.pod({
      namespace: 'shop',
      name: 'secret-gone',
      image: present,
      secrets: ['regcred-old'],
      events: pullFailure(present, kubelet.unauthorized(present)),
    });
    w.event(gone, {
      reason: 'FailedToRetrieveImagePullSecret',
      message: kubelet.missingSecrets(['regcred-old']),
      count: 40,
    });
    w.pod({
      namespace: 'shop',
      name: 'opaque',
      image: present,
      secrets: ['opaque-creds'],
      events: pullFailure(present, kubelet.unauthorized(present)),
    });
    w.pod({
      namespace: 'shop',
      name: 'other-registry',
      image: present,
      secrets: ['elsewhere'],
      events: pullFailure(present, kubelet.unauthorized(present)),
    });
    w.pod({
      namespace: 'shop',
      name: 'no-secrets',
      image: present,
      events: pullFailure(present, kubelet.unauthorized(present)),
    });
    // Only back-off messages: the node's architecture is all there is to go on.
    const backoffOnly = (image: string) =>
      [['BackOff', msg.backoff(image), 30, 1]] as [string, string, number, number][];
    w.pod({
      namespace: 'shop',
      name: 'arm-backoff',
      node: 'node-arm64',
      image: lab.img.amd64only,
      secrets: ['regcred'],
      events: backoffOnly(lab.img.amd64only),
    });
    w.pod({
      namespace: 'shop',
      name: 'amd-backoff',
      node: 'node-amd64',
      image: lab.img.amd64only,
      secrets: ['regcred'],
      events: backoffOnly(lab.img.amd64only),
    });
    w.pod({
      namespace: 'shop',
      name: 'arm-multi',
      node: 'node-arm64',
      image: lab.img.multi,
      secrets: ['regcred'],
      events: pullFailure(lab.img.multi, kubelet.ioTimeout(lab.img.multi)),
    });
    state = w.state();
    const s = session();
    try {
      result = await scanCluster(state, {
        session: s.session,
        defaultPlatform: AMD64,
        plainHttp: () => true,
        now: NOW,
      });
    } finally {
      await s.session.close();
    }
  });

  test('right password, missing tag: MANIFEST_NOT_FOUND (certain) with the nearest tags, not UNAUTHORIZED', () => {
    const f = findingOf(result, 'shop', 'web-7c9f8d6b5d-x2k4p');
    assertVerdict(f, 'MANIFEST_NOT_FOUND', 'certain');
    assert.deepEqual(f.owner, { kind: 'Deployment', name: 'web' });
    assert.equal(f.probe?.credential?.source, `secret shop/regcred key ${lab.auth.host}`);
    const suggestions = f.probe?.suggestions ?? [];
    assert.ok(suggestions.includes('1.0.1') && suggestions.includes('1.0.0'), JSON.stringify(suggestions));
    evidenceMatches(f, /^nearest existing tags: .*1\.0\.1/);
    assert.ok(
      f.remediation.some((r) => r.includes('1.0.1')),
      `the fix names an existing tag:\n${f.remediation.join('\n')}`,
    );
    assert.ok(!f.alternatives.includes('UNAUTHORIZED'), f.alternatives.join());
  });

  test('an ephemeral debug container is diagnosed like any other, and labelled as such', () => {
    const f = findingOf(result, 'shop', 'api-6f7d9c8b7-4kq9s');
    assertVerdict(f, 'MANIFEST_NOT_FOUND', 'certain');
    assert.equal(f.containerType, 'ephemeral');
    assert.equal(f.container, 'debugger-x7k2p');
    evidenceMatches(f, /event Failed spec\.ephemeralContainers\{debugger-x7k2p\}/);
  });

  test('two covering secrets are tried in kubelet order: the stale one is refused, the next one gets through', () => {
    const f = findingOf(result, 'shop', 'two-secrets');
    assertVerdict(f, 'MANIFEST_NOT_FOUND', 'certain');
    assert.equal(f.probe?.credential?.source, `secret shop/regcred key ${lab.auth.host}`);
    const auth = f.probe!.steps.find((s) => s.name === 'auth');
    const attempts = (auth?.detail.attempts ?? []) as { credential: string; ok: boolean }[];
    assert.deepEqual(
      attempts.map((a) => [a.credential, a.ok]),
      [
        [`secret shop/stale key ${lab.auth.host}`, false],
        [`secret shop/regcred key ${lab.auth.host}`, true],
      ],
    );
  });

  test('a covering, well-formed secret whose password is refused stays UNAUTHORIZED (certain)', () => {
    const f = findingOf(result, 'shop', 'wrong-password');
    assertVerdict(f, 'UNAUTHORIZED', 'certain');
    evidenceMatches(f, /refuses secret shop\/stale key .*a covering and well-formed entry/);
    assert.ok(
      f.remediation.some(
        (r) => r.includes('kubectl create secret docker-registry stale') && r.includes('<password>'),
      ),
      f.remediation.join('\n'),
    );
  });

  test('a referenced secret that does not exist: PULL_SECRET_MISSING (certain) with the refusal as evidence', () => {
    const f = findingOf(result, 'shop', 'secret-gone');
    assertVerdict(f, 'PULL_SECRET_MISSING', 'certain');
    assert.deepEqual(f.alternatives, []);
    assert.equal(f.probe?.cause, 'UNAUTHORIZED', 'the probe itself was refused');
    evidenceMatches(f, /^probe for linux\/amd64 \(node node-amd64\).*\[(auth|manifest)\]/);
    evidenceMatches(f, /refuses the pod's credentials \(UNAUTHORIZED\) and its pull secrets are missing/);
    evidenceMatches(f, /secret shop\/regcred-old does not exist/);
    assert.ok(
      f.remediation.some((r) => /kubectl create secret docker-registry regcred-old .*-n shop/.test(r)),
      f.remediation.join('\n'),
    );
  });

  test('an Opaque secret (ignored by the kubelet): PULL_SECRET_INVALID (certain)', () => {
    const f = findingOf(result, 'shop', 'opaque');
    assertVerdict(f, 'PULL_SECRET_INVALID', 'certain');
    assert.equal(f.probe?.cause, 'UNAUTHORIZED');
    assert.equal(f.probe?.credential ?? null, null, 'the probe went anonymous, as the kubelet does');
    evidenceMatches(f, /type Opaque: the kubelet uses only/);
    evidenceMatches(f, /refuses the pod's credentials \(UNAUTHORIZED\) and its pull secrets cannot be used/);
  });

  test('a secret for another registry only: PULL_SECRET_INVALID (certain), naming what it does cover', () => {
    const f = findingOf(result, 'shop', 'other-registry');
    assertVerdict(f, 'PULL_SECRET_INVALID', 'certain');
    evidenceMatches(
      f,
      new RegExp(
        `no entry in the pod's pull secrets covers ${lab.auth.host}/team/app: registry\\.other\\.example:5000`,
      ),
    );
    // The pod lists its own secret, so its service account's list would never reach it: the new secret goes
    // into the pod's own list.
    assert.ok(
      f.remediation.some(
        (r) =>
          r.includes(`--docker-server=${lab.auth.host}`) &&
          r.includes('add regcred-127-0-0-1-') &&
          r.includes("to the spec.imagePullSecrets of the pod's template"),
      ),
      f.remediation.join('\n'),
    );
    assert.ok(
      !f.remediation.some((r) => r.includes('kubectl patch serviceaccount')),
      f.remediation.join('\n'),
    );
  });

  test('no imagePullSecrets at all against an auth registry: UNAUTHORIZED (certain), with how to attach one', () => {
    const f = findingOf(result, 'shop', 'no-secrets');
    assertVerdict(f, 'UNAUTHORIZED', 'certain');
    evidenceMatches(f, /the pod has no imagePullSecrets/);
    assert.ok(
      f.remediation.some((r) =>
        r.startsWith('Create a pull secret: kubectl create secret docker-registry regcred'),
      ),
    );
  });

  test('arm64 node, amd64-only image, only a back-off message: PLATFORM_MISMATCH found by the probe', () => {
    const f = findingOf(result, 'shop', 'arm-backoff');
    assertVerdict(f, 'PLATFORM_MISMATCH', 'certain');
    assert.equal(f.message, msg.backoff(lab.img.amd64only), 'the kubelet said nothing more than back-off');
    assert.equal(f.probe?.platform, 'linux/arm64');
    evidenceMatches(f, /the message says BACKOFF_NO_DETAIL/);
    evidenceMatches(f, /^probe for linux\/arm64 \(node node-arm64\).*\[platform\]/);
    assert.deepEqual(f.probe?.manifest?.platforms, ['linux/amd64']);
  });

  test('a probe that pulls fine keeps the message’s cause and says the failure was transient or node-specific', () => {
    const amd = findingOf(result, 'shop', 'amd-backoff');
    assertVerdict(amd, 'BACKOFF_NO_DETAIL', 'likely');
    assert.equal(amd.probe?.cause, null);
    evidenceMatches(
      amd,
      /pulls now with the pod's credentials for linux\/amd64: the failure was transient or specific to node node-amd64/,
    );

    const arm = findingOf(result, 'shop', 'arm-multi');
    assertVerdict(arm, 'NETWORK_TIMEOUT', 'likely');
    assert.equal(arm.probe?.cause, null);
    assert.equal(
      arm.probe?.manifest?.selected?.platform,
      'linux/arm64',
      'the arm64 build was the one checked',
    );
    evidenceMatches(arm, /transient or specific to node node-arm64/);
  });

  test('--no-probe: message-only verdicts, all likely, no probe, and not one request reaches a registry', async () => {
    await settled(lab.auth, lab.open);
    const before = regdoctorRequests(lab.auth).length + regdoctorRequests(lab.open).length;
    assert.ok(before > 0, 'the probing scan did reach the registry');
    const r = await scanCluster(state, { session: null, defaultPlatform: AMD64, now: NOW });
    assert.equal(r.findings.length, result.findings.length);
    for (const f of r.findings) {
      assert.equal(f.probe, null);
      assert.equal(f.confidence, 'likely', `${f.pod}: ${f.cause}`);
    }
    assertVerdict(findingOf(r, 'shop', 'web-7c9f8d6b5d-x2k4p'), 'MANIFEST_NOT_FOUND', 'likely');
    assertVerdict(findingOf(r, 'shop', 'secret-gone'), 'PULL_SECRET_MISSING', 'likely');
    assertVerdict(findingOf(r, 'shop', 'opaque'), 'PULL_SECRET_INVALID', 'likely');
    assertVerdict(findingOf(r, 'shop', 'arm-backoff'), 'BACKOFF_NO_DETAIL', 'likely');
    assert.equal(r.summary.probes, 0);
    assert.equal(r.summary.registryRequests, 0);
    await settled(lab.auth, lab.open);
    assert.equal(regdoctorRequests(lab.auth).length + regdoctorRequests(lab.open).length, before);
  });
});
