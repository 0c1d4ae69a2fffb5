// Cosign key-based verification of signatures stored the classic way: a manifest at tag `sha256-<hex>.sig` in the
// image's repository whose simple-signing layers each carry a payload and, in an annotation, its signature
// (sigstore/cosign specs/SIGNATURE_SPEC.md; research-notes E). The transparency log (Rekor) is not consulted.
import { isMissing, RegistryError } from '../registry/errors.ts';
import { isIndex, type Descriptor } from '../registry/manifest.ts';
import type { FetchedManifest, Repository } from '../registry/repository.ts';
import { fetchSignedBlob, type SignedBlobKind } from './blob.ts';
import type { TrustedKey } from './key.ts';
import { readPayload } from './payload.ts';
import { checkSignature } from './signature.ts';

export const SIMPLESIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** Cosign payloads are a few hundred bytes; anything near this is not one. */
const PAYLOAD: SignedBlobKind = {
  noun: 'payload',
  plural: 'cosign payloads',
  label: 'signature payload',
  maxBytes: 256 * 1024,
};

export type VerifyReason =
  | 'no signature'
  | 'wrong key'
  | 'payload digest mismatch'
  | 'tampered payload'
  | 'invalid payload'
  | 'unsupported key';

export interface LayerVerdict {
  layerDigest: string;
  ok: boolean;
  reason: VerifyReason | null;
  message: string;
}

export interface CosignResult {
  verified: boolean;
  /** The digest the signatures must name: what the reference resolved to (an index or an image manifest). */
  digest: string;
  signatureTag: string;
  signatures: LayerVerdict[];
  reason: VerifyReason | null;
  message: string;
  /** Rekor inclusion is never checked here (like `cosign verify --insecure-ignore-tlog`). */
  transparencyLog: 'not checked';
}

/** `sha256:abc…` → `sha256-abc….sig`, cosign's tag for the image's signatures. */
export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

// When several signatures all fail, the one closest to verifying explains best what is wrong.
const PRIORITY: VerifyReason[] = [
  'payload digest mismatch',
  'tampered payload',
  'invalid payload',
  'wrong key',
  'unsupported key',
  'no signature',
];

async function checkLayer(
  repo: Repository,
  digest: string,
  layer: Descriptor,
  key: TrustedKey,
): Promise<LayerVerdict> {
  const verdict = (ok: boolean, reason: VerifyReason | null, message: string): LayerVerdict => ({
    layerDigest: layer.digest,
    ok,
    reason,
    message,
  });
  const sigText = layer.annotations?.[SIGNATURE_ANNOTATION];
  if (!sigText) return verdict(false, 'no signature', `no ${SIGNATURE_ANNOTATION} annotation on the layer`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(sigText.trim()))
    return verdict(false, 'invalid payload', `the ${SIGNATURE_ANNOTATION} annotation is not base64`);
  const blob = await fetchSignedBlob(repo, layer, PAYLOAD);
  if (!blob.ok) return verdict(false, blob.reason, blob.message);
  const body = blob.body;
  const sig = checkSignature(key, body, Buffer.from(sigText.trim(), 'base64'));
  if (!sig.ok) return verdict(false, sig.reason, sig.message);
  const payload = readPayload(body);
  if (!payload.ok) return verdict(false, 'invalid payload', `signed with this key, but ${payload.message}`);
  if (payload.digest !== digest)
    return verdict(
      false,
      'payload digest mismatch',
      `signed with this key, but for ${payload.digest}, not ${digest}: a signature of another image`,
    );
  return verdict(true, null, `valid ${sig.scheme} signature for ${digest}`);
}

/** Verifies the `.sig` signatures of the manifest `digest` against one trusted key. */
export async function verifyCosign(repo: Repository, digest: string, key: TrustedKey): Promise<CosignResult> {
  const tag = signatureTag(digest);
  const result = (
    signatures: LayerVerdict[],
    reason: VerifyReason | null,
    message: string,
  ): CosignResult => ({
    verified: reason === null,
    digest,
    signatureTag: tag,
    signatures,
    reason,
    message,
    transparencyLog: 'not checked',
  });
  if (key.kind === 'unsupported')
    return result(
      [],
      'unsupported key',
      `${key.description}: use an ECDSA P-256 or RSA (2048 bits or more) key`,
    );
  let got: FetchedManifest;
  try {
    got = await repo.manifest(tag, 'manifest', `signature manifest ${tag}`);
  } catch (err) {
    if (err instanceof RegistryError && isMissing(err))
      return result([], 'no signature', `no signature: ${repo.name}:${tag} does not exist`);
    throw err;
  }
  if (isIndex(got.manifest))
    return result([], 'no signature', `${tag} is an image index, not a cosign signature manifest`);
  const layers = got.manifest.layers.filter((l) => l.mediaType === SIMPLESIGNING_MEDIA_TYPE);
  if (!layers.length) return result([], 'no signature', `${tag} has no ${SIMPLESIGNING_MEDIA_TYPE} layers`);
  const verdicts: LayerVerdict[] = [];
  for (const layer of layers) verdicts.push(await checkLayer(repo, digest, layer, key));
  const good = verdicts.find((v) => v.ok);
  if (good) return result(verdicts, null, good.message);
  const worst = PRIORITY.find((r) => verdicts.some((v) => v.reason === r)) ?? 'no signature';
  const first = verdicts.find((v) => v.reason === worst)!;
  const count = verdicts.length === 1 ? '' : ` (none of ${verdicts.length} signatures verified)`;
  return result(verdicts, worst, `${first.message}${count}`);
}
