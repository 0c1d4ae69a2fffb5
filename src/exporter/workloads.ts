// Every image the cluster's workloads would pull, with the credentials their pods would get: read from the pod
// templates of Deployments, StatefulSets, DaemonSets and CronJobs — also those scaled to zero or suspended, whose
// images nobody pulls today and which break the day they are scaled up or scheduled.
import type { ClusterState, Pod, Workload } from '../cluster/types.ts';
import { key } from '../cluster/types.ts';
import { auditSecrets, credentialIdentities, podCredentialSource } from '../diagnose/index.ts';
import type { CredentialSource } from '../registry/auth.ts';

export const WORKLOAD_KINDS_CHECKED = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'] as const;

export interface WorkloadImage {
  image: string;
  namespace: string;
  /** `Kind/name`, for log lines. */
  workload: string;
  /** The credentials a pod of this workload would try, in kubelet order (anonymous when none). */
  credentials: CredentialSource;
  /** Labels of those credentials (never values): equal identities mean one probe answers for both. */
  identities: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function at(v: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((o, k) => (isObj(o) ? o[k] : undefined), v);
}

function podTemplateSpec(w: Workload): Obj | null {
  const spec =
    w.kind === 'CronJob'
      ? at(w.spec, 'jobTemplate', 'spec', 'template', 'spec')
      : at(w.spec, 'template', 'spec');
  return isObj(spec) ? spec : null;
}

function names(list: unknown): { name: string }[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((r) => (isObj(r) && typeof r.name === 'string' && r.name ? [{ name: r.name }] : []));
}

function images(spec: Obj): string[] {
  const out: string[] = [];
  for (const field of ['initContainers', 'containers']) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    for (const c of list) if (isObj(c) && typeof c.image === 'string' && c.image !== '') out.push(c.image);
  }
  return out;
}

/**
 * The pod a workload's template would create, as admission would complete it: a template without
 * imagePullSecrets gets its service account's (the ServiceAccount admission plugin copies them only then).
 */
function podFromTemplate(state: ClusterState, w: Workload, spec: Obj): Pod {
  const namespace = w.metadata.namespace ?? 'default';
  const serviceAccountName =
    typeof spec.serviceAccountName === 'string' && spec.serviceAccountName
      ? spec.serviceAccountName
      : typeof spec.serviceAccount === 'string' && spec.serviceAccount
        ? spec.serviceAccount
        : 'default';
  let pullSecrets = names(spec.imagePullSecrets);
  if (pullSecrets.length === 0) {
    pullSecrets = names(state.serviceAccounts.get(key(namespace, serviceAccountName))?.imagePullSecrets);
  }
  return {
    kind: 'Pod',
    metadata: { name: `${w.metadata.name} (template)`, namespace },
    spec: { containers: [], imagePullSecrets: pullSecrets, serviceAccountName },
    status: {},
  } as Pod;
}

/**
 * One entry per (workload, image); `secretsRead` false when the state holds no secrets by choice; `workloads`: only
 * these of the state's (a slice).
 */
export function workloadImages(
  state: ClusterState,
  opts: { secretsRead: boolean; now?: number; workloads?: Iterable<Workload> },
): WorkloadImage[] {
  const out: WorkloadImage[] = [];
  const kinds: readonly string[] = WORKLOAD_KINDS_CHECKED;
  for (const w of opts.workloads ?? state.workloads.values()) {
    if (!kinds.includes(w.kind)) continue;
    const spec = podTemplateSpec(w);
    if (!spec) continue;
    const pod = podFromTemplate(state, w, spec);
    for (const image of new Set(images(spec))) {
      const audit = auditSecrets(state, pod, image, { secretsRead: opts.secretsRead, now: opts.now });
      out.push({
        image,
        namespace: pod.metadata.namespace ?? 'default',
        workload: `${w.kind}/${w.metadata.name}`,
        credentials: podCredentialSource(audit),
        identities: credentialIdentities(audit),
      });
    }
  }
  return out;
}
