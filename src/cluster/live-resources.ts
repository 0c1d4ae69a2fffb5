// The resources a live load lists, and which generated client method lists each one across all namespaces or in
// one. Kept apart from the paging and error handling so the table reads at a glance.
import type * as K8s from '@kubernetes/client-node';

export interface Apis {
  core: K8s.CoreV1Api;
  events: K8s.EventsV1Api;
  apps: K8s.AppsV1Api;
  batch: K8s.BatchV1Api;
}

export interface PageParams {
  limit: number;
  _continue?: string;
}

type Options = K8s.ConfigurationOptions;
type Lister = (apis: Apis, namespace: string | null, p: PageParams, o: Options) => Promise<unknown>;

export interface ResourceDef {
  /** Plural resource name, as RBAC and `kubectl get` use it. */
  resource: string;
  /** API group; '' for core. */
  group: string;
  namespaced: boolean;
  /** Listed only when the scope asks for secrets. */
  secret?: boolean;
  list: Lister;
}

/** `secrets`, `deployments.apps`, `events.events.k8s.io`: kubectl's name for a resource in a group. */
export const qualified = (d: ResourceDef): string => (d.group ? `${d.resource}.${d.group}` : d.resource);

export const RESOURCES: readonly ResourceDef[] = [
  {
    resource: 'pods',
    group: '',
    namespaced: true,
    list: (a, ns, p, o) =>
      ns === null
        ? a.core.listPodForAllNamespaces(p, o)
        : a.core.listNamespacedPod({ namespace: ns, ...p }, o),
  },
  {
    resource: 'events',
    group: '',
    namespaced: true,
    list: (a, ns, p, o) =>
      ns === null
        ? a.core.listEventForAllNamespaces(p, o)
        : a.core.listNamespacedEvent({ namespace: ns, ...p }, o),
  },
  {
    resource: 'events',
    group: 'events.k8s.io',
    namespaced: true,
    list: (a, ns, p, o) =>
      ns === null
        ? a.events.listEventForAllNamespaces(p, o)
        : a.events.listNamespacedEvent({ namespace: ns, ...p }, o),
  },
  {
    resource: 'secrets',
    group: '',
    namespaced: true,
    secret: true,
    list: (a, ns, p, o) =>
      ns === null
        ? a.core.listSecretForAllNamespaces(p, o)
        : a.core.listNamespacedSecret({ namespace: ns, ...p }, o),
  },
  {
    resource: 'serviceaccounts',
    group: '',
    namespaced: true,
    list: (a, ns, p, o) =>
      ns === null
        ? a.core.listServiceAccountForAllNamespaces(p, o)
        : a.core.listNamespacedServiceAccount({ namespace: ns, ...p }, o),
  },
  {
    // Cluster-scoped: listed whole even for a one-namespace scan, since pods name their node.
    resource: 'nodes',
    group: '',
    namespaced: false,
    list: (a, _ns, p, o) => a.core.listNode(p, o),
  },
  {
    resource: 'replicasets',
    group: 'apps',
    namespaced: true,
    list: (a, ns, p, o) =>
      ns === null
        ? a.apps.listReplicaSetForAllNamespaces(p, o)
        : a.apps.listNamespacedReplicaSet({ namespace: ns, ...p }, o),
  },
  {
    resource: 'deployments',
    group: 'apps',
    namespaced: true,
    list: (a, ns, p, o) =>
      ns === null
        ? a.apps.listDeploymentForAllNamespaces(p, o)
        : a.apps.listNamespacedDeployment({ namespace: ns, ...p }, o),
  },
  {
    resource: 'statefulsets',
    group: 'apps',
    namespaced: true,
    list: (a, ns, p, o) =>
      ns === null
        ? a.apps.listStatefulSetForAllNamespaces(p, o)
        : a.apps.listNamespacedStatefulSet({ namespace: ns, ...p }, o),
  },
  {
    resource: 'daemonsets',
    group: 'apps',
    namespaced: true,
    list: (a, ns, p, o) =>
      ns === null
        ? a.apps.listDaemonSetForAllNamespaces(p, o)
        : a.apps.listNamespacedDaemonSet({ namespace: ns, ...p }, o),
  },
  {
    resource: 'jobs',
    group: 'batch',
    namespaced: true,
    list: (a, ns, p, o) =>
      ns === null
        ? a.batch.listJobForAllNamespaces(p, o)
        : a.batch.listNamespacedJob({ namespace: ns, ...p }, o),
  },
  {
    resource: 'cronjobs',
    group: 'batch',
    namespaced: true,
    list: (a, ns, p, o) =>
      ns === null
        ? a.batch.listCronJobForAllNamespaces(p, o)
        : a.batch.listNamespacedCronJob({ namespace: ns, ...p }, o),
  },
];
