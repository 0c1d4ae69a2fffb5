// The exporter serves /metrics from the thread that runs its checks, so no check may hold that thread for long:
// a scan of 10,000 pods at once kept a scrape waiting 2.6 s. The cluster check therefore scans a state in slices
// of a few hundred pods (and reads workloads a few hundred at a time), yielding to the event loop in between.
// A pod's finding depends only on the pod, its events, and the namespace's secrets, service accounts, nodes and
// workloads, which every slice shares, so the slices' findings together are the whole state's.
import type { ClusterEvent, ClusterState, Workload } from '../cluster/types.ts';

/** Pods (and workloads) per slice: a few milliseconds of work each. */
export const SLICE_SIZE = 50;

/** Lets queued I/O (a scrape) run before the next slice. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const podKey = (namespace: string, name: string) => `${namespace}/${name}`;

/** The state's pods in slices, each with the events about its pods and every event about anything else. */
export function* podSlices(state: ClusterState, size = SLICE_SIZE): Generator<ClusterState> {
  if (state.pods.length <= size) {
    yield state;
    return;
  }
  // Event positions by pod, in one pass; a slice takes its pods' positions and keeps the state's order (by time).
  const byPod = new Map<string, number[]>();
  const other: number[] = [];
  state.events.forEach((e, i) => {
    if (e.involved.kind !== 'Pod') return void other.push(i);
    const k = podKey(e.namespace, e.involved.name);
    const list = byPod.get(k);
    if (list) list.push(i);
    else byPod.set(k, [i]);
  });
  for (let at = 0; at < state.pods.length; at += size) {
    const pods = state.pods.slice(at, at + size);
    const positions = [...other];
    for (const p of pods)
      positions.push(...(byPod.get(podKey(p.metadata.namespace ?? '', p.metadata.name)) ?? []));
    positions.sort((a, b) => a - b);
    const events: ClusterEvent[] = positions.map((i) => state.events[i]!);
    yield { ...state, pods, events };
  }
}

/** The state's workloads in slices (for workloadImages' `workloads`). */
export function* workloadSlices(state: ClusterState, size = SLICE_SIZE): Generator<Workload[]> {
  const all = [...state.workloads.values()];
  for (let at = 0; at < all.length; at += size) yield all.slice(at, at + size);
}
