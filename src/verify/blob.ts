// The small signed blobs both signature formats read (a cosign payload, a Sigstore bundle): bounded, and checked
// against their digest before anything trusts a byte of them.
import { RegistryError } from '../registry/errors.ts';
import { sha256, type Descriptor } from '../registry/manifest.ts';
import type { Repository } from '../registry/repository.ts';

export interface SignedBlobKind {
  /** `payload`, `bundle`: how messages name the blob. */
  noun: string;
  /** `cosign payloads`: what a blob over `maxBytes` cannot be. */
  plural: string;
  /** `signature payload`: the subject of a registry failure. */
  label: string;
  maxBytes: number;
}

export type SignedBlob =
  { ok: true; body: Buffer } | { ok: false; reason: 'invalid payload' | 'tampered payload'; message: string };

/** The blob's bytes, or why they cannot be used; a registry failure other than 404 is thrown (exit 2). */
export async function fetchSignedBlob(
  repo: Repository,
  layer: Pick<Descriptor, 'digest' | 'size'>,
  kind: SignedBlobKind,
): Promise<SignedBlob> {
  const { noun } = kind;
  if (layer.size > kind.maxBytes)
    return {
      ok: false,
      reason: 'invalid payload',
      message: `the ${noun} is ${layer.size} bytes; ${kind.plural} are far smaller`,
    };
  let body: Buffer;
  try {
    ({ body } = await repo.blob(layer.digest, {
      maxBytes: Math.min(layer.size + 1024, kind.maxBytes),
      step: 'blob',
      what: `${kind.label} ${layer.digest}`,
    }));
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404)
      return {
        ok: false,
        reason: 'invalid payload',
        message: `the ${noun} blob ${layer.digest} is missing from the registry`,
      };
    throw err;
  }
  const actual = sha256(body);
  if (actual !== layer.digest)
    return {
      ok: false,
      reason: 'tampered payload',
      message: `the ${noun} blob has digest ${actual}, not ${layer.digest}`,
    };
  return { ok: true, body };
}
