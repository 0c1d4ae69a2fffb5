// Kubernetes objects as `kubectl get … -o json` prints them (field names and shapes of the v1 API), trimmed to
// what a real object of that kind always carries. Only the generator of the scale benchmark uses them.
import { createHash } from 'node:crypto';
import { K8S_ALPHANUMS, type Random } from './scan-random.ts';

type Obj = Record<string, unknown>;

export interface Clock {
  /** ISO timestamp `secondsAgo` before the snapshot was taken. */
  ago(secondsAgo: number): string;
}

export function clock(now: number): Clock {
  return { ago: (s) => new Date(Math.floor(now / 1000 - s) * 1000).toISOString().replace('.000Z', 'Z') };
}

const digestOf = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

export function node(rnd: Random, c: Clock, name: string): Obj {
  const zone = rnd.pick(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: rnd.uuid(),
      resourceVersion: String(rnd.int(100000, 999999)),
      creationTimestamp: c.ago(rnd.int(86400, 86400 * 60)),
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'm6i.xlarge',
        'topology.kubernetes.io/region': 'eu-west-1',
        'topology.kubernetes.io/zone': zone,
      },
    },
    spec: { providerID: `aws:///${zone}/i-0${rnd.chars(16, '0123456789abcdef')}` },
    status: {
      capacity: { cpu: '4', memory: '16069628Ki', pods: '234' },
      allocatable: { cpu: '3920m', memory: '15052796Ki', pods: '234' },
      conditions: [
        ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
        ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
        ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
        ['Ready', 'True', 'KubeletReady'],
      ].map(([type, status, reason]) => ({
        type,
        status,
        reason,
        lastHeartbeatTime: c.ago(rnd.int(1, 40)),
        lastTransitionTime: c.ago(86400),
      })),
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        osImage: 'Amazon Linux 2023.6.20250115',
        kernelVersion: '6.1.119-129.201.amzn2023.x86_64',
        containerRuntimeVersion: 'containerd://1.7.25',
        kubeletVersion: 'v1.31.4-eks-aeac579',
        kubeProxyVersion: 'v1.31.4-eks-aeac579',
        machineID: rnd.chars(32, '0123456789abcdef'),
        systemUUID: rnd.uuid(),
        bootID: rnd.uuid(),
      },
    },
  };
}

export function dockerConfigSecret(rnd: Random, c: Clock, ns: string, name: string, host: string): Obj {
  // Throwaway values for a loopback registry that accepts anyone; the scan must never print them anyway.
  const username = `${ns}-puller`;
  const password = `bench-${rnd.chars(20, K8S_ALPHANUMS)}`;
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  const config = JSON.stringify({ auths: { [host]: { username, password, auth } } });
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/dockerconfigjson',
    metadata: {
      name,
      namespace: ns,
      uid: rnd.uuid(),
      resourceVersion: String(rnd.int(100000, 999999)),
      creationTimestamp: c.ago(rnd.int(86400 * 30, 86400 * 300)),
    },
    data: { '.dockerconfigjson': Buffer.from(config).toString('base64') },
  };
}

export function serviceAccount(rnd: Random, c: Clock, ns: string, pullSecrets: string[]): Obj {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: 'default',
      namespace: ns,
      uid: rnd.uuid(),
      resourceVersion: String(rnd.int(100000, 999999)),
      creationTimestamp: c.ago(86400 * 300),
    },
    ...(pullSecrets.length ? { imagePullSecrets: pullSecrets.map((name) => ({ name })) } : {}),
  };
}

export interface PodTemplate {
  app: string;
  containers: { name: string; image: string }[];
  pullSecrets: string[];
  /** Environment variables per container (a size knob: real pod specs are often much larger than this one). */
  env?: number;
}

/** `n` settings of the kind a Helm chart puts in a container's environment, each about 500 bytes of kubectl-indented JSON across a pod and its two templates. */
function envOf(app: string, n: number): Obj[] {
  return Array.from({ length: n }, (_, i) =>
    i % 3 === 2
      ? { name: `SECRET_${i}`, valueFrom: { secretKeyRef: { name: `${app}-config`, key: `key-${i}` } } }
      : { name: `${app.toUpperCase().replace(/-/g, '_')}_SETTING_${i}`, value: `value-${i}-of-${app}` },
  );
}

function podSpec(t: PodTemplate): Obj {
  return {
    containers: t.containers.map((k) => ({
      name: k.name,
      image: k.image,
      ...(t.env ? { env: envOf(t.app, t.env) } : {}),
      imagePullPolicy: 'IfNotPresent',
      resources: { requests: { cpu: '100m', memory: '128Mi' } },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    })),
    dnsPolicy: 'ClusterFirst',
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    securityContext: {},
    serviceAccount: 'default',
    serviceAccountName: 'default',
    terminationGracePeriodSeconds: 30,
    ...(t.pullSecrets.length ? { imagePullSecrets: t.pullSecrets.map((name) => ({ name })) } : {}),
  };
}

export interface Owned {
  kind: string;
  name: string;
  uid: string;
}

/** A Deployment and one ReplicaSet of it per template hash. */
export function deployment(
  rnd: Random,
  c: Clock,
  ns: string,
  t: PodTemplate,
  replicas: number,
): { obj: Obj; ref: Owned } {
  const uid = rnd.uuid();
  const obj = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: t.app,
      namespace: ns,
      uid,
      generation: 2,
      resourceVersion: String(rnd.int(100000, 999999)),
      creationTimestamp: c.ago(rnd.int(86400 * 7, 86400 * 200)),
      labels: { app: t.app },
      annotations: { 'deployment.kubernetes.io/revision': '2' },
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: t.app } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: { metadata: { labels: { app: t.app } }, spec: podSpec(t) },
    },
  };
  return { obj, ref: { kind: 'Deployment', name: t.app, uid } };
}

export function replicaSet(
  rnd: Random,
  c: Clock,
  ns: string,
  t: PodTemplate,
  owner: Owned,
  replicas: number,
): { obj: Obj; ref: Owned & { hash: string } } {
  const hash = rnd.chars(10, K8S_ALPHANUMS);
  const name = `${t.app}-${hash}`;
  const uid = rnd.uuid();
  const labels = { app: t.app, 'pod-template-hash': hash };
  const obj = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: ns,
      uid,
      resourceVersion: String(rnd.int(100000, 999999)),
      creationTimestamp: c.ago(rnd.int(600, 86400 * 7)),
      labels,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: owner.kind,
          name: owner.name,
          uid: owner.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: podSpec(t) },
    },
    status: { replicas, observedGeneration: 1 },
  };
  return { obj, ref: { kind: 'ReplicaSet', name, uid, hash } };
}

export type ContainerState =
  { running: true } | { waiting: 'ImagePullBackOff' | 'ErrImagePull'; message: string };

export interface PodArgs {
  ns: string;
  name: string;
  template: PodTemplate;
  owner: Owned & { hash: string };
  node: string;
  startedAgo: number;
  /** Per container, in the template's order. */
  states: ContainerState[];
}

export function pod(rnd: Random, c: Clock, a: PodArgs): { obj: Obj; uid: string } {
  const uid = rnd.uuid();
  const running = a.states.every((s) => 'running' in s);
  const started = c.ago(a.startedAgo);
  const condition = (type: string, ok: boolean) => ({
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: started,
    ...(ok
      ? {}
      : {
          reason: 'ContainersNotReady',
          message: `containers with unready status: [${a.template.containers
            .filter((_, i) => !('running' in a.states[i]!))
            .map((k) => k.name)
            .join(' ')}]`,
        }),
  });
  const hostIP = `10.0.${rnd.int(0, 63)}.${rnd.int(2, 254)}`;
  const podIP = `10.0.${rnd.int(64, 127)}.${rnd.int(2, 254)}`;
  const obj = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: a.name,
      generateName: `${a.owner.name}-`,
      namespace: a.ns,
      uid,
      resourceVersion: String(rnd.int(100000, 999999)),
      creationTimestamp: started,
      labels: { app: a.template.app, 'pod-template-hash': a.owner.hash },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: a.owner.kind,
          name: a.owner.name,
          uid: a.owner.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      ...podSpec(a.template),
      nodeName: a.node,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      tolerations: [
        {
          effect: 'NoExecute',
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          tolerationSeconds: 300,
        },
        {
          effect: 'NoExecute',
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          tolerationSeconds: 300,
        },
      ],
    },
    status: {
      phase: running ? 'Running' : 'Pending',
      conditions: [
        condition('PodReadyToStartContainers', true),
        condition('Initialized', true),
        condition('Ready', running),
        condition('ContainersReady', running),
        condition('PodScheduled', true),
      ],
      hostIP,
      hostIPs: [{ ip: hostIP }],
      podIP,
      podIPs: [{ ip: podIP }],
      qosClass: 'Burstable',
      startTime: started,
      containerStatuses: a.template.containers.map((k, i) => {
        const s = a.states[i]!;
        return 'running' in s
          ? {
              name: k.name,
              image: k.image,
              imageID: `${k.image.replace(/:[^:/]+$/, '')}@${digestOf(k.image)}`,
              containerID: `containerd://${createHash('sha256')
                .update(uid + k.name)
                .digest('hex')}`,
              ready: true,
              started: true,
              restartCount: 0,
              lastState: {},
              state: { running: { startedAt: started } },
            }
          : {
              name: k.name,
              image: k.image,
              imageID: '',
              ready: false,
              started: false,
              restartCount: 0,
              lastState: {},
              state: { waiting: { reason: s.waiting, message: s.message } },
            };
      }),
    },
  };
  return { obj, uid };
}

export interface EventArgs {
  ns: string;
  pod: { name: string; uid: string };
  container: string;
  node: string;
  reason: string;
  type: 'Normal' | 'Warning';
  message: string;
  count: number;
  firstAgo: number;
  lastAgo: number;
}

/** A core/v1 Event from the kubelet about one container of a pod. */
export function event(rnd: Random, c: Clock, a: EventArgs): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${a.pod.name}.${rnd.chars(16, '0123456789abcdef')}`,
      namespace: a.ns,
      uid: rnd.uuid(),
      resourceVersion: String(rnd.int(100000, 999999)),
      creationTimestamp: c.ago(a.firstAgo),
    },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      name: a.pod.name,
      namespace: a.ns,
      uid: a.pod.uid,
      fieldPath: `spec.containers{${a.container}}`,
    },
    reason: a.reason,
    message: a.message,
    type: a.type,
    count: a.count,
    firstTimestamp: c.ago(a.firstAgo),
    lastTimestamp: c.ago(a.lastAgo),
    eventTime: null,
    reportingComponent: 'kubelet',
    reportingInstance: a.node,
    source: { component: 'kubelet', host: a.node },
  };
}
