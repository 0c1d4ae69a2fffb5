// Kubernetes objects as regdoctor reads them: only the fields it uses, parsed leniently (unknown fields pass
// through, missing optional ones are fine) so that a snapshot from any cluster version loads, while a value of the
// wrong type is a clear error at the edge.
import * as z from 'zod/mini';

const ownerReference = z.object({
  apiVersion: z.optional(z.string()),
  kind: z.string(),
  name: z.string(),
  uid: z.optional(z.string()),
  controller: z.optional(z.boolean()),
});

export const objectMeta = z.looseObject({
  name: z.string(),
  namespace: z.optional(z.string()),
  uid: z.optional(z.string()),
  creationTimestamp: z.optional(z.nullable(z.string())),
  labels: z.optional(z.nullable(z.record(z.string(), z.string()))),
  annotations: z.optional(z.nullable(z.record(z.string(), z.string()))),
  ownerReferences: z.optional(z.nullable(z.array(ownerReference))),
});

const localRef = z.looseObject({ name: z.optional(z.string()) });

const container = z.looseObject({
  name: z.string(),
  image: z.optional(z.string()),
  imagePullPolicy: z.optional(z.string()),
});

const containerState = z.looseObject({
  waiting: z.optional(
    z.nullable(z.looseObject({ reason: z.optional(z.string()), message: z.optional(z.string()) })),
  ),
  running: z.optional(z.nullable(z.looseObject({ startedAt: z.optional(z.nullable(z.string())) }))),
  terminated: z.optional(
    z.nullable(
      z.looseObject({
        reason: z.optional(z.string()),
        message: z.optional(z.string()),
        exitCode: z.optional(z.number()),
      }),
    ),
  ),
});

const containerStatus = z.looseObject({
  name: z.string(),
  image: z.optional(z.string()),
  imageID: z.optional(z.string()),
  state: z.optional(z.nullable(containerState)),
  lastState: z.optional(z.nullable(containerState)),
  ready: z.optional(z.boolean()),
  restartCount: z.optional(z.number()),
});

export const podSchema = z.looseObject({
  kind: z.optional(z.literal('Pod')),
  metadata: objectMeta,
  spec: z.looseObject({
    containers: z._default(z.array(container), []),
    initContainers: z.optional(z.nullable(z.array(container))),
    ephemeralContainers: z.optional(z.nullable(z.array(container))),
    imagePullSecrets: z.optional(z.nullable(z.array(localRef))),
    serviceAccountName: z.optional(z.string()),
    nodeName: z.optional(z.string()),
  }),
  status: z._default(
    z.looseObject({
      phase: z.optional(z.string()),
      startTime: z.optional(z.nullable(z.string())),
      containerStatuses: z.optional(z.nullable(z.array(containerStatus))),
      initContainerStatuses: z.optional(z.nullable(z.array(containerStatus))),
      ephemeralContainerStatuses: z.optional(z.nullable(z.array(containerStatus))),
    }),
    {},
  ),
});
export type Pod = z.infer<typeof podSchema>;
export type ContainerStatus = z.infer<typeof containerStatus>;

const objectRef = z.looseObject({
  kind: z.optional(z.string()),
  name: z.optional(z.string()),
  namespace: z.optional(z.string()),
  uid: z.optional(z.string()),
  fieldPath: z.optional(z.string()),
});

/** core/v1 Event. */
export const coreEventSchema = z.looseObject({
  metadata: objectMeta,
  involvedObject: objectRef,
  reason: z.optional(z.string()),
  message: z.optional(z.string()),
  type: z.optional(z.string()),
  count: z.optional(z.number()),
  firstTimestamp: z.optional(z.nullable(z.string())),
  lastTimestamp: z.optional(z.nullable(z.string())),
  eventTime: z.optional(z.nullable(z.string())),
  series: z.optional(
    z.nullable(
      z.looseObject({ count: z.optional(z.number()), lastObservedTime: z.optional(z.nullable(z.string())) }),
    ),
  ),
});

/** events.k8s.io/v1 Event. */
export const eventsV1Schema = z.looseObject({
  metadata: objectMeta,
  regarding: objectRef,
  reason: z.optional(z.string()),
  note: z.optional(z.string()),
  type: z.optional(z.string()),
  deprecatedCount: z.optional(z.number()),
  deprecatedFirstTimestamp: z.optional(z.nullable(z.string())),
  deprecatedLastTimestamp: z.optional(z.nullable(z.string())),
  eventTime: z.optional(z.nullable(z.string())),
  series: z.optional(
    z.nullable(
      z.looseObject({ count: z.optional(z.number()), lastObservedTime: z.optional(z.nullable(z.string())) }),
    ),
  ),
});

/** Both event APIs in one shape. */
export interface ClusterEvent {
  namespace: string;
  involved: { kind: string; name: string; uid?: string; fieldPath?: string };
  reason: string;
  message: string;
  type: string;
  count: number;
  /** Milliseconds since epoch of the last occurrence (0 when unknown). */
  lastSeen: number;
  firstSeen: number;
}

export const secretSchema = z.looseObject({
  metadata: objectMeta,
  type: z.optional(z.string()),
  data: z.optional(z.nullable(z.record(z.string(), z.string()))),
  stringData: z.optional(z.nullable(z.record(z.string(), z.string()))),
});
export type Secret = z.infer<typeof secretSchema>;

export const serviceAccountSchema = z.looseObject({
  metadata: objectMeta,
  imagePullSecrets: z.optional(z.nullable(z.array(localRef))),
});
export type ServiceAccount = z.infer<typeof serviceAccountSchema>;

export const nodeSchema = z.looseObject({
  metadata: objectMeta,
  status: z._default(
    z.looseObject({
      nodeInfo: z.optional(
        z.looseObject({
          architecture: z.optional(z.string()),
          operatingSystem: z.optional(z.string()),
          containerRuntimeVersion: z.optional(z.string()),
          kubeletVersion: z.optional(z.string()),
          osImage: z.optional(z.string()),
        }),
      ),
      conditions: z.optional(
        z.nullable(
          z.array(z.looseObject({ type: z.string(), status: z.string(), message: z.optional(z.string()) })),
        ),
      ),
      /** Images the node holds, as the kubelet reports them (its 50 largest by default). */
      images: z.optional(
        z.nullable(
          z.array(
            z.looseObject({
              names: z.optional(z.nullable(z.array(z.string()))),
              sizeBytes: z.optional(z.number()),
            }),
          ),
        ),
      ),
    }),
    {},
  ),
});
export type Node = z.infer<typeof nodeSchema>;

/** ReplicaSet, Deployment, StatefulSet, DaemonSet, Job, CronJob: metadata for grouping, spec kept as is. */
export const workloadSchema = z.looseObject({
  kind: z.string(),
  apiVersion: z.optional(z.string()),
  metadata: objectMeta,
  spec: z.optional(z.unknown()),
});
export type Workload = z.infer<typeof workloadSchema>;

export const WORKLOAD_KINDS = [
  'ReplicaSet',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
] as const;

/** What a scan needs from a cluster, whichever source it came from. */
export interface ClusterState {
  /** Where it came from: a kubeconfig context or snapshot path, for reports. */
  source: string;
  pods: Pod[];
  events: ClusterEvent[];
  /** Keyed `namespace/name`. */
  secrets: Map<string, Secret>;
  serviceAccounts: Map<string, ServiceAccount>;
  nodes: Map<string, Node>;
  /** Keyed `namespace/Kind/name`. */
  workloads: Map<string, Workload>;
  /** Resources that could not be read (RBAC, missing API), with the reason; the scan goes on without them. */
  skipped: { resource: string; namespace?: string; reason: string }[];
  /**
   * Milliseconds since the epoch of the moment the state describes, when that is not now: a snapshot's newest
   * timestamp. Ages (of events, of a pull in progress) are measured from it. Absent for a live read.
   */
  observedAt?: number;
}

export interface ClusterScope {
  /** null = all namespaces. */
  namespace: string | null;
  /** Read secrets (needed for the pull-secret audit and probing with the pod's credentials). */
  secrets: boolean;
}

export interface ClusterSource {
  describe(): string;
  /** The namespace kubectl would use without -n (a kubeconfig context's); `default` when the source has none. */
  defaultNamespace(): Promise<string>;
  load(scope: ClusterScope): Promise<ClusterState>;
}

export const key = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;
