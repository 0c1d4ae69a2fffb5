// Key-based verification of Sigstore bundles attached to an image as OCI 1.1 referrers — cosign v3's default
// (sigstore/cosign specs/BUNDLE_SPEC.md; research-notes E): a manifest whose `subject` is the image, artifactType
// application/vnd.dev.sigstore.bundle.v0.3+json, one layer holding the bundle JSON. A bundle counts when its
// signature verifies with the trusted key AND what it signs names the image digest: the in-toto statement's subject
// (DSSE, `cosign sign`), or the manifest itself (message signature).
import { MEDIA } from '../registry/manifest.ts';
import { listReferrers, type ReferrerDescriptor, type Referrers } from '../registry/referrers.ts';
import type { Repository } from '../registry/repository.ts';
import type { VerifyReason } from './cosign.ts';
import { fetchSignedBlob, type SignedBlobKind } from './blob.ts';
import type { TrustedKey } from './key.ts';
import { getArtifactManifest, getManifestBytes } from './referrers.ts';
import { checkBundleSignature, parseBundle, type BundleContent, type ParsedBundle } from './sigstore.ts';
import { COSIGN_SIGN_PREDICATE, IN_TOTO_PAYLOAD_TYPE, readStatement } from './statement.ts';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** Bundles run to a few kilobytes (a certificate chain, a Rekor entry); a megabyte is not a signature. */
const BUNDLE: SignedBlobKind = {
  noun: 'bundle',
  plural: 'Sigstore bundles',
  label: 'Sigstore bundle',
  maxBytes: 1024 * 1024,
};
/** Referrer manifests examined per image, so a registry listing thousands cannot keep `verify` busy. */
const MAX_CANDIDATES = 32;
/** Bundle layers examined per referrer manifest (the spec says one). */
const MAX_LAYERS = 4;

/** What a verified bundle still did not prove: regdoctor has no Sigstore trusted root to check these with. */
export const BUNDLE_NOT_CHECKED = [
  'Rekor transparency-log inclusion (inclusion proofs, checkpoints, signed entry timestamps)',
  'RFC 3161 signed timestamps',
  'Fulcio certificate chains and keyless signer identities',
] as const;

export type BundleReason = VerifyReason | 'unsupported bundle' | 'not a signature';

export interface BundleVerdict {
  format: 'bundle';
  /** The bundle blob (the referrer manifest's layer). */
  layerDigest: string;
  /** The referrer manifest holding it. */
  referrer: string;
  ok: boolean;
  reason: BundleReason | null;
  message: string;
  content: BundleContent | null;
  predicateType: string | null;
  /** Parts of this bundle that were present but not verified (Rekor entries, timestamps). */
  notChecked: string[];
}

export interface BundleResult {
  verified: boolean;
  digest: string;
  referrers: { source: 'api' | 'tag'; tag: string | null; count: number; complete: boolean };
  signatures: BundleVerdict[];
  reason: BundleReason | null;
  message: string;
  transparencyLog: 'not checked';
  notChecked: readonly string[];
}

export function isBundleMediaType(t: string | undefined): boolean {
  // v0.3 and the older `application/vnd.dev.sigstore.bundle+json;version=0.x` spelling.
  return !!t && /^application\/vnd\.dev\.sigstore\.bundle(?:\.v\d+\.\d+)?\+json\b/.test(t);
}

/** When every signature fails, the failure closest to verifying explains best what is wrong. */
export const BUNDLE_REASON_PRIORITY: readonly BundleReason[] = [
  'payload digest mismatch',
  'tampered payload',
  'invalid payload',
  'wrong key',
  'unsupported bundle',
  'unsupported key',
  'not a signature',
  'no signature',
];

export function worstReason<R extends string>(reasons: (R | null)[], order: readonly R[]): R | undefined {
  return order.find((r) => reasons.includes(r));
}

interface Context {
  repo: Repository;
  /** The signed image's digest. */
  digest: string;
  key: TrustedKey;
  /** Fetched once, only if a message-signature bundle needs the signed manifest bytes. */
  manifest?: Promise<Buffer>;
}

function leftUnchecked(p: ParsedBundle): string[] {
  const out: string[] = [];
  if (p.tlogEntries)
    out.push(
      `${p.tlogEntries} Rekor transparency-log entr${p.tlogEntries === 1 ? 'y' : 'ies'} (not verified)`,
    );
  if (p.timestamps)
    out.push(`${p.timestamps} RFC 3161 timestamp${p.timestamps === 1 ? '' : 's'} (not verified)`);
  return out;
}

function signatureFailure(code: string, message: string): { reason: BundleReason; message: string } {
  if (code === 'SIGNATURE_ERROR')
    return {
      reason: 'wrong key',
      // As with classic ECDSA signatures, a different signer and different content look the same.
      message:
        'the bundle signature does not verify with this key: it was made with another key, or the signed content was changed after signing',
    };
  return { reason: 'invalid payload', message: `sigstore verification failed (${code}): ${message}` };
}

async function checkParsed(
  ctx: Context,
  p: ParsedBundle,
): Promise<{ reason: BundleReason | null; message: string; predicateType: string | null }> {
  const digest = ctx.digest;
  const fail = (reason: BundleReason, message: string, predicateType: string | null = null) => ({
    reason,
    message,
    predicateType,
  });
  if (p.keyMaterial === 'certificate')
    return fail(
      'unsupported bundle',
      'a keyless bundle (Fulcio certificate): certificate chains and signer identities are not verified by regdoctor; use cosign verify --certificate-identity … --certificate-oidc-issuer …',
    );
  if (p.content === 'dsse-envelope') {
    if (p.payloadType !== IN_TOTO_PAYLOAD_TYPE)
      return fail(
        'invalid payload',
        `the DSSE payload type is ${JSON.stringify(p.payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}`,
      );
    const sig = await checkBundleSignature(p, ctx.key);
    if (!sig.ok) {
      const f = signatureFailure(sig.code, sig.message);
      return fail(f.reason, f.message);
    }
    const st = readStatement(p.payload!, digest);
    if (!st.ok) return fail('invalid payload', `signed with this key, but ${st.message}`);
    if (st.predicateType !== COSIGN_SIGN_PREDICATE)
      return fail(
        'not a signature',
        `an attestation (predicateType ${st.predicateType}) signed with this key, not a cosign signature; verify it with cosign verify-attestation`,
        st.predicateType,
      );
    if (!st.names)
      return fail(
        'payload digest mismatch',
        `signed with this key, but the statement is about ${st.subjects.join(', ') || 'no subject'}, not ${digest}: a signature of another image`,
        st.predicateType,
      );
    return {
      reason: null,
      message: `valid DSSE bundle (in-toto statement) for ${digest}`,
      predicateType: st.predicateType,
    };
  }
  // A message signature over the image: the message is the manifest itself, so its digest is the image digest.
  if (!p.messageDigest) return fail('invalid payload', 'the message signature names no SHA-2 message digest');
  if (p.messageDigest !== digest)
    return fail(
      'payload digest mismatch',
      `the bundle signs the message ${p.messageDigest}, not the manifest ${digest} (only signatures over the image manifest are supported)`,
    );
  ctx.manifest ??= getManifestBytes(ctx.repo, ctx.digest);
  const sig = await checkBundleSignature(p, ctx.key, await ctx.manifest);
  if (!sig.ok) {
    const f = signatureFailure(sig.code, sig.message);
    return fail(f.reason, f.message);
  }
  return {
    reason: null,
    message: `valid message-signature bundle over the manifest ${digest}`,
    predicateType: null,
  };
}

async function checkLayer(ctx: Context, referrer: string, layer: ReferrerDescriptor): Promise<BundleVerdict> {
  const verdict = (
    reason: BundleReason | null,
    message: string,
    extra: Partial<Pick<BundleVerdict, 'content' | 'predicateType' | 'notChecked'>> = {},
  ): BundleVerdict => ({
    format: 'bundle',
    layerDigest: layer.digest,
    referrer,
    ok: reason === null,
    reason,
    message,
    content: extra.content ?? null,
    predicateType: extra.predicateType ?? null,
    notChecked: extra.notChecked ?? [],
  });
  const blob = await fetchSignedBlob(ctx.repo, layer, BUNDLE);
  if (!blob.ok) return verdict(blob.reason, blob.message);
  let json: unknown;
  try {
    json = JSON.parse(blob.body.toString('utf8'));
  } catch {
    return verdict('invalid payload', 'the bundle is not JSON');
  }
  const parsed = await parseBundle(json);
  if (!parsed.ok) return verdict('invalid payload', parsed.message);
  const p = parsed.parsed;
  const r = await checkParsed(ctx, p);
  return verdict(r.reason, r.message, {
    content: p.content,
    predicateType: r.predicateType,
    notChecked: leftUnchecked(p),
  });
}

async function checkReferrer(ctx: Context, d: ReferrerDescriptor): Promise<BundleVerdict[]> {
  const typed = isBundleMediaType(d.artifactType);
  const m = await getArtifactManifest(ctx.repo, d.digest);
  const none = (message: string): BundleVerdict[] => [
    {
      format: 'bundle',
      layerDigest: '',
      referrer: d.digest,
      ok: false,
      reason: 'invalid payload',
      message,
      content: null,
      predicateType: null,
      notChecked: [],
    },
  ];
  if (!m) return typed ? none(`the referrer manifest ${d.digest} is listed but missing`) : [];
  if ('problem' in m) return typed ? none(m.problem) : [];
  // OCI 1.1: without artifactType, the config's media type is the artifact's type.
  if (!isBundleMediaType(m.artifactType ?? m.config.mediaType)) return [];
  const layers = m.layers.filter((l) => isBundleMediaType(l.mediaType)).slice(0, MAX_LAYERS);
  if (!layers.length) return none(`the referrer manifest ${d.digest} has no Sigstore bundle layer`);
  const out: BundleVerdict[] = [];
  for (const l of layers) out.push(await checkLayer(ctx, d.digest, l));
  return out;
}

function candidates(refs: Referrers): ReferrerDescriptor[] {
  // Indexes written by some tools (or rewritten by them) drop artifactType; those entries are opened to find out.
  const typed = refs.descriptors.filter((d) => isBundleMediaType(d.artifactType));
  const untyped = refs.descriptors.filter((d) => !d.artifactType && d.mediaType === MEDIA.ociManifest);
  return [...typed, ...untyped].slice(0, MAX_CANDIDATES);
}

function whereLooked(refs: Referrers): string {
  return refs.source === 'api'
    ? `the referrers API lists ${refs.descriptors.length} referrer${refs.descriptors.length === 1 ? '' : 's'}`
    : `no referrers API; the referrers tag ${refs.tag} ${refs.descriptors.length ? `lists ${refs.descriptors.length}` : 'does not exist'}`;
}

/** Verifies the Sigstore bundles referring to `digest` against one trusted key. */
export async function verifyBundles(
  repo: Repository,
  digest: string,
  key: TrustedKey,
): Promise<BundleResult> {
  const result = (
    refs: Referrers | null,
    signatures: BundleVerdict[],
    reason: BundleReason | null,
    message: string,
  ): BundleResult => ({
    verified: reason === null,
    digest,
    referrers: {
      source: refs?.source ?? 'api',
      tag: refs?.tag ?? null,
      count: refs?.descriptors.length ?? 0,
      complete: refs?.complete ?? true,
    },
    signatures,
    reason,
    message,
    transparencyLog: 'not checked',
    notChecked: BUNDLE_NOT_CHECKED,
  });
  if (key.kind === 'unsupported')
    return result(
      null,
      [],
      'unsupported key',
      `${key.description}: use an ECDSA P-256 or RSA (2048 bits or more) key`,
    );
  const refs = await listReferrers(repo, digest);
  const ctx: Context = { repo, digest, key };
  const verdicts: BundleVerdict[] = [];
  for (const d of candidates(refs)) verdicts.push(...(await checkReferrer(ctx, d)));
  if (!verdicts.length) {
    const partial = refs.complete ? '' : ' (the list was cut off after 10 pages)';
    return result(
      refs,
      [],
      'no signature',
      `no Sigstore bundle refers to ${digest}: ${whereLooked(refs)}${partial}`,
    );
  }
  const good = verdicts.find((v) => v.ok);
  if (good) return result(refs, verdicts, null, good.message);
  const worst =
    worstReason(
      verdicts.map((v) => v.reason),
      BUNDLE_REASON_PRIORITY,
    ) ?? 'no signature';
  const first = verdicts.find((v) => v.reason === worst)!;
  const count = verdicts.length === 1 ? '' : ` (none of ${verdicts.length} bundles verified)`;
  return result(refs, verdicts, worst, `${first.message}${count}`);
}
