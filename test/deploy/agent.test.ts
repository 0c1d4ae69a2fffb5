// deploy/agent rendered by the kubectl on this machine (kustomize v5 here, v2.0.3 in Debian's kubectl 1.20; KUBECTL=…
// picks another) and checked object by object: how the DaemonSet runs (host network, read-only runtime config under
// /host, no privileges, non-root, every taint tolerated, small requests), and RBAC that is exactly enough — the
// agent runs a whole check cycle against a kube-api test server that forbids every verb the ClusterRole does not
// grant, and uses every one it does. All three deployments run the Dockerfile's image as its user.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { useFixture } from '../helpers/fixture.ts';
import type { ForbidRule } from '../helpers/kube-api.ts';
import { KUBECTL, needs } from '../helpers/tools.ts';
import { agentFor, cluster, node, policy, pushSmall } from '../agent/support.ts';
import { parseDockerfile } from './dockerfile.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered Kubernetes objects, asserted field by field
type Obj = any;

async function kustomize(dir: string): Promise<Obj[]> {
  const { stdout } = await promisify(execFile)(KUBECTL.path, ['kustomize', `${ROOT}deploy/${dir}`], {
    maxBuffer: 16 << 20,
  });
  return parseAllDocuments(stdout).map((d) => d.toJS());
}

const one = (objs: Obj[], kind: string, name?: string): Obj => {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.equal(found.length, 1, `exactly one ${kind}${name ? ` ${name}` : ''}`);
  return found[0];
};

/** `resource.group verb` for every grant of a ClusterRole. */
const grants = (role: Obj): Set<string> =>
  new Set(
    role.rules.flatMap((r: Obj) =>
      r.apiGroups.flatMap((g: string) =>
        r.resources.flatMap((res: string) => r.verbs.map((v: string) => `${res}${g ? `.${g}` : ''} ${v}`)),
      ),
    ),
  );

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
/** What the kube-api test server serves, as RBAC names it (a subresource as resource/sub, group-less). */
const RESOURCES = [
  'pods',
  'secrets',
  'nodes',
  'events',
  'serviceaccounts',
  'imagepullchecks.regdoctor.dev',
  'imagepolicies.regdoctor.dev',
];

describe('deploy/agent', needs(KUBECTL), () => {
  const fx = useFixture();
  let top: Obj[];
  let base: Obj[];
  let withSecrets: Obj[];
  before(async () => {
    [top, base, withSecrets] = await Promise.all([
      kustomize('agent'),
      kustomize('agent/base'),
      kustomize('agent/read-secrets'),
    ]);
  });

  test('renders the agent objects, the same from deploy/agent as from its base', () => {
    assert.deepEqual(top.map((o) => o.kind).sort(), [
      'ClusterRole',
      'ClusterRole',
      'ClusterRoleBinding',
      'DaemonSet',
      'Namespace',
      'ServiceAccount',
    ]);
    assert.deepEqual(top, base);
    const ns = one(top, 'Namespace');
    for (const o of top) {
      if (o.kind === 'Namespace' || o.kind.startsWith('Cluster'))
        assert.equal(o.metadata.namespace, undefined);
      else assert.equal(o.metadata.namespace, ns.metadata.name);
    }
  });

  test('the DaemonSet: host network and DNS, read-only runtime config under /host, no privileges, every node', () => {
    const ds = one(top, 'DaemonSet');
    const pod = ds.spec.template.spec;
    assert.equal(pod.hostNetwork, true);
    assert.equal(pod.dnsPolicy, 'Default', "the node's resolv.conf, as the runtime has it");
    assert.deepEqual(pod.tolerations, [{ operator: 'Exists' }]);
    assert.equal(pod.hostPID, undefined);
    assert.equal(pod.hostIPC, undefined);
    assert.equal(pod.serviceAccountName, one(top, 'ServiceAccount').metadata.name);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.runAsUser, 65532);
    assert.equal(pod.containers.length, 1);
    const c = pod.containers[0];
    assert.deepEqual(c.securityContext, {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.deepEqual([...c.command, ...c.args], ['regdoctor', 'agent', '--node-root=/host']);
    assert.deepEqual(c.env.find((e: Obj) => e.name === 'NODE_NAME').valueFrom, {
      fieldRef: { fieldPath: 'spec.nodeName' },
    });
    // Small: one per node.
    assert.ok(parseInt(c.resources.requests.cpu) <= 50, c.resources.requests.cpu);
    assert.ok(parseInt(c.resources.requests.memory) <= 64, c.resources.requests.memory);
    assert.ok(c.resources.limits.memory, 'a memory limit');
    const hostPaths = new Map<string, string>(
      pod.volumes.filter((v: Obj) => v.hostPath).map((v: Obj) => [v.name, v.hostPath.path]),
    );
    assert.deepEqual([...hostPaths.values()].sort(), [
      '/etc/containerd',
      '/etc/containers',
      '/etc/crio',
      '/etc/docker',
      '/etc/systemd/system',
      '/lib/systemd/system',
      '/run/systemd/system',
      '/usr/lib/systemd/system',
      '/var/lib/containerd',
      '/var/lib/containers/storage',
      '/var/lib/docker',
    ]);
    for (const m of c.volumeMounts.filter((m: Obj) => hostPaths.has(m.name))) {
      assert.equal(m.readOnly, true, `${m.name} is read-only`);
      assert.equal(
        m.mountPath,
        `/host${hostPaths.get(m.name)}`,
        `${m.name} sits where the node has it, under /host`,
      );
    }
  });

  test('RBAC: no secrets, no create, no wildcards; the read-secrets overlay adds get on secrets and nothing else', () => {
    const role = one(top, 'ClusterRole', 'regdoctor-agent');
    const g = grants(role);
    assert.ok(![...g].some((x) => x.startsWith('secrets')));
    assert.ok(![...g].some((x) => x.endsWith(' create')));
    assert.ok(!JSON.stringify(top).includes('"*"'), 'no wildcards');
    const binding = one(top, 'ClusterRoleBinding');
    assert.equal(binding.roleRef.name, 'regdoctor-agent');
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: 'regdoctor-agent', namespace: one(top, 'Namespace').metadata.name },
    ]);
    const checker = one(top, 'ClusterRole', 'regdoctor-node-checks');
    assert.deepEqual([...grants(checker)].sort(), [
      'imagepullchecks.regdoctor.dev create',
      'imagepullchecks.regdoctor.dev delete',
      'imagepullchecks.regdoctor.dev get',
      'imagepullchecks.regdoctor.dev list',
      'imagepullchecks.regdoctor.dev watch',
    ]);
    const extra = withSecrets.filter(
      (o) => !base.some((b) => b.kind === o.kind && b.metadata.name === o.metadata.name),
    );
    assert.deepEqual(extra.map((o) => o.kind).sort(), ['ClusterRole', 'ClusterRoleBinding']);
    assert.deepEqual(one(extra, 'ClusterRole').rules, [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
    ]);
    assert.deepEqual(one(extra, 'ClusterRoleBinding').subjects, binding.subjects);
  });

  test('RBAC is enough and all of it is used: a whole check cycle with everything else forbidden', async () => {
    const reg = await fx.registry();
    const image = await pushSmall(fx, reg.host);
    const allowed = new Set(
      [...grants(one(top, 'ClusterRole', 'regdoctor-agent'))].map((x) =>
        x.replace('/status.regdoctor.dev', '/status'),
      ),
    );
    const forbid: ForbidRule[] = [];
    for (const r of [...RESOURCES, 'imagepullchecks/status']) {
      const denied = VERBS.filter((v) => !allowed.has(`${r} ${v}`));
      if (denied.length) forbid.push({ resource: r, verbs: denied });
    }
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { nodeName: 'node-a', containers: [{ name: 'c', image }] },
    };
    const c = await cluster(fx, {
      objects: [node('node-a'), pod, policy('open', { disallowLatestTag: true })],
      forbid,
    });
    const { agent, logs } = await agentFor(fx, c, 'node-a', { ttlMs: 200, sweepIntervalMs: 100 });
    await agent.synced;
    // The creator is someone else (the checker role): the check is put straight into the store.
    c.api.apply({
      apiVersion: 'regdoctor.dev/v1alpha1',
      kind: 'ImagePullCheck',
      metadata: { name: 'cycle', labels: { 'regdoctor.dev/node': 'node-a' } },
      spec: { image, nodeName: 'node-a', namespace: 'shop', podRef: { name: 'web' } },
    });
    const deadline = Date.now() + 15_000;
    while (c.api.stored('imagepullchecks.regdoctor.dev', 'cycle') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(
      c.api.stored('imagepullchecks.regdoctor.dev', 'cycle'),
      undefined,
      'probed, then expired and deleted',
    );
    const agentCalls = c.api.log.filter((e) => e.verb);
    const denied = agentCalls.filter((e) => e.status === 403);
    assert.deepEqual(
      denied.map((e) => `${e.verb} ${e.resource}/${e.subresource ?? ''}`),
      [],
      logs.join('\n'),
    );
    const used = new Set(
      agentCalls.map(
        (e) => `${e.subresource === 'status' ? 'imagepullchecks/status' : e.resource} ${e.verb}`,
      ),
    );
    for (const grant of allowed) {
      assert.ok(used.has(grant), `${grant} is granted but never used`);
    }
    assert.equal(agent.stats().probed, 1);
  });
});

describe('the image, as the deployments run it', needs(KUBECTL), () => {
  test('deploy/exporter, deploy/webhook and deploy/agent run the Dockerfile image as its user, read-only', async () => {
    const version = (JSON.parse(await readFile(`${ROOT}package.json`, 'utf8')) as { version: string })
      .version;
    const runtime = parseDockerfile(await readFile(`${ROOT}Dockerfile`, 'utf8')).at(-1)!;
    const user = Number(runtime.steps.find((s) => s.op === 'USER')!.args.split(':')[0]);
    const entry = JSON.parse(runtime.steps.find((s) => s.op === 'ENTRYPOINT')!.args) as string[];
    for (const dir of ['exporter', 'webhook', 'agent']) {
      const objs = await kustomize(dir);
      const workload = objs.find((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet');
      const pod = workload.spec.template.spec;
      for (const c of pod.containers) {
        assert.equal(c.image, `ghcr.io/regdoctor/regdoctor:${version}`, dir);
        assert.deepEqual(c.command, entry, `${dir}: the command is the image's entrypoint`);
        assert.equal(c.securityContext.readOnlyRootFilesystem, true, dir);
      }
      assert.equal(pod.securityContext.runAsUser, user, `${dir} runs as the image's user`);
    }
  });
});
