// The Sigstore bundle through sigstore-js (@sigstore/bundle to parse and validate, @sigstore/verify to check the
// signature), loaded on first use so `--help` and `probe` never parse them. Key-based only: regdoctor has no
// Sigstore trusted root, so Rekor entries, RFC 3161 timestamps and Fulcio certificates cannot be checked, and
// are reported as such instead of being half-checked. Both are CommonJS: the esbuild bundle turns a dynamic import
// of them into a chunk with only a default export, while Node and tsx give named exports: both are looked for.
import type { Bundle } from '@sigstore/bundle';
import type { TrustMaterial } from '@sigstore/verify';
import type { TrustedKey } from './key.ts';

export type BundleContent = 'dsse-envelope' | 'message-signature';

export interface ParsedBundle {
  bundle: Bundle;
  mediaType: string;
  content: BundleContent;
  /** `public-key` for `cosign sign --key`; `certificate` for keyless (Fulcio) signing. */
  keyMaterial: 'public-key' | 'certificate';
  /** verificationMaterial.publicKey.hint, when the signer set one. */
  keyHint?: string;
  tlogEntries: number;
  timestamps: number;
  /** DSSE: the envelope's payload and its type. */
  payload?: Buffer;
  payloadType?: string;
  /** Message signature: the digest of the signed message (`alg:hex`), when the algorithm is one we name. */
  messageDigest?: string;
}

export type ParseOutcome = { ok: true; parsed: ParsedBundle } | { ok: false; message: string };

const HASH_NAMES: Record<number, string> = { 0: 'sha256', 1: 'sha256', 2: 'sha384', 3: 'sha512' };

/** JSON → a validated bundle (sigstore protobuf-specs); anything sigstore-js rejects is a message, not a throw. */
export async function parseBundle(json: unknown): Promise<ParseOutcome> {
  const lib = await import('@sigstore/bundle');
  const bundleFromJSON = lib.bundleFromJSON ?? lib.default.bundleFromJSON;
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (e) {
    const fields = (e as { fields?: unknown }).fields;
    const which = Array.isArray(fields) && fields.length ? ` (${fields.slice(0, 4).join(', ')})` : '';
    return { ok: false, message: `not a valid Sigstore bundle: ${(e as Error).message}${which}` };
  }
  const vm = bundle.verificationMaterial;
  const base = {
    bundle,
    mediaType: bundle.mediaType,
    keyMaterial: vm.content.$case === 'publicKey' ? ('public-key' as const) : ('certificate' as const),
    keyHint:
      vm.content.$case === 'publicKey' && vm.content.publicKey.hint ? vm.content.publicKey.hint : undefined,
    tlogEntries: vm.tlogEntries.length,
    timestamps: vm.timestampVerificationData?.rfc3161Timestamps.length ?? 0,
  };
  if (bundle.content.$case === 'dsseEnvelope') {
    const env = bundle.content.dsseEnvelope;
    return {
      ok: true,
      parsed: { ...base, content: 'dsse-envelope', payload: env.payload, payloadType: env.payloadType },
    };
  }
  const md = bundle.content.messageSignature.messageDigest;
  const alg = md ? HASH_NAMES[md.algorithm as number] : undefined;
  return {
    ok: true,
    parsed: {
      ...base,
      content: 'message-signature',
      messageDigest: md && alg ? `${alg}:${Buffer.from(md.digest).toString('hex')}` : undefined,
    },
  };
}

export type SignatureOutcome = { ok: true } | { ok: false; code: string; message: string };

/**
 * Checks the bundle's signature with the trusted key. Transparency-log entries and timestamps are removed before
 * verification with every threshold at 0: without Rekor's and the TSAs' keys they cannot be verified, and
 * sigstore-js would otherwise reject them for want of a trusted log rather than for a bad signature.
 * `artifact` is the signed message for a message-signature bundle.
 */
export async function checkBundleSignature(
  parsed: ParsedBundle,
  key: TrustedKey,
  artifact?: Buffer,
): Promise<SignatureOutcome> {
  const lib = await import('@sigstore/verify');
  const Verifier = lib.Verifier ?? lib.default.Verifier;
  const toSignedEntity = lib.toSignedEntity ?? lib.default.toSignedEntity;
  const trust: TrustMaterial = {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    // One trusted key whatever the hint says: the hint is the signer's label, not something we can rely on.
    publicKey: () => ({ publicKey: key.key, validFor: () => true }),
  };
  const stripped: Bundle = {
    ...parsed.bundle,
    verificationMaterial: {
      ...parsed.bundle.verificationMaterial,
      tlogEntries: [],
      timestampVerificationData: undefined,
    },
  };
  try {
    const entity = toSignedEntity(stripped, artifact);
    new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(entity);
    return { ok: true };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return {
      ok: false,
      code: typeof code === 'string' ? code : 'ERROR',
      message: (e as Error).message,
    };
  }
}
