import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeProbe, unknownPlatformReason } from '../../src/diagnose/index.ts';
import {
  MSG,
  b64,
  dockerSecret,
  event,
  login,
  minutes,
  secret,
  serviceAccount,
  waitingState,
  workload,
} from './objects.ts';
import { probeResult, scenario } from './scenario.ts';

const IMG = 'registry.example.com/team/app:1.0';
const fp = { fieldPath: 'spec.containers{app}' };
const backoff = { app: waitingState('ImagePullBackOff', MSG.backoff(IMG)) };
const owned = {
  ownerReferences: [
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'web-5d8f',
      uid: 'uid-ReplicaSet-web-5d8f',
      controller: true,
    },
  ],
  workloads: [
    workload('ReplicaSet', 'web-5d8f', { kind: 'Deployment', name: 'web' }),
    workload('Deployment', 'web'),
  ],
};

const has = (lines: string[], re: RegExp) =>
  assert.ok(
    lines.some((l) => re.test(l)),
    `no line matches ${re}:\n${lines.join('\n')}`,
  );

describe('confidence as the README defines it', () => {
  test('certain never comes with alternatives, and UNKNOWN is never certain', () => {
    const cases: [Parameters<typeof probeResult>[0], string][] = [
      [
        {
          image: IMG,
          cause: 'DNS_FAILURE',
          summary: 'no such host',
          step: 'dns',
          alternatives: ['NETWORK_UNREACHABLE'],
        },
        'alternatives',
      ],
      [{ image: IMG, cause: 'UNKNOWN', summary: 'odd', step: 'connect' }, 'unknown'],
    ];
    for (const [spec, why] of cases) {
      const { finding, audit } = scenario({ states: backoff });
      const f = mergeProbe(finding, probeResult(spec), audit);
      assert.ok(
        f.confidence === 'likely' || f.alternatives.length === 0,
        `${why}: ${f.cause} [${f.confidence}] ${f.alternatives.join()}`,
      );
      assert.ok(!(f.cause === 'UNKNOWN' && f.confidence === 'certain'), why);
    }
  });
});

describe('initialFinding', () => {
  test('classifies the best message, likely, with the evidence chain and the workload', () => {
    const { finding } = scenario({
      ...owned,
      states: backoff,
      events: [event('web-1', 'Failed', MSG.notFound(IMG), { ...fp, ago: minutes(3), count: 4 })],
    });
    assert.equal(finding.cause, 'MANIFEST_NOT_FOUND');
    assert.equal(finding.confidence, 'likely');
    assert.equal(finding.reason, 'Failed');
    assert.equal(finding.message, MSG.notFound(IMG));
    assert.deepEqual(finding.owner, { kind: 'Deployment', name: 'web' });
    assert.equal(finding.containerType, 'regular');
    assert.equal(finding.probe, null);
    has(finding.evidence, /^waiting ImagePullBackOff: Back-off pulling image/);
    has(
      finding.evidence,
      /^event Failed spec.containers\{app\} ×4, last 2025-03-01T11:57:00.000Z: Failed to pull image/,
    );
    has(finding.evidence, /^the message says MANIFEST_NOT_FOUND/);
    has(finding.remediation, /Check tag 1.0/);
  });

  test('a refusal in the message with a missing secret is PULL_SECRET_MISSING (likely), with the refusal as an alternative', () => {
    const { finding } = scenario({
      imagePullSecrets: ['regcred'],
      states: { app: waitingState('ErrImagePull', MSG.unauthorized(IMG)) },
    });
    assert.equal(finding.cause, 'PULL_SECRET_MISSING');
    assert.equal(finding.confidence, 'likely');
    assert.deepEqual(finding.alternatives.slice(0, 1), ['UNAUTHORIZED']);
    has(
      finding.evidence,
      /the registry refused the pull \(UNAUTHORIZED\) and the pod's pull secrets are missing/,
    );
    has(
      finding.remediation,
      /^Create the missing secret shop\/regcred: kubectl create secret docker-registry regcred --docker-server=registry.example.com --docker-username=<user> --docker-password=<password> -n shop$/,
    );
  });

  test('a malformed secret makes every pull of the pod fail: PULL_SECRET_INVALID, certain', () => {
    const { finding } = scenario({
      imagePullSecrets: ['broken'],
      secrets: [
        secret('broken', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths": 1}') }),
      ],
      states: backoff,
    });
    assert.equal(finding.cause, 'PULL_SECRET_INVALID');
    assert.equal(finding.confidence, 'certain');
    has(finding.evidence, /the kubelet cannot read secret shop\/broken/);
    has(
      finding.remediation,
      /kubectl delete secret broken -n shop && kubectl create secret docker-registry broken/,
    );
  });

  test('ErrImageNeverPull and InvalidImageName stand whatever the secrets are', () => {
    const { finding } = scenario({
      imagePullSecrets: ['gone'],
      containers: [{ name: 'app', image: IMG, imagePullPolicy: 'Never' }],
      states: { app: waitingState('ErrImageNeverPull', MSG.neverPull(IMG)) },
    });
    assert.equal(finding.cause, 'NEVER_PULL');
    assert.equal(finding.confidence, 'certain');
  });

  test('a back-off with a secret problem keeps BACKOFF_NO_DETAIL and names the secret problem as an alternative', () => {
    const { finding } = scenario({ imagePullSecrets: ['gone'], states: backoff });
    assert.equal(finding.cause, 'BACKOFF_NO_DETAIL');
    assert.deepEqual(finding.alternatives, ['PULL_SECRET_MISSING']);
    has(finding.evidence, /secret shop\/gone does not exist/);
  });

  test('a FailedToRetrieveImagePullSecret event alone is PULL_SECRET_MISSING', () => {
    const { finding } = scenario({
      imagePullSecrets: ['regcred'],
      states: backoff,
      events: [event('web-1', 'FailedToRetrieveImagePullSecret', MSG.retrieveSecrets(['regcred']))],
    });
    assert.equal(finding.cause, 'PULL_SECRET_MISSING');
    assert.equal(finding.reason, 'FailedToRetrieveImagePullSecret');
  });

  test('a stuck pull is PULL_TIMEOUT (likely) with how long it has been pulling', () => {
    const { finding } = scenario({
      states: { app: waitingState('ContainerCreating') },
      events: [event('web-1', 'Pulling', MSG.pulling(IMG), { ...fp, ago: minutes(40) })],
    });
    assert.equal(finding.cause, 'PULL_TIMEOUT');
    assert.equal(finding.confidence, 'likely');
    assert.deepEqual(finding.alternatives, ['NETWORK_TIMEOUT', 'REGISTRY_ERROR']);
    has(
      finding.evidence,
      /^Pulling since 2025-03-01T11:20:00.000Z \(40 min\) with no Pulled or Failed event$/,
    );
  });

  test('INVALID_REFERENCE for an init container', () => {
    const bad = 'registry.example.com/Team/app:1';
    const { finding } = scenario({
      initContainers: [{ name: 'init', image: bad }],
      states: {
        init: waitingState('InvalidImageName', MSG.invalidName(bad)),
        app: waitingState('PodInitializing'),
      },
    });
    assert.equal(finding.containerType, 'init');
    assert.equal(finding.cause, 'INVALID_REFERENCE');
  });
});

describe('mergeProbe', () => {
  test('no probe: the finding is unchanged', () => {
    const { finding, audit } = scenario({ states: backoff });
    assert.equal(mergeProbe(finding, null, audit), finding);
  });

  test('a probe that proves the cause overrides a back-off: certain, with the nearest tags', () => {
    const { finding, audit } = scenario({ states: backoff });
    const probe = probeResult({
      image: IMG,
      cause: 'MANIFEST_NOT_FOUND',
      summary: 'team/app exists (3 tags) but has no tag "1.0"; nearest tags: 1.0.1, 1.1',
      suggestions: ['1.0.1', '1.1'],
    });
    const f = mergeProbe(finding, probe, audit);
    assert.equal(f.cause, 'MANIFEST_NOT_FOUND');
    assert.equal(f.confidence, 'certain');
    assert.equal(f.probe, probe);
    has(f.evidence, /^probe for linux\/amd64 \(node node-a\) \[manifest\]: team\/app exists/);
    has(f.evidence, /^nearest existing tags: 1.0.1, 1.1$/);
    has(f.remediation, /Tags that do exist and look close: 1.0.1, 1.1/);
  });

  test('a probe that succeeds keeps the message cause and says transient or node-specific', () => {
    const { finding, audit } = scenario({ states: { app: waitingState('ErrImagePull', MSG.dns(IMG)) } });
    const f = mergeProbe(
      finding,
      probeResult({ image: IMG, cause: null, summary: `${IMG} is pullable for linux/amd64` }),
      audit,
    );
    assert.equal(f.cause, 'DNS_FAILURE');
    assert.equal(f.confidence, finding.confidence);
    has(f.evidence, /the failure was transient or specific to node node-a/);
  });

  test('a succeeding probe for a node-side cause says it is consistent with that cause', () => {
    const { finding, audit } = scenario({
      states: {
        app: waitingState(
          'ErrImagePull',
          `failed to pull and unpack image "${IMG}": failed to extract layer sha256:abc: write /var/lib/containerd/tmp: no space left on device`,
        ),
      },
    });
    assert.equal(finding.cause, 'NODE_DISK_FULL');
    const f = mergeProbe(finding, probeResult({ image: IMG, cause: null, summary: 'pullable' }), audit);
    assert.equal(f.cause, 'NODE_DISK_FULL');
    has(f.evidence, /consistent with NODE_DISK_FULL, a problem on the node's side/);
  });

  test('a refusal with a missing secret is PULL_SECRET_MISSING, certain, with the refusal as evidence', () => {
    const { finding, audit } = scenario({ ...owned, imagePullSecrets: ['regcred'], states: backoff });
    const probe = probeResult({
      image: IMG,
      cause: 'UNAUTHORIZED',
      step: 'auth',
      summary: '401 Unauthorized from https://registry.example.com/token (anonymous)',
    });
    const f = mergeProbe(finding, probe, audit);
    assert.equal(f.cause, 'PULL_SECRET_MISSING');
    assert.equal(f.confidence, 'certain');
    // The refusal is evidence, not another reading (certain means no alternatives, as the README says).
    assert.deepEqual(f.alternatives, []);
    has(f.evidence, /\[auth\]: 401 Unauthorized/);
    has(
      f.evidence,
      /the registry refuses the pod's credentials \(UNAUTHORIZED\) and its pull secrets are missing/,
    );
    has(
      f.remediation,
      /kubectl create secret docker-registry regcred --docker-server=registry.example.com .* -n shop/,
    );
  });

  test('a refusal with secrets that do not cover the registry is PULL_SECRET_INVALID', () => {
    const { finding, audit } = scenario({
      imagePullSecrets: ['ghcr'],
      serviceAccountName: 'builder',
      secrets: [dockerSecret('ghcr', { 'ghcr.io': login('u', 'pw-ghcr-7') })],
      states: backoff,
    });
    const f = mergeProbe(finding, probeResult({ image: IMG, cause: 'FORBIDDEN', summary: '403' }), audit);
    assert.equal(f.cause, 'PULL_SECRET_INVALID');
    assert.equal(f.confidence, 'certain');
    assert.deepEqual(f.alternatives, []);
    has(f.evidence, /the registry refuses the pod's credentials \(FORBIDDEN\)/);
    has(f.remediation, /kubectl get secret ghcr -n shop -o jsonpath/);
    // The pod lists its own secrets, so admission would not copy a service account's: only the pod's own list
    // can take the new secret.
    has(
      f.remediation,
      /None of shop\/ghcr has an entry for registry.example.com: kubectl create secret docker-registry regcred-registry-example-com .*, then add regcred-registry-example-com to the spec.imagePullSecrets of the pod's template/,
    );
    assert.ok(
      !f.remediation.some((r) => r.includes('kubectl patch serviceaccount')),
      f.remediation.join('\n'),
    );
  });

  test("a new secret goes into the owner's template, merged with the secrets the pod has, or into the service account they came from", () => {
    const { finding, audit } = scenario({
      ...owned,
      imagePullSecrets: ['ghcr'],
      serviceAccountName: 'builder',
      serviceAccounts: [serviceAccount('builder', ['ghcr'])],
      secrets: [dockerSecret('ghcr', { 'ghcr.io': login('u', 'pw-ghcr-7') })],
      states: backoff,
    });
    const f = mergeProbe(finding, probeResult({ image: IMG, cause: 'FORBIDDEN', summary: '403' }), audit);
    has(
      f.remediation,
      /add it to the pod template: kubectl patch deployment web -n shop -p '\{"spec":\{"template":\{"spec":\{"imagePullSecrets":\[\{"name":"ghcr"\},\{"name":"regcred-registry-example-com"\}\]\}\}\}\}'; or, as the pod's pull secrets come from service account builder, append it there and recreate the pod: kubectl patch serviceaccount builder -n shop --type=json -p '\[\{"op":"add","path":"\/imagePullSecrets\/-"/,
    );
  });

  test('only a key for the same host that differs in its port is fixed in place', () => {
    const run = (key: string) => {
      const { finding, audit } = scenario({
        imagePullSecrets: ['regcred'],
        secrets: [dockerSecret('regcred', { [key]: login('u', 'pw-port-3') })],
        states: backoff,
      });
      return mergeProbe(finding, probeResult({ image: IMG, cause: 'UNAUTHORIZED', summary: '401' }), audit)
        .remediation;
    };
    has(
      run('https://Registry.example.com:5000/team'),
      /^Fix the key in secret shop\/regcred: its entry https:\/\/Registry.example.com:5000\/team names another port than the image \(registry.example.com\); add the same credentials under registry.example.com\/team:/,
    );
    for (const other of ['registry.other.example:5000', '*.example.com:5000']) {
      const steps = run(other);
      assert.ok(!steps.some((r) => r.startsWith('Fix the key')), steps.join('\n'));
      has(steps, /^None of shop\/regcred has an entry for registry.example.com/);
    }
  });

  test('a refused password with a trailing newline is PULL_SECRET_INVALID', () => {
    const { finding, audit } = scenario({
      imagePullSecrets: ['regcred'],
      secrets: [dockerSecret('regcred', { 'registry.example.com': login('u', 'pw-newline-7\n') })],
      states: backoff,
    });
    const f = mergeProbe(
      finding,
      probeResult({
        image: IMG,
        cause: 'UNAUTHORIZED',
        step: 'auth',
        summary: 'refused',
        credential: 'secret shop/regcred key registry.example.com',
      }),
      audit,
    );
    assert.equal(f.cause, 'PULL_SECRET_INVALID');
    has(f.remediation, /^Rewrite secret shop\/regcred key registry.example.com with the exact password/);
  });

  test('a covering, well-formed secret whose password is refused stays UNAUTHORIZED', () => {
    const { finding, audit } = scenario({
      imagePullSecrets: ['regcred'],
      secrets: [dockerSecret('regcred', { 'registry.example.com': login('u', 'pw-wrong-7') })],
      states: { app: waitingState('ErrImagePull', MSG.unauthorized(IMG)) },
    });
    assert.equal(finding.cause, 'UNAUTHORIZED');
    has(
      finding.evidence,
      /secret shop\/regcred key registry.example.com covers registry.example.com\/team\/app and look/,
    );
    const probe = probeResult({
      image: IMG,
      cause: 'UNAUTHORIZED',
      step: 'auth',
      summary: 'Basic auth refused',
      credential: 'secret shop/regcred key registry.example.com',
    });
    const f = mergeProbe(finding, probe, audit);
    assert.equal(f.cause, 'UNAUTHORIZED');
    assert.equal(f.confidence, 'certain');
    has(f.evidence, /with secret shop\/regcred key registry.example.com \[auth\]/);
    has(
      f.evidence,
      /the registry refuses secret shop\/regcred key registry.example.com, a covering and well-formed entry/,
    );
    // The secret is attached and covers the registry: no advice to create and attach another one.
    const creates = f.remediation.filter((r) => r.includes('kubectl create secret docker-registry'));
    assert.deepEqual(
      creates.map((r) => /docker-registry (\S+)/.exec(r)?.[1]),
      ['regcred'],
      f.remediation.join('\n'),
    );
    assert.ok(!f.remediation.some((r) => /^If a secret is already attached|^Create a pull secret/.test(r)));
  });

  test('a refusal for a pod without secrets is UNAUTHORIZED with commands for its namespace, service account and workload', () => {
    const { finding, audit } = scenario({ ...owned, serviceAccountName: 'web-sa', states: backoff });
    const f = mergeProbe(
      finding,
      probeResult({ image: IMG, cause: 'UNAUTHORIZED', summary: 'anonymous pull refused' }),
      audit,
    );
    assert.equal(f.cause, 'UNAUTHORIZED');
    assert.equal(f.confidence, 'certain');
    has(f.evidence, /^the pod has no imagePullSecrets, so the kubelet pulls anonymously/);
    assert.equal(
      f.remediation[0],
      'Create a pull secret: kubectl create secret docker-registry regcred --docker-server=registry.example.com --docker-username=<user> --docker-password=<password> -n shop',
    );
    // The service account is not in the state: which patch works depends on whether it lists any secrets yet.
    has(
      f.remediation,
      /^Attach it to service account web-sa: see whether it lists any: kubectl get serviceaccount web-sa -n shop -o jsonpath='\{.imagePullSecrets\}'; if that prints nothing: kubectl patch serviceaccount web-sa -n shop --type=json -p '\[\{"op":"add","path":"\/imagePullSecrets","value":\[\{"name":"regcred"\}\]\}\]'; otherwise: .*"path":"\/imagePullSecrets\/-".*, then recreate the pod: kubectl rollout restart deployment\/web -n shop$/,
    );
    assert.ok(f.remediation.every((r) => !r.includes('<namespace>')));
    // One answer to "which secret": the audit's, not also the generic create-and-attach steps.
    assert.equal(f.remediation.filter((r) => r.includes('kubectl create secret docker-registry')).length, 1);
    assert.ok(
      !f.remediation.some((r) => r.startsWith('Reference it from the pod')),
      f.remediation.join('\n'),
    );
  });

  test('a pod that predates its service account secrets is told to be recreated', () => {
    const { finding, audit } = scenario({
      ...owned,
      serviceAccounts: [serviceAccount('default', ['regcred'])],
      secrets: [dockerSecret('regcred', { 'registry.example.com': login('u', 'pw-sa-7') })],
      states: backoff,
    });
    const f = mergeProbe(
      finding,
      probeResult({ image: IMG, cause: 'UNAUTHORIZED', summary: 'anonymous pull refused' }),
      audit,
    );
    assert.equal(f.cause, 'UNAUTHORIZED');
    has(f.evidence, /the pod predates them/);
    assert.match(
      f.remediation[0]!,
      /^Recreate the pod so admission copies service account default's pull secrets into it: kubectl rollout restart deployment\/web -n shop$/,
    );
  });

  test('with the right password and a missing tag the cause is MANIFEST_NOT_FOUND, not UNAUTHORIZED', () => {
    const { finding, audit } = scenario({
      imagePullSecrets: ['regcred'],
      secrets: [dockerSecret('regcred', { 'registry.example.com': login('u', 'pw-right-7') })],
      states: backoff,
    });
    const f = mergeProbe(
      finding,
      probeResult({ image: IMG, cause: 'MANIFEST_NOT_FOUND', summary: 'no tag "1.0"', suggestions: [] }),
      audit,
    );
    assert.equal(f.cause, 'MANIFEST_NOT_FOUND');
    assert.equal(f.confidence, 'certain');
  });

  test('a platform problem with only a back-off is found from the node architecture', () => {
    const { finding, audit } = scenario({ nodeName: 'arm-1', states: backoff });
    const probe = probeResult({
      image: IMG,
      cause: 'PLATFORM_MISMATCH',
      step: 'platform',
      platform: 'linux/arm64',
      summary: 'no image for linux/arm64 in the index; it has linux/amd64',
    });
    const f = mergeProbe(finding, probe, audit);
    assert.equal(f.cause, 'PLATFORM_MISMATCH');
    assert.equal(f.confidence, 'certain');
    has(f.evidence, /^probe for linux\/arm64 \(node arm-1\) \[platform\]: no image for linux\/arm64/);
    has(f.remediation, /linux\/arm64/);
  });

  test('with the node platform unknown, a platform verdict from a default-platform probe is only likely', () => {
    const { finding, audit, state, pod } = scenario({
      nodeName: 'arm-1',
      states: backoff,
      skipped: [{ resource: 'nodes', reason: 'not in the snapshot' }],
    });
    const probe = probeResult({
      image: IMG,
      cause: 'PLATFORM_MISMATCH',
      step: 'platform',
      platform: 'linux/amd64',
      summary: 'no image for linux/amd64 in the index; it has linux/arm64',
    });
    const f = mergeProbe(finding, probe, audit, { platformGuess: unknownPlatformReason(state, pod) });
    assert.equal(f.cause, 'PLATFORM_MISMATCH');
    assert.equal(f.confidence, 'likely');
    has(
      f.evidence,
      /^the node's platform is unknown \(node arm-1: nodes not in the snapshot\), so the probe asked for linux\/amd64$/,
    );
  });

  test('a network cause seen from here does not override a specific message, but is an alternative', () => {
    const { finding, audit } = scenario({ states: { app: waitingState('ErrImagePull', MSG.notFound(IMG)) } });
    const f = mergeProbe(
      finding,
      probeResult({ image: IMG, cause: 'DNS_FAILURE', step: 'dns', summary: 'no such host' }),
      audit,
    );
    assert.equal(f.cause, 'MANIFEST_NOT_FOUND');
    assert.ok(f.alternatives.includes('DNS_FAILURE'));
    has(f.evidence, /from the scanning machine the probe fails with DNS_FAILURE instead/);
  });

  test('a network cause replaces a bare back-off, as likely', () => {
    const { finding, audit } = scenario({ states: backoff });
    const f = mergeProbe(
      finding,
      probeResult({ image: IMG, cause: 'TLS_UNTRUSTED', step: 'tls', summary: 'x509: unknown authority' }),
      audit,
    );
    assert.equal(f.cause, 'TLS_UNTRUSTED');
    assert.equal(f.confidence, 'likely');
  });

  test('a probe that agrees with the message makes it certain', () => {
    const { finding, audit } = scenario({ states: { app: waitingState('ErrImagePull', MSG.dns(IMG)) } });
    const f = mergeProbe(
      finding,
      probeResult({ image: IMG, cause: 'DNS_FAILURE', step: 'dns', summary: 'no such host' }),
      audit,
    );
    assert.equal(f.cause, 'DNS_FAILURE');
    assert.equal(f.confidence, 'certain');
  });

  test("a credential-provider failure is not replaced by the probe's refusal", () => {
    const msg = `Failed to pull image "${IMG}": rpc error: code = Unknown desc = failed to get credential from external registry credential provider: exit status 1`;
    const { finding, audit } = scenario({ states: { app: waitingState('ErrImagePull', msg) } });
    assert.equal(finding.cause, 'CREDENTIAL_PROVIDER_ERROR');
    const f = mergeProbe(
      finding,
      probeResult({ image: IMG, cause: 'UNAUTHORIZED', summary: 'refused' }),
      audit,
    );
    assert.equal(f.cause, 'CREDENTIAL_PROVIDER_ERROR');
  });

  test('a refusal when the secrets could not be read is only likely', () => {
    const { finding, audit } = scenario({
      imagePullSecrets: ['regcred'],
      skipped: [{ resource: 'secrets', namespace: 'shop', reason: 'forbidden' }],
      states: backoff,
    });
    const f = mergeProbe(
      finding,
      probeResult({ image: IMG, cause: 'UNAUTHORIZED', summary: 'refused' }),
      audit,
    );
    assert.equal(f.cause, 'UNAUTHORIZED');
    assert.equal(f.confidence, 'likely');
    has(f.evidence, /the probe ran without the credentials the node uses/);
  });

  test('the kubelet verdicts stand against the probe', () => {
    const { finding, audit } = scenario({
      containers: [{ name: 'app', image: IMG, imagePullPolicy: 'Never' }],
      states: { app: waitingState('ErrImageNeverPull', MSG.neverPull(IMG)) },
    });
    const f = mergeProbe(
      finding,
      probeResult({ image: IMG, cause: 'MANIFEST_NOT_FOUND', summary: 'no tag' }),
      audit,
    );
    assert.equal(f.cause, 'NEVER_PULL');
    assert.equal(f.confidence, 'certain');
  });

  test('Docker Hub ambiguity from the probe keeps its confidence and alternatives', () => {
    const hub = 'myorg/private:1';
    const { finding, audit } = scenario({
      containers: [{ name: 'app', image: hub }],
      states: { app: waitingState('ImagePullBackOff', MSG.backoff(hub)) },
    });
    const probe = probeResult({
      image: 'docker.io/myorg/private:1',
      cause: 'UNAUTHORIZED',
      confidence: 'likely',
      alternatives: ['REPOSITORY_NOT_FOUND'],
      summary: 'anonymous pull refused',
    });
    const f = mergeProbe(finding, probe, audit);
    assert.equal(f.cause, 'UNAUTHORIZED');
    assert.equal(f.confidence, 'likely');
    assert.deepEqual(f.alternatives, ['REPOSITORY_NOT_FOUND']);
  });
});

describe('mergeProbe with secrets that explain the failure', () => {
  test('a malformed secret stays PULL_SECRET_INVALID whatever another credential source found', () => {
    const { finding, audit } = scenario({
      imagePullSecrets: ['broken'],
      secrets: [
        secret('broken', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths": 1}') }),
      ],
      states: backoff,
    });
    const f = mergeProbe(
      finding,
      probeResult({ image: IMG, cause: 'MANIFEST_NOT_FOUND', summary: 'no tag' }),
      audit,
    );
    assert.equal(f.cause, 'PULL_SECRET_INVALID');
    assert.equal(f.confidence, 'certain');
    assert.deepEqual(f.alternatives, []);
    has(f.evidence, /\[manifest\]: no tag/);
    const g = mergeProbe(
      finding,
      probeResult({
        image: IMG,
        cause: 'PULL_SECRET_INVALID',
        step: 'credentials',
        summary: 'secret shop/broken: …',
      }),
      audit,
    );
    assert.equal(g.cause, 'PULL_SECRET_INVALID');
  });

  test('an anonymous REPOSITORY_NOT_FOUND with a missing secret is only likely, with the secret as alternative', () => {
    const { finding, audit } = scenario({ imagePullSecrets: ['regcred'], states: backoff });
    const f = mergeProbe(
      finding,
      probeResult({
        image: IMG,
        cause: 'REPOSITORY_NOT_FOUND',
        summary: 'repository team/app does not exist',
      }),
      audit,
    );
    assert.equal(f.cause, 'REPOSITORY_NOT_FOUND');
    assert.equal(f.confidence, 'likely');
    assert.deepEqual(f.alternatives, ['PULL_SECRET_MISSING']);
  });

  test('with a covering secret, REPOSITORY_NOT_FOUND is certain', () => {
    const { finding, audit } = scenario({
      imagePullSecrets: ['regcred'],
      secrets: [dockerSecret('regcred', { 'registry.example.com': login('u', 'pw-repo-7') })],
      states: backoff,
    });
    const probe = probeResult({
      image: IMG,
      cause: 'REPOSITORY_NOT_FOUND',
      summary: 'no such repository',
      credential: 'secret shop/regcred key registry.example.com',
    });
    const f = mergeProbe(finding, probe, audit);
    assert.equal(f.cause, 'REPOSITORY_NOT_FOUND');
    assert.equal(f.confidence, 'certain');
  });
});

describe('every pull waiting reason becomes a finding with the cause its message gives', () => {
  const cases: [string, string, string][] = [
    ['ErrImagePull', MSG.notFound(IMG), 'MANIFEST_NOT_FOUND'],
    ['ErrImagePull', MSG.platform(IMG), 'PLATFORM_MISMATCH'],
    ['ImagePullBackOff', MSG.backoff(IMG), 'BACKOFF_NO_DETAIL'],
    ['ErrImageNeverPull', MSG.neverPull(IMG), 'NEVER_PULL'],
    ['InvalidImageName', MSG.invalidName('registry.example.com/Team/app:1'), 'INVALID_REFERENCE'],
    ['RegistryUnavailable', MSG.dns(IMG), 'DNS_FAILURE'],
    [
      'ImageInspectError',
      `Failed to inspect image "${IMG}": rpc error: code = Unknown desc = write /var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db: no space left on device`,
      'NODE_DISK_FULL',
    ],
  ];
  for (const [reason, message, cause] of cases) {
    test(`${reason}: ${cause}`, () => {
      const { finding } = scenario({ states: { app: waitingState(reason, message) } });
      assert.equal(finding.reason, reason);
      assert.equal(finding.cause, cause);
    });
  }
});
