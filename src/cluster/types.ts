// Kubernetes objects as regdoctor reads them: only the fields it uses, parsed leniently (unknown fields pass
// through, missing optional ones are fine) so that a snapshot from any cluster version loads, while a value of the
// wrong type is a clear error at the edge.
import * as z from 'zod/mini';

/**
 * The object schemas in one of two modes. Loose keeps every field it does not name: `policy check` and the
 * exporter read whole pod specs and workload templates. Lean keeps only the fields named here and drops workload
 * specs: a scan reads nothing else, and holding every field of 10,000 pods doubled its memory. Fields read by
 * code outside these schemas (snapshot-time's timestamps, the deprecated `spec.serviceAccount`) are named, as
 * unknown, so that both modes keep them.
 */
function objectSchemas(object: typeof z.looseObject, lean: boolean) {
  const ownerReference = z.object({
    apiVersion: z.optional(z.string()),
    kind: z.string(),
    name: z.string(),
    uid: z.optional(z.string()),
    controller: z.optional(z.boolean()),
  });

  const objectMeta = object({
    name: z.string(),
    namespace: z.optional(z.string()),
    uid: z.optional(z.string()),
    creationTimestamp: z.optional(z.nullable(z.string())),
    labels: z.optional(z.nullable(z.record(z.string(), z.string()))),
    annotations: z.optional(z.nullable(z.record(z.string(), z.string()))),
    ownerReferences: z.optional(z.nullable(z.array(ownerReference))),
  });

  const localRef = object({ name: z.optional(z.string()) });

  const container = object({
    name: z.string(),
    image: z.optional(z.string()),
    imagePullPolicy: z.optional(z.string()),
  });

  const containerState = object({
    waiting: z.optional(
      z.nullable(object({ reason: z.optional(z.string()), message: z.optional(z.string()) })),
    ),
    running: z.optional(z.nullable(object({ startedAt: z.optional(z.nullable(z.string())) }))),
    terminated: z.optional(
      z.nullable(
        object({
          reason: z.optional(z.string()),
          message: z.optional(z.string()),
          exitCode: z.optional(z.number()),
          startedAt: z.optional(z.unknown()),
          finishedAt: z.optional(z.unknown()),
        }),
      ),
    ),
  });

  const containerStatus = object({
    name: z.string(),
    image: z.optional(z.string()),
    imageID: z.optional(z.string()),
    state: z.optional(z.nullable(containerState)),
    lastState: z.optional(z.nullable(containerState)),
    ready: z.optional(z.boolean()),
    restartCount: z.optional(z.number()),
  });

  const pod = object({
    kind: z.optional(z.literal('Pod')),
    metadata: objectMeta,
    spec: object({
      containers: z._default(z.array(container), []),
      initContainers: z.optional(z.nullable(z.array(container))),
      ephemeralContainers: z.optional(z.nullable(z.array(container))),
      imagePullSecrets: z.optional(z.nullable(z.array(localRef))),
      serviceAccountName: z.optional(z.string()),
      /** Deprecated, read when serviceAccountName is missing. */
      serviceAccount: z.optional(z.unknown()),
      nodeName: z.optional(z.string()),
    }),
    status: z._default(
      object({
        phase: z.optional(z.string()),
        startTime: z.optional(z.nullable(z.string())),
        containerStatuses: z.optional(z.nullable(z.array(containerStatus))),
        initContainerStatuses: z.optional(z.nullable(z.array(containerStatus))),
        ephemeralContainerStatuses: z.optional(z.nullable(z.array(containerStatus))),
      }),
      {},
    ),
  });

  const objectRef = object({
    kind: z.optional(z.string()),
    name: z.optional(z.string()),
    namespace: z.optional(z.string()),
    uid: z.optional(z.string()),
    fieldPath: z.optional(z.string()),
  });

  const series = z.optional(
    z.nullable(
      object({ count: z.optional(z.number()), lastObservedTime: z.optional(z.nullable(z.string())) }),
    ),
  );

  /** core/v1 Event. */
  const coreEvent = object({
    metadata: objectMeta,
    involvedObject: objectRef,
    reason: z.optional(z.string()),
    message: z.optional(z.string()),
    type: z.optional(z.string()),
    count: z.optional(z.number()),
    firstTimestamp: z.optional(z.nullable(z.string())),
    lastTimestamp: z.optional(z.nullable(z.string())),
    eventTime: z.optional(z.nullable(z.string())),
    series,
  });

  /** events.k8s.io/v1 Event. */
  const eventsV1 = object({
    metadata: objectMeta,
    regarding: objectRef,
    reason: z.optional(z.string()),
    note: z.optional(z.string()),
    type: z.optional(z.string()),
    deprecatedCount: z.optional(z.number()),
    deprecatedFirstTimestamp: z.optional(z.nullable(z.string())),
    deprecatedLastTimestamp: z.optional(z.nullable(z.string())),
    eventTime: z.optional(z.nullable(z.string())),
    series,
  });

  const secret = object({
    metadata: objectMeta,
    type: z.optional(z.string()),
    data: z.optional(z.nullable(z.record(z.string(), z.string()))),
    stringData: z.optional(z.nullable(z.record(z.string(), z.string()))),
  });

  const serviceAccount = object({
    metadata: objectMeta,
    imagePullSecrets: z.optional(z.nullable(z.array(localRef))),
  });

  const node = object({
    metadata: objectMeta,
    status: z._default(
      object({
        nodeInfo: z.optional(
          object({
            architecture: z.optional(z.string()),
            operatingSystem: z.optional(z.string()),
            containerRuntimeVersion: z.optional(z.string()),
            kubeletVersion: z.optional(z.string()),
            osImage: z.optional(z.string()),
          }),
        ),
        conditions: z.optional(
          z.nullable(
            z.array(
              object({
                type: z.string(),
                status: z.string(),
                message: z.optional(z.string()),
                lastHeartbeatTime: z.optional(z.unknown()),
                lastTransitionTime: z.optional(z.unknown()),
              }),
            ),
          ),
        ),
        /** Images the node holds, as the kubelet reports them (its 50 largest by default). */
        images: z.optional(
          z.nullable(
            z.array(
              object({
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

  /** ReplicaSet, Deployment, StatefulSet, DaemonSet, Job, CronJob: metadata for grouping, spec kept as is. */
  const workload = object({
    kind: z.string(),
    apiVersion: z.optional(z.string()),
    metadata: objectMeta,
    spec: z.optional(z.unknown()),
  });
  const leanWorkload = object({ kind: z.string(), apiVersion: z.optional(z.string()), metadata: objectMeta });

  return {
    pod,
    containerStatus,
    coreEvent,
    eventsV1,
    secret,
    serviceAccount,
    node,
    // The lean one drops the spec (a scan reads a workload's owner references only); its type is the loose one's.
    workload: lean ? (leanWorkload as unknown as typeof workload) : workload,
  };
}

export type ObjectSchemas = ReturnType<typeof objectSchemas>;
export const LOOSE_SCHEMAS: ObjectSchemas = objectSchemas(z.looseObject, false);
// Typed as loose: a lean object is a loose one whose unnamed fields are all absent.
export const LEAN_SCHEMAS: ObjectSchemas = objectSchemas(z.object as unknown as typeof z.looseObject, true);

export const podSchema = LOOSE_SCHEMAS.pod;
export type Pod = z.infer<typeof podSchema>;
export type ContainerStatus = z.infer<ObjectSchemas['containerStatus']>;
export const coreEventSchema = LOOSE_SCHEMAS.coreEvent;
export const eventsV1Schema = LOOSE_SCHEMAS.eventsV1;

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

export const secretSchema = LOOSE_SCHEMAS.secret;
export type Secret = z.infer<typeof secretSchema>;
export const serviceAccountSchema = LOOSE_SCHEMAS.serviceAccount;
export type ServiceAccount = z.infer<typeof serviceAccountSchema>;
export const nodeSchema = LOOSE_SCHEMAS.node;
export type Node = z.infer<typeof nodeSchema>;
export const workloadSchema = LOOSE_SCHEMAS.workload;
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
  /**
   * Keep only the fields the schemas name (LEAN_SCHEMAS): for a caller that reads nothing else, such as a scan.
   * Default false: policy and the exporter read whole pod specs and workload templates.
   */
  lean?: boolean;
}

export interface ClusterSource {
  describe(): string;
  /** The namespace kubectl would use without -n (a kubeconfig context's); `default` when the source has none. */
  defaultNamespace(): Promise<string>;
  load(scope: ClusterScope): Promise<ClusterState>;
}

export const key = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;
