// Every kubectl command a finding's remediation prints is run, as pasted, against the object it targets (see
// kubectl-sandbox.ts), and the object it leaves behind is checked against what the fix means to do: the service
// account lists the new secret and keeps its old ones, the secret's entry now covers the image, the pod template
// selects nodes the image has a build for. JSON patches are also applied with fast-json-patch (RFC 6902), a second
// implementation. Commands that need a cluster (rollout, delete) are counted, and their targets checked to exist.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import jsonpatch from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import { CAUSES } from '../../src/cause/index.ts';
import { remediationFor } from '../../src/cause/remediation.ts';
import { lookup, parseDockerConfigJson } from '../../src/credentials/index.ts';
import { mergeProbe } from '../../src/diagnose/index.ts';
import type { Finding } from '../../src/result/index.ts';
import { JQ, KUBECTL, needs } from '../helpers/tools.ts';
import { commandsIn, keyOf, NEEDS_CLUSTER, sandbox, type Sandbox } from './kubectl-sandbox.ts';
import { MSG, dockerSecret, login, secret, serviceAccount, waitingState, workload } from './objects.ts';
import { probeResult, scenario, type Scenario } from './scenario.ts';

const IMG = 'registry.example.com/team/app:1.0';
const PORT_IMG = 'registry.example.com:5103/team/app:1.0';
const backoff = (image = IMG) => ({ app: waitingState('ImagePullBackOff', MSG.backoff(image)) });
const USER = 'ci-bot';
const PASSWORD = 'pw-new-4711';

type Obj = Record<string, unknown>;

/** The registry refused the pod's entry for it. */
const REFUSED_REGCRED = {
  image: IMG,
  cause: 'UNAUTHORIZED',
  summary: 'refused',
  step: 'auth',
  credential: 'secret shop/regcred key registry.example.com',
} as const;

/** A Deployment with a real pod template (the test objects carry metadata only). */
function deployment(name: string, podSpec: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: IMG }], ...podSpec },
      },
    },
  };
}

function ownedBy(kind: string, name: string) {
  const rs = kind === 'Deployment';
  return {
    ownerReferences: [
      {
        apiVersion: rs ? 'apps/v1' : 'apps/v1',
        kind: rs ? 'ReplicaSet' : kind,
        name: rs ? `${name}-5d8f` : name,
        uid: rs ? `uid-ReplicaSet-${name}-5d8f` : `uid-${kind}-${name}`,
        controller: true,
      },
    ],
    workloads: rs
      ? [workload('ReplicaSet', `${name}-5d8f`, { kind: 'Deployment', name }), workload(kind, name)]
      : [workload(kind, name)],
  };
}

interface Case {
  name: string;
  scenario: Scenario & { image?: string };
  probe: Parameters<typeof probeResult>[0] | null;
  nodes?: { name: string; platform: string }[] | null;
  /** Objects beyond the scenario's secrets and service accounts (workloads with templates). */
  extra?: Obj[];
  /** What the commands must achieve, given the objects they leave (keyed `kind/name`). */
  expect: (after: Map<string, Obj>, f: Finding) => void;
}

const secretEntries = (s: Obj) => {
  const data = (s.data as Record<string, string>)['.dockerconfigjson']!;
  return parseDockerConfigJson(Buffer.from(data, 'base64').toString('utf8'), 'test').entries;
};

const CASES: Case[] = [
  {
    name: 'no secrets, service account unknown: create regcred, attach it either way',
    scenario: { ...ownedBy('Deployment', 'web'), serviceAccountName: 'web-sa', states: backoff() },
    probe: { image: IMG, cause: 'UNAUTHORIZED', summary: 'anonymous pull refused' },
    extra: [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web-sa', namespace: 'shop' } },
      deployment('web'),
    ],
    expect: (after) => {
      const sa = after.get('serviceaccount/web-sa')!;
      assert.deepEqual(sa.imagePullSecrets, [{ name: 'regcred' }]);
      const s = after.get('secret/regcred')!;
      assert.equal(lookup(secretEntries(s), 'registry.example.com/team/app').matches.length, 1);
    },
  },
  {
    name: 'no secrets, service account with none: the whole list is added',
    scenario: {
      ...ownedBy('Deployment', 'web'),
      serviceAccountName: 'web-sa',
      serviceAccounts: [serviceAccount('web-sa', [])],
      states: backoff(),
    },
    probe: { image: IMG, cause: 'UNAUTHORIZED', summary: 'anonymous pull refused' },
    extra: [deployment('web')],
    expect: (after) => {
      assert.deepEqual(after.get('serviceaccount/web-sa')!.imagePullSecrets, [{ name: 'regcred' }]);
    },
  },
  {
    name: 'a missing secret is created under its own name',
    scenario: { imagePullSecrets: ['regcred-old'], states: backoff() },
    probe: { image: IMG, cause: 'UNAUTHORIZED', summary: 'refused' },
    expect: (after) => {
      const s = after.get('secret/regcred-old')!;
      assert.equal(s.type, 'kubernetes.io/dockerconfigjson');
      assert.equal(lookup(secretEntries(s), 'registry.example.com/team/app').matches.length, 1);
    },
  },
  {
    name: 'an Opaque secret is recreated with the right type',
    scenario: {
      imagePullSecrets: ['docker-creds'],
      secrets: [
        secret('docker-creds', 'Opaque', {
          '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64'),
        }),
      ],
      states: backoff(),
    },
    probe: { image: IMG, cause: 'UNAUTHORIZED', summary: 'refused' },
    expect: (after) => {
      assert.equal(after.get('secret/docker-creds')!.type, 'kubernetes.io/dockerconfigjson');
    },
  },
  {
    name: 'a key that misses only the port is fixed in place, keeping the other entries',
    scenario: {
      containers: [{ name: 'app', image: PORT_IMG }],
      imagePullSecrets: ['regcred'],
      secrets: [
        dockerSecret('regcred', {
          'registry.example.com': login('u', 'pw-port-1'),
          'ghcr.io': login('g', 'pw-ghcr-1'),
        }),
      ],
      states: backoff(PORT_IMG),
    },
    probe: { image: PORT_IMG, cause: 'UNAUTHORIZED', summary: 'refused' },
    expect: (after, f) => {
      assert.ok(
        f.remediation.some((r) => r.startsWith('Fix the key in secret shop/regcred')),
        f.remediation.join('\n'),
      );
      assert.ok(!f.remediation.some((r) => r.includes('kubectl create secret')), f.remediation.join('\n'));
      const entries = secretEntries(after.get('secret/regcred')!);
      const found = lookup(entries, 'registry.example.com:5103/team/app');
      assert.equal(found.matches[0]?.auth.password, 'pw-port-1');
      assert.deepEqual(entries.map((e) => e.key).sort(), [
        'ghcr.io',
        'registry.example.com',
        'registry.example.com:5103',
      ]);
    },
  },
  {
    name: 'a password with a trailing newline in a one-entry secret: the secret is rewritten',
    scenario: {
      imagePullSecrets: ['regcred'],
      secrets: [dockerSecret('regcred', { 'registry.example.com': login('u', 'pw-newline-7\n') })],
      states: backoff(),
    },
    probe: REFUSED_REGCRED,
    expect: (after) => {
      const [e] = lookup(
        secretEntries(after.get('secret/regcred')!),
        'registry.example.com/team/app',
      ).matches;
      assert.equal(e?.auth.password, PASSWORD);
    },
  },
  {
    name: 'a refused entry in a secret with other registries: only that entry changes',
    scenario: {
      imagePullSecrets: ['regcred'],
      secrets: [
        dockerSecret('regcred', {
          'registry.example.com': login('u', 'pw-old-9'),
          'ghcr.io': login('g', 'pw-ghcr-9'),
        }),
      ],
      states: { app: waitingState('ErrImagePull', MSG.unauthorized(IMG)) },
    },
    probe: REFUSED_REGCRED,
    expect: (after) => {
      const entries = secretEntries(after.get('secret/regcred')!);
      const mine = lookup(entries, 'registry.example.com/team/app').matches[0]!;
      assert.equal(mine.auth.username, USER);
      assert.equal(mine.auth.password, PASSWORD);
      assert.equal(lookup(entries, 'ghcr.io/x/y').matches[0]?.auth.password, 'pw-ghcr-9');
    },
  },
  {
    name: 'no entry for the registry, secrets from the service account: template merge or service account append',
    scenario: {
      ...ownedBy('Deployment', 'web'),
      imagePullSecrets: ['ghcr'],
      serviceAccountName: 'builder',
      serviceAccounts: [serviceAccount('builder', ['ghcr'])],
      secrets: [dockerSecret('ghcr', { 'ghcr.io': login('u', 'pw-ghcr-7') })],
      states: backoff(),
    },
    probe: { image: IMG, cause: 'FORBIDDEN', summary: '403' },
    extra: [deployment('web')],
    expect: (after) => {
      const tmpl = (after.get('deployment/web')!.spec as Obj).template as Obj;
      assert.deepEqual((tmpl.spec as Obj).imagePullSecrets, [
        { name: 'ghcr' },
        { name: 'regcred-registry-example-com' },
      ]);
      assert.deepEqual(after.get('serviceaccount/builder')!.imagePullSecrets, [
        { name: 'ghcr' },
        { name: 'regcred-registry-example-com' },
      ]);
    },
  },
  {
    name: 'platform: an arm64-only image on an amd64 node selects the arm64 nodes the cluster has',
    scenario: { ...ownedBy('Deployment', 'web'), nodeName: 'amd-1', states: backoff() },
    probe: {
      image: IMG,
      cause: 'PLATFORM_MISMATCH',
      step: 'platform',
      platform: 'linux/amd64',
      summary: 'no image for linux/amd64 in the index; it has linux/arm64',
    },
    nodes: [
      { name: 'amd-1', platform: 'linux/amd64' },
      { name: 'arm-1', platform: 'linux/arm64' },
      { name: 'arm-2', platform: 'linux/arm64' },
    ],
    extra: [deployment('web', { nodeSelector: { disk: 'ssd' } })],
    expect: (after, f) => {
      const tmpl = (after.get('deployment/web')!.spec as Obj).template as Obj;
      assert.deepEqual((tmpl.spec as Obj).nodeSelector, { disk: 'ssd', 'kubernetes.io/arch': 'arm64' });
      assert.ok(
        f.remediation.some((r) => r.includes("2 of the cluster's 3 nodes are linux/arm64 (arm-1, arm-2)")),
        f.remediation.join('\n'),
      );
      assert.ok(
        f.remediation.some((r) => r.includes('docker buildx build --platform linux/arm64,linux/amd64 ')),
        f.remediation.join('\n'),
      );
    },
  },
  {
    name: 'platform: a Windows image on a Linux node selects by kubernetes.io/os',
    scenario: { ...ownedBy('StatefulSet', 'db'), nodeName: 'lin-1', states: backoff() },
    probe: {
      image: IMG,
      cause: 'PLATFORM_MISMATCH',
      step: 'platform',
      platform: 'linux/amd64',
      summary: 'no image for linux/amd64',
    },
    nodes: [
      { name: 'lin-1', platform: 'linux/amd64' },
      { name: 'win-1', platform: 'windows/amd64' },
    ],
    extra: [
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db', namespace: 'shop' },
        spec: {
          selector: { matchLabels: { app: 'db' } },
          serviceName: 'db',
          template: {
            metadata: { labels: { app: 'db' } },
            spec: { containers: [{ name: 'app', image: IMG }] },
          },
        },
      },
    ],
    expect: (after) => {
      const tmpl = (after.get('statefulset/db')!.spec as Obj).template as Obj;
      assert.deepEqual((tmpl.spec as Obj).nodeSelector, {
        'kubernetes.io/os': 'windows',
        'kubernetes.io/arch': 'amd64',
      });
    },
  },
];

/** The available platforms a probe saw, for the platform cases (probeResult does not fill the manifest). */
const AVAILABLE: Record<string, string[]> = {
  'platform: an arm64-only image on an amd64 node selects the arm64 nodes the cluster has': ['linux/arm64'],
  'platform: a Windows image on a Linux node selects by kubernetes.io/os': ['windows(10.0.17763)/amd64'],
};

function findingOf(c: Case): { finding: Finding; objects: Obj[] } {
  const s = scenario(c.scenario);
  const probe = c.probe ? probeResult(c.probe) : null;
  if (probe && AVAILABLE[c.name]) {
    probe.manifest = {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      digest: 'sha256:' + '0'.repeat(64),
      size: 1,
      platforms: AVAILABLE[c.name]!,
    };
  }
  const finding = mergeProbe(s.finding, probe, s.audit, { nodes: c.nodes ?? null });
  const objects: Obj[] = [
    s.pod,
    ...[...s.state.secrets.values()],
    ...[...s.state.serviceAccounts.values()],
    ...(c.extra ?? []),
  ].map((o) => JSON.parse(JSON.stringify(o)) as Obj);
  return { finding, objects };
}

const fill = (cmd: string) => cmd.replaceAll('<user>', USER).replaceAll('<password>', PASSWORD);

interface Tally {
  applied: number;
  jsonPatches: number;
  needCluster: string[];
}

/** Runs one command; returns what it printed and the object it leaves (for create/patch/replace/apply). */
async function runOne(box: Sandbox, cmd: string, tally: Tally): Promise<{ obj: Obj | null; stdout: string }> {
  const r = await box.run(cmd, { REGISTRY_USER: USER, REGISTRY_PASSWORD: PASSWORD });
  if (r.code === NEEDS_CLUSTER) {
    // Not runnable without a cluster: at least the object it names must be the one the finding is about.
    const target = /^kubectl (?:rollout restart|delete) (\w+)[/ ](\S+)/.exec(cmd);
    if (target) {
      const key = `${target[1]!.toLowerCase()}/${target[2]!}`;
      assert.ok(box.objects.has(key), `${cmd}: no ${key} in ${[...box.objects.keys()].join(', ')}`);
    }
    tally.needCluster.push(cmd);
    return { obj: null, stdout: '' };
  }
  assert.equal(r.code, 0, `${cmd}\nexit ${r.code}\n${r.stderr}`);
  tally.applied++;
  const changes = /^kubectl (create|patch)\b|\| kubectl (replace|apply) -f -$/.test(cmd);
  if (!changes) return { obj: null, stdout: r.stdout };
  const obj = (cmd.includes('-o yaml') ? parseYaml(r.stdout) : JSON.parse(r.stdout)) as Obj;
  const jsonPatch = /--type=json -p '(.*)'$/.exec(cmd);
  if (jsonPatch && cmd.startsWith('kubectl patch')) {
    // A second RFC 6902 implementation must agree with kubectl on the result.
    tally.jsonPatches++;
    const [, kind, name] = /^kubectl patch (\S+) (\S+)/.exec(cmd)!;
    const before = box.objects.get(`${kind}/${name}`)!;
    const ops = JSON.parse(jsonPatch[1]!) as jsonpatch.Operation[];
    const patched = jsonpatch.applyPatch(structuredClone(before), ops, true, false).newDocument;
    assert.deepEqual(patched, obj, `fast-json-patch and kubectl disagree on ${cmd}`);
  }
  return { obj, stdout: r.stdout };
}

/** Runs a command and its `&&` successors, storing what each leaves behind. */
async function runChain(box: Sandbox, cmd: string, tally: Tally): Promise<string> {
  assert.ok(!/<[a-z-]+>/.test(cmd), `a placeholder is left in ${cmd}`);
  let out = '';
  for (const part of cmd.split(' && ')) {
    const r = await runOne(box, part, tally);
    if (r.obj) await box.put(r.obj);
    out = r.stdout;
  }
  return out;
}

const CONDITIONAL = /see whether it lists any: /;

/**
 * Runs every command of a step. "see whether it lists any: A; if that prints nothing: B; otherwise: C" runs A and
 * then the branch it selects; the other branch is run on a copy of the object that would select it, so both are
 * known to work where they are meant to.
 */
async function runStep(box: Sandbox, step: string, tally: Tally): Promise<void> {
  const cmds = commandsIn(step);
  if (!CONDITIONAL.test(step)) {
    for (const cmd of cmds) await runChain(box, cmd, tally);
    return;
  }
  const [check, ifNone, otherwise, ...rest] = cmds;
  assert.ok(check && ifNone && otherwise, step);
  const none = (await runChain(box, check, tally)).trim() === '';
  const target = keyOf({
    kind: 'serviceaccount',
    metadata: { name: /^kubectl get serviceaccount (\S+)/.exec(check)![1]! },
  });
  const original = box.objects.get(target)!;
  const other = structuredClone(original);
  if (none) other.imagePullSecrets = [{ name: 'existing' }];
  else delete other.imagePullSecrets;
  await runChain(box, none ? ifNone : otherwise, tally);
  const chosen = box.objects.get(target)!;
  await box.put(other);
  await runChain(box, none ? otherwise : ifNone, tally);
  const alt = box.objects.get(target)!;
  assert.deepEqual(alt.imagePullSecrets, [
    ...((other.imagePullSecrets as Obj[] | undefined) ?? []),
    ...(chosen.imagePullSecrets as Obj[]).slice(-1),
  ]);
  await box.put(chosen);
  for (const cmd of rest) await runChain(box, cmd, tally);
}

describe('every kubectl command in a finding works on the object it targets', needs(KUBECTL, JQ), () => {
  const tally: Tally = { applied: 0, jsonPatches: 0, needCluster: [] };
  after(() => {
    // Shown in the test output: how many commands ran for real, and which need a cluster.
    console.log(
      `prescriptions: ${tally.applied} commands run against their objects (${tally.jsonPatches} JSON patches also through fast-json-patch); ${tally.needCluster.length} need a cluster: ${[...new Set(tally.needCluster.map((c) => c.split(' ').slice(0, 3).join(' ')))].join('; ')}`,
    );
  });

  for (const c of CASES) {
    test(c.name, async () => {
      const { finding, objects } = findingOf(c);
      const box = await sandbox(objects);
      try {
        assert.ok(
          finding.remediation.some((r) => commandsIn(r).length > 0),
          finding.remediation.join('\n'),
        );
        for (const step of finding.remediation) await runStep(box, fill(step), tally);
        c.expect(box.objects, finding);
      } finally {
        await box.close();
      }
    });
  }

  test('the generic steps of every cause, placeholders filled in, run too', async () => {
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'shop' } };
    const box = await sandbox([
      sa,
      JSON.parse(JSON.stringify(dockerSecret('regcred', { 'registry.example.com': login('u', 'p') }))) as Obj,
      JSON.parse(JSON.stringify(scenario({ states: backoff() }).pod)) as Obj,
    ]);
    try {
      for (const cause of CAUSES) {
        const steps = remediationFor(cause, {
          image: IMG,
          registry: 'registry.example.com',
          tag: '1.0',
          platform: 'linux/amd64',
        });
        for (const step of steps) {
          const filled = fill(step)
            .replaceAll('<namespace>', 'shop')
            .replaceAll('<serviceaccount>', 'default')
            .replaceAll('<secret-name>', 'regcred')
            .replaceAll('<pod>', 'web-1')
            .replaceAll('<node>', 'node-a')
            .replaceAll('<manifest>', 'web.yaml');
          await runStep(box, filled, tally);
        }
      }
    } finally {
      await box.close();
    }
  });
});
