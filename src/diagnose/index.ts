// Cluster diagnosis, the pure part: candidates from a ClusterState, the pull-secret audit, the pod's credentials
// for the probe, and the rules that merge a message, an audit and a probe into a finding. No I/O here.
export type { AuditVerdict, Candidate, PullMessage, SecretAudit, SecretCheck } from './types.ts';
export { resolveOwner } from './owner.ts';
export {
  DEFAULT_STUCK_PULLING_MS,
  bestMessage,
  findCandidates,
  isPullFailureEvent,
  isPullWaitingReason,
  podCandidates,
  type CandidateOptions,
} from './candidates.ts';
export {
  auditSecrets,
  entryDefects,
  keyringOf,
  nodeCredentialRegistry,
  type AuditOptions,
} from './secrets.ts';
export { credentialIdentities, keyringCredentials, podCredentialSource, probeKey } from './credentials.ts';
export { clusterNodes, nodePlatform, podPlatform, unknownPlatformReason } from './platform.ts';
export { initialFinding, mergeProbe, type FindingContext, type ProbeOrigin } from './merge.ts';
export { findingRemediation, type RemedyContext } from './remedy.ts';
export { tokenExpiry, type TokenExpiry } from './tokens.ts';
export { podEvents } from './events.ts';
