import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditSecrets, keyringOf } from '../../src/diagnose/index.ts';
import {
  MSG,
  NOW,
  b64,
  clusterState,
  dockerSecret,
  event,
  login,
  pod,
  secret,
  serviceAccount,
  waitingState,
  type StateParts,
} from './objects.ts';

const IMG = 'registry.example.com/team/app:1.0';

function audit(
  parts: StateParts & { imagePullSecrets?: string[]; serviceAccountName?: string },
  image = IMG,
) {
  const p = pod('web-1', {
    containers: [{ name: 'app', image }],
    states: { app: waitingState('ImagePullBackOff', MSG.backoff(image)) },
    imagePullSecrets: parts.imagePullSecrets,
    serviceAccountName: parts.serviceAccountName,
  });
  return auditSecrets(clusterState({ ...parts, pods: [p] }), p, image, { now: NOW });
}

const has = (lines: string[], re: RegExp) =>
  assert.ok(
    lines.some((l) => re.test(l)),
    `no line matches ${re}:\n${lines.join('\n')}`,
  );

describe('effective secrets and the service account', () => {
  test('a pod without secrets whose service account has some predates them', () => {
    const a = audit({
      serviceAccountName: 'builder',
      serviceAccounts: [serviceAccount('builder', ['regcred'])],
    });
    assert.equal(a.verdict, 'no-secrets');
    assert.deepEqual(a.effective, []);
    assert.deepEqual(a.serviceAccountOnly, ['regcred']);
    has(
      a.notes,
      /service account builder lists imagePullSecrets regcred but the pod has none: the pod predates them/,
    );
    assert.equal(a.cause, null);
  });

  test("a pod with its own list does not get the service account's", () => {
    const a = audit({
      imagePullSecrets: ['own'],
      secrets: [dockerSecret('own', { 'registry.example.com': login('u', 'pw-own-1') })],
      serviceAccounts: [serviceAccount('default', ['sa-cred'])],
    });
    assert.deepEqual(a.effective, ['own']);
    has(a.notes, /also lists sa-cred, which the pod does not use/);
    assert.equal(a.verdict, 'covered');
  });
});

describe('per-secret checks', () => {
  test('a missing secret is PULL_SECRET_MISSING, and the kubelet event is noted', () => {
    const events = [event('web-1', 'FailedToRetrieveImagePullSecret', MSG.retrieveSecrets(['regcred']))];
    const a = audit({ imagePullSecrets: ['regcred'], events });
    assert.equal(a.verdict, 'secret-missing');
    assert.equal(a.cause, 'PULL_SECRET_MISSING');
    assert.equal(a.secrets[0]?.state, 'missing');
    assert.deepEqual(a.retrieveFailed, ['regcred']);
    has(
      a.problems,
      /secret shop\/regcred does not exist \(the kubelet reported FailedToRetrieveImagePullSecret\)/,
    );
  });

  test('secrets that could not be read are unknown, unless the kubelet said they are missing', () => {
    const skipped = [{ resource: 'secrets', namespace: 'shop', reason: 'forbidden' }];
    const a = audit({ imagePullSecrets: ['regcred'], skipped });
    assert.equal(a.verdict, 'unknown');
    assert.equal(a.cause, null);
    const b = audit({
      imagePullSecrets: ['regcred'],
      skipped,
      events: [event('web-1', 'FailedToRetrieveImagePullSecret', MSG.retrieveSecrets(['regcred']))],
    });
    assert.equal(b.verdict, 'secret-missing');
  });

  test('an Opaque secret is ignored by the kubelet: PULL_SECRET_INVALID, and it says it would cover the image', () => {
    const s = secret('regcred', 'Opaque', {
      '.dockerconfigjson': b64(
        JSON.stringify({ auths: { 'registry.example.com': login('u', 'pw-opaque-1') } }),
      ),
    });
    const a = audit({ imagePullSecrets: ['regcred'], secrets: [s] });
    assert.equal(a.secrets[0]?.state, 'ignored');
    assert.equal(a.verdict, 'secret-invalid');
    assert.equal(a.cause, 'PULL_SECRET_INVALID');
    has(
      a.problems,
      /type Opaque: the kubelet uses only kubernetes.io\/dockerconfigjson .* recreate it with type kubernetes.io\/dockerconfigjson/,
    );
    has(a.problems, /would cover registry.example.com\/team\/app if the kubelet read it/);
    assert.deepEqual(keyringOf(a), []);
  });

  test('a dockerconfigjson secret without the .dockerconfigjson key is ignored', () => {
    const s = secret('regcred', 'kubernetes.io/dockerconfigjson', {
      '.dockercfg': b64(JSON.stringify({ 'registry.example.com': login('u', 'pw') })),
    });
    const a = audit({ imagePullSecrets: ['regcred'], secrets: [s] });
    assert.equal(a.secrets[0]?.state, 'ignored');
    has(a.problems, /needs a non-empty key \.dockerconfigjson and it has \.dockercfg/);
    assert.equal(a.cause, 'PULL_SECRET_INVALID');
  });

  test('a legacy kubernetes.io/dockercfg secret is read as a bare map', () => {
    const s = secret('legacy', 'kubernetes.io/dockercfg', {
      '.dockercfg': b64(JSON.stringify({ 'registry.example.com': login('u', 'pw-legacy-1') })),
    });
    const a = audit({ imagePullSecrets: ['legacy'], secrets: [s] });
    assert.equal(a.verdict, 'covered');
    assert.deepEqual(a.covering, ['secret shop/legacy key registry.example.com']);
  });

  test('data that is not base64 breaks the keyring', () => {
    const s = secret('regcred', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': 'not base64!' });
    const a = audit({ imagePullSecrets: ['regcred'], secrets: [s] });
    assert.equal(a.secrets[0]?.state, 'malformed');
    has(a.problems, /is not valid base64/);
    assert.match(a.keyringError ?? '', /^secret shop\/regcred: /);
    assert.equal(a.cause, 'PULL_SECRET_INVALID');
  });

  test('JSON that does not parse breaks the keyring, even when another secret covers the image', () => {
    const broken = secret('broken', 'kubernetes.io/dockerconfigjson', {
      '.dockerconfigjson': b64('{"auths": {"registry.example.com": {'),
    });
    const good = dockerSecret('good', { 'registry.example.com': login('u', 'pw-good-1') });
    const a = audit({ imagePullSecrets: ['good', 'broken'], secrets: [broken, good] });
    has(a.problems, /\.dockerconfigjson is not valid JSON .*every pull of the pod fails/);
    assert.equal(a.verdict, 'secret-invalid');
    assert.match(a.keyringError ?? '', /secret shop\/broken/);
  });

  test('an auth field that is not base64 breaks the keyring', () => {
    const s = dockerSecret('regcred', { 'registry.example.com': { auth: 'dXNlcjpwYXNz%%%' } });
    const a = audit({ imagePullSecrets: ['regcred'], secrets: [s] });
    assert.equal(a.secrets[0]?.state, 'malformed');
    has(a.problems, /"auth" of the entry for 'registry.example.com' is not valid base64/);
  });

  test('a legacy map stored as dockerconfigjson gives no credentials but does not break the keyring', () => {
    const s = secret('regcred', 'kubernetes.io/dockerconfigjson', {
      '.dockerconfigjson': b64(JSON.stringify({ 'registry.example.com': login('u', 'pw-mixup-1') })),
    });
    const a = audit({ imagePullSecrets: ['regcred'], secrets: [s] });
    assert.equal(a.secrets[0]?.state, 'ignored');
    assert.equal(a.keyringError, null);
    assert.equal(a.cause, 'PULL_SECRET_INVALID');
  });

  test('auth inconsistent with username/password makes the covering entry defective', () => {
    const s = dockerSecret('regcred', {
      'registry.example.com': { username: 'u', password: 'new-password-1', auth: b64('u:old-password-1') },
    });
    const a = audit({ imagePullSecrets: ['regcred'], secrets: [s] });
    assert.equal(a.verdict, 'secret-invalid');
    has(a.problems, /covers registry.example.com\/team\/app but auth does not match username\/password/);
  });

  test('a password with a trailing newline or spaces is defective', () => {
    for (const [password, re] of [
      ['hunter2-secret\n', /password ends with a newline/],
      ['hunter2-secret  ', /password ends with whitespace/],
    ] as const) {
      const a = audit({
        imagePullSecrets: ['regcred'],
        secrets: [dockerSecret('regcred', { 'registry.example.com': login('u', password) })],
      });
      assert.equal(a.verdict, 'secret-invalid', JSON.stringify(password));
      assert.equal(a.defective.length, 1);
      has(a.defective[0]!.problems, re);
    }
  });

  test('registry-1.docker.io never matches a Docker Hub image', () => {
    const s = dockerSecret('hub', { 'registry-1.docker.io': login('me', 'hub-token-1') });
    const a = audit({ imagePullSecrets: ['hub'], secrets: [s] }, 'myorg/private:1');
    assert.equal(a.repository, 'docker.io/myorg/private');
    assert.deepEqual(a.covering, []);
    assert.equal(a.verdict, 'secret-invalid');
    has(a.problems, /registry-1.docker.io never matches Docker Hub images/);
    has(a.problems, /no entry in the pod's pull secrets covers docker.io\/myorg\/private/);
  });

  test('https://index.docker.io/v1/ covers Docker Hub through the fallback', () => {
    const s = dockerSecret('hub', { 'https://index.docker.io/v1/': login('me', 'hub-token-2') });
    const a = audit({ imagePullSecrets: ['hub'], secrets: [s] }, 'myorg/private:1');
    assert.equal(a.verdict, 'covered');
    has(a.notes, /index.docker.io fallback/);
  });

  const ecrPassword = (expiration: number) =>
    b64(
      JSON.stringify({
        payload: 'cGF5bG9hZA==',
        datakey: 'ZGF0YWtleQ==',
        version: '2',
        type: 'DATA_KEY',
        expiration,
      }),
    );
  const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

  test('an ECR token past its expiration is defective; a fresh one covers', () => {
    const old = dockerSecret('ecr', { [ECR]: login('AWS', ecrPassword(NOW / 1000 - 3600)) });
    const a = audit({ imagePullSecrets: ['ecr'], secrets: [old] }, `${ECR}/app:1`);
    assert.equal(a.verdict, 'secret-invalid');
    has(a.problems, /ECR authorization token that expired at 2025-03-01T11:00:00.000Z/);
    const fresh = dockerSecret('ecr', { [ECR]: login('AWS', ecrPassword(NOW / 1000 + 3600)) });
    assert.equal(audit({ imagePullSecrets: ['ecr'], secrets: [fresh] }, `${ECR}/app:1`).verdict, 'covered');
  });

  test('a JWT password with exp in the past is defective', () => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub: 'puller', exp: NOW / 1000 - 60 })}.c2lnbmF0dXJl`;
    const s = dockerSecret('acr', { 'myreg.azurecr.io': login('00000000-0000-0000-0000-000000000000', jwt) });
    const a = audit({ imagePullSecrets: ['acr'], secrets: [s] }, 'myreg.azurecr.io/app:1');
    has(a.problems, /the password is an JWT that expired at 2025-03-01T11:59:00.000Z/);
    assert.equal(a.verdict, 'secret-invalid');
  });
});

describe('coverage with the kubelet matching rules', () => {
  test('a key without the port does not cover an image with one', () => {
    const s = dockerSecret('regcred', { 'registry.example.com': login('u', 'pw-port-1') });
    const a = audit({ imagePullSecrets: ['regcred'], secrets: [s] }, 'registry.example.com:5000/team/app:1');
    assert.equal(a.verdict, 'secret-invalid');
    has(a.problems, /registry.example.com \(port differs \(none vs 5000\)\)/);
    assert.deepEqual(a.covering, []);
  });

  test('entries of all secrets form one keyring, tried in the kubelet order (more specific keys first)', () => {
    const a1 = dockerSecret('wide', { '*.example.com': login('wide', 'pw-wide-1') });
    const a2 = dockerSecret('narrow', { 'registry.example.com/team': login('narrow', 'pw-narrow-1') });
    const a = audit({ imagePullSecrets: ['wide', 'narrow'], secrets: [a1, a2] });
    assert.deepEqual(a.covering, [
      'secret shop/narrow key registry.example.com/team',
      'secret shop/wide key *.example.com',
    ]);
    assert.equal(a.verdict, 'covered');
    assert.equal(keyringOf(a).length, 2);
  });

  test('one clean covering entry is enough, even with another secret missing or defective', () => {
    const good = dockerSecret('good', { 'registry.example.com': login('u', 'pw-clean-1') });
    const bad = dockerSecret('bad', { 'registry.example.com/team': login('u', 'pw-nl-1\n') });
    const a = audit({ imagePullSecrets: ['gone', 'bad', 'good'], secrets: [good, bad] });
    assert.equal(a.verdict, 'covered');
    assert.equal(a.defective.length, 1);
    has(a.problems, /secret shop\/gone does not exist/);
  });

  test('a missing secret explains a registry nothing else covers', () => {
    const other = dockerSecret('other', { 'ghcr.io': login('u', 'pw-ghcr-1') });
    const a = audit({ imagePullSecrets: ['other', 'regcred'], secrets: [other] });
    assert.equal(a.verdict, 'secret-missing');
  });

  test('a cloud registry nothing covers is left to the node credentials', () => {
    const other = dockerSecret('other', { 'ghcr.io': login('u', 'pw-ghcr-2') });
    const a = audit(
      { imagePullSecrets: ['other'], secrets: [other] },
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1',
    );
    assert.equal(a.verdict, 'node-credentials');
    assert.equal(a.cause, null);
  });

  test('an image that does not parse has no repository and nothing covers it', () => {
    const s = dockerSecret('regcred', { 'registry.example.com': login('u', 'pw-x-1') });
    const a = audit({ imagePullSecrets: ['regcred'], secrets: [s] }, 'Registry.example.com/Team/App:1');
    assert.equal(a.repository, null);
    assert.deepEqual(a.covering, []);
  });
});
