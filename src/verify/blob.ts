// The small signed blobs both signature formats read (a cosign payload, a Sigstore bundle): bounded, and checked
// against their digest before anything trusts a byte of them.
import type { RepositoryAccess } from '../probe/probe.ts';
import { getBlob } from '../registry/api.ts';
import { sha256, type Descriptor } from '../registry/manifest.ts';
import type { Transport } from '../transport/http.ts';
import { registryFailure } from './failure.ts';

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
  transport: Transport,
  access: RepositoryAccess,
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
  const res = await getBlob(transport, access.base, access.repository, layer.digest, access.authorization, {
    maxBytes: Math.min(layer.size + 1024, kind.maxBytes),
    step: 'blob',
  });
  if (res.status === 404)
    return {
      ok: false,
      reason: 'invalid payload',
      message: `the ${noun} blob ${layer.digest} is missing from the registry`,
    };
  if (res.status !== 200) throw registryFailure(res, `${kind.label} ${layer.digest}`, 'blob');
  const actual = sha256(res.body);
  if (actual !== layer.digest)
    return {
      ok: false,
      reason: 'tampered payload',
      message: `the ${noun} blob has digest ${actual}, not ${layer.digest}`,
    };
  return { ok: true, body: res.body };
}
