// The classification table. Each rule is a pattern and what it means; the engine (./engine.ts) decides which
// rule wins:
//   1. the match that ends furthest right wins: Go wraps errors as "outer: inner", so the innermost cause sits at
//      the end of the chain ("failed to resolve reference …: … token …: 401 Unauthorized" is a 401, not a
//      manifest problem);
//   2. a `wraps` rule claims everything nested after it: "proxyconnect tcp: dial tcp …: connection refused" is the
//      proxy failing, "lookup host on 10.96.0.10:53: … i/o timeout" is DNS, "no match for platform in manifest:
//      not found" is the platform;
//   3. ties go to the rule listed first, so specific rules come before general ones;
//   4. `weak` rules (a back-off with no detail) count only when nothing else matched.
import type { Cause, Confidence } from '../cause/index.ts';

export interface Rule {
  id: string;
  cause: Cause;
  /** Case and anchors as written; never global (the engine makes its own global copy). */
  pattern: RegExp;
  alternatives?: readonly Cause[];
  confidence?: Confidence;
  wraps?: boolean;
  weak?: boolean;
  /** The rule applies only when the whole message matches this (e.g. only inside an admission denial). */
  scope?: RegExp;
  /** A wrapping rule whose nested cause is worth naming: the best inner match becomes the first alternative. */
  innerAsAlternative?: boolean;
  /** How many ": "-separated segments before the match to include in the evidence. */
  evidenceBefore?: number;
}

/** An admission controller (webhook, Gatekeeper, ValidatingAdmissionPolicy) refused the object. */
export const ADMISSION =
  /admission webhook "[^"]*" denied the request|denied the request:|\[denied by [^\]]+\]|ValidatingAdmissionPolicy '[^']*' with binding '[^']*' denied request/;

export const RULES: readonly Rule[] = [
  // ── Signatures: sigstore policy-controller, Kyverno verifyImages, Connaisseur, Ratify, CRI-O policy.json ──
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
      /no matching (?:signatures|attestations)|no signatures found|signature mismatch|invalid signature when validating|signature (?:key|keyless) validation failed|failed to verify signature|image signature verification failed|error during (?:cosign|notation|notaryv1) validation|Subject failed verification/i,
    wraps: true,
    innerAsAlternative: true,
  },
  {
    id: 'signature-missing',
    cause: 'SIGNATURE_INVALID',
    pattern:
      /Unable to find signed digest for image|No trust data for image|image is not signed in Notary|A signature was required, but no signature exists|Signature for identity .* is not accepted|unverified image \S+/i,
    wraps: true,
    innerAsAlternative: true,
  },

  // ── Policies that refuse an image ──
  {
    id: 'runtime-policy-reject',
    cause: 'POLICY_REJECTED',
    pattern: /Running image \S+ is rejected by policy/,
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
    pattern: /\[(?:denied by )?[\w.-]+\] [^\n]*/,
    scope: ADMISSION,
    wraps: true,
  },
  {
    id: 'kyverno-validation',
    cause: 'POLICY_REJECTED',
    pattern: /validation (?:error|failure): [^\n]*/,
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
    pattern: /ValidatingAdmissionPolicy '[^']*' with binding '[^']*' denied request/,
    wraps: true,
  },
  {
    id: 'admission-denied',
    cause: 'POLICY_REJECTED',
    pattern: /admission webhook "[^"]*" denied the request|denied the request:/,
    wraps: true,
  },

  // ── The kubelet's own verdicts ──
  {
    id: 'never-pull',
    cause: 'NEVER_PULL',
    pattern: /Container image "[^"\n]*" is not present with pull policy of Never/,
    confidence: 'certain',
    wraps: true,
  },
  {
    id: 'kubelet-invalid-name',
    cause: 'INVALID_REFERENCE',
    pattern: /Failed to apply default image tag "[^"\n]*"|couldn't parse image (?:reference|name) "[^"\n]*"/,
    confidence: 'certain',
    wraps: true,
  },
  {
    // The bare reason names, as in "Error: ErrImageNeverPull" events: after the full wordings so those give evidence.
    id: 'kubelet-reason-word',
    cause: 'NEVER_PULL',
    pattern: /\bErrImageNeverPull\b/,
    confidence: 'certain',
    wraps: true,
  },
  {
    id: 'kubelet-reason-word-invalid',
    cause: 'INVALID_REFERENCE',
    pattern: /\bInvalidImageName\b/,
    confidence: 'certain',
    wraps: true,
  },
  {
    id: 'invalid-reference',
    cause: 'INVALID_REFERENCE',
    pattern:
      /invalid reference format|repository name (?:\(\S+\) )?must be lowercase|invalid checksum digest (?:format|length)|unsupported digest algorithm/,
    wraps: true,
    evidenceBefore: 1,
  },
  {
    id: 'pull-qps',
    cause: 'PULL_QPS_EXCEEDED',
    pattern: /pull QPS exceeded/,
    confidence: 'certain',
  },
  {
    id: 'pull-secret-missing',
    cause: 'PULL_SECRET_MISSING',
    pattern: /Unable to retrieve (?:some image pull secrets|pull secret)|\bFailedToRetrieveImagePullSecret\b/,
    confidence: 'certain',
    wraps: true,
  },
  {
    id: 'credential-provider',
    cause: 'CREDENTIAL_PROVIDER_ERROR',
    pattern:
      /external registry credential provider|error execing credential provider plugin|credential provider plugin|failed to get credential from (?:the )?credential provider/i,
    wraps: true,
  },

  // ── CRI-O short names ──
  {
    id: 'short-name',
    cause: 'SHORT_NAME_UNRESOLVED',
    pattern:
      /short-name "[^"\n]*" did not resolve to an alias|short name mode is enforcing, but image name \S+ returns ambiguous list|short-name resolution enforced but cannot prompt without a TTY|No matching short-name alias/,
    wraps: true,
  },

  // ── Wrappers that own the failure nested inside them ──
  {
    id: 'proxy',
    cause: 'PROXY_ERROR',
    pattern:
      /proxyconnect tcp|error connecting to proxy|Proxy Authentication Required|(?:status(?: code)?|http code|HTTP status):? 407\b/,
    wraps: true,
    evidenceBefore: 1,
  },
  {
    id: 'dns-lookup',
    cause: 'DNS_FAILURE',
    pattern: /\blookup [^\s:]+(?: on \S+?)?: /,
    wraps: true,
    innerAsAlternative: true,
    evidenceBefore: 1,
  },
  {
    id: 'platform',
    cause: 'PLATFORM_MISMATCH',
    pattern:
      /no match for platform in manifest|no matching manifest for \S+ in the manifest list entries|no image found in (?:manifest list|image index) for architecture|does not match the specified platform|image operating system "[^"\n]*" cannot be used on this platform|exec format error/,
    wraps: true,
  },

  // ── Registries that blur "private" and "missing" (causes.md: UNAUTHORIZED, alternative REPOSITORY_NOT_FOUND) ──
  {
    id: 'pull-access-denied',
    cause: 'UNAUTHORIZED',
    pattern:
      /pull access denied|repository does not exist or may require|does not exist or no pull access|requested access to the resource is denied/,
    alternatives: ['REPOSITORY_NOT_FOUND'],
    wraps: true,
  },
  {
    id: 'quay-not-authorized',
    cause: 'UNAUTHORIZED',
    pattern: /unauthorized: access to the requested resource is not authorized/,
    alternatives: ['REPOSITORY_NOT_FOUND'],
    wraps: true,
    evidenceBefore: 1,
  },
  {
    id: 'anonymous-token-forbidden',
    cause: 'FORBIDDEN',
    pattern: /anonymous token[^\n]*\b403\b/,
    alternatives: ['UNAUTHORIZED', 'REPOSITORY_NOT_FOUND'],
    wraps: true,
  },
  {
    id: 'gar-permission',
    cause: 'FORBIDDEN',
    pattern: /Permission "?artifactregistry\.[\w.]+"? denied on resource/,
    alternatives: ['REPOSITORY_NOT_FOUND'],
    wraps: true,
  },
  {
    id: 'ecr-not-authorized',
    cause: 'FORBIDDEN',
    pattern: /is not authorized to perform: ecr:\w+/,
    wraps: true,
    evidenceBefore: 1,
  },

  // ── TLS ──
  {
    id: 'tls-hostname',
    cause: 'TLS_HOSTNAME_MISMATCH',
    pattern:
      /x509: certificate is valid for [^\n]*?, not \S+|x509: cannot validate certificate for \S+ because it doesn't contain any IP SANs|x509: certificate relies on legacy Common Name field|certificate is not valid for any names/,
    wraps: true,
    evidenceBefore: 3,
  },
  {
    id: 'tls-expired',
    cause: 'TLS_EXPIRED',
    pattern:
      /certificate has expired or is not yet valid|x509: certificate has expired|certificate is not yet valid/,
    wraps: true,
    evidenceBefore: 3,
  },
  {
    id: 'tls-untrusted',
    cause: 'TLS_UNTRUSTED',
    pattern:
      /certificate signed by unknown authority|x509: certificate is not trusted|self[- ]signed certificate|unable to get local issuer certificate|certificate verify failed/,
    wraps: true,
    evidenceBefore: 3,
  },
  {
    id: 'http-https',
    cause: 'HTTP_HTTPS_MISMATCH',
    pattern:
      /server gave HTTP response to HTTPS client|first record does not look like a TLS handshake|Client sent an HTTP request to an HTTPS server|plain HTTP request was sent to HTTPS port/,
    wraps: true,
    evidenceBefore: 2,
  },

  // ── Registry answers ──
  {
    id: 'rate-limited',
    cause: 'RATE_LIMITED',
    pattern:
      /toomanyrequests|\b429 Too Many Requests|(?:status(?: code)?|http code|HTTP status|from registry):? 429\b|pull rate limit|rate limit exceeded/i,
    wraps: true,
    evidenceBefore: 1,
  },
  {
    id: 'repository-unknown',
    cause: 'REPOSITORY_NOT_FOUND',
    pattern:
      /NAME_UNKNOWN|name unknown|repository name not known to registry|The repository with name '[^']*' does not exist|repository \S+ not found|Repo not found/,
    evidenceBefore: 2,
  },
  {
    id: 'manifest-unknown',
    cause: 'MANIFEST_NOT_FOUND',
    pattern:
      /MANIFEST_UNKNOWN|manifest unknown|manifest for \S+ not found|artifact \S+ not found|Requested image not found/,
    evidenceBefore: 2,
  },
  {
    // containerd turns any 404 on a manifest into "<ref>: not found", whether the tag or the repository is missing.
    id: 'resolver-not-found',
    cause: 'MANIFEST_NOT_FOUND',
    pattern: /failed to resolve (?:reference|image|source metadata)[^\n]*?: not found/,
    alternatives: ['REPOSITORY_NOT_FOUND'],
    wraps: true,
  },
  {
    id: 'blob-missing',
    cause: 'LAYER_DOWNLOAD_FAILED',
    pattern: /content at \S+ not found|BLOB_UNKNOWN|blob unknown/,
    alternatives: ['REGISTRY_ERROR'],
    evidenceBefore: 1,
  },
  {
    id: 'disk-full',
    cause: 'NODE_DISK_FULL',
    pattern:
      /no space left on device|disk quota exceeded|\bDiskPressure\b|low on resource: ephemeral-storage|no space left/,
    evidenceBefore: 1,
  },
  {
    // A blob transfer that broke: the same words mean something else outside a layer download.
    id: 'layer-transfer-broken',
    cause: 'LAYER_DOWNLOAD_FAILED',
    pattern:
      /(?:failed to copy|httpReadSeeker|\/blobs\/|reading blob|error pulling image configuration|download failed)[^\n]*?(?:connection reset by peer|unexpected EOF|short read|broken pipe|: EOF$)/m,
    evidenceBefore: 1,
  },
  {
    id: 'layer-corrupt',
    cause: 'LAYER_DOWNLOAD_FAILED',
    pattern:
      /unexpected EOF|digest mismatch|failed commit on ref|unexpected commit digest|short read|filesystem layer verification failed|Digest did not match|size mismatch|failed to extract layer|failed to register layer|ApplyLayer exit status/,
    evidenceBefore: 1,
  },
  {
    id: 'unauthorized',
    cause: 'UNAUTHORIZED',
    pattern:
      /\b401 Unauthorized|\b401 \(Unauthorized\)|(?:status(?: code)?|http code|HTTP status|from registry):? 401\b|authentication required|no basic auth credentials|incorrect username or password|invalid username\/password|\bUNAUTHORIZED\b|insufficient_scope|(?:^|: )unauthorized(?::|$)/m,
    evidenceBefore: 2,
  },
  {
    id: 'forbidden',
    cause: 'FORBIDDEN',
    pattern:
      /\b403 Forbidden|\b403 \(Forbidden\)|(?:status(?: code)?|http code|HTTP status|from registry):? 403\b|(?:^|: )(?:denied|DENIED): |\bFORBIDDEN\b/m,
    evidenceBefore: 2,
  },
  {
    id: 'server-error',
    cause: 'REGISTRY_ERROR',
    pattern:
      /\b5\d\d (?:Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout|\(\w[\w ]*\))|(?:status(?: code)?|http code|HTTP status|from registry):? 5\d\d\b|invalid character '<' looking for beginning of value|error parsing HTTP \d{3} response body|\bINTERNAL_ERROR\b/,
    evidenceBefore: 2,
  },
  {
    // The registry (or something pretending to be it) hung up without an answer.
    id: 'eof',
    cause: 'REGISTRY_ERROR',
    pattern: /: EOF$/m,
    alternatives: ['PROXY_ERROR', 'NETWORK_TIMEOUT'],
    evidenceBefore: 2,
  },

  // ── Network ──
  {
    id: 'dns',
    cause: 'DNS_FAILURE',
    pattern:
      /no such host|No such host is known|server misbehaving|Temporary failure in name resolution|Name or service not known|nodename nor servname provided|Could not resolve host/,
    evidenceBefore: 2,
  },
  {
    id: 'tls-handshake-timeout',
    cause: 'NETWORK_TIMEOUT',
    pattern: /TLS handshake timeout/,
    evidenceBefore: 1,
  },
  {
    id: 'connection-refused',
    cause: 'CONNECTION_REFUSED',
    pattern: /connection refused|target machine actively refused it/,
    evidenceBefore: 2,
  },
  {
    id: 'unreachable',
    cause: 'NETWORK_UNREACHABLE',
    pattern: /no route to host|network is unreachable|host is unreachable|host is down/,
    evidenceBefore: 2,
  },
  {
    id: 'timeout',
    cause: 'NETWORK_TIMEOUT',
    pattern:
      /i\/o timeout|Client\.Timeout exceeded|connection timed out|did not properly respond after a period of time|request canceled while waiting for connection|(?:dial tcp|dialing)[^\n]*context deadline exceeded/,
    evidenceBefore: 2,
  },
  {
    id: 'request-deadline',
    cause: 'NETWORK_TIMEOUT',
    pattern: /(?:Get|Head|GET|HEAD|Post) "?https?:\/\/[^\s"]+"?: context deadline exceeded/,
    alternatives: ['PULL_TIMEOUT'],
  },
  {
    id: 'connection-reset',
    cause: 'NETWORK_TIMEOUT',
    pattern: /connection reset by peer|broken pipe/,
    alternatives: ['PROXY_ERROR'],
    evidenceBefore: 2,
  },

  // ── Deadlines for the whole pull ──
  {
    id: 'pull-progress-timeout',
    cause: 'PULL_TIMEOUT',
    pattern: /[Cc]ancel pulling image [^\n]*because of no progress|image pull progress deadline/,
    wraps: true,
  },
  {
    id: 'pull-deadline',
    cause: 'PULL_TIMEOUT',
    pattern: /code = DeadlineExceeded|context deadline exceeded/,
    alternatives: ['NETWORK_TIMEOUT'],
  },
  {
    id: 'pull-canceled',
    cause: 'PULL_TIMEOUT',
    pattern: /code = Canceled desc = [^\n]*context canceled|context canceled$/m,
  },

  // ── Nothing but a back-off ──
  {
    id: 'backoff',
    cause: 'BACKOFF_NO_DETAIL',
    pattern:
      /Back-off pulling image "[^"\n]*"["\s]*$|^(?:Error: )?(?:ImagePullBackOff|ErrImagePull)\s*$|with ImagePullBackOff: "Back-off pulling image/m,
    weak: true,
  },
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
  ImagePullBackOff: { cause: 'BACKOFF_NO_DETAIL', confidence: 'likely', authoritative: false },
  BackOff: { cause: 'BACKOFF_NO_DETAIL', confidence: 'likely', authoritative: false },
};
