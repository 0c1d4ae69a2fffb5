// Checks one cosign signature over its payload bytes, and when it fails, says as precisely as the mathematics
// allows whether another key made it or the payload changed after signing.
import { constants, createHash, publicDecrypt, verify } from 'node:crypto';
import type { TrustedKey } from './key.ts';

export type SignatureCheck =
  | { ok: true; scheme: string }
  | { ok: false; reason: 'wrong key' | 'tampered payload' | 'unsupported key'; message: string };

// DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1): what a PKCS#1 v1.5 signature decodes to, before the hash.
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** A DER ECDSA-Sig-Value: SEQUENCE { INTEGER r, INTEGER s } with a short-form length, as P-256 always has. */
function looksLikeDerEcdsa(sig: Buffer): boolean {
  return (
    sig.length >= 8 && sig.length <= 72 && sig[0] === 0x30 && sig[1] === sig.length - 2 && sig[2] === 0x02
  );
}

export function checkSignature(trusted: TrustedKey, payload: Buffer, sig: Buffer): SignatureCheck {
  const { key } = trusted;
  if (trusted.kind === 'ecdsa-p256') {
    if (!looksLikeDerEcdsa(sig)) {
      return {
        ok: false,
        reason: 'wrong key',
        message: `the signature (${sig.length} bytes) is not a DER ECDSA signature; it was made with another kind of key`,
      };
    }
    if (verify('sha256', payload, key, sig)) return { ok: true, scheme: 'ECDSA P-256 SHA-256' };
    // ECDSA gives no way to tell a different signer from different content; the common case is the wrong key.
    return {
      ok: false,
      reason: 'wrong key',
      message:
        'the signature does not verify with this key: it was made with another key, or the payload was changed after signing (ECDSA cannot tell these apart)',
    };
  }
  if (trusted.kind === 'rsa') {
    const modulusBytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
    if (sig.length !== modulusBytes) {
      return {
        ok: false,
        reason: 'wrong key',
        message: `the signature is ${sig.length} bytes, not ${modulusBytes} as this RSA key's signatures are; it was made with another key`,
      };
    }
    if (verify('sha256', payload, key, sig)) return { ok: true, scheme: 'RSA PKCS#1 v1.5 SHA-256' };
    const pss = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO };
    if (verify('sha256', payload, pss, sig)) return { ok: true, scheme: 'RSA-PSS SHA-256' };
    // With RSA the key's public operation recovers what was signed: a well-formed PKCS#1 block means this key
    // signed something, just not these bytes.
    let recovered: Buffer | undefined;
    try {
      recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, sig);
    } catch {
      recovered = undefined;
    }
    if (recovered) {
      const hash = createHash('sha256').update(payload).digest();
      const signedOther =
        recovered.length === SHA256_DIGEST_INFO.length + 32 &&
        recovered.subarray(0, SHA256_DIGEST_INFO.length).equals(SHA256_DIGEST_INFO) &&
        !recovered.subarray(SHA256_DIGEST_INFO.length).equals(hash);
      if (signedOther) {
        return {
          ok: false,
          reason: 'tampered payload',
          message: 'this key signed a different payload: the payload was changed after it was signed',
        };
      }
    }
    return {
      ok: false,
      reason: 'wrong key',
      message: 'the signature does not verify with this key: it was made with another key',
    };
  }
  return {
    ok: false,
    reason: 'unsupported key',
    message: `${trusted.description}: use an ECDSA P-256 or RSA key`,
  };
}
