// The demo's cluster: Kubernetes objects shaped exactly as `kubectl get -o json` prints them, whose broken pods
// point at the demo's throwaway registries, so `regdoctor demo` shows a whole scan without a cluster.
import { normalize } from '../cluster/normalize.ts';
import type { ClusterState } from '../cluster/types.ts';

const T0 = '2026-01-01T10:00:00Z';
const T1 = '2026-01-01T10:05:00Z';

function pod(
  ns: string,
  name: string,
  image: string,
  opts: { owner?: [string, string]; secrets?: string[]; waiting?: [string, string] } = {},
) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      uid: `uid-${name}`,
      creationTimestamp: T0,
      ...(opts.owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: opts.owner[0],
                name: opts.owner[1],
                uid: `uid-${opts.owner[1]}`,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      nodeName: 'node-amd64-1',
      serviceAccountName: 'default',
      containers: [{ name: 'app', image, imagePullPolicy: 'IfNotPresent' }],
      ...(opts.secrets ? { imagePullSecrets: opts.secrets.map((n) => ({ name: n })) } : {}),
    },
    status: {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'app',
          image,
          imageID: '',
          ready: false,
          restartCount: 0,
          state: {
            waiting: {
              reason: opts.waiting?.[0] ?? 'ImagePullBackOff',
              message: opts.waiting?.[1] ?? `Back-off pulling image "${image}"`,
            },
          },
        },
      ],
    },
  };
}

function event(ns: string, podName: string, reason: string, message: string, count: number) {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${podName}.${reason.toLowerCase()}`, namespace: ns, uid: `ev-${podName}-${reason}` },
    involvedObject: {
      kind: 'Pod',
      name: podName,
      namespace: ns,
      uid: `uid-${podName}`,
      fieldPath: 'spec.containers{app}',
    },
    reason,
    message,
    type: reason === 'BackOff' ? 'Normal' : 'Warning',
    count,
    firstTimestamp: T0,
    lastTimestamp: T1,
  };
}

function dockerSecret(
  ns: string,
  name: string,
  host: string,
  user: string,
  password: string,
  type = 'kubernetes.io/dockerconfigjson',
) {
  const config = JSON.stringify({
    auths: { [host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } },
  });
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns, uid: `uid-${name}` },
    type,
    data: { '.dockerconfigjson': Buffer.from(config).toString('base64') },
  };
}

function owner(kind: string, ns: string, name: string, parent?: [string, string]) {
  return {
    apiVersion:
      kind === 'ReplicaSet' || kind === 'Deployment' || kind === 'DaemonSet' ? 'apps/v1' : 'batch/v1',
    kind,
    metadata: {
      name,
      namespace: ns,
      uid: `uid-${name}`,
      ...(parent
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: parent[0],
                name: parent[1],
                uid: `uid-${parent[1]}`,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {},
  };
}

export interface DemoRegistries {
  open: string;
  locked: string;
  user: string;
  password: string;
}

export function demoCluster(r: DemoRegistries): ClusterState {
  const missingTag = `${r.open}/team/app:1.0.2`;
  const armOnly = `${r.open}/team/arm-only:1.0`;
  const priv = `${r.locked}/private/app:2.0`;
  const objects = [
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: 'node-amd64-1',
        uid: 'uid-node',
        labels: { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/os': 'linux' },
      },
      status: {
        nodeInfo: {
          architecture: 'amd64',
          operatingSystem: 'linux',
          containerRuntimeVersion: 'containerd://1.7.24',
          kubeletVersion: 'v1.31.4',
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: 'shop', uid: 'uid-sa-shop' },
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: 'billing', uid: 'uid-sa-billing' },
    },
    owner('Deployment', 'shop', 'web'),
    owner('ReplicaSet', 'shop', 'web-5d8f7c9b6', ['Deployment', 'web']),
    pod('shop', 'web-5d8f7c9b6-k2x8p', missingTag, { owner: ['ReplicaSet', 'web-5d8f7c9b6'] }),
    pod('shop', 'web-5d8f7c9b6-q9v4m', missingTag, { owner: ['ReplicaSet', 'web-5d8f7c9b6'] }),
    event(
      'shop',
      'web-5d8f7c9b6-k2x8p',
      'Failed',
      `Failed to pull image "${missingTag}": rpc error: code = NotFound desc = failed to pull and unpack image "${missingTag}": failed to resolve reference "${missingTag}": ${missingTag}: not found`,
      4,
    ),
    event('shop', 'web-5d8f7c9b6-k2x8p', 'BackOff', `Back-off pulling image "${missingTag}"`, 31),
    owner('DaemonSet', 'shop', 'agent'),
    pod('shop', 'agent-7xk2m', armOnly, { owner: ['DaemonSet', 'agent'] }),
    event('shop', 'agent-7xk2m', 'BackOff', `Back-off pulling image "${armOnly}"`, 12),
    dockerSecret('billing', 'registry-creds', r.locked, r.user, 'an-old-password'),
    pod('billing', 'invoicer', priv, {
      secrets: ['registry-creds'],
      waiting: [
        'ErrImagePull',
        `rpc error: code = Unknown desc = failed to pull and unpack image "${priv}": failed to resolve reference "${priv}": unexpected status from HEAD request to http://${r.locked}/v2/private/app/manifests/2.0: 401 Unauthorized`,
      ],
    }),
    pod('billing', 'reports', priv, { secrets: ['regcred'] }),
    event(
      'billing',
      'reports',
      'FailedToRetrieveImagePullSecret',
      'Unable to retrieve some image pull secrets (regcred); attempting to pull the image may not succeed.',
      9,
    ),
    dockerSecret('billing', 'docker-creds', r.locked, r.user, r.password, 'Opaque'),
    pod('billing', 'ledger', priv, { secrets: ['docker-creds'] }),
  ];
  return normalize(objects, {
    source: 'the demo cluster (built in)',
    scope: { namespace: null, secrets: true },
  });
}
