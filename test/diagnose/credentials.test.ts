import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RegdoctorError } from '../../src/cause/index.ts';
import {
  auditSecrets,
  credentialIdentities,
  keyringCredentials,
  podCredentialSource,
  probeKey,
} from '../../src/diagnose/index.ts';
import { parseReference } from '../../src/reference/index.ts';
import { NOW, b64, clusterState, dockerSecret, login, pod, secret, type StateParts } from './objects.ts';

const IMG = 'registry.example.com/team/app:1.0';

function audit(secrets: string[], parts: StateParts, image = IMG) {
  const p = pod('web-1', { containers: [{ name: 'app', image }], imagePullSecrets: secrets });
  return auditSecrets(clusterState({ ...parts, pods: [p] }), p, image, { now: NOW });
}

describe('podCredentialSource', () => {
  test('gives the covering entries in kubelet order, with labels that name the secret and key', async () => {
    const a = audit(['wide', 'narrow'], {
      secrets: [
        dockerSecret('wide', { '*.example.com': login('wide-user', 'pw-wide-9') }),
        dockerSecret('narrow', {
          'registry.example.com/team': login('narrow-user', 'pw-narrow-9'),
          'ghcr.io': login('x', 'pw-ghcr-9'),
        }),
      ],
    });
    const r = await podCredentialSource(a)(parseReference(IMG));
    assert.deepEqual(
      r.candidates.map((c) => [c.label, c.username, c.password]),
      [
        ['secret shop/narrow key registry.example.com/team', 'narrow-user', 'pw-narrow-9'],
        ['secret shop/wide key *.example.com', 'wide-user', 'pw-wide-9'],
      ],
    );
    assert.match(r.summary, /2 credentials from the pod's pull secrets/);
    assert.ok(!JSON.stringify({ summary: r.summary, detail: r.detail }).includes('pw-'));
  });

  test('the kubelet ignores identitytoken, so the probe does too', async () => {
    const a = audit(['tok'], {
      secrets: [dockerSecret('tok', { 'registry.example.com': { identitytoken: 'idtoken-abc-1' } as never })],
    });
    const r = await podCredentialSource(a)(parseReference(IMG));
    assert.equal(r.candidates.length, 1);
    assert.equal(r.candidates[0]!.identityToken, undefined);
    assert.equal(r.candidates[0]!.password, undefined);
  });

  test('nothing covering → anonymous, and the summary says why', async () => {
    const a = audit(['other'], { secrets: [dockerSecret('other', { 'ghcr.io': login('u', 'pw-o-1') })] });
    const r = await podCredentialSource(a)(parseReference(IMG));
    assert.deepEqual(r.candidates, []);
    assert.match(
      r.summary,
      /no entry of the pod's pull secrets \(shop\/other\) covers registry.example.com\/team\/app; pulling anonymously/,
    );
    const none = await podCredentialSource(audit([], {}))(parseReference(IMG));
    assert.match(none.summary, /the pod has no imagePullSecrets/);
  });

  test('a malformed secret fails the credentials step like the kubelet does', async () => {
    const a = audit(['broken'], {
      secrets: [
        secret('broken', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths": [') }),
      ],
    });
    await assert.rejects(
      () => podCredentialSource(a)(parseReference(IMG)),
      (e: unknown) =>
        e instanceof RegdoctorError &&
        e.cause === 'PULL_SECRET_INVALID' &&
        /secret shop\/broken/.test(e.message),
    );
    assert.deepEqual(credentialIdentities(a), [`keyring-error ${a.keyringError}`]);
  });

  test('keyringCredentials matches the audit', () => {
    const a = audit(['r'], {
      secrets: [dockerSecret('r', { 'registry.example.com': login('u', 'pw-r-1') })],
    });
    assert.deepEqual(
      keyringCredentials(a).map((c) => c.label),
      a.covering,
    );
    assert.deepEqual(credentialIdentities(a), a.covering);
  });
});

describe('probeKey', () => {
  const amd64 = { os: 'linux', architecture: 'amd64' };
  test('the same image in any spelling, the same credentials and platform give one key', () => {
    const k1 = probeKey('nginx', ['secret a/r key docker.io'], amd64);
    const k2 = probeKey(
      'docker.io/library/nginx:latest',
      [{ label: 'secret a/r key docker.io', password: 'x' }],
      'linux/amd64',
    );
    assert.equal(k1, k2);
  });

  test('credentials are identified by label, never by value', () => {
    const a = probeKey(IMG, [{ label: 'secret a/r key r', username: 'u', password: 'one-value' }], amd64);
    const b = probeKey(IMG, [{ label: 'secret a/r key r', username: 'u', password: 'other-value' }], amd64);
    assert.equal(a, b);
    assert.ok(!a.includes('one-value'));
  });

  test('another credential set, order, platform or image gives another key', () => {
    const base = probeKey(IMG, ['x', 'y'], amd64);
    assert.notEqual(base, probeKey(IMG, ['y', 'x'], amd64));
    assert.notEqual(base, probeKey(IMG, ['x'], amd64));
    assert.notEqual(base, probeKey(IMG, [], amd64));
    assert.notEqual(base, probeKey(IMG, ['x', 'y'], { os: 'linux', architecture: 'arm64' }));
    assert.notEqual(base, probeKey('registry.example.com/team/app:1.1', ['x', 'y'], amd64));
    assert.notEqual(base, probeKey(IMG, ['x', 'y'], null));
  });

  test('an image that does not parse still gets a stable key', () => {
    assert.equal(probeKey('Bad:Image', [], amd64), probeKey('Bad:Image', [], 'linux/amd64'));
  });
});
