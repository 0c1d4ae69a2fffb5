// The classification table. Each rule is a pattern and what it means; the engine (../engine.ts) decides which
// rule wins:
//   1. the match that ends furthest right wins: Go wraps errors as "outer: inner", so the innermost cause sits at
//      the end of the chain ("failed to resolve reference …: … token …: 401 Unauthorized" is a 401, not a
//      manifest problem);
//   2. a `wraps` rule claims everything nested after it, up to the end of the bracketed group it stands in:
//      "proxyconnect tcp: dial tcp …: connection refused" is the proxy failing, "lookup host on 10.96.0.10:53: …
//      i/o timeout" is DNS, "no match for platform in manifest: not found" is the platform;
//   3. ties go to the rule listed first, so specific rules come before general ones;
//   4. `weak` rules (a back-off with no detail, a bare gRPC code) count only when nothing else matched;
//   5. `byOperation` gives the meaning of words that depend on what the runtime was doing (../peel.ts): an
//      "unexpected EOF" while fetching a blob is a broken layer, while fetching a token it is a cut connection.
// Where each wording comes from (repository, file, function, version) is in docs/classify.md; every rule id is
// listed there (a test checks it).
import type { Cause, Confidence } from '../../cause/index.ts';
import { KUBELET_RULES, PULL_RULES } from './kubelet.ts';
import { NETWORK_RULES } from './network.ts';
import { POLICY_RULES } from './policy.ts';
import { REGISTRY_RULES } from './registry.ts';
import type { Rule } from './rule.ts';

export type { Outcome, Rule } from './rule.ts';

export const RULES: readonly Rule[] = [
  ...POLICY_RULES,
  ...KUBELET_RULES,
  ...REGISTRY_RULES,
  ...NETWORK_RULES,
  ...PULL_RULES,
];

/**
 * Kubelet waiting/event reasons. `authoritative` ones are set for exactly one condition and override the message;
 * the others only fill in when the message itself says nothing.
 */
export const REASONS: Readonly<
  Record<string, { cause: Cause; confidence: Confidence; authoritative: boolean }>
> = {
  ErrImageNeverPull: { cause: 'NEVER_PULL', confidence: 'certain', authoritative: true },
  InvalidImageName: { cause: 'INVALID_REFERENCE', confidence: 'certain', authoritative: true },
  FailedToRetrieveImagePullSecret: {
    cause: 'PULL_SECRET_MISSING',
    confidence: 'certain',
    authoritative: false,
  },
  // k8s.io/cri-api errors: CRI-O sets them (RegistryUnavailable only for ECONNREFUSED) and the kubelet (≥1.30)
  // passes them on as the waiting reason.
  RegistryUnavailable: { cause: 'CONNECTION_REFUSED', confidence: 'likely', authoritative: false },
  SignatureValidationFailed: { cause: 'SIGNATURE_INVALID', confidence: 'likely', authoritative: false },
  ImagePullBackOff: { cause: 'BACKOFF_NO_DETAIL', confidence: 'likely', authoritative: false },
  BackOff: { cause: 'BACKOFF_NO_DETAIL', confidence: 'likely', authoritative: false },
};
