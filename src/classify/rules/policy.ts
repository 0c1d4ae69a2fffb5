// Signature verification and admission policies: they refuse an image before (or instead of) pulling it.
import type { Rule } from './rule.ts';

/** An admission controller (webhook, Gatekeeper, ValidatingAdmissionPolicy) refused the object. */
const ADMISSION =
  /admission webhook "[^"\n]{0,1024}" denied the request|denied the request:|\[denied by [^\]\n]{1,256}\]|ValidatingAdmissionPolicy '[^'\n]{0,1024}' with binding '[^'\n]{0,1024}' denied request/;

export const POLICY_RULES: readonly Rule[] = [
  // ── Signatures ──
  {
    id: 'kyverno-verify-image',
    cause: 'SIGNATURE_INVALID',
    pattern: /failed to verify image \S+/,
    scope: ADMISSION,
    wraps: true,
    innerAsAlternative: true,
  },
  {
    id: 'signature-verification-failed',
    cause: 'SIGNATURE_INVALID',
    pattern:
      /no matching (?:signatures|attestations)|no signatures found|signature mismatch|invalid signature when validating|signature (?:key|keyless) validation failed|failed to verify signature|image signature verification failed|error during (?:cosign|notation|notaryv1) validation|Subject failed verification|because the signature validation failed|^SignatureValidationFailed\b|None of the signatures were accepted|Signature (?:by key \S+|for digest \S+) (?:is not accepted|does not match)/im,
    wraps: true,
    innerAsAlternative: true,
  },
  {
    id: 'signature-missing',
    cause: 'SIGNATURE_INVALID',
    pattern:
      /Unable to find signed digest for image|No trust data for image|image is not signed in Notary|A signature was required, but no signature exists|Signature for identity \S+ is not accepted|unverified image \S+|No public keys imported/i,
    wraps: true,
    innerAsAlternative: true,
  },

  // ── Policies that refuse an image ──
  {
    id: 'runtime-policy-reject',
    cause: 'POLICY_REJECTED',
    pattern: /Running image \S+ is rejected by policy|Any signatures for image \S+ are rejected by policy/,
    alternatives: ['SIGNATURE_INVALID'],
    wraps: true,
  },
  {
    id: 'registries-conf-blocked',
    cause: 'POLICY_REJECTED',
    pattern: /registry \S+ is blocked in \S+/,
    wraps: true,
  },
  {
    id: 'containerd-image-verifier',
    cause: 'POLICY_REJECTED',
    pattern: /image verifier \S+ blocked pull of|blocking pull of \S+ with digest \S+: image verifier/,
    alternatives: ['SIGNATURE_INVALID'],
    wraps: true,
  },
  {
    id: 'harbor-pull-policy',
    cause: 'POLICY_REJECTED',
    pattern: /cannot be pulled due to configured policy|PROJECTPOLICYVIOLATION/,
    wraps: true,
  },
  {
    id: 'gatekeeper-constraint',
    cause: 'POLICY_REJECTED',
    pattern: /\[(?:denied by )?[\w.-]+\] /,
    scope: ADMISSION,
    wraps: true,
  },
  {
    id: 'kyverno-validation',
    cause: 'POLICY_REJECTED',
    pattern: /validation (?:error|failure): /,
    scope: ADMISSION,
    wraps: true,
  },
  {
    id: 'policy-controller-no-policy',
    cause: 'POLICY_REJECTED',
    pattern: /no matching policies/,
    scope: ADMISSION,
    wraps: true,
  },
  {
    id: 'validating-admission-policy',
    cause: 'POLICY_REJECTED',
    pattern: /ValidatingAdmissionPolicy '[^'\n]{0,1024}' with binding '[^'\n]{0,1024}' denied request/,
    wraps: true,
  },
  {
    id: 'admission-denied',
    cause: 'POLICY_REJECTED',
    pattern: /admission webhook "[^"\n]{0,1024}" denied the request|denied the request:/,
    wraps: true,
  },
];
