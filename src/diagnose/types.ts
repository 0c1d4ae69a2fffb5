// The intermediate shapes of a cluster diagnosis, between candidates, the pull-secret audit and the probe; never
// serialized as a whole (the public `Finding` lives in src/result).
import type { ClusterEvent, Pod } from '../cluster/types.ts';
import type { KeyVerdict } from '../credentials/index.ts';
import type { Finding } from '../result/index.ts';

/** One message the kubelet left about a container's pull, from its status or from an event. */
export interface PullMessage {
  source: 'waiting' | 'event';
  reason: string;
  message: string;
  /** The event itself, for source 'event'. */
  event?: ClusterEvent;
}

/** A container whose image does not pull, before any audit or probe. */
export interface Candidate extends Pick<
  Finding,
  'namespace' | 'pod' | 'container' | 'containerType' | 'owner' | 'node' | 'image'
> {
  imagePullPolicy: string | null;
  /** The container's waiting state, when it is waiting. */
  waiting: { reason: string; message: string } | null;
  /** The most specific message available (see candidates.ts for the order). */
  best: PullMessage;
  /** Every pull-related event of this container (and pod-wide pull-secret events), oldest first. */
  events: ClusterEvent[];
  /** Set when the container has been `Pulling` with no outcome for longer than the threshold. */
  stuckPulling: { since: number; ms: number } | null;
  /** The pod object, for the secret audit and the node platform. */
  source: Pod;
  /** Whether the messages were redacted after the state's pull secrets were registered (see scrub.ts). */
  scrubbed: boolean;
}

/** What the audit found about one secret the pod references. */
export interface SecretCheck {
  name: string;
  /**
   * ok: used by the kubelet. missing: not found. unknown: secrets could not be read. ignored: exists but the
   * kubelet skips it (type or key). malformed: breaks the pod's whole keyring, so every pull of the pod fails.
   */
  state: 'ok' | 'missing' | 'unknown' | 'ignored' | 'malformed';
  type: string | null;
  /** Registry keys as written (never values). */
  keys: string[];
  problems: string[];
}

/**
 * covered: a well-formed entry covers the image. no-secrets: the pod references none. unknown: they could not be
 * read. node-credentials: none covers a cloud registry whose credentials usually come from the node.
 * secret-missing / secret-invalid: the secrets explain a refusal.
 */
export type AuditVerdict =
  'covered' | 'no-secrets' | 'unknown' | 'node-credentials' | 'secret-missing' | 'secret-invalid';

/** The pull-secret audit of one pod for one image. Holds no secret value in any enumerable property. */
export interface SecretAudit {
  namespace: string;
  pod: string;
  image: string;
  /** `registry/repository` the kubelet matches keys against, or null when the image does not parse. */
  repository: string | null;
  serviceAccount: string;
  /** The pod's imagePullSecrets, in order: the only ones the kubelet uses. */
  effective: string[];
  /** Secrets the service account lists that the pod does not have. */
  serviceAccountOnly: string[];
  /** The service account's own imagePullSecrets; null when the account is not in the cluster state. */
  serviceAccountSecrets: string[] | null;
  secrets: SecretCheck[];
  /** Key verdicts over the union of the pod's usable secrets, in kubelet order. */
  verdicts: KeyVerdict[];
  /** Labels (`secret ns/name key K`) of the entries that cover the image, in the order the kubelet tries them. */
  covering: string[];
  /** Covering entries that are unusable, with why (trailing newline, expired token…). */
  defective: { label: string; problems: string[] }[];
  /** Why the kubelet cannot build the pod's keyring at all (a malformed secret fails every pull of the pod). */
  keyringError: string | null;
  /** Names from FailedToRetrieveImagePullSecret events. */
  retrieveFailed: string[];
  verdict: AuditVerdict;
  /** What the secrets alone say is wrong for this image, when a refusal is seen. */
  cause: 'PULL_SECRET_MISSING' | 'PULL_SECRET_INVALID' | null;
  /** One line each, for the evidence chain. */
  problems: string[];
  notes: string[];
}
