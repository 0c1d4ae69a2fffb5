// deploy/webhook rendered by the kubectl on this machine (KUBECTL=… picks another, e.g. Debian's 1.20 with
// kustomize v2.0.3) and checked for what makes a webhook safe to run: which requests reach it, how it is found
// and trusted, that it cannot lock itself or kube-system out, what it may read, and how it runs.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { KUBECTL, needs } from '../helpers/tools.ts';
import { WORKLOAD_KINDS } from '../../src/webhook/index.ts';
import { parseListen } from '../../src/cli/commands/webhook.ts';
import { parseDuration } from '../../src/util/duration.ts';

const DEPLOY = fileURLToPath(new URL('../../deploy/webhook', import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered Kubernetes objects, asserted field by field
type Obj = any;

const RESOURCE_OF: Record<string, string> = {
  Pod: 'pods',
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  ReplicaSet: 'replicasets',
  Job: 'jobs',
  CronJob: 'cronjobs',
};

describe('deploy/webhook', needs(KUBECTL), () => {
  let objs: Obj[];
  const one = (kind: string): Obj => {
    const found = objs.filter((o) => o.kind === kind);
    assert.equal(found.length, 1, `exactly one ${kind}`);
    return found[0];
  };
  before(async () => {
    const { stdout } = await promisify(execFile)(KUBECTL.path, ['kustomize', DEPLOY], {
      maxBuffer: 16 << 20,
    });
    objs = parseAllDocuments(stdout).map((d) => {
      assert.equal(d.errors.length, 0, String(d.errors[0]));
      return d.toJS();
    });
  });

  test('renders the webhook objects; namespaced ones in regdoctor, cluster-scoped ones without a namespace', () => {
    assert.deepEqual(objs.map((o) => o.kind).sort(), [
      'Certificate',
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'Issuer',
      'Namespace',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
      'ValidatingWebhookConfiguration',
    ]);
    const clusterScoped = new Set([
      'Namespace',
      'ClusterRole',
      'ClusterRoleBinding',
      'ValidatingWebhookConfiguration',
    ]);
    for (const o of objs) {
      assert.equal(
        o.metadata.namespace,
        clusterScoped.has(o.kind) ? undefined : 'regdoctor',
        `${o.kind} namespace`,
      );
    }
  });

  test('ValidatingWebhookConfiguration: v1 reviews, no side effects, timeouts and failurePolicy', () => {
    const vwc = one('ValidatingWebhookConfiguration');
    assert.equal(vwc.apiVersion, 'admissionregistration.k8s.io/v1');
    assert.equal(vwc.webhooks.length, 1);
    const w = vwc.webhooks[0];
    assert.deepEqual(w.admissionReviewVersions, ['v1']);
    assert.equal(w.sideEffects, 'None');
    assert.ok(['Fail', 'Ignore'].includes(w.failurePolicy));
    assert.ok(w.timeoutSeconds >= 1 && w.timeoutSeconds <= 30);
    // The webhook must give up (503 → failurePolicy) before the API server does.
    const args: string[] = one('Deployment').spec.template.spec.containers[0].args;
    const decision = args.find((a) => a.startsWith('--decision-timeout='));
    assert.ok(decision, 'the Deployment sets --decision-timeout');
    assert.ok(parseDuration(decision.split('=')[1]!) < w.timeoutSeconds * 1000);
  });

  test('it never sees kube-system or its own namespace', () => {
    const sel = one('ValidatingWebhookConfiguration').webhooks[0].namespaceSelector;
    assert.deepEqual(sel.matchLabels, undefined);
    assert.deepEqual(sel.matchExpressions, [
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'regdoctor'] },
    ]);
  });

  test('rules: CREATE and UPDATE of exactly the kinds the webhook evaluates, plus pods/ephemeralcontainers', () => {
    const rules: Obj[] = one('ValidatingWebhookConfiguration').webhooks[0].rules;
    const covered = new Set<string>();
    for (const r of rules) {
      assert.deepEqual(r.operations, ['CREATE', 'UPDATE']);
      assert.deepEqual(r.apiVersions, ['v1']);
      assert.equal(r.scope, 'Namespaced');
      for (const g of r.apiGroups) for (const res of r.resources) covered.add(g ? `${res}.${g}` : res);
    }
    const want = Object.entries(WORKLOAD_KINDS).map(([kind, group]) =>
      group ? `${RESOURCE_OF[kind]}.${group}` : RESOURCE_OF[kind]!,
    );
    assert.deepEqual([...covered].sort(), [...want, 'pods/ephemeralcontainers'].sort());
  });

  test('the API server finds it: clientConfig → Service → container port, path /validate', () => {
    const svcRef = one('ValidatingWebhookConfiguration').webhooks[0].clientConfig.service;
    const svc = one('Service');
    assert.deepEqual(
      [svcRef.name, svcRef.namespace, svcRef.path],
      [svc.metadata.name, svc.metadata.namespace, '/validate'],
    );
    const port = svc.spec.ports.find((p: Obj) => p.port === svcRef.port);
    assert.ok(port, 'the Service serves the port the webhook names');
    const pod = one('Deployment').spec.template;
    assert.deepEqual(svc.spec.selector, one('Deployment').spec.selector.matchLabels);
    const c = pod.spec.containers[0];
    const cport = c.ports.find((p: Obj) => p.name === port.targetPort || p.containerPort === port.targetPort);
    assert.ok(cport, 'targetPort names a container port');
    const listen = c.args.find((a: string) => a.startsWith('--listen='));
    assert.equal(parseListen(listen.split('=')[1]).port, cport.containerPort);
  });

  test('certificates: cert-manager issues for the Service name, injects the CA, the pod mounts the Secret', () => {
    const vwc = one('ValidatingWebhookConfiguration');
    const cert = one('Certificate');
    const svc = one('Service');
    assert.equal(
      vwc.metadata.annotations['cert-manager.io/inject-ca-from'],
      `${cert.metadata.namespace}/${cert.metadata.name}`,
    );
    // The API server connects to <service>.<namespace>.svc and checks the certificate for that name.
    assert.ok(cert.spec.dnsNames.includes(`${svc.metadata.name}.${svc.metadata.namespace}.svc`));
    assert.equal(cert.spec.issuerRef.name, one('Issuer').metadata.name);
    const spec = one('Deployment').spec.template.spec;
    const vol = spec.volumes.find((v: Obj) => v.secret?.secretName === cert.spec.secretName);
    assert.ok(vol, 'the certificate Secret is mounted');
    const mount = spec.containers[0].volumeMounts.find((m: Obj) => m.name === vol.name);
    for (const flag of ['--tls-cert', '--tls-key']) {
      const a: string = spec.containers[0].args.find((x: string) => x.startsWith(`${flag}=`));
      assert.ok(a.split('=')[1]!.startsWith(`${mount.mountPath}/`), `${flag} is inside the mount`);
    }
  });

  test("RBAC: get, list and watch of imagepolicies only, bound to the pod's service account", () => {
    assert.deepEqual(one('ClusterRole').rules, [
      { apiGroups: ['regdoctor.dev'], resources: ['imagepolicies'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = one('ClusterRoleBinding');
    assert.equal(binding.roleRef.name, one('ClusterRole').metadata.name);
    const sa = one('ServiceAccount');
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace },
    ]);
    assert.equal(one('Deployment').spec.template.spec.serviceAccountName, sa.metadata.name);
    assert.ok(one('Deployment').spec.template.spec.containers[0].args.includes('--watch-policies'));
  });

  test('Deployment: two replicas spread apart, a PDB, HTTPS probes, non-root and resources', () => {
    const d = one('Deployment');
    assert.equal(d.spec.replicas, 2);
    const spec = d.spec.template.spec;
    const labels = d.spec.template.metadata.labels;
    const anti =
      spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
    assert.equal(anti.topologyKey, 'kubernetes.io/hostname');
    assert.deepEqual(anti.labelSelector.matchLabels, labels);
    assert.deepEqual(spec.topologySpreadConstraints[0].labelSelector.matchLabels, labels);
    const pdb = one('PodDisruptionBudget');
    assert.equal(pdb.spec.minAvailable, 1);
    assert.deepEqual(pdb.spec.selector.matchLabels, labels);
    const c = spec.containers[0];
    assert.deepEqual(
      [c.livenessProbe.httpGet.scheme, c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path],
      ['HTTPS', '/healthz', '/readyz'],
    );
    assert.equal(spec.securityContext.runAsNonRoot, true);
    assert.ok(spec.securityContext.runAsUser > 0);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    for (const k of ['requests', 'limits']) assert.ok(c.resources[k].cpu && c.resources[k].memory, k);
    // Graceful shutdown must fit in the grace period the kubelet gives.
    const secs = (flag: string) =>
      parseDuration(c.args.find((a: string) => a.startsWith(`${flag}=`)).split('=')[1]) / 1000;
    assert.ok(secs('--shutdown-delay') + secs('--shutdown-grace') < spec.terminationGracePeriodSeconds);
  });
});
