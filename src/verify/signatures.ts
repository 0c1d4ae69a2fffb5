// Both ways cosign stores signatures, verified against one key: the classic `.sig` tag and Sigstore bundles
// attached as OCI referrers. The image is verified when either format yields a valid signature, as an image
// signed once with cosign 2 and again with cosign 3 carries both.
import { RegdoctorError, type Cause } from '../cause/index.ts';
import { parseReference } from '../reference/index.ts';
import type { CredentialSource } from '../registry/auth.ts';
import { repositoryFor, type Repository } from '../registry/repository.ts';
import type { Session } from '../registry/session.ts';
import type { BudgetLimits } from '../transport/budget.ts';
import { Budget } from '../transport/budget.ts';
import {
  BUNDLE_REASON_PRIORITY,
  verifyBundles,
  worstReason,
  type BundleReason,
  type BundleResult,
} from './bundle.ts';
import { verifyCosign, type CosignResult } from './cosign.ts';
import type { TrustedKey } from './key.ts';

export type SignatureFormat = 'classic' | 'bundle';
export type SignatureFormatOption = SignatureFormat | 'any';
export const SIGNATURE_FORMATS: readonly SignatureFormatOption[] = ['classic', 'bundle', 'any'];

export interface FormatError {
  format: SignatureFormat;
  cause: Cause;
  message: string;
}

export interface SignaturesResult {
  verified: boolean;
  digest: string;
  /** The formats that were looked for. */
  format: SignatureFormatOption;
  /** The formats in which a valid signature was found. */
  verifiedBy: SignatureFormat[];
  reason: BundleReason | null;
  message: string;
  /** null when the format was not looked for. */
  classic: CosignResult | null;
  bundle: BundleResult | null;
  /** Registry failures of one format while the other verified (when nothing verifies, the failure is thrown). */
  errors: FormatError[];
}

async function attempt<T>(
  format: SignatureFormat,
  fn: () => Promise<T>,
): Promise<{ value: T } | { error: RegdoctorError; format: SignatureFormat }> {
  try {
    return { value: await fn() };
  } catch (e) {
    if (e instanceof RegdoctorError) return { error: e, format };
    throw e;
  }
}

/** Verifies the signatures of the manifest `digest` in the formats asked for. */
export async function verifySignatures(
  repo: Repository,
  digest: string,
  key: TrustedKey,
  format: SignatureFormatOption = 'any',
): Promise<SignaturesResult> {
  const classicTry =
    format === 'bundle' ? null : await attempt('classic', () => verifyCosign(repo, digest, key));
  const bundleTry =
    format === 'classic' ? null : await attempt('bundle', () => verifyBundles(repo, digest, key));
  const classic = classicTry && 'value' in classicTry ? classicTry.value : null;
  const bundle = bundleTry && 'value' in bundleTry ? bundleTry.value : null;
  const failures = [classicTry, bundleTry].flatMap((t) => (t && 'error' in t ? [t] : []));
  const verifiedBy: SignatureFormat[] = [];
  if (classic?.verified) verifiedBy.push('classic');
  if (bundle?.verified) verifiedBy.push('bundle');
  // Without a valid signature, a format that could not be read leaves the question open: an error, not a verdict.
  if (!verifiedBy.length && failures.length) throw failures[0]!.error;
  const errors = failures.map((f) => ({ format: f.format, cause: f.error.cause, message: f.error.message }));
  const base = { digest, format, verifiedBy, classic, bundle, errors };
  if (verifiedBy.length) {
    const by = verifiedBy[0] === 'classic' ? classic! : bundle!;
    return { ...base, verified: true, reason: null, message: by.message };
  }
  const results = [classic, bundle].filter((r): r is CosignResult | BundleResult => r !== null);
  const reason =
    worstReason<BundleReason>(
      results.map((r) => r.reason),
      BUNDLE_REASON_PRIORITY,
    ) ?? 'no signature';
  if (reason === 'no signature' && classic && bundle)
    return {
      ...base,
      verified: false,
      reason,
      message: `no signature in either format: ${classic.message}; ${bundle.message}`,
    };
  const chosen = results.find((r) => r.reason === reason)!;
  const label = format === 'any' ? `${chosen === classic ? 'classic' : 'bundle'}: ` : '';
  return { ...base, verified: false, reason, message: `${label}${chosen.message}` };
}

export interface ResolveOptions {
  credentials?: CredentialSource;
  plainHttp?: (registry: string) => boolean;
  budget?: BudgetLimits;
}

/**
 * The repository and the digest the reference resolves to (a HEAD; for a multi-platform image, the index digest,
 * as cosign signs it — whatever this machine's platform). Throws the registry's refusal or the network's failure.
 */
export async function resolveImage(
  image: string,
  session: Session,
  opts: ResolveOptions,
): Promise<{ repo: Repository; digest: string }> {
  const ref = parseReference(image);
  const repo = repositoryFor(session, ref, {
    credentials: opts.credentials ? (await opts.credentials(ref)).candidates : [],
    plainHttp: opts.plainHttp?.(ref.registry) ?? false,
    budget: opts.budget ? new Budget(opts.budget) : undefined,
  });
  const { digest } = await repo.resolve(ref.digest ?? ref.tag ?? 'latest', 'manifest', image);
  return { repo, digest };
}
