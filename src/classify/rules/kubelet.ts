// The kubelet's own verdicts and the node-side failures around a pull: references that do not parse, short names,
// pull secrets, credential provider plugins, the runtime socket, deadlines for the whole pull, back-off.
import type { Rule } from './rule.ts';

export const KUBELET_RULES: readonly Rule[] = [
  {
    id: 'never-pull',
    cause: 'NEVER_PULL',
    pattern: /Container image "[^"\n]{0,1024}" is not present with pull policy of Never/,
    confidence: 'certain',
    wraps: true,
  },
  {
    id: 'kubelet-invalid-name',
    cause: 'INVALID_REFERENCE',
    pattern:
      /Failed to apply default image tag "[^"\n]{0,1024}"|couldn't parse image (?:reference|name) "[^"\n]{0,1024}"/,
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
      /invalid reference format|repository name (?:\(\S+\) )?must be lowercase|repository name must (?:have at least one component|be canonical|not be more than \d+ characters)|invalid (?:tag|digest) format|invalid checksum digest (?:format|length)|unsupported digest algorithm/,
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
      /external registry credential provider|error execing credential provider plugin|credential provider plugin|failed to get credential from (?:the )?credential provider|credential provider config|plugin binary (?:executable|directory) \S+ did not exist|error initializing plugin provider|Failed to register CRI auth plugins/i,
    wraps: true,
  },

  // ── CRI-O short names (containers/image pkg/shortnames, CRI-O internal/storage) ──
  {
    id: 'short-name',
    cause: 'SHORT_NAME_UNRESOLVED',
    pattern:
      /short-name "[^"\n]{0,1024}" did not resolve to an alias|short name mode is enforcing, but image name \S+ returns ambiguous list|short-name resolution enforced but cannot prompt without a TTY|No matching short-name alias/,
    wraps: true,
  },

  // ── The node's own runtime, not the registry ──
  {
    // The kubelet could not reach the CRI socket: what follows ("connection refused", "no such file") is about a
    // unix socket on the node, not the registry.
    id: 'runtime-socket',
    cause: 'UNKNOWN',
    pattern: /transport: Error while dialing:? dial unix|dial unix \S+\.sock: /,
    wraps: true,
  },
];

/** Listed last: they lose ties to the more specific network rules (a request's own deadline is the network's). */
export const PULL_RULES: readonly Rule[] = [
  // ── Deadlines for the whole pull ──
  {
    id: 'pull-progress-timeout',
    cause: 'PULL_TIMEOUT',
    pattern:
      /[Cc]ancel pulling image \S+ because of no progress|image pull progress deadline|pull progress timeout/,
    wraps: true,
  },
  {
    // The pull's own deadline. When it ran out during a tiny request (a ping, a token, a manifest HEAD) that
    // request stalled; during a layer it is the size of the pull.
    id: 'pull-deadline',
    cause: 'PULL_TIMEOUT',
    pattern: /code = DeadlineExceeded|context deadline exceeded/,
    alternatives: ['NETWORK_TIMEOUT'],
    byOperation: {
      manifest: { cause: 'NETWORK_TIMEOUT', alternatives: ['PULL_TIMEOUT'] },
      auth: { cause: 'NETWORK_TIMEOUT', alternatives: ['PULL_TIMEOUT'] },
      ping: { cause: 'NETWORK_TIMEOUT', alternatives: ['PULL_TIMEOUT'] },
    },
  },
  {
    id: 'pull-canceled',
    cause: 'PULL_TIMEOUT',
    pattern: /code = Canceled desc = |context canceled$/m,
  },

  // ── Only a wrapper with nothing inside ──
  {
    // k8s evalCRIPullErr / CRI-O: RegistryUnavailable is set only when the dial was refused.
    id: 'registry-unavailable',
    cause: 'CONNECTION_REFUSED',
    pattern: /because the registry is unavailable|^RegistryUnavailable\b/m,
    alternatives: ['NETWORK_UNREACHABLE', 'NETWORK_TIMEOUT'],
    weak: true,
  },
  {
    // containerd maps errdefs.ErrNotFound to gRPC NotFound: with no other words, a manifest the resolver did not find.
    id: 'grpc-not-found',
    cause: 'MANIFEST_NOT_FOUND',
    pattern: /code = NotFound desc = /,
    alternatives: ['REPOSITORY_NOT_FOUND'],
    weak: true,
  },
  {
    id: 'backoff',
    cause: 'BACKOFF_NO_DETAIL',
    pattern:
      /Back-off pulling image "[^"\n]{0,1024}"["\s]*$|^(?:Error: )?(?:ImagePullBackOff|ErrImagePull)\s*$|with ImagePullBackOff: "Back-off pulling image/m,
    weak: true,
  },
];
