// Kubernetes objects as regdoctor reads them: only the fields it uses, parsed leniently (unknown fields pass
// through, missing optional ones are fine) so that a snapshot from any cluster version loads, while a value of the
// wrong type is a clear error at the edge.
import { z } from 'zod';

const ownerReference = z.object({
  apiVersion: z.string().optional(),
  kind: z.string(),
  name: z.string(),
  uid: z.string().optional(),
  controller: z.boolean().optional(),
});

export const objectMeta = z
  .object({
    name: z.string(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    creationTimestamp: z.string().nullish(),
    labels: z.record(z.string(), z.string()).nullish(),
    annotations: z.record(z.string(), z.string()).nullish(),
    ownerReferences: z.array(ownerReference).nullish(),
  })
  .passthrough();

const localRef = z.object({ name: z.string().optional() }).passthrough();

const container = z
  .object({ name: z.string(), image: z.string().optional(), imagePullPolicy: z.string().optional() })
  .passthrough();

const containerState = z
  .object({
    waiting: z
      .object({ reason: z.string().optional(), message: z.string().optional() })
      .passthrough()
      .nullish(),
    running: z.object({ startedAt: z.string().nullish() }).passthrough().nullish(),
    terminated: z
      .object({
        reason: z.string().optional(),
        message: z.string().optional(),
        exitCode: z.number().optional(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough();

const containerStatus = z
  .object({
    name: z.string(),
    image: z.string().optional(),
    imageID: z.string().optional(),
    state: containerState.nullish(),
    lastState: containerState.nullish(),
    ready: z.boolean().optional(),
    restartCount: z.number().optional(),
  })
  .passthrough();

export const podSchema = z
  .object({
    kind: z.literal('Pod').optional(),
    metadata: objectMeta,
    spec: z
      .object({
        containers: z.array(container).default([]),
        initContainers: z.array(container).nullish(),
        ephemeralContainers: z.array(container).nullish(),
        imagePullSecrets: z.array(localRef).nullish(),
        serviceAccountName: z.string().optional(),
        nodeName: z.string().optional(),
      })
      .passthrough(),
    status: z
      .object({
        phase: z.string().optional(),
        startTime: z.string().nullish(),
        containerStatuses: z.array(containerStatus).nullish(),
        initContainerStatuses: z.array(containerStatus).nullish(),
        ephemeralContainerStatuses: z.array(containerStatus).nullish(),
      })
      .passthrough()
      .default({}),
  })
  .passthrough();
export type Pod = z.infer<typeof podSchema>;
export type ContainerStatus = z.infer<typeof containerStatus>;

const objectRef = z
  .object({
    kind: z.string().optional(),
    name: z.string().optional(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    fieldPath: z.string().optional(),
  })
  .passthrough();

/** core/v1 Event. */
export const coreEventSchema = z
  .object({
    metadata: objectMeta,
    involvedObject: objectRef,
    reason: z.string().optional(),
    message: z.string().optional(),
    type: z.string().optional(),
    count: z.number().optional(),
    firstTimestamp: z.string().nullish(),
    lastTimestamp: z.string().nullish(),
    eventTime: z.string().nullish(),
    series: z
      .object({ count: z.number().optional(), lastObservedTime: z.string().nullish() })
      .passthrough()
      .nullish(),
  })
  .passthrough();

/** events.k8s.io/v1 Event. */
export const eventsV1Schema = z
  .object({
    metadata: objectMeta,
    regarding: objectRef,
    reason: z.string().optional(),
    note: z.string().optional(),
    type: z.string().optional(),
    deprecatedCount: z.number().optional(),
    deprecatedFirstTimestamp: z.string().nullish(),
    deprecatedLastTimestamp: z.string().nullish(),
    eventTime: z.string().nullish(),
    series: z
      .object({ count: z.number().optional(), lastObservedTime: z.string().nullish() })
      .passthrough()
      .nullish(),
  })
  .passthrough();

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

export const secretSchema = z
  .object({
    metadata: objectMeta,
    type: z.string().optional(),
    data: z.record(z.string(), z.string()).nullish(),
    stringData: z.record(z.string(), z.string()).nullish(),
  })
  .passthrough();
export type Secret = z.infer<typeof secretSchema>;

export const serviceAccountSchema = z
  .object({ metadata: objectMeta, imagePullSecrets: z.array(localRef).nullish() })
  .passthrough();
export type ServiceAccount = z.infer<typeof serviceAccountSchema>;

export const nodeSchema = z
  .object({
    metadata: objectMeta,
    status: z
      .object({
        nodeInfo: z
          .object({
            architecture: z.string().optional(),
            operatingSystem: z.string().optional(),
            containerRuntimeVersion: z.string().optional(),
            kubeletVersion: z.string().optional(),
            osImage: z.string().optional(),
          })
          .passthrough()
          .optional(),
        conditions: z
          .array(
            z.object({ type: z.string(), status: z.string(), message: z.string().optional() }).passthrough(),
          )
          .nullish(),
      })
      .passthrough()
      .default({}),
  })
  .passthrough();
export type Node = z.infer<typeof nodeSchema>;

/** ReplicaSet, Deployment, StatefulSet, DaemonSet, Job, CronJob: metadata for grouping, spec kept as is. */
export const workloadSchema = z
  .object({
    kind: z.string(),
    apiVersion: z.string().optional(),
    metadata: objectMeta,
    spec: z.unknown().optional(),
  })
  .passthrough();
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
}

export interface ClusterScope {
  /** null = all namespaces. */
  namespace: string | null;
  /** Read secrets (needed for the pull-secret audit and probing with the pod's credentials). */
  secrets: boolean;
}

export interface ClusterSource {
  describe(): string;
  load(scope: ClusterScope): Promise<ClusterState>;
}

export const key = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;
