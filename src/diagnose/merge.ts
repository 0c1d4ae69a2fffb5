// From a candidate to a finding: what the message says, corrected by what the pod's pull secrets show, then by
// what a probe with the pod's own credentials and its node's platform proves. Rules, in order:
//   - ErrImageNeverPull / InvalidImageName verdicts stand: the kubelet stops before it talks to a registry;
//   - a malformed pull secret fails every pull of the pod (the kubelet cannot build its keyring): PULL_SECRET_INVALID,
//     whatever the message or the probe says;
//   - a probe that pulls fine keeps the message's cause: the failure was transient or specific to the node;
//   - a refusal (UNAUTHORIZED/FORBIDDEN, from the message or the probe) with secrets that are missing, unusable or
//     do not cover the registry is the secret problem, with the refusal as evidence; a covering, well-formed secret
//     that is refused stays UNAUTHORIZED/FORBIDDEN; a refusal the probe got without the node's credentials (secrets
//     unreadable, cloud registries) proves little;
//   - an anonymous REPOSITORY_NOT_FOUND when the secrets are missing or do not cover the registry is only likely;
//   - a probe cause that does not depend on where it runs from (missing tag or repository, platform, bad reference,
//     expired certificate) overrides the message with the probe's confidence (certain);
//   - a network-path cause seen only from the scanning machine replaces a message with no detail (likely), and is an
//     alternative otherwise.
//   - a probe from the pod's node itself (its agent answered an ImagePullCheck) saw the node's own DNS, routes,
//     firewall and proxy: its network-path cause replaces the message's with the probe's confidence.
import { settledConfidence, type Cause, type Confidence } from '../cause/index.ts';
import type { Classification } from '../classify/index.ts';
import { redact } from '../credentials/index.ts';
import { formatAge } from '../util/duration.ts';
import type { Finding, ProbeResult } from '../result/index.ts';
import { describeEvent } from './events.ts';
import { findingRemediation, type RemedyContext } from './remedy.ts';
import { nodeCredentialRegistry } from './secrets.ts';
import type { Candidate, SecretAudit } from './types.ts';
import { STUCK_REASON, messageVerdict } from './verdict.ts';

const REFUSALS = new Set<Cause>(['UNAUTHORIZED', 'FORBIDDEN']);
/** Decided by the kubelet before any registry is contacted. */
const KUBELET_VERDICTS = new Set<Cause>(['NEVER_PULL', 'INVALID_REFERENCE']);
/** Causes on the node's side that a registry probe cannot see. */
const NODE_SIDE = new Set<Cause>([
  'NEVER_PULL',
  'NODE_DISK_FULL',
  'PULL_QPS_EXCEEDED',
  'CREDENTIAL_PROVIDER_ERROR',
  'POLICY_REJECTED',
  'SIGNATURE_INVALID',
  'PULL_TIMEOUT',
]);
/** Probe causes that are properties of the registry's content, the same from any machine. */
const ANYWHERE = new Set<Cause>([
  'MANIFEST_NOT_FOUND',
  'REPOSITORY_NOT_FOUND',
  'PLATFORM_MISMATCH',
  'INVALID_REFERENCE',
  'TLS_EXPIRED',
  'PULL_SECRET_INVALID',
  'PULL_SECRET_MISSING',
]);
const VAGUE = new Set<Cause>(['BACKOFF_NO_DETAIL', 'UNKNOWN']);
const SECRET_CAUSES: Cause[] = ['PULL_SECRET_INVALID', 'PULL_SECRET_MISSING'];

const uniq = (causes: Cause[], except: Cause): Cause[] => [...new Set(causes)].filter((c) => c !== except);

function refusalExplained(audit: SecretAudit | null): audit is SecretAudit & { cause: Cause } {
  return !!audit?.cause;
}

/** What the best message says — or, when there is none to speak of, what the verdict rests on instead. */
function saysLine(candidate: Candidate, c: Classification): string {
  const { best } = candidate;
  if (candidate.stuckPulling) return `a pull running this long with no outcome points to ${c.cause}`;
  if (best.message.trim() === '')
    return `there is no message; the ${best.source === 'waiting' ? 'waiting reason' : 'event reason'} ${best.reason} alone says ${c.cause}`;
  return `the message says ${c.cause}${c.evidence && c.evidence !== best.message ? `: ${c.evidence}` : ''}`;
}

function waitingLine(c: Candidate): string[] {
  if (!c.waiting) return [];
  return [`waiting ${c.waiting.reason}${c.waiting.message ? `: ${c.waiting.message}` : ''}`];
}

function eventLines(c: Candidate): string[] {
  // The same message repeated is one line; the newest of each stays, up to a handful.
  const byText = new Map<string, string>();
  for (const e of c.events) byText.set(`${e.reason}\0${e.message}`, describeEvent(e));
  return [...byText.values()].slice(-5);
}

/** Covering entries with no defect, in the order the kubelet tries them. */
export function cleanCovering(audit: SecretAudit): string[] {
  const bad = new Set(audit.defective.map((d) => d.label));
  return audit.covering.filter((l) => !bad.has(l));
}

function auditLines(audit: SecretAudit | null, cause: Cause): string[] {
  if (!audit) return [];
  const lines = [...audit.problems, ...audit.notes];
  if (audit.verdict === 'no-secrets' && REFUSALS.has(cause)) lines.unshift('the pod has no imagePullSecrets');
  const clean = cleanCovering(audit);
  if (audit.verdict === 'covered' && REFUSALS.has(cause) && clean.length > 0) {
    lines.push(
      `${clean.join(', ')} cover${clean.length > 1 ? '' : 's'} ${audit.repository} and look${clean.length > 1 ? '' : 's'} well-formed`,
    );
  }
  return lines;
}

/**
 * Redacts a finding built from a candidate whose messages were not redacted yet (one made by hand rather than by
 * findCandidates/podCandidates). Slow per call with many secrets registered; candidates normally arrive scrubbed.
 */
function scrub(f: Finding): Finding {
  const text = [f.message, ...f.evidence].join('\n');
  if (redact(text) === text) return f;
  return { ...f, message: redact(f.message), evidence: f.evidence.map((e) => redact(e)) };
}

/** What the cluster tells about where the pod runs: its node's platform and every node's. */
export interface FindingContext extends Pick<RemedyContext, 'platform' | 'nodes'> {
  /** Why the node's platform is not known, when it is not (the probe then asks for a default one). */
  platformGuess?: string | null;
}

/**
 * Where a probe ran: on the pod's node (its agent answered an ImagePullCheck: the node's own DNS, routes, firewall
 * and proxy), or here, when asked to ask the node but no agent answered (`fallback` says why).
 */
export type ProbeOrigin = { node: string; agent: string } | { fallback: string };

export function initialFinding(
  candidate: Candidate,
  audit: SecretAudit | null,
  ctx: FindingContext = {},
): Finding {
  const { best } = candidate;
  const c = messageVerdict(best.reason, best.message);
  let cause: Cause = c.cause;
  let confidence: Confidence = c.confidence;
  let alternatives: Cause[] = [...c.alternatives];
  const decided: string[] = [];

  if (KUBELET_VERDICTS.has(c.cause) && c.confidence === 'certain') {
    // The kubelet refused before building a keyring; the secrets play no part.
  } else if (audit?.keyringError) {
    // Every pull of the pod fails before it reaches a registry: what the message names is not another reading.
    cause = 'PULL_SECRET_INVALID';
    confidence = 'certain';
    alternatives = [];
    decided.push(
      `the kubelet cannot read ${audit.keyringError.split(':')[0]}, so every pull of this pod fails before it reaches a registry`,
    );
  } else if (REFUSALS.has(c.cause) && refusalExplained(audit)) {
    cause = audit.cause;
    confidence = 'likely';
    alternatives = uniq([c.cause, ...c.alternatives], cause);
    decided.push(
      `the registry refused the pull (${c.cause}) and the pod's pull secrets ${audit.verdict === 'secret-missing' ? 'are missing' : 'cannot be used for it'}`,
    );
  } else if (VAGUE.has(c.cause) && audit?.cause) {
    alternatives = uniq([audit.cause, ...c.alternatives], cause);
  } else if (REFUSALS.has(c.cause) && audit?.verdict === 'unknown') {
    // The secrets were not seen: a missing or unusable one would explain the refusal as well.
    confidence = 'likely';
    alternatives = uniq([...c.alternatives, ...SECRET_CAUSES], cause);
  }

  const evidence = [
    ...waitingLine(candidate),
    ...eventLines(candidate),
    ...(candidate.stuckPulling
      ? [
          `${STUCK_REASON} since ${new Date(candidate.stuckPulling.since).toISOString()} (${formatAge(candidate.stuckPulling.ms)}) with no Pulled or Failed event`,
        ]
      : []),
    saysLine(candidate, c),
    ...auditLines(audit, c.cause),
    ...decided,
  ];
  const finding: Finding = {
    namespace: candidate.namespace,
    pod: candidate.pod,
    container: candidate.container,
    containerType: candidate.containerType,
    owner: candidate.owner,
    node: candidate.node,
    image: candidate.image,
    reason: best.reason,
    message: best.message,
    cause,
    confidence: settledConfidence(cause, confidence, alternatives),
    alternatives,
    evidence,
    remediation: [],
    probe: null,
  };
  finding.remediation = findingRemediation(finding, audit, ctx);
  return candidate.scrubbed ? finding : scrub(finding);
}

function probeLine(f: Finding, probe: ProbeResult, origin: ProbeOrigin | null): string {
  // The last failed step decided (through a runtime, an earlier endpoint may have failed and been passed over).
  const failed = probe.steps.findLast((s) => !s.ok);
  const where =
    origin && 'node' in origin
      ? ` from node ${origin.node} (agent ${origin.agent})`
      : f.node
        ? ` (node ${f.node})`
        : '';
  const how = probe.credential ? ` with ${probe.credential.source}` : '';
  const step = failed ? ` [${failed.name}]` : '';
  const rt = probe.runtime;
  const through = rt
    ? ` through ${rt.name}${rt.version ? ` ${rt.version}` : ''}${rt.servedBy ? ` (served by ${rt.servedBy})` : ''}`
    : '';
  const reported = rt?.reported ? `; ${rt.name} reports: ${rt.reported}` : '';
  return `probe for ${probe.platform}${where}${through}${how}${step}: ${probe.summary}${reported}`;
}

interface Decision {
  cause: Cause;
  confidence: Confidence;
  alternatives: Cause[];
  lines: string[];
}

function decide(
  f: Finding,
  probe: ProbeResult,
  audit: SecretAudit | null,
  origin: ProbeOrigin | null,
): Decision {
  const onNode = origin !== null && 'node' in origin;
  const msg = messageVerdict(f.reason, f.message);
  const keep: Decision = {
    cause: f.cause,
    confidence: f.confidence,
    alternatives: f.alternatives,
    lines: [],
  };
  const p = probe.cause;

  if (KUBELET_VERDICTS.has(f.cause) && f.confidence === 'certain') {
    return {
      ...keep,
      lines: p === f.cause ? [] : ['the kubelet decided this before contacting the registry'],
    };
  }
  if (audit?.keyringError && p !== 'PULL_SECRET_INVALID') {
    // The kubelet fails before any request; what the registry says to another credential source is beside the point.
    return {
      cause: 'PULL_SECRET_INVALID',
      confidence: 'certain',
      alternatives: [],
      lines: ["the pod's keyring cannot be built, so the kubelet never reaches the registry"],
    };
  }
  if (p === null) {
    const line = NODE_SIDE.has(f.cause)
      ? `the registry serves ${f.image} for ${probe.platform}: consistent with ${f.cause}, a problem on the node's side`
      : onNode
        ? `from node ${f.node ?? ''} itself the image pulls now with the pod's credentials: the failure was transient, or lies in the runtime's own configuration (mirror, proxy in its service environment)`
        : `the image pulls now with the pod's credentials for ${probe.platform}: the failure was transient or specific to ${f.node ? `node ${f.node}` : 'the node'} (its network path, runtime mirror or proxy configuration)`;
    return { ...keep, lines: [line] };
  }
  const probeAlternatives = probe.alternatives ?? [];

  if (REFUSALS.has(p)) {
    if (msg.cause === 'CREDENTIAL_PROVIDER_ERROR') {
      return {
        ...keep,
        lines: ["the probe cannot use the node's credential provider, so its refusal is expected"],
      };
    }
    if (audit?.keyringError || refusalExplained(audit)) {
      const cause = audit.keyringError ? 'PULL_SECRET_INVALID' : audit.cause!;
      // The refusal is the evidence, not another reading: with these secrets the pull cannot succeed.
      return {
        cause,
        confidence: 'certain',
        alternatives: [],
        lines: [
          `the registry refuses the pod's credentials (${p}) and its pull secrets ${cause === 'PULL_SECRET_MISSING' ? 'are missing' : 'cannot be used for this registry'}`,
        ],
      };
    }
    const registry = probe.reference?.registry ?? null;
    const withoutPodCredentials =
      audit === null ||
      audit.verdict === 'unknown' ||
      (audit.covering.length === 0 && !!registry && nodeCredentialRegistry(registry));
    if (withoutPodCredentials) {
      const cause = VAGUE.has(msg.cause) ? p : f.cause;
      const unseen = audit?.verdict === 'unknown';
      return {
        cause,
        confidence: cause === p && msg.cause === p && !unseen ? probe.confidence : 'likely',
        alternatives: uniq(
          [...f.alternatives, p, ...probeAlternatives, ...(unseen ? SECRET_CAUSES : [])],
          cause,
        ),
        lines: [
          'the probe ran without the credentials the node uses, so the refusal proves only that the registry wants some',
        ],
      };
    }
    return {
      cause: p,
      confidence: probe.confidence,
      alternatives: uniq(probeAlternatives, p),
      lines:
        audit?.verdict === 'covered'
          ? [
              `the registry refuses ${cleanCovering(audit)[0]}, a covering and well-formed entry: the credentials themselves are wrong, expired or lack access`,
            ]
          : audit?.verdict === 'no-secrets'
            ? [
                'the pod has no imagePullSecrets, so the kubelet pulls anonymously and the registry wants credentials',
              ]
            : [],
    };
  }

  if (p === 'REPOSITORY_NOT_FOUND' && !probe.credential && refusalExplained(audit)) {
    // Many registries answer 404 to an anonymous request for a private repository rather than admit it exists.
    return {
      cause: p,
      confidence: 'likely',
      alternatives: uniq([audit.cause, ...probeAlternatives], p),
      lines: [
        `the probe ran anonymously because the pod's pull secrets ${audit.cause === 'PULL_SECRET_MISSING' ? 'are missing' : 'do not cover this registry'}; a private repository can look missing to it`,
      ],
    };
  }
  if (p === msg.cause || p === f.cause || ANYWHERE.has(p)) {
    return { cause: p, confidence: probe.confidence, alternatives: uniq(probeAlternatives, p), lines: [] };
  }
  if (onNode) {
    // Seen from the node itself: its DNS, routes, firewall and proxy are the ones the kubelet's pull used.
    return {
      cause: p,
      confidence: probe.confidence,
      alternatives: uniq([...probeAlternatives, ...(VAGUE.has(msg.cause) ? [] : [msg.cause])], p),
      lines: [`seen from node ${f.node ?? ''} itself, on the network path its pulls take`],
    };
  }
  // The probe ran from here, not from the node: its network path, DNS and trust store may differ.
  if (VAGUE.has(msg.cause) || (msg.cause === 'PULL_TIMEOUT' && f.reason === STUCK_REASON)) {
    return {
      cause: p,
      confidence: 'likely',
      alternatives: uniq([...probeAlternatives, ...(VAGUE.has(msg.cause) ? [] : [msg.cause])], p),
      lines: [`seen from the scanning machine; the node's network path may differ`],
    };
  }
  return {
    ...keep,
    alternatives: uniq([...f.alternatives, p], f.cause),
    lines: [
      `from the scanning machine the probe fails with ${p} instead; the node's network path may differ`,
    ],
  };
}

export function mergeProbe(
  finding: Finding,
  probe: ProbeResult | null,
  audit: SecretAudit | null,
  ctx: FindingContext = {},
  origin: ProbeOrigin | null = null,
): Finding {
  if (!probe) return finding;
  const d = decide(finding, probe, audit, origin);
  const lines = [
    probeLine(finding, probe, origin),
    ...(origin && 'fallback' in origin ? [origin.fallback] : []),
    ...d.lines,
  ];
  if (ctx.platformGuess && (probe.cause === null || probe.cause === 'PLATFORM_MISMATCH')) {
    // Which platform the node asks for decides this verdict, and it is not known.
    lines.push(
      `the node's platform is unknown (${ctx.platformGuess}), so the probe asked for ${probe.platform}`,
    );
    if (d.cause === 'PLATFORM_MISMATCH') d.confidence = 'likely';
  }
  if (d.cause === 'MANIFEST_NOT_FOUND' && probe.suggestions?.length) {
    lines.push(`nearest existing tags: ${probe.suggestions.join(', ')}`);
  }
  const merged: Finding = {
    ...finding,
    cause: d.cause,
    confidence: settledConfidence(d.cause, d.confidence, d.alternatives),
    alternatives: d.alternatives,
    evidence: [...finding.evidence, ...lines],
    probe,
  };
  merged.remediation = findingRemediation(merged, audit, {
    ...ctx,
    platform: probe.platform,
    suggestions: d.cause === 'MANIFEST_NOT_FOUND' ? probe.suggestions : undefined,
    tags: d.cause === 'MANIFEST_NOT_FOUND' ? probe.tags : undefined,
    available: probe.manifest?.platforms,
  });
  return merged;
}
