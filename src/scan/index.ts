// `scan`: the whole chain for every failing container of a cluster — candidates, pull-secret audit, the message's
// verdict, then one probe per unique (image, credentials, platform) with the pod's own credentials and node
// platform, merged into findings.
import type { Cause } from '../cause/index.ts';
import type { ClusterState } from '../cluster/types.ts';
import {
  auditSecrets,
  clusterNodes,
  credentialIdentities,
  findCandidates,
  initialFinding,
  mergeProbe,
  podCredentialSource,
  podPlatform,
  probeKey,
  unknownPlatformReason,
  type Candidate,
  type SecretAudit,
} from '../diagnose/index.ts';
import { formatPlatform, type Platform } from '../platform/index.ts';
import { probeImage } from '../probe/probe.ts';
import type { Finding, ProbeResult, RuntimeName } from '../result/index.ts';
import { runtimeOfNode } from '../runtime/version.ts';
import type { Session } from '../registry/session.ts';
import { sharesRepository } from '../probe/batch.ts';
import { describePullSettings, nodesHolding, type KubeletPullSettings } from '../cluster/node-facts.ts';
import type { ProbeOrigin } from '../diagnose/index.ts';

export interface ScanOptions {
  /** null: do not probe (`--no-probe`). */
  session: Session | null;
  /** Each probe's total allowance (default the probe's own, 60 s). */
  deadlineMs?: number;
  /** Platform for pods whose node is unknown (not scheduled, or nodes not readable). */
  defaultPlatform: Platform;
  plainHttp?: (registry: string) => boolean;
  /**
   * false when the source was told not to read secrets (`--no-secrets`): a referenced secret absent from the state
   * is then unknown, not missing (default true).
   */
  secretsRead?: boolean;
  /** Probes in flight at once (connections per registry are limited by the session's transport). */
  concurrency?: number;
  /** The moment ages are measured from (`--now`); default the state's own time (a snapshot's), else the clock. */
  now?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * Ask each pod's node instead (`--from-nodes`): an ImagePullCheck its regdoctor agent answers. Work on a node
   * whose agent does not answer, and on pods without a node, is probed here with `session`.
   */
  fromNodes?: FromNodes;
  /** Probe through each pod's node runtime, as configured under that node's root (`--node-root`). */
  nodeRoots?: NodeRoots;
}

/** Where each node's `/` is (a mounted or copied node filesystem), and the runtime when the user names it. */
export interface NodeRoots {
  /** The node's root; null: that node is probed from here, straight from the registry. */
  rootOf(node: string | null): string | null;
  runtime?: RuntimeName;
  runtimeVersion?: string;
}

/** The pull as `node`'s runtime makes it: its root, and its runtime and version as the node reports them. */
function runtimeFor(state: ClusterState, roots: NodeRoots | undefined, node: string | null) {
  const nodeRoot = roots?.rootOf(node);
  if (!roots || !nodeRoot) return null;
  const reported = node ? state.nodes.get(node)?.status.nodeInfo?.containerRuntimeVersion : undefined;
  const info = reported ? runtimeOfNode(reported) : null;
  const runtime = roots.runtime ?? info?.runtime;
  const runtimeVersion = roots.runtimeVersion ?? (runtime === info?.runtime ? info?.version : undefined);
  return { nodeRoot, ...(runtime ? { runtime } : {}), ...(runtimeVersion ? { runtimeVersion } : {}) };
}

/** What a node's agent answered (agent/client.ts's NodeAnswer has this shape). */
export type NodeProbeAnswer =
  | { kind: 'result'; agent: string; probe: ProbeResult }
  | { kind: 'refused' | 'failed' | 'unanswered' | 'timeout'; message: string };

export interface FromNodes {
  probe: (req: NodeProbeRequest) => Promise<NodeProbeAnswer>;
  /** Checks in flight per node (default 4, the agent's own concurrency). */
  perNode?: number;
  /** The kubelet's pull settings of a node, when readable (configz). */
  kubelet?: (node: string) => Promise<KubeletPullSettings | null>;
}

export interface NodeProbeRequest {
  image: string;
  node: string;
  platform: string;
  /** The pod whose imagePullSecrets the agent uses. */
  namespace: string;
  pod: string;
}

export interface ScanSummary {
  source: string;
  findings: number;
  /** Pods with a finding. */
  pods: number;
  /** Pods looked at. */
  podsScanned: number;
  byCause: Partial<Record<Cause, number>>;
  uniqueImages: number;
  probes: number;
  registryRequests: number;
  skipped: ClusterState['skipped'];
  /** The moment ages were measured from (RFC 3339): --now, a snapshot's newest timestamp, or the clock. */
  asOf: string;
  /** With --from-nodes: checks answered by node agents, and the nodes probed from here instead (and why). */
  fromNodes?: { checks: number; nodes: string[]; fallbacks: { node: string; reason: string }[] };
}

export interface ScanResult {
  findings: Finding[];
  summary: ScanSummary;
}

/**
 * Causes a registry probe cannot add to: the image is never pulled, the reference cannot be sent, or the runtime
 * never chose a registry for a short name (probing docker.io would test an image the node does not pull, and
 * send a scan's traffic to Docker Hub for nothing).
 */
const NO_PROBE: ReadonlySet<Cause> = new Set(['NEVER_PULL', 'INVALID_REFERENCE', 'SHORT_NAME_UNRESOLVED']);

interface Work {
  runtime: ReturnType<typeof runtimeFor>;
  candidate: Candidate;
  audit: SecretAudit;
  finding: Finding;
  platform: Platform;
  platformGuess: string | null;
  key: string | null;
}

export async function scanCluster(state: ClusterState, opts: ScanOptions): Promise<ScanResult> {
  const now = opts.now ?? state.observedAt ?? Date.now();
  const nodes = clusterNodes(state);
  const work: Work[] = findCandidates(state, { now }).map((candidate) => {
    const audit = auditSecrets(state, candidate.source, candidate.image, {
      now,
      secretsRead: opts.secretsRead ?? true,
    });
    const nodePlatform = podPlatform(state, candidate.source);
    const finding = initialFinding(candidate, audit, {
      nodes,
      platform: nodePlatform ? formatPlatform(nodePlatform) : null,
    });
    const platform = nodePlatform ?? opts.defaultPlatform;
    const platformGuess = nodePlatform ? null : unknownPlatformReason(state, candidate.source);
    const probing = (opts.session !== null || opts.fromNodes !== undefined) && !NO_PROBE.has(finding.cause);
    // From nodes, each node answers for itself: the same image on two nodes is two checks.
    const where = opts.fromNodes && candidate.node ? `|node=${candidate.node}` : '';
    // Through node runtimes, nodes configured differently pull differently: one probe per root and runtime.
    const runtime = runtimeFor(state, opts.nodeRoots, candidate.node);
    const through = runtime ? `|runtime=${JSON.stringify(runtime)}` : '';
    const key = probing
      ? probeKey(candidate.image, credentialIdentities(audit), platform) + where + through
      : null;
    return { candidate, audit, finding, platform, platformGuess, key, runtime };
  });

  const unique = new Map<string, Work>();
  for (const w of work) if (w.key && !unique.has(w.key)) unique.set(w.key, w);
  const results = new Map<string, ProbeResult>();
  const origins = new Map<string, ProbeOrigin>();
  const tagsFirst = sharesRepository([...unique.values()].map((w) => w.candidate.image));
  let local = [...unique.entries()];
  const nodeSummary = opts.fromNodes ? await fromNodes(opts.fromNodes, local, results, origins) : undefined;
  if (nodeSummary) local = local.filter(([key]) => !results.has(key));
  if (opts.session && local.length) {
    const session = opts.session;
    const queue = local;
    let done = 0;
    const worker = async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        const [key, w] = item;
        results.set(
          key,
          await probeImage(w.candidate.image, session, {
            platform: w.platform,
            credentials: podCredentialSource(w.audit),
            plainHttp: opts.plainHttp,
            tagsFirst: tagsFirst(w.candidate.image),
            budget: opts.deadlineMs ? { deadlineMs: opts.deadlineMs } : undefined,
            ...w.runtime,
          }),
        );
        opts.onProgress?.(++done, local.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 16, queue.length) }, worker));
  }

  const kubelet = new Map<string, KubeletPullSettings | null>();
  if (opts.fromNodes?.kubelet) {
    const ask = opts.fromNodes.kubelet;
    const wanted = [
      ...new Set(work.filter((w) => KUBELET_CAUSES.has(w.finding.cause)).map((w) => w.candidate.node)),
    ];
    await Promise.all(wanted.map(async (n) => n && kubelet.set(n, await ask(n).catch(() => null))));
  }
  const findings = work.map((w) => {
    const probe = w.key ? (results.get(w.key) ?? null) : null;
    const merged = mergeProbe(
      w.finding,
      probe,
      w.audit,
      { nodes, platformGuess: w.platformGuess },
      w.key ? (origins.get(w.key) ?? null) : null,
    );
    if (!opts.fromNodes) return merged;
    return { ...merged, evidence: [...merged.evidence, ...nodeEvidence(state, w, merged, probe, kubelet)] };
  });
  const byCause: Partial<Record<Cause, number>> = {};
  for (const f of findings) byCause[f.cause] = (byCause[f.cause] ?? 0) + 1;
  return {
    findings,
    summary: {
      source: state.source,
      findings: findings.length,
      pods: new Set(findings.map((f) => `${f.namespace}/${f.pod}`)).size,
      podsScanned: state.pods.length,
      byCause,
      uniqueImages: new Set(work.map((w) => w.candidate.image)).size,
      probes: results.size,
      registryRequests: opts.session?.requestCount ?? 0,
      skipped: state.skipped,
      asOf: new Date(now).toISOString(),
      ...(nodeSummary ? { fromNodes: nodeSummary } : {}),
    },
  };
}

/** Causes a node's kubelet settings bear on: its pull rate limit, serial pulls behind a slow one, disk and GC. */
const KUBELET_CAUSES: ReadonlySet<Cause> = new Set([
  'PULL_QPS_EXCEEDED',
  'PULL_TIMEOUT',
  'NODE_DISK_FULL',
  'BACKOFF_NO_DETAIL',
]);

/** What the cluster knows about the finding's node: the image already on other nodes, the kubelet's settings. */
function nodeEvidence(
  state: ClusterState,
  w: Work,
  f: Finding,
  probe: ProbeResult | null,
  kubelet: ReadonlyMap<string, KubeletPullSettings | null>,
): string[] {
  const lines: string[] = [];
  const holding = nodesHolding(state.nodes.values(), w.candidate.image, probe?.manifest?.digest ?? null);
  if (holding.length) {
    const byDigest = holding.filter((h) => h.match === 'digest').map((h) => h.node);
    const byTag = holding.filter((h) => h.match === 'tag').map((h) => h.node);
    lines.push(
      `nodes that already hold this image: ${[
        byDigest.length ? `${byDigest.join(', ')} (same digest)` : '',
        byTag.length ? `${byTag.join(', ')} (same tag)` : '',
      ]
        .filter(Boolean)
        .join('; ')}`,
    );
  }
  const k = f.node ? kubelet.get(f.node) : undefined;
  if (k) lines.push(`kubelet on node ${f.node}: ${describePullSettings(k)}`);
  return lines;
}

/**
 * Sends each unique probe with a node to that node's agent, a few at a time per node. A node whose agent does not
 * answer (or refuses) gets no more checks: its remaining work is left for the local probe, and the reason is kept.
 */
async function fromNodes(
  o: FromNodes,
  items: [string, Work][],
  results: Map<string, ProbeResult>,
  origins: Map<string, ProbeOrigin>,
): Promise<NonNullable<ScanSummary['fromNodes']>> {
  const byNode = new Map<string, [string, Work][]>();
  for (const item of items) {
    const node = item[1].candidate.node;
    if (!node) continue;
    const list = byNode.get(node);
    if (list) list.push(item);
    else byNode.set(node, [item]);
  }
  const fallbacks = new Map<string, string>();
  const reasons = new Map<string, string>();
  let checks = 0;
  const perNode = o.perNode ?? 4;
  await Promise.all(
    [...byNode.entries()].map(async ([node, queue]) => {
      const worker = async () => {
        for (let item = queue.shift(); item && !fallbacks.has(node); item = queue.shift()) {
          const [key, w] = item;
          const a = await o.probe({
            image: w.candidate.image,
            node,
            platform: formatPlatform(w.platform),
            namespace: w.candidate.namespace,
            pod: w.candidate.pod,
          });
          if (a.kind === 'result') {
            checks++;
            results.set(key, a.probe);
            origins.set(key, { node, agent: a.agent });
          } else if (a.kind === 'refused' || a.kind === 'failed') {
            // About this image (a policy, a secret), not the node: the node's other work still goes to its agent.
            reasons.set(key, `the agent on node ${node} ${a.kind}: ${a.message}`);
          } else if (!fallbacks.has(node)) {
            fallbacks.set(node, a.kind === 'unanswered' ? a.message : `the agent timed out: ${a.message}`);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(perNode, queue.length) }, worker));
    }),
  );
  for (const [key, w] of items) {
    const node = w.candidate.node;
    if (results.has(key)) continue;
    const why =
      reasons.get(key) ??
      (node ? `node ${node} could not be asked: ${fallbacks.get(node) ?? 'not probed'}` : null);
    origins.set(key, {
      fallback: why
        ? `${why}; probed from the scanning machine instead`
        : 'the pod has no node; probed from the scanning machine',
    });
  }
  return {
    checks,
    nodes: [...byNode.keys()].filter((n) => !fallbacks.has(n)).sort(),
    fallbacks: [...fallbacks.entries()]
      .map(([node, reason]) => ({ node, reason }))
      .sort((a, b) => (a.node < b.node ? -1 : 1)),
  };
}
