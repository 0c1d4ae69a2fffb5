// deploy/exporter rendered by the kubectl on this machine (kustomize v5 here, v2.0.3 in Debian's kubectl 1.20 on
// CI; KUBECTL=… picks another) and checked object by object: what it may read, how it runs, and that the
// Service, ServiceMonitor and probes agree on the port.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import * as prettier from 'prettier';
import { KUBECTL, needs } from '../helpers/tools.ts';
import { RESOURCES } from '../../src/cluster/live-resources.ts';
import { prometheusRule, renderPrometheusRule } from '../../src/monitor/rules.ts';
import {
  EXPORTER_LABELS,
  EXPORTER_PORT,
  EXPORTER_PORT_NAME,
  renderServiceMonitor,
  serviceMonitor,
} from '../../src/monitor/servicemonitor.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPLOY = `${ROOT}deploy/exporter/`;
const NAMESPACE = 'regdoctor';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered Kubernetes objects, asserted field by field
type Obj = any;

async function kustomize(dir: string): Promise<Obj[]> {
  const { stdout } = await promisify(execFile)(KUBECTL.path, ['kustomize', DEPLOY + dir], {
    maxBuffer: 16 << 20,
  });
  return parseAllDocuments(stdout).map((doc) => {
    assert.equal(doc.errors.length, 0, String(doc.errors[0]));
    return doc.toJS();
  });
}

const one = (objs: Obj[], kind: string, name?: string): Obj => {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.equal(found.length, 1, `exactly one ${kind}${name ? ` ${name}` : ''}`);
  return found[0];
};

const rulesOf = (objs: Obj[]) => objs.filter((o) => o.kind === 'ClusterRole').flatMap((r) => r.rules);

/** `resource.group` for every resource a rule grants. */
const granted = (rules: Obj[]) =>
  new Set(
    rules.flatMap((r: Obj) =>
      (r.apiGroups as string[]).flatMap((g) =>
        (r.resources as string[]).map((res) => (g ? `${res}.${g}` : res)),
      ),
    ),
  );

// The exporter config format, exactly as documented in docs/monitoring.md.
const CONFIG = {
  interval: '5m',
  timeout: '10s',
  concurrency: 8,
  maxImages: 1000,
  registries: [
    {
      host: 'registry.example.com:5000',
      caFile: '/etc/regdoctor/ca.crt',
      plainHttp: false,
      insecureSkipTlsVerify: false,
      dockerConfig: '/etc/regdoctor/docker/config.json',
      checkImage: 'registry.example.com:5000/team/app:1',
    },
  ],
  images: ['docker.io/library/nginx:1.27'],
  cluster: { enabled: true, namespaces: [], readSecrets: false },
};

describe('deploy/exporter', needs(KUBECTL), () => {
  let top: Obj[];
  let base: Obj[];
  let withSecrets: Obj[];
  before(async () => {
    [top, base, withSecrets] = await Promise.all([
      kustomize('.'),
      kustomize('base'),
      kustomize('read-secrets'),
    ]);
  });

  test('renders the exporter objects, the same from deploy/exporter as from its base', () => {
    assert.deepEqual(top.map((o) => o.kind).sort(), [
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'Deployment',
      'Namespace',
      'PrometheusRule',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);
    assert.deepEqual(top, base);
    for (const o of top) {
      if (o.kind === 'Namespace' || o.kind.startsWith('Cluster'))
        assert.equal(o.metadata.namespace, undefined);
      else assert.equal(o.metadata.namespace, NAMESPACE, `${o.kind} namespace`);
    }
  });

  test('RBAC: get, list and watch of exactly what the cluster loader lists, no secrets', () => {
    const rules = rulesOf(top);
    for (const r of rules) assert.deepEqual([...r.verbs].sort(), ['get', 'list', 'watch']);
    const want = RESOURCES.filter((r) => !r.secret).map((r) =>
      r.group ? `${r.resource}.${r.group}` : r.resource,
    );
    assert.deepEqual([...granted(rules)].sort(), [...want].sort());
    assert.ok(!JSON.stringify(rules).includes('secrets'));
    assert.ok(!JSON.stringify(rules).includes('*'), 'no wildcards');
    const binding = one(top, 'ClusterRoleBinding');
    assert.equal(binding.roleRef.name, one(top, 'ClusterRole').metadata.name);
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: one(top, 'ServiceAccount').metadata.name, namespace: NAMESPACE },
    ]);
  });

  test('the Deployment: one replica, the command, probes, resources, locked-down security context', () => {
    const dep = one(top, 'Deployment');
    assert.equal(dep.spec.replicas, 1);
    const pod = dep.spec.template.spec;
    assert.equal(pod.serviceAccountName, one(top, 'ServiceAccount').metadata.name);
    assert.equal(pod.automountServiceAccountToken, true);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(pod.containers.length, 1);
    const c = pod.containers[0];
    assert.equal(c.image, 'ghcr.io/regdoctor/regdoctor:0.1.0');
    assert.deepEqual(
      [...c.command, ...c.args],
      ['regdoctor', 'exporter', '--config', '/etc/regdoctor/config.yaml'],
    );
    assert.deepEqual(c.ports, [{ name: EXPORTER_PORT_NAME, containerPort: EXPORTER_PORT, protocol: 'TCP' }]);
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: EXPORTER_PORT_NAME });
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: EXPORTER_PORT_NAME });
    for (const kind of ['requests', 'limits']) {
      assert.ok(c.resources[kind].cpu && c.resources[kind].memory, `${kind} for cpu and memory`);
    }
    assert.deepEqual(c.securityContext, {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.deepEqual(dep.spec.selector.matchLabels, EXPORTER_LABELS);
    assert.deepEqual(dep.spec.template.metadata.labels, EXPORTER_LABELS);
  });

  test('the config file reaches /etc/regdoctor/config.yaml in the documented format', () => {
    const cm = one(top, 'ConfigMap');
    const pod = one(top, 'Deployment').spec.template.spec;
    const volume = pod.volumes.find((v: Obj) => v.configMap);
    // kustomize appends a content hash to the name and must have rewritten the reference to match.
    assert.equal(volume.configMap.name, cm.metadata.name);
    assert.match(cm.metadata.name, /^regdoctor-exporter-[a-z0-9]+$/);
    const mount = pod.containers[0].volumeMounts.find((m: Obj) => m.name === volume.name);
    assert.equal(`${mount.mountPath}/config.yaml`, '/etc/regdoctor/config.yaml');
    assert.deepEqual(Object.keys(cm.data), ['config.yaml']);
    assert.deepEqual(parse(cm.data['config.yaml']), CONFIG);
  });

  test('Service, ServiceMonitor and pod agree on labels and the metrics port', () => {
    const svc = one(top, 'Service');
    const sm = one(top, 'ServiceMonitor');
    const podLabels = one(top, 'Deployment').spec.template.metadata.labels;
    for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(podLabels[k], v, `pod label ${k}`);
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) {
      assert.equal(svc.metadata.labels[k], v, `service label ${k}`);
    }
    assert.deepEqual(svc.spec.ports, [
      { name: EXPORTER_PORT_NAME, port: EXPORTER_PORT, targetPort: EXPORTER_PORT_NAME, protocol: 'TCP' },
    ]);
    assert.deepEqual(
      sm.spec.endpoints.map((e: Obj) => e.port),
      [EXPORTER_PORT_NAME],
    );
    assert.equal(sm.spec.endpoints[0].honorLabels, true, 'keeps the namespace label of pull-failure series');
  });

  test('ServiceMonitor and PrometheusRule are the generators’ output', async () => {
    assert.deepEqual(one(top, 'ServiceMonitor'), serviceMonitor({ namespace: NAMESPACE }));
    assert.deepEqual(one(top, 'PrometheusRule'), prometheusRule({ namespace: NAMESPACE }));
    assert.equal(
      await readFile(`${DEPLOY}base/servicemonitor.yaml`, 'utf8'),
      renderServiceMonitor({ namespace: NAMESPACE }),
    );
    assert.equal(
      await readFile(`${DEPLOY}base/prometheusrule.yaml`, 'utf8'),
      renderPrometheusRule({ namespace: NAMESPACE }),
    );
  });

  test('read-secrets: the base plus get/list of secrets, bound to the exporter, and readSecrets on', () => {
    const extra = withSecrets.filter(
      (o) => !base.some((b) => b.kind === o.kind && b.metadata.name === o.metadata.name),
    );
    const changedConfig = extra.filter((o) => o.kind === 'ConfigMap');
    const rbac = extra.filter((o) => o.kind !== 'ConfigMap');
    assert.deepEqual(rbac.map((o) => o.kind).sort(), ['ClusterRole', 'ClusterRoleBinding']);
    const role = one(rbac, 'ClusterRole');
    assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }]);
    const binding = one(rbac, 'ClusterRoleBinding');
    assert.equal(binding.roleRef.name, role.metadata.name);
    assert.deepEqual(binding.subjects, one(base, 'ClusterRoleBinding').subjects);

    const cm = one(changedConfig, 'ConfigMap');
    assert.deepEqual(parse(cm.data['config.yaml']), {
      ...CONFIG,
      cluster: { ...CONFIG.cluster, readSecrets: true },
    });
    const dep = one(withSecrets, 'Deployment');
    assert.equal(
      dep.spec.template.spec.volumes.find((v: Obj) => v.configMap).configMap.name,
      cm.metadata.name,
    );
    // Everything else is the base unchanged.
    const strip = (objs: Obj[]) =>
      objs
        .filter((o) => !rbac.includes(o) && o.kind !== 'ConfigMap')
        .map((o) => (o.kind === 'Deployment' ? { ...o, spec: { ...o.spec, template: '…' } } : o));
    assert.deepEqual(strip(withSecrets), strip(base.filter((o) => o.kind !== 'ConfigMap')));
  });
});

describe('generated deploy files', () => {
  test('scripts/gen-deploy.mjs --check finds them up to date', () => {
    const r = spawnSync(process.execPath, ['scripts/gen-deploy.mjs', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
  });

  test('generator output is already in prettier style (the repository is prettier-checked)', async () => {
    const options = { ...(await prettier.resolveConfig(`${DEPLOY}base/x.yaml`)), parser: 'yaml' };
    for (const [what, text] of [
      ['servicemonitor', renderServiceMonitor({ namespace: NAMESPACE })],
      ['prometheusrule', renderPrometheusRule({ namespace: NAMESPACE })],
    ] as const) {
      assert.ok(await prettier.check(text, options), `${what} would be reformatted by prettier`);
    }
  });
});
