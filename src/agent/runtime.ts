// Which runtime the agent pulls as. The Node object's containerRuntimeVersion is what the kubelet talks to, and its
// version decides behaviour that changed between releases (containerd 2.0's error priority); the files under the
// node root only guess when several runtimes are installed. The node is read once, at start; without access to it
// (RBAC `get nodes` missing) the files decide, as before.
import { stat } from 'node:fs/promises';
import { nodeSchema } from '../cluster/types.ts';
import { detectRuntime, rootedFs, type RuntimeName } from '../runtime/index.ts';
import { runtimeOfNode } from '../runtime/version.ts';
import type { CheckApi } from './api.ts';

export interface AgentRuntime {
  runtime: RuntimeName | null;
  version: string | null;
  /** What decided it, for the log. */
  from: string;
}

export async function agentRuntime(
  api: Pick<CheckApi, 'node'>,
  node: string,
  nodeRoot: string,
): Promise<AgentRuntime> {
  const files = await detectRuntime(rootedFs(nodeRoot));
  // No node root mounted: nothing of the runtime's configuration can be read, so the probe goes straight to the
  // registries rather than claim a runtime's defaults it cannot check.
  const mounted = await stat(nodeRoot).then(
    (s) => s.isDirectory(),
    () => false,
  );
  let why: string;
  try {
    const parsed = nodeSchema.safeParse(await api.node(node));
    const reported = parsed.success ? parsed.data.status.nodeInfo?.containerRuntimeVersion : undefined;
    const rt = reported ? runtimeOfNode(reported) : null;
    if (rt && mounted) {
      const differs =
        files.runtime && files.runtime !== rt.runtime ? `; files alone suggested ${files.runtime}` : '';
      return { runtime: rt.runtime, version: rt.version, from: `node ${node} reports ${reported}${differs}` };
    }
    why = rt
      ? `node ${node} reports ${reported}, but ${nodeRoot} is not mounted`
      : parsed.success
        ? `node ${node} reports no known runtime`
        : `node ${node} not found`;
  } catch (err) {
    why = `node ${node} not readable: ${(err as Error).message}`;
  }
  return { runtime: files.runtime, version: null, from: `${files.from} (${why})` };
}
