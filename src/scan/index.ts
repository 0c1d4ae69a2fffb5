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
import type { Finding, ProbeResult } from '../result/index.ts';
import type { Session } from '../registry/session.ts';
import { sharesRepository } from '../probe/batch.ts';

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
    const key =
      opts.session && !NO_PROBE.has(finding.cause)
        ? probeKey(candidate.image, credentialIdentities(audit), platform)
        : null;
    return { candidate, audit, finding, platform, platformGuess, key };
  });

  const unique = new Map<string, Work>();
  for (const w of work) if (w.key && !unique.has(w.key)) unique.set(w.key, w);
  const results = new Map<string, ProbeResult>();
  const tagsFirst = sharesRepository([...unique.values()].map((w) => w.candidate.image));
  if (opts.session && unique.size) {
    const session = opts.session;
    const queue = [...unique.entries()];
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
          }),
        );
        opts.onProgress?.(++done, unique.size);
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 16, queue.length) }, worker));
  }

  const findings = work.map((w) =>
    mergeProbe(w.finding, w.key ? (results.get(w.key) ?? null) : null, w.audit, {
      nodes,
      platformGuess: w.platformGuess,
    }),
  );
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
    },
  };
}
