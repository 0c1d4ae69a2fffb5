// One or two plain sentences per cause, naming what the message named.
import type { Cause } from '../cause/index.ts';

export interface ExplainContext {
  image: string | null;
  registry: string | null;
  /** The host that actually failed, when the message names one. */
  host: string | null;
  platform: string | null;
  /** The proxy named by a proxy failure. */
  proxy: string | null;
  secrets: string[];
  alternatives: readonly Cause[];
}

const img = (c: ExplainContext) => (c.image ? `"${c.image}"` : 'the image');
const reg = (c: ExplainContext) => c.registry ?? 'the registry';
const host = (c: ExplainContext) => c.host ?? c.registry ?? 'the registry';
const also = (c: ExplainContext, cause: Cause, text: string) =>
  c.alternatives.includes(cause) ? ` ${text}` : '';

const TEMPLATES: Record<Cause, (c: ExplainContext) => string> = {
  INVALID_REFERENCE: (c) =>
    `${c.image ? `"${c.image}" is` : 'The image string is'} not a valid image reference, so no pull is even attempted.`,
  SHORT_NAME_UNRESOLVED: (c) =>
    `${img(c)} names no registry, and the runtime (CRI-O) could not resolve it to exactly one: no alias matches and the unqualified-search registries are missing or ambiguous.`,
  NEVER_PULL: (c) =>
    `imagePullPolicy is Never and ${img(c)} is not on the node, so the kubelet will not pull it.`,
  MANIFEST_NOT_FOUND: (c) =>
    `${reg(c)} has no manifest for ${img(c)}: the tag or digest does not exist there.${also(c, 'REPOSITORY_NOT_FOUND', 'The runtime reports a missing repository the same way, so check the repository path too.')}`,
  REPOSITORY_NOT_FOUND: (c) => `${reg(c)} says the repository of ${img(c)} does not exist.`,
  UNAUTHORIZED: (c) =>
    `${reg(c)} refused ${img(c)} without valid credentials (401): no pull secret covered this registry, or its credentials were rejected.${also(c, 'REPOSITORY_NOT_FOUND', 'The registry answers the same way for a repository that does not exist, so check the name too.')}`,
  FORBIDDEN: (c) =>
    `${reg(c)} denied access to ${img(c)} (403)${c.alternatives.includes('UNAUTHORIZED') ? ' to an anonymous request; the repository may be private or may not exist' : ': the identity is known but not allowed to pull this repository'}.`,
  RATE_LIMITED: (c) => `${reg(c)} is throttling pulls from this node or account (429 Too Many Requests).`,
  REGISTRY_ERROR: (c) =>
    `${host(c)}, or a proxy or load balancer in front of it, failed instead of serving ${img(c)} (server error or a broken response).`,
  PLATFORM_MISMATCH: (c) =>
    `${img(c)} has no variant for the node's platform${c.platform ? ` (${c.platform})` : ''}, or its binaries were built for another CPU architecture.`,
  DNS_FAILURE: (c) =>
    `The node could not resolve the name ${host(c)}, so it never reached the registry.${also(c, 'NETWORK_TIMEOUT', 'The DNS server itself did not answer in time.')}`,
  CONNECTION_REFUSED: (c) =>
    `Nothing accepted the connection at ${host(c)}: the registry is down, or the host or port is wrong.`,
  NETWORK_UNREACHABLE: (c) => `The node has no network route to ${host(c)}.`,
  NETWORK_TIMEOUT: (c) =>
    `Connecting to or reading from ${host(c)} timed out or was cut off: a firewall dropping packets, a stalled link or a missing proxy.`,
  PULL_TIMEOUT: (c) =>
    `The pull of ${img(c)} as a whole ran past the runtime's or kubelet's deadline (or was cancelled), typically a large image on a slow link.`,
  PROXY_ERROR: (c) =>
    `The HTTP(S) proxy${c.proxy ? ` at ${c.proxy}` : ''} between the node and ${host(c)} failed or refused the request.`,
  TLS_UNTRUSTED: (c) =>
    `The node does not trust the certificate chain of ${host(c)}: it is self-signed, from a private CA, or replaced by an intercepting proxy.`,
  TLS_EXPIRED: (c) =>
    `The certificate of ${host(c)} has expired or is not yet valid (or the node's clock is wrong).`,
  TLS_HOSTNAME_MISMATCH: (c) => `The certificate presented by ${host(c)} was issued for a different name.`,
  HTTP_HTTPS_MISMATCH: (c) =>
    `The runtime spoke HTTPS to ${host(c)}, which answers in plain HTTP: the registry is insecure and the runtime is not configured for it.`,
  LAYER_DOWNLOAD_FAILED: (c) =>
    `A layer of ${img(c)} broke off while downloading or unpacking, or did not match its digest.`,
  NODE_DISK_FULL: (c) => `The node ran out of disk space while storing or unpacking ${img(c)}.`,
  PULL_QPS_EXCEEDED: () =>
    `The kubelet's own pull rate limit (registryPullQPS) was hit; it retries, so this is usually transient.`,
  PULL_SECRET_MISSING: (c) =>
    `The pod references image pull secret${c.secrets.length === 1 ? '' : 's'} ${c.secrets.length > 0 ? c.secrets.map((s) => `"${s}"`).join(', ') : '(unnamed)'} that the kubelet could not read; it pulls without ${c.secrets.length === 1 ? 'it' : 'them'}, which may fail.`,
  PULL_SECRET_INVALID: (c) =>
    `A pull secret exists but cannot be used: wrong type, bad JSON or base64, or no entry for ${reg(c)}.`,
  CREDENTIAL_PROVIDER_ERROR: (c) =>
    `The kubelet's credential provider plugin failed to produce credentials for ${img(c)}, so the pull goes ahead without them.`,
  POLICY_REJECTED: (c) => `An admission or image policy refused ${img(c)} before anything was pulled.`,
  SIGNATURE_INVALID: (c) =>
    `Signature verification of ${img(c)} failed or found no trusted signature, so the policy refused it.${c.alternatives[0] && c.alternatives[0] !== 'POLICY_REJECTED' ? ` The verifier's own registry request failed (${c.alternatives[0]}).` : ''}`,
  BACKOFF_NO_DETAIL: (c) =>
    `Only a back-off for ${img(c)} was reported; the failure that caused it is in an earlier event.`,
  UNKNOWN: () => `The message does not match any known failure; it is kept as evidence.`,
};

export function explain(cause: Cause, ctx: ExplainContext): string {
  return TEMPLATES[cause](ctx);
}
