// Kubelet / runtime / admission message → cause code. Pure and synchronous: no I/O, safe to call on every event.
import { settledConfidence, type Cause } from '../cause/index.ts';
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
  registryUsedFor,
  tagOf,
} from './extract.ts';
import { capLength, evidenceAt, normalizeMessage } from './normalize.ts';
import { splitAttempts } from './peel.ts';
import { REASONS, RULES } from './rules/index.ts';

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

function verdictOf(text: string, offset: number): Verdict | null {
  const decision = decide(findMatches(text, RULES));
  if (!decision) return null;
  const { winner, inner } = decision;
  const alternatives = [...(inner ? [inner.cause] : []), ...winner.alternatives];
  return {
    cause: winner.cause,
    confidence: winner.rule.confidence ?? 'likely',
    alternatives: [...new Set(alternatives)].filter((c) => c !== winner.cause),
    evidence: evidenceAt(text, winner.start, winner.rule.evidenceBefore ?? 0),
    decidedAt: offset + winner.end,
  };
}

// Registries answer an identity that may not see a repository as if it did not exist, so when one credential
// got "not found" and another was refused, the refusal is the finding (the kubelet tried them all).
const REFUSALS: ReadonlySet<Cause> = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'CREDENTIAL_PROVIDER_ERROR']);
const HIDDEN_BY_REFUSAL: ReadonlySet<Cause> = new Set(['MANIFEST_NOT_FOUND', 'REPOSITORY_NOT_FOUND']);
const SAYS_NOTHING: ReadonlySet<Cause> = new Set(['BACKOFF_NO_DETAIL', 'UNKNOWN']);

/** One verdict for a message that may report several pull attempts (one per credential the kubelet tried). */
function verdictFromRules(text: string): Verdict | null {
  const verdicts = splitAttempts(text)
    .map((a) => verdictOf(a.text, a.at))
    .filter((v): v is Verdict => v !== null);
  if (verdicts.length <= 1) return verdicts[0] ?? null;
  const hidden = verdicts.some((v) => HIDDEN_BY_REFUSAL.has(v.cause));
  const chosen =
    (hidden ? verdicts.find((v) => REFUSALS.has(v.cause)) : undefined) ??
    verdicts.find((v) => !SAYS_NOTHING.has(v.cause)) ??
    (verdicts[0] as Verdict);
  const others = verdicts.filter((v) => v !== chosen).flatMap((v) => [v.cause, ...v.alternatives]);
  const alternatives = [...new Set([...chosen.alternatives, ...others])].filter(
    (c) => c !== chosen.cause && !SAYS_NOTHING.has(c),
  );
  return { ...chosen, alternatives };
}

// A scan classifies most kubelet messages twice, under the event's reason and the waiting state's: the rules read
// only the text, so their verdict is kept per text (the slow part of classify); classify copies what it hands out.
// Bounded for long-running processes.
const MAX_RULE_VERDICTS = 10_000;
const ruleVerdicts = new Map<string, Verdict | null>();

function cachedVerdictFromRules(text: string): Verdict | null {
  let v = ruleVerdicts.get(text);
  if (v === undefined) {
    if (ruleVerdicts.size >= MAX_RULE_VERDICTS) ruleVerdicts.clear();
    v = verdictFromRules(text);
    ruleVerdicts.set(text, v);
  }
  return v;
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
  const verdict = verdictFromReason(opts.reason, text, cachedVerdictFromRules(text)) ?? {
    cause: 'UNKNOWN' as const,
    confidence: 'likely' as const,
    alternatives: [],
    evidence: capLength((message ?? '').trim()),
    decidedAt: text.length,
  };

  const image = extractImage(text, verdict.decidedAt);
  const shortNameProblem = verdict.cause === 'SHORT_NAME_UNRESOLVED' && image !== null && isShortName(image);
  const registry = shortNameProblem
    ? null
    : image
      ? registryUsedFor(image, text, verdict.decidedAt)
      : registryFromText(text);
  const platform = extractPlatform(text);
  const proxy = verdict.cause === 'PROXY_ERROR' ? extractProxy(text) : null;
  // For a proxy failure the nearest address is the proxy itself; the explanation wants the registry behind it.
  const found = failingHost(text.slice(0, verdict.decidedAt));
  const host = (proxy && found && proxy.includes(found) ? null : found) ?? registry;

  return {
    cause: verdict.cause,
    confidence: settledConfidence(verdict.cause, verdict.confidence, verdict.alternatives),
    alternatives: [...verdict.alternatives],
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
