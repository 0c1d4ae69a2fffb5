// Events by pod, indexed once per cluster state: a 10,000-pod scan must not rescan every event for every pod.
import type { ClusterEvent, ClusterState, Pod } from '../cluster/types.ts';

/** The kubelet's event when a pod's imagePullSecrets cannot be read. */
export const SECRET_EVENT = 'FailedToRetrieveImagePullSecret';

const indexes = new WeakMap<ClusterState, Map<string, ClusterEvent[]>>();

function indexOf(state: ClusterState): Map<string, ClusterEvent[]> {
  let index = indexes.get(state);
  if (index) return index;
  index = new Map();
  for (const e of state.events) {
    if (e.involved.kind !== 'Pod') continue;
    const k = `${e.namespace}/${e.involved.name}`;
    const list = index.get(k);
    if (list) list.push(e);
    else index.set(k, [e]);
  }
  for (const list of index.values()) list.sort((a, b) => a.lastSeen - b.lastSeen);
  indexes.set(state, index);
  return index;
}

/** The pod's events, oldest first; events about an earlier pod of the same name (another uid) are left out. */
export function podEvents(state: ClusterState, pod: Pod): ClusterEvent[] {
  const all = indexOf(state).get(`${pod.metadata.namespace ?? ''}/${pod.metadata.name}`) ?? [];
  const uid = pod.metadata.uid;
  return uid ? all.filter((e) => !e.involved.uid || e.involved.uid === uid) : all;
}

/** Names listed in a FailedToRetrieveImagePullSecret event ("Unable to retrieve some image pull secrets (a, b); …"). */
export function retrieveFailedNames(e: ClusterEvent): string[] {
  const m = /image pull secrets \(([^)]*)\)/i.exec(e.message);
  if (!m?.[1]) return [];
  return m[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function describeEvent(e: ClusterEvent): string {
  const count = e.count > 1 ? ` ×${e.count}` : '';
  const when = e.lastSeen > 0 ? `, last ${new Date(e.lastSeen).toISOString()}` : '';
  const where = e.involved.fieldPath ? ` ${e.involved.fieldPath}` : '';
  return `event ${e.reason}${where}${count}${when}: ${e.message}`;
}
