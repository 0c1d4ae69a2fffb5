// The platform a node asks image indexes for: what the kubelet reports in status.nodeInfo, else the well-known
// labels the kubelet sets on its Node object.
import type { ClusterState, Node, Pod } from '../cluster/types.ts';
import { formatPlatform, normalizePlatform, type ClusterNode, type Platform } from '../platform/index.ts';

export function nodePlatform(node: Node | undefined | null): Platform | null {
  if (!node) return null;
  const info = node.status.nodeInfo;
  const labels = node.metadata.labels ?? {};
  const os = info?.operatingSystem || labels['kubernetes.io/os'] || labels['beta.kubernetes.io/os'];
  const architecture =
    info?.architecture || labels['kubernetes.io/arch'] || labels['beta.kubernetes.io/arch'];
  if (!os || !architecture) return null;
  return normalizePlatform({ os, architecture });
}

/** The platform of the node the pod is on; null when it is not scheduled or the node is unknown. */
export function podPlatform(state: ClusterState, pod: Pod): Platform | null {
  const name = pod.spec.nodeName;
  return name ? nodePlatform(state.nodes.get(name)) : null;
}

/** Every node with a known platform; null when the node list was not read (forbidden, or not in the snapshot). */
export function clusterNodes(state: ClusterState): ClusterNode[] | null {
  if (state.nodes.size === 0 || state.skipped.some((s) => s.resource === 'nodes')) return null;
  const out: ClusterNode[] = [];
  for (const n of state.nodes.values()) {
    const p = nodePlatform(n);
    if (p) out.push({ name: n.metadata.name, platform: formatPlatform(p) });
  }
  return out;
}

/** Why the pod's node platform is unknown, for the evidence: the probe then asks for a default platform. */
export function unknownPlatformReason(state: ClusterState, pod: Pod): string {
  const name = pod.spec.nodeName;
  if (!name) return 'the pod is not scheduled';
  if (state.nodes.has(name)) return `node ${name} reports no OS or architecture`;
  const skipped = state.skipped.find((s) => s.resource === 'nodes');
  return `node ${name}: ${skipped ? `nodes ${skipped.reason.split(':')[0]}` : 'not in the cluster state'}`;
}
