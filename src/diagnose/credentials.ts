// The pod's own credentials for the probe, in the order the kubelet tries them, and the key that lets a scan probe
// each unique (image, credentials, platform) once. Only labels ever leave here in readable form.
import { createHash } from 'node:crypto';
import { RegdoctorError } from '../cause/index.ts';
import { lookup, type CredentialEntry } from '../credentials/index.ts';
import { formatPlatform, normalizePlatform, type Platform } from '../platform/index.ts';
import type { CredentialSource } from '../registry/auth.ts';
import { formatReference, parseReference, repositoryName } from '../reference/index.ts';
import type { Credential } from '../registry/auth.ts';
import { keyringOf } from './secrets.ts';
import type { SecretAudit } from './types.ts';

const labelOf = (e: CredentialEntry) => `${e.source} key ${e.key}`;

/** The kubelet sends only username and password from a pull secret; identitytoken and registrytoken are ignored. */
function toCredential(e: CredentialEntry): Credential {
  const c: Credential = { label: labelOf(e) };
  if (e.auth.username !== undefined || e.auth.password !== undefined) {
    c.username = e.auth.username ?? '';
    c.password = e.auth.password ?? '';
  }
  return c;
}

/** The entries of the pod's secrets that cover `repository` (`registry/repo`), as credentials in kubelet order. */
export function keyringCredentials(audit: SecretAudit, repository = audit.repository): Credential[] {
  if (!repository) return [];
  return lookup(keyringOf(audit), repository).matches.map(toCredential);
}

/**
 * A probe credential source that behaves like the kubelet for this pod: a malformed secret fails before any request
 * (the kubelet cannot build the keyring), otherwise the covering entries are tried in order, or none (anonymous).
 */
export function podCredentialSource(audit: SecretAudit): CredentialSource {
  return async (ref) => {
    if (audit.keyringError) {
      throw new RegdoctorError('PULL_SECRET_INVALID', audit.keyringError, { step: 'credentials' });
    }
    const repository = repositoryName(ref);
    const found = lookup(keyringOf(audit), repository);
    const candidates = found.matches.map(toCredential);
    const names = audit.effective.map((n) => `${audit.namespace}/${n}`).join(', ');
    const summary = candidates.length
      ? `${candidates.length} credential${candidates.length > 1 ? 's' : ''} from the pod's pull secrets: ${candidates.map((c) => c.label).join('; ')}`
      : audit.effective.length
        ? `no entry of the pod's pull secrets (${names}) covers ${repository}; pulling anonymously`
        : `the pod has no imagePullSecrets; pulling anonymously`;
    return {
      candidates,
      summary,
      detail: {
        secrets: audit.effective,
        matched: candidates.map((c) => c.label),
        verdicts: found.verdicts.map((v) => ({
          key: v.key,
          source: v.source,
          matched: v.matched,
          reason: v.reason,
        })),
        fallback: found.fallback,
        problems: audit.problems,
      },
    };
  };
}

/** What identifies the credentials a probe uses for an audit: labels, or the keyring error that stops it. */
export function credentialIdentities(audit: SecretAudit): string[] {
  if (audit.keyringError) return [`keyring-error ${audit.keyringError}`];
  return keyringCredentials(audit).map((c) => c.label);
}

/**
 * A stable key for one probe: the image as the runtime resolves it, the identities (labels, never values) of the
 * credentials in order, and the platform. Equal keys mean one probe answers for all of them.
 */
export function probeKey(
  image: string,
  credentials: ReadonlyArray<Credential | string>,
  platform: Platform | string | null,
): string {
  let ref: string;
  try {
    ref = formatReference(parseReference(image));
  } catch {
    ref = image;
  }
  const ids = credentials.map((c) => (typeof c === 'string' ? c : c.label));
  const plat =
    platform === null
      ? ''
      : typeof platform === 'string'
        ? platform
        : formatPlatform(normalizePlatform(platform));
  const hash = createHash('sha256')
    .update(JSON.stringify([ref, ids, plat]))
    .digest('hex')
    .slice(0, 32);
  return `${ref}|${plat}|${hash}`;
}
