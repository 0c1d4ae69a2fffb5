// The cause taxonomy of docs/causes.md (a copy of the shared contract). These strings are a public contract: JSON output, metric labels
// and exit reports use them exactly as written, so they live in one place and everything else imports them.

export const CAUSES = [
  'INVALID_REFERENCE',
  'SHORT_NAME_UNRESOLVED',
  'NEVER_PULL',
  'MANIFEST_NOT_FOUND',
  'REPOSITORY_NOT_FOUND',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'REGISTRY_ERROR',
  'PLATFORM_MISMATCH',
  'DNS_FAILURE',
  'CONNECTION_REFUSED',
  'NETWORK_UNREACHABLE',
  'NETWORK_TIMEOUT',
  'PULL_TIMEOUT',
  'PROXY_ERROR',
  'TLS_UNTRUSTED',
  'TLS_EXPIRED',
  'TLS_HOSTNAME_MISMATCH',
  'HTTP_HTTPS_MISMATCH',
  'LAYER_DOWNLOAD_FAILED',
  'NODE_DISK_FULL',
  'PULL_QPS_EXCEEDED',
  'PULL_SECRET_MISSING',
  'PULL_SECRET_INVALID',
  'CREDENTIAL_PROVIDER_ERROR',
  'POLICY_REJECTED',
  'SIGNATURE_INVALID',
  'BACKOFF_NO_DETAIL',
  'UNKNOWN',
] as const;

export type Cause = (typeof CAUSES)[number];

/** `certain` when a live probe or the object itself proves it, `likely` when it comes from a message alone. */
export type Confidence = 'certain' | 'likely';

/**
 * Confidence as the README defines it: `certain` only for a named cause (not UNKNOWN) that leaves no other reading;
 * a verdict with alternatives is `likely`.
 */
export function settledConfidence(
  cause: Cause | null,
  confidence: Confidence,
  alternatives: readonly Cause[] | undefined,
): Confidence {
  return cause === 'UNKNOWN' || (alternatives?.length ?? 0) > 0 ? 'likely' : confidence;
}

export function isCause(s: string): s is Cause {
  return (CAUSES as readonly string[]).includes(s);
}

/** One-line meaning of each code, as in causes.md; used by reports and `--help`. */
export const CAUSE_TITLES: Record<Cause, string> = {
  INVALID_REFERENCE: 'the image string is not a valid reference',
  SHORT_NAME_UNRESOLVED: 'an unqualified name could not be resolved to one registry',
  NEVER_PULL: 'imagePullPolicy is Never and the image is not on the node',
  MANIFEST_NOT_FOUND: 'the repository exists but the tag or digest does not',
  REPOSITORY_NOT_FOUND: 'the repository does not exist',
  UNAUTHORIZED: 'no credentials, or credentials the registry rejects',
  FORBIDDEN: 'credentials accepted, access to this repository denied',
  RATE_LIMITED: 'the registry throttles this client',
  REGISTRY_ERROR: 'the registry or a proxy in front of it failed',
  PLATFORM_MISMATCH: "no image for the node's OS/architecture",
  DNS_FAILURE: "the registry's name does not resolve",
  CONNECTION_REFUSED: "nothing listens at the registry's address and port",
  NETWORK_UNREACHABLE: 'no route to the registry',
  NETWORK_TIMEOUT: 'connecting or reading timed out',
  PULL_TIMEOUT: "the pull as a whole ran past the runtime's deadline",
  PROXY_ERROR: 'the HTTP(S) proxy on the path failed or refused',
  TLS_UNTRUSTED: "the registry's certificate chain is not trusted",
  TLS_EXPIRED: "the registry's certificate has expired or is not yet valid",
  TLS_HOSTNAME_MISMATCH: 'the certificate is for another name',
  HTTP_HTTPS_MISMATCH: 'HTTPS client talking to a plain-HTTP registry (or the reverse)',
  LAYER_DOWNLOAD_FAILED: 'a blob download broke or did not match its digest',
  NODE_DISK_FULL: 'the node has no room to store or unpack the image',
  PULL_QPS_EXCEEDED: "the kubelet's own pull rate limit",
  PULL_SECRET_MISSING: 'a referenced image pull secret does not exist or cannot be read',
  PULL_SECRET_INVALID: 'a pull secret exists but is unusable',
  CREDENTIAL_PROVIDER_ERROR: 'the kubelet credential provider plugin failed',
  POLICY_REJECTED: 'an admission policy refused the image',
  SIGNATURE_INVALID: 'signature verification failed or no signature was found',
  BACKOFF_NO_DETAIL: 'only a back-off message with no root cause in it',
  UNKNOWN: 'none of the known causes fits',
};

/**
 * An error that carries its cause code. Every failure that crosses a module boundary is one of these, so callers
 * branch on `cause` rather than grepping message text, and the CLI can print `message` without a stack trace.
 */
export class RegdoctorError extends Error {
  override readonly cause: Cause;
  readonly detail: Record<string, unknown>;
  constructor(cause: Cause, message: string, detail: Record<string, unknown> = {}) {
    super(message);
    this.name = 'RegdoctorError';
    this.cause = cause;
    this.detail = detail;
  }
}

/** A usage problem (bad flag, unreadable file): exit code 2, no cause code. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
