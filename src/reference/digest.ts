import { charAt, describeChar, isHexDigit, quote } from './text.ts';
import type { Problem } from './types.ts';

// A digest must pass both distribution's grammar (algorithm [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*,
// ':', at least 32 hex digits) and go-digest's validation, which every runtime applies after it: only the
// registered algorithms, and for those exactly their length of lowercase hex.

/** Hex length of each algorithm go-digest registers (algorithm.go). */
export const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

const ALGORITHM = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;

/** `offset` is where the digest starts in the whole input; positions in the result are absolute. */
export function checkDigest(digest: string, offset = 0): Problem | null {
  if (digest === '') return { reason: "digest is empty after '@'", at: offset - 1 };
  const colon = digest.indexOf(':');
  if (colon < 0) {
    return { reason: 'a digest has the form <algorithm>:<hex>, e.g. sha256:<64 hex characters>', at: offset };
  }
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const algProblem = checkAlgorithm(algorithm, offset);
  if (algProblem) return algProblem;
  const expected = DIGEST_HEX_LENGTH[algorithm] as number;
  const start = offset + colon + 1;
  for (let i = 0; i < hex.length; i++) {
    const c = hex[i] as string;
    if (c === ':' && /^[0-9a-fA-F]*$/.test(hex.slice(0, i))) {
      return { reason: 'a tag must come before the digest: name:tag@digest', at: start + i };
    }
    if (!isHexDigit(c)) {
      return {
        reason: `invalid character ${describeChar(hex, i)} at ${charAt(start + i)}: digests are hexadecimal`,
        at: start + i,
      };
    }
  }
  if (hex.toLowerCase() !== hex) {
    return { reason: 'digest hex must be lowercase', at: start + hex.search(/[A-F]/) };
  }
  if (hex.length !== expected) {
    return { reason: `${algorithm} digests have ${expected} hex characters, got ${hex.length}`, at: start };
  }
  return null;
}

function checkAlgorithm(algorithm: string, offset: number): Problem | null {
  if (algorithm === '') return { reason: "digest algorithm is missing before ':'", at: offset };
  if (!ALGORITHM.test(algorithm))
    return { reason: `invalid digest algorithm ${quote(algorithm)}`, at: offset };
  if (Object.hasOwn(DIGEST_HEX_LENGTH, algorithm)) return null;
  const supported = Object.keys(DIGEST_HEX_LENGTH).join(', ');
  if (Object.hasOwn(DIGEST_HEX_LENGTH, algorithm.toLowerCase())) {
    return { reason: `digest algorithm must be lowercase (${quote(algorithm.toLowerCase())})`, at: offset };
  }
  return { reason: `unsupported digest algorithm ${quote(algorithm)} (supported: ${supported})`, at: offset };
}
