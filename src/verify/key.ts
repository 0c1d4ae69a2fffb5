// The public key a user trusts (cosign.pub): read strictly, because a key that silently means something else
// would turn "not verified" into a misleading verdict.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { UsageError } from '../cause/index.ts';

export type KeyKind = 'ecdsa-p256' | 'rsa' | 'unsupported';

export interface TrustedKey {
  key: KeyObject;
  kind: KeyKind;
  /** e.g. "ECDSA P-256", "RSA 3072-bit", "Ed25519 (unsupported)". */
  description: string;
}

const PUBLIC_PEM = /-----BEGIN (?:RSA )?PUBLIC KEY-----[\s\S]*?-----END (?:RSA )?PUBLIC KEY-----/;
/** Below this an RSA key is refused, as sigstore's key validation does. */
const MIN_RSA_BITS = 2048;

/** Parses a PEM public key; anything that is not one is a usage error naming `source` (the file). */
export function loadPublicKey(pem: string, source: string): TrustedKey {
  const block = PUBLIC_PEM.exec(pem)?.[0];
  if (!block) {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem))
      throw new UsageError(`--key ${source}: this is a private key; pass the public key (cosign.pub)`);
    if (/-----BEGIN CERTIFICATE-----/.test(pem))
      throw new UsageError(`--key ${source}: certificates are not supported; pass a PEM public key`);
    throw new UsageError(`--key ${source}: no PEM public key (-----BEGIN PUBLIC KEY-----) in it`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(block);
  } catch (e) {
    throw new UsageError(`--key ${source}: not a valid public key: ${(e as Error).message}`);
  }
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      return details.namedCurve === 'prime256v1'
        ? { key, kind: 'ecdsa-p256', description: 'ECDSA P-256' }
        : { key, kind: 'unsupported', description: `ECDSA ${details.namedCurve ?? '?'} (unsupported)` };
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      return bits >= MIN_RSA_BITS
        ? { key, kind: 'rsa', description: `RSA ${bits}-bit` }
        : {
            key,
            kind: 'unsupported',
            description: `RSA ${bits}-bit (under ${MIN_RSA_BITS} bits, unsupported)`,
          };
    }
    default:
      return {
        key,
        kind: 'unsupported',
        description: `${key.asymmetricKeyType ?? 'unknown'} (unsupported)`,
      };
  }
}
