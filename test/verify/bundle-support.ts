// Sigstore bundles made without regdoctor or sigstore-js: the in-toto statement and DSSE envelope are written by
// hand, the PAE bytes signed with `openssl dgst -sha256 -sign`, the bundle JSON assembled field by field
// (sigstore protobuf-specs, JSON form), and the referrer artifact laid out as cosign's BUNDLE_SPEC.md describes.
// Nothing here shares code with src/verify.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MT } from '../helpers/oci.ts';
import { writeBlob, writeJsonBlob, type Descriptor } from '../helpers/oci-blobs.ts';
import { run } from '../helpers/proc.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { opensslSign } from './support.ts';

export const BUNDLE_MT = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const EMPTY_MT = 'application/vnd.oci.empty.v1+json';
export const IN_TOTO = 'application/vnd.in-toto+json';
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

/** The statement `cosign sign` (v3) signs: the image digest as subject, an empty predicate. */
export function statement(
  name: string,
  digest: string,
  predicateType = COSIGN_SIGN_PREDICATE,
): Record<string, unknown> {
  const [alg, hex] = digest.split(':');
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name, digest: { [alg!]: hex } }],
    predicateType,
    predicate: {},
  };
}

/** DSSE v1 pre-authentication encoding (secure-systems-lab/dsse protocol.md), written out from the spec. */
export function pae(payloadType: string, payload: string): string {
  return `DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${Buffer.byteLength(payload)} ${payload}`;
}

export interface BundleOptions {
  /** Extra verificationMaterial fields (tlogEntries, timestampVerificationData) or a certificate instead of a key. */
  material?: Record<string, unknown>;
}

function material(opts: BundleOptions): Record<string, unknown> {
  return { publicKey: { hint: '' }, tlogEntries: [], ...opts.material };
}

/** A DSSE bundle over `payload` (already serialised), signed with `signKey` over the PAE bytes. */
export async function dsseBundle(
  dir: string,
  signKey: string,
  payload: string,
  opts: BundleOptions & { signedPayload?: string; payloadType?: string } = {},
): Promise<string> {
  const payloadType = opts.payloadType ?? IN_TOTO;
  // `signedPayload` lets a test sign one statement and ship another (a payload changed after signing).
  const sig = await opensslSign(dir, signKey, pae(payloadType, opts.signedPayload ?? payload));
  return JSON.stringify({
    mediaType: BUNDLE_MT,
    verificationMaterial: material(opts),
    dsseEnvelope: {
      payload: Buffer.from(payload).toString('base64'),
      payloadType,
      signatures: [{ sig, keyid: '' }],
    },
  });
}

/** A message-signature bundle: a signature over `message` (the image manifest bytes) and its SHA-256. */
export async function messageBundle(
  dir: string,
  signKey: string,
  message: Buffer,
  digestHex: string,
): Promise<string> {
  const file = join(dir, `message-${Math.random().toString(36).slice(2)}.bin`);
  await writeFile(file, message);
  const out = `${file}.sig`;
  await run('openssl', ['dgst', '-sha256', '-sign', signKey, '-out', out, file]);
  return JSON.stringify({
    mediaType: BUNDLE_MT,
    verificationMaterial: material({}),
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: Buffer.from(digestHex, 'hex').toString('base64') },
      signature: (await readFile(out)).toString('base64'),
    },
  });
}

export interface Referrer {
  /** The referrer manifest, as the referrers index lists it. */
  descriptor: Descriptor & { artifactType: string };
  manifest: Buffer;
  bundle: Descriptor;
}

/** Writes the bundle blob and its referrer manifest (subject = the image) into an OCI layout directory. */
export async function writeReferrer(
  dir: string,
  subject: Descriptor,
  bundle: string,
  opts: { layerMediaType?: string; annotations?: Record<string, string> } = {},
): Promise<Referrer> {
  await mkdir(dir, { recursive: true });
  const config = await writeBlob(dir, EMPTY_MT, '{}');
  const layer = await writeBlob(dir, opts.layerMediaType ?? BUNDLE_MT, bundle);
  const body = {
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    artifactType: BUNDLE_MT,
    config,
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: opts.annotations ?? { 'dev.sigstore.bundle.content': 'dsse-envelope' },
  };
  const manifest = Buffer.from(JSON.stringify(body));
  const desc = await writeBlob(dir, MT.ociManifest, manifest);
  return {
    descriptor: { ...desc, artifactType: BUNDLE_MT, annotations: body.annotations },
    manifest,
    bundle: layer,
  };
}

/** The OCI 1.1 referrers tag schema: `sha256-<hex>` for a registry without the referrers API. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

/**
 * Pushes the referrer artifacts and the referrers index at the fallback tag, as a client must when the registry has
 * no referrers API (distribution 2.8). skopeo copies the index with its children, so one push carries everything.
 */
export async function pushReferrers(
  dir: string,
  host: string,
  repository: string,
  subject: Descriptor,
  bundles: string[],
): Promise<Referrer[]> {
  const refs: Referrer[] = [];
  for (const b of bundles) refs.push(await writeReferrer(dir, subject, b));
  const index = await writeJsonBlob(dir, MT.ociIndex, {
    schemaVersion: 2,
    mediaType: MT.ociIndex,
    manifests: refs.map((r) => r.descriptor),
  });
  const tag = referrersTag(subject.digest);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociIndex,
      manifests: [{ ...index, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
  await pushImage(`oci:${dir}:${tag}`, `docker://${host}/${repository}:${tag}`, { tlsVerify: false });
  return refs;
}
