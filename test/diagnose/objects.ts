// Kubernetes objects for the diagnose tests, written with the API's own field names and run through the cluster
// module's schemas so a wrong shape fails here rather than passing silently.
import type {
  ClusterEvent,
  ClusterState,
  Node,
  Pod,
  Secret,
  ServiceAccount,
  Workload,
} from '../../src/cluster/types.ts';
import {
  nodeSchema,
  podSchema,
  secretSchema,
  serviceAccountSchema,
  workloadSchema,
} from '../../src/cluster/types.ts';

export const NOW = Date.parse('2025-03-01T12:00:00Z');
export const minutes = (n: number) => n * 60_000;

interface ContainerSpec {
  name: string;
  image: string;
  imagePullPolicy?: string;
}

type State = Record<string, unknown>;

export const waitingState = (reason: string, message?: string): State => ({
  waiting: { reason, ...(message !== undefined ? { message } : {}) },
});
export const runningState = (): State => ({ running: { startedAt: '2025-03-01T11:00:00Z' } });
export const creating = (): State => waitingState('ContainerCreating');

export interface PodOptions {
  namespace?: string;
  uid?: string;
  containers?: ContainerSpec[];
  initContainers?: ContainerSpec[];
  ephemeralContainers?: ContainerSpec[];
  /** Container name → state; containers without an entry have no status. */
  states?: Record<string, State>;
  imagePullSecrets?: string[];
  serviceAccountName?: string;
  nodeName?: string;
  ownerReferences?: { apiVersion?: string; kind: string; name: string; uid?: string; controller?: boolean }[];
}

export function pod(name: string, o: PodOptions = {}): Pod {
  const containers = o.containers ?? [{ name: 'app', image: 'registry.example.com/team/app:1.0' }];
  const statusesFor = (specs: ContainerSpec[] | undefined) =>
    (specs ?? [])
      .filter((c) => o.states?.[c.name])
      .map((c) => ({
        name: c.name,
        image: c.image,
        imageID: '',
        ready: false,
        restartCount: 0,
        state: o.states![c.name],
      }));
  return podSchema.parse({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'shop',
      uid: o.uid ?? `uid-${name}`,
      creationTimestamp: '2025-03-01T10:00:00Z',
      ...(o.ownerReferences ? { ownerReferences: o.ownerReferences } : {}),
    },
    spec: {
      containers,
      ...(o.initContainers ? { initContainers: o.initContainers } : {}),
      ...(o.ephemeralContainers ? { ephemeralContainers: o.ephemeralContainers } : {}),
      ...(o.imagePullSecrets ? { imagePullSecrets: o.imagePullSecrets.map((n) => ({ name: n })) } : {}),
      serviceAccountName: o.serviceAccountName ?? 'default',
      ...(o.nodeName !== undefined ? { nodeName: o.nodeName } : { nodeName: 'node-a' }),
    },
    status: {
      phase: 'Pending',
      containerStatuses: statusesFor(containers),
      ...(o.initContainers ? { initContainerStatuses: statusesFor(o.initContainers) } : {}),
      ...(o.ephemeralContainers ? { ephemeralContainerStatuses: statusesFor(o.ephemeralContainers) } : {}),
    },
  });
}

export interface EventOptions {
  namespace?: string;
  fieldPath?: string;
  /** Milliseconds before NOW. */
  ago?: number;
  count?: number;
  uid?: string;
  type?: string;
}

export function event(podName: string, reason: string, message: string, o: EventOptions = {}): ClusterEvent {
  const at = NOW - (o.ago ?? minutes(1));
  return {
    namespace: o.namespace ?? 'shop',
    involved: {
      kind: 'Pod',
      name: podName,
      uid: o.uid ?? `uid-${podName}`,
      ...(o.fieldPath ? { fieldPath: o.fieldPath } : {}),
    },
    reason,
    message,
    type: o.type ?? (reason === 'Pulling' || reason === 'Pulled' ? 'Normal' : 'Warning'),
    count: o.count ?? 1,
    lastSeen: at,
    firstSeen: at,
  };
}

export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export interface AuthEntry {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
}

export function secret(name: string, type: string, data: Record<string, string>, namespace = 'shop'): Secret {
  return secretSchema.parse({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, uid: `uid-secret-${name}` },
    type,
    data,
  });
}

/** A kubernetes.io/dockerconfigjson secret as `kubectl create secret docker-registry` makes it. */
export function dockerSecret(name: string, auths: Record<string, AuthEntry>, namespace = 'shop'): Secret {
  return secret(
    name,
    'kubernetes.io/dockerconfigjson',
    { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
    namespace,
  );
}

export function login(username: string, password: string): AuthEntry {
  return { username, password, auth: b64(`${username}:${password}`) };
}

export function serviceAccount(name: string, secrets: string[], namespace = 'shop'): ServiceAccount {
  return serviceAccountSchema.parse({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace },
    ...(secrets.length ? { imagePullSecrets: secrets.map((n) => ({ name: n })) } : {}),
  });
}

export function node(
  name: string,
  info: { operatingSystem?: string; architecture?: string } | null,
  labels: Record<string, string> = {},
): Node {
  return nodeSchema.parse({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    status: info
      ? { nodeInfo: { ...info, containerRuntimeVersion: 'containerd://1.7.22', kubeletVersion: 'v1.31.2' } }
      : {},
  });
}

export function workload(
  kind: string,
  name: string,
  owner?: { kind: string; name: string; uid?: string },
  namespace = 'shop',
): Workload {
  return workloadSchema.parse({
    apiVersion: kind === 'ReplicaSet' || kind === 'Deployment' ? 'apps/v1' : 'batch/v1',
    kind,
    metadata: {
      name,
      namespace,
      uid: `uid-${kind}-${name}`,
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: owner.kind,
                name: owner.name,
                uid: owner.uid ?? `uid-${owner.kind}-${owner.name}`,
                controller: true,
              },
            ],
          }
        : {}),
    },
  });
}

export interface StateParts {
  pods?: Pod[];
  events?: ClusterEvent[];
  secrets?: Secret[];
  serviceAccounts?: ServiceAccount[];
  nodes?: Node[];
  workloads?: Workload[];
  skipped?: ClusterState['skipped'];
}

export function clusterState(p: StateParts = {}): ClusterState {
  const byNsName = <T extends { metadata: { name: string; namespace?: string } }>(items: T[] = []) =>
    new Map(items.map((i) => [`${i.metadata.namespace ?? ''}/${i.metadata.name}`, i]));
  return {
    source: 'test',
    pods: p.pods ?? [],
    events: p.events ?? [],
    secrets: byNsName(p.secrets),
    serviceAccounts: byNsName(p.serviceAccounts),
    nodes: new Map((p.nodes ?? []).map((n) => [n.metadata.name, n])),
    workloads: new Map(
      (p.workloads ?? []).map((w) => [`${w.metadata.namespace ?? ''}/${w.kind}/${w.metadata.name}`, w]),
    ),
    skipped: p.skipped ?? [],
  };
}

/** Messages as kubelet 1.31 with containerd 1.7 writes them. */
export const MSG = {
  notFound: (image: string, full = image) =>
    `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${full}": failed to resolve reference "${full}": ${full}: not found`,
  unauthorized: (image: string, full = image) =>
    `Failed to pull image "${image}": rpc error: code = Unknown desc = failed to pull and unpack image "${full}": failed to resolve reference "${full}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://registry.example.com/token?scope=repository%3Ateam%2Fapp%3Apull&service=registry.example.com: 401 Unauthorized`,
  platform: (image: string) =>
    `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": no match for platform in manifest: not found`,
  dns: (image: string) =>
    `Failed to pull image "${image}": rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to do request: Head "https://registry.example.com/v2/team/app/manifests/1.0": dial tcp: lookup registry.example.com on 10.96.0.10:53: no such host`,
  backoff: (image: string) => `Back-off pulling image "${image}"`,
  errImagePull: 'Error: ErrImagePull',
  imagePullBackOff: 'Error: ImagePullBackOff',
  neverPull: (image: string) => `Container image "${image}" is not present with pull policy of Never`,
  invalidName: (image: string) =>
    `Failed to apply default image tag "${image}": couldn't parse image reference "${image}": invalid reference format: repository name must be lowercase`,
  retrieveSecrets: (names: string[]) =>
    `Unable to retrieve some image pull secrets (${names.join(', ')}); attempting to pull the image may not succeed.`,
  pulling: (image: string) => `Pulling image "${image}"`,
  pulled: (image: string) =>
    `Successfully pulled image "${image}" in 1.2s (1.2s including waiting). Image size: 1234 bytes.`,
};
