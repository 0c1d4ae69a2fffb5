// A small cluster built the way the API server returns it: pods with ownerReferences, spec and status, kubelet
// events (core/v1 field names), pull secrets, service accounts, nodes with status.nodeInfo, and the workloads that
// own the pods. The same objects become a `kubectl get … -o json` List on disk, a ClusterState, or what the kube-api
// test server serves.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalize } from '../../src/cluster/index.ts';
import type { ClusterState } from '../../src/cluster/types.ts';

export type Obj = Record<string, unknown>;
export type ContainerType = 'init' | 'regular' | 'ephemeral';

/** Every timestamp is relative to this, so a snapshot read later by the CLI sees the same ages. */
export const NOW = Date.now();
const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString().replace(/\.\d{3}Z$/, 'Z');
export const MIN = 60_000;

export const b64 = (s: string): string => Buffer.from(s).toString('base64');

export interface Owner {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

/** An event about one container of a pod: [reason, message, count?, minutes ago (default 2)]. */
export type EventSpec = [reason: string, message: string, count?: number, minutesAgo?: number];

export interface PodSpec {
  namespace: string;
  name: string;
  image: string;
  /** Container name (default `app`). */
  container?: string;
  type?: ContainerType;
  /** Node name (default `node-amd64`); null for an unscheduled pod. */
  node?: string | null;
  secrets?: string[];
  serviceAccount?: string;
  owner?: Owner;
  /** The container's waiting state; null means it runs. Default ImagePullBackOff with a back-off message. */
  waiting?: { reason: string; message?: string } | null;
  pullPolicy?: string;
  events?: EventSpec[];
}

const FIELD: Record<ContainerType, string> = {
  init: 'initContainers',
  regular: 'containers',
  ephemeral: 'ephemeralContainers',
};
const STATUS: Record<ContainerType, string> = {
  init: 'initContainerStatuses',
  regular: 'containerStatuses',
  ephemeral: 'ephemeralContainerStatuses',
};

/** Kubelet wording (containerd runtime) for the events of a failing pull. */
export const msg = {
  pulling: (image: string) => `Pulling image "${image}"`,
  failed: (image: string, desc: string, code = 'Unknown') =>
    `Failed to pull image "${image}": rpc error: code = ${code} desc = failed to pull and unpack image "${image}": ${desc}`,
  backoff: (image: string) => `Back-off pulling image "${image}"`,
};

/** The events the kubelet leaves for a pull that fails with `failedMessage`, oldest first. */
export function pullFailure(image: string, failedMessage: string, count = 4): EventSpec[] {
  return [
    ['Pulling', msg.pulling(image), count, 12],
    ['Failed', failedMessage, count, 12],
    ['Failed', 'Error: ErrImagePull', count, 12],
    ['BackOff', msg.backoff(image), count * 10, 1],
    ['Failed', 'Error: ImagePullBackOff', count * 10, 1],
  ];
}

export class World {
  readonly objects: Obj[] = [];
  private eventSeq = 0;

  node(name: string, architecture: 'amd64' | 'arm64'): this {
    this.objects.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        uid: randomUUID(),
        creationTimestamp: iso(90 * 24 * 60 * MIN),
        labels: {
          'beta.kubernetes.io/arch': architecture,
          'beta.kubernetes.io/os': 'linux',
          'kubernetes.io/arch': architecture,
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
        },
      },
      spec: { podCIDR: '10.244.1.0/24', providerID: `kind://docker/test/${name}` },
      status: {
        conditions: [
          { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure' },
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
          },
        ],
        nodeInfo: {
          architecture,
          bootID: randomUUID(),
          containerRuntimeVersion: 'containerd://1.7.13',
          kernelVersion: '6.1.0-18-cloud-amd64',
          kubeProxyVersion: 'v1.29.2',
          kubeletVersion: 'v1.29.2',
          machineID: randomUUID().replace(/-/g, ''),
          operatingSystem: 'linux',
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          systemUUID: randomUUID(),
        },
      },
    });
    return this;
  }

  secret(namespace: string, name: string, type: string, data: Record<string, string>): this {
    this.objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, uid: randomUUID(), creationTimestamp: iso(7 * 24 * 60 * MIN) },
      type,
      data,
    });
    return this;
  }

  /** A `kubectl create secret docker-registry` secret: auths with username, password and auth. */
  dockerSecret(
    namespace: string,
    name: string,
    auths: Record<string, { username: string; password: string }>,
  ): this {
    const config = {
      auths: Object.fromEntries(
        Object.entries(auths).map(([k, c]) => [
          k,
          { username: c.username, password: c.password, auth: b64(`${c.username}:${c.password}`) },
        ]),
      ),
    };
    return this.secret(namespace, name, 'kubernetes.io/dockerconfigjson', {
      '.dockerconfigjson': b64(JSON.stringify(config)),
    });
  }

  serviceAccount(namespace: string, name: string, pullSecrets: string[] = []): this {
    this.objects.push({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace, uid: randomUUID(), creationTimestamp: iso(30 * 24 * 60 * MIN) },
      ...(pullSecrets.length ? { imagePullSecrets: pullSecrets.map((n) => ({ name: n })) } : {}),
    });
    return this;
  }

  /** A Deployment and its current ReplicaSet; returns the ReplicaSet as the pods' owner. */
  deployment(namespace: string, name: string, hash = '7c9f8d6b5d'): Owner {
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', name, uid: randomUUID() };
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-${hash}`, uid: randomUUID() };
    const meta = (o: Owner, owner?: Owner) => ({
      name: o.name,
      namespace,
      uid: o.uid,
      creationTimestamp: iso(60 * MIN),
      labels: { app: name },
      ...(owner ? { ownerReferences: [{ ...owner, controller: true, blockOwnerDeletion: true }] } : {}),
    });
    this.objects.push(
      { apiVersion: dep.apiVersion, kind: dep.kind, metadata: meta(dep), spec: { replicas: 1 } },
      { apiVersion: rs.apiVersion, kind: rs.kind, metadata: meta(rs, dep), spec: { replicas: 1 } },
    );
    return rs;
  }

  pod(p: PodSpec): Obj {
    const type = p.type ?? 'regular';
    const container = p.container ?? 'app';
    const uid = randomUUID();
    const node = p.node === undefined ? 'node-amd64' : p.node;
    const waiting =
      p.waiting === undefined ? { reason: 'ImagePullBackOff', message: msg.backoff(p.image) } : p.waiting;
    const state = waiting ? { waiting } : { running: { startedAt: iso(20 * MIN) } };
    const spec: Obj = {
      [FIELD[type]]: [
        {
          name: container,
          image: p.image,
          imagePullPolicy: p.pullPolicy ?? 'IfNotPresent',
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      serviceAccount: p.serviceAccount ?? 'default',
      serviceAccountName: p.serviceAccount ?? 'default',
      terminationGracePeriodSeconds: 30,
      ...(node ? { nodeName: node } : {}),
      ...(p.secrets ? { imagePullSecrets: p.secrets.map((name) => ({ name })) } : {}),
    };
    // An init or ephemeral container still needs a regular one beside it, as the API server requires.
    if (type !== 'regular') {
      spec.containers = [
        { name: 'main', image: 'registry.k8s.io/pause:3.9', imagePullPolicy: 'IfNotPresent' },
      ];
    }
    const status: Obj = {
      phase: waiting && type !== 'ephemeral' ? 'Pending' : 'Running',
      conditions: [
        { type: 'PodScheduled', status: node ? 'True' : 'False', lastTransitionTime: iso(15 * MIN) },
      ],
      qosClass: 'BestEffort',
      ...(node ? { hostIP: '172.18.0.3', podIP: '10.244.1.17', startTime: iso(15 * MIN) } : {}),
      [STATUS[type]]: [
        {
          name: container,
          image: p.image,
          imageID: '',
          lastState: {},
          ready: false,
          restartCount: 0,
          started: false,
          state,
        },
      ],
    };
    const pod: Obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: p.name,
        namespace: p.namespace,
        uid,
        resourceVersion: String(100_000 + this.objects.length),
        creationTimestamp: iso(15 * MIN),
        labels: { app: p.owner ? p.owner.name : p.name },
        ...(p.owner ? { ownerReferences: [{ ...p.owner, controller: true, blockOwnerDeletion: true }] } : {}),
      },
      spec,
      status,
    };
    this.objects.push(pod);
    for (const [reason, message, count, ago] of p.events ?? []) {
      this.event(pod, {
        reason,
        message,
        count,
        minutesAgo: ago,
        fieldPath: `spec.${FIELD[type]}{${container}}`,
      });
    }
    return pod;
  }

  /** A core/v1 Event about `pod`, as the kubelet on its node records it. */
  event(
    pod: Obj,
    e: {
      reason: string;
      message: string;
      count?: number | undefined;
      minutesAgo?: number | undefined;
      fieldPath?: string;
    },
  ): this {
    const meta = pod.metadata as { name: string; namespace: string; uid: string };
    const host = ((pod.spec as Obj).nodeName as string | undefined) ?? '';
    const count = e.count ?? 1;
    const last = (e.minutesAgo ?? 2) * MIN;
    const normal = e.reason === 'Pulling' || e.reason === 'Pulled' || e.reason === 'Scheduled';
    this.objects.push({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${meta.name}.${(0x17c0000000000000n + BigInt(++this.eventSeq)).toString(16)}`,
        namespace: meta.namespace,
        uid: randomUUID(),
        resourceVersion: String(200_000 + this.eventSeq),
        creationTimestamp: iso(last + (count - 1) * MIN),
      },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: '100001',
        ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
      },
      reason: e.reason,
      message: e.message,
      source: { component: 'kubelet', host },
      firstTimestamp: iso(last + (count - 1) * MIN),
      lastTimestamp: iso(last),
      count,
      type: normal ? 'Normal' : 'Warning',
      eventTime: null,
      reportingComponent: 'kubelet',
      reportingInstance: host,
    });
    return this;
  }

  /** What `kubectl get … -A -o json` prints. */
  list(): Obj {
    return { apiVersion: 'v1', kind: 'List', items: this.objects, metadata: { resourceVersion: '' } };
  }

  async writeSnapshot(dir: string, file = 'snapshot.json'): Promise<string> {
    const path = join(dir, file);
    await writeFile(path, `${JSON.stringify(this.list(), null, 4)}\n`);
    return path;
  }

  /** The state a scan sees, through the cluster module's own normalisation (as a snapshot load does). */
  state(namespace: string | null = null): ClusterState {
    return normalize(this.objects, { source: 'test world', scope: { namespace, secrets: true } });
  }
}

/** A world with the two nodes every test uses. */
export function world(): World {
  return new World().node('node-amd64', 'amd64').node('node-arm64', 'arm64');
}
