// The workload a pod belongs to, for grouping findings: follow controller ownerReferences up through the objects
// the cluster source read (Pod → ReplicaSet → Deployment, Pod → Job → CronJob, StatefulSet, DaemonSet).
import type { ClusterState, Pod, Workload } from '../cluster/types.ts';
import type { Owner } from '../result/index.ts';

type OwnerRef = NonNullable<NonNullable<Pod['metadata']['ownerReferences']>>[number];

/** The controller reference when there is one; otherwise the first reference. */
function controllerOf(refs: OwnerRef[] | null | undefined): OwnerRef | null {
  if (!refs || refs.length === 0) return null;
  return refs.find((r) => r.controller === true) ?? refs[0] ?? null;
}

function workloadFor(state: ClusterState, namespace: string, ref: OwnerRef): Workload | undefined {
  const w = state.workloads.get(`${namespace}/${ref.kind}/${ref.name}`);
  // A workload of the same name recreated since the pod was made is not the pod's owner.
  if (w && ref.uid && w.metadata.uid && ref.uid !== w.metadata.uid) return undefined;
  return w;
}

export function resolveOwner(state: ClusterState, pod: Pod): Owner | null {
  const namespace = pod.metadata.namespace ?? '';
  let ref = controllerOf(pod.metadata.ownerReferences);
  if (!ref) return null;
  const seen = new Set<string>();
  for (;;) {
    const id = `${ref.kind}/${ref.name}`;
    // Owner chains are short; a cycle can only come from a hand-edited snapshot.
    if (seen.has(id)) break;
    seen.add(id);
    const w = workloadFor(state, namespace, ref);
    const next = w ? controllerOf(w.metadata.ownerReferences) : null;
    if (!next) break;
    ref = next;
  }
  return { kind: ref.kind, name: ref.name };
}
