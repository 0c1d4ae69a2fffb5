// Kubelet / runtime / admission message → cause code. Pure and synchronous: no I/O, safe to call on every event.
import type { Cause } from '../cause/index.ts';
import { remediationFor } from '../cause/remediation.ts';
import { decide, findMatches } from './engine.ts';
import { explain } from './explain.ts';
import {
  extractImage,
  extractPlatform,
  extractProxy,
  extractSecretNames,
  failingHost,
  isShortName,
  registryFromText,
  registryOfImage,
  tagOf,
} from './extract.ts';
import { capLength, evidenceAt, normalizeMessage } from './normalize.ts';
import { REASONS, RULES } from './rules.ts';

export interface Classification {
  cause: Cause;
  /** From a message alone: 'likely', except kubelet verdicts whose wording proves them. */
  confidence: 'certain' | 'likely';
  /** Other plausible codes, most likely first. */
  alternatives: Cause[];
  /** Image named in the message, as written there. */
  image: string | null;
  /** Registry host named (from the image, or from URLs and lookups in the message). */
  registry: string | null;
  explanation: string;
  remediation: string[];
  /** The innermost fragment of the message that decided it. */
  evidence: string;
}

export interface ClassifyOptions {
  /** Kubelet waiting reason or event reason, when known (ErrImagePull, ImagePullBackOff, ErrImageNeverPull, …). */
  reason?: string;
}

interface Verdict {
  cause: Cause;
  confidence: 'certain' | 'likely';
  alternatives: Cause[];
  evidence: string;
  /** End of the deciding match: names mentioned before it are candidates for "the host that failed". */
  decidedAt: number;
}

function verdictFromRules(text: string): Verdict | null {
  const decision = decide(findMatches(text, RULES));
  if (!decision) return null;
  const { winner, inner } = decision;
  const alternatives = [...(inner ? [inner.rule.cause] : []), ...(winner.rule.alternatives ?? [])];
  return {
    cause: winner.rule.cause,
    confidence: winner.rule.confidence ?? 'likely',
    alternatives: [...new Set(alternatives)].filter((c) => c !== winner.rule.cause),
    evidence: evidenceAt(text, winner.start, winner.rule.evidenceBefore ?? 0),
    decidedAt: winner.end,
  };
}

function verdictFromReason(
  reason: string | undefined,
  text: string,
  fromRules: Verdict | null,
): Verdict | null {
  const known = reason ? REASONS[reason.trim()] : undefined;
  if (!known) return fromRules;
  if (fromRules?.cause === known.cause) return { ...fromRules, confidence: known.confidence };
  if (fromRules && !known.authoritative) return fromRules;
  return {
    cause: known.cause,
    confidence: known.confidence,
    alternatives: [],
    evidence: text || `reason ${reason?.trim()}`,
    decidedAt: text.length,
  };
}

export function classify(message: string, opts: ClassifyOptions = {}): Classification {
  const text = normalizeMessage(message ?? '');
  const verdict = verdictFromReason(opts.reason, text, verdictFromRules(text)) ?? {
    cause: 'UNKNOWN' as const,
    confidence: 'likely' as const,
    alternatives: [],
    evidence: capLength((message ?? '').trim()),
    decidedAt: text.length,
  };

  const image = extractImage(text);
  const shortNameProblem = verdict.cause === 'SHORT_NAME_UNRESOLVED' && image !== null && isShortName(image);
  const registry = shortNameProblem ? null : image ? registryOfImage(image) : registryFromText(text);
  const platform = extractPlatform(text);
  const proxy = verdict.cause === 'PROXY_ERROR' ? extractProxy(text) : null;
  // For a proxy failure the nearest address is the proxy itself; the explanation wants the registry behind it.
  const found = failingHost(text.slice(0, verdict.decidedAt));
  const host = (proxy && found && proxy.includes(found) ? null : found) ?? registry;

  return {
    cause: verdict.cause,
    confidence: verdict.confidence,
    alternatives: verdict.alternatives,
    image,
    registry,
    explanation: explain(verdict.cause, {
      image,
      registry,
      host,
      platform,
      proxy,
      secrets: extractSecretNames(text),
      alternatives: verdict.alternatives,
    }),
    remediation: remediationFor(verdict.cause, {
      image,
      registry,
      platform,
      tag: image ? tagOf(image) : null,
      host: host !== registry ? host : null,
    }),
    evidence: verdict.evidence,
  };
}
