// ES256 JWTs in the shape distribution 2.8's token auth verifies (registry/auth/token/token.go): header with
// `x5c` (standard base64 DER, leaf first) checked against `rootcertbundle`; `aud` a single string, since 2.8's
// ClaimSet declares it as one; signature JOSE raw r||s, not DER.
import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: AccessEntry[];
}

export interface Signer {
  key: KeyObject;
  /** Base64 DER certificates, signing certificate first. */
  x5c: string[];
}

export function signerFrom(keyPem: string, x5c: string[]): Signer {
  return { key: createPrivateKey(keyPem), x5c };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function signJwt(signer: Signer, claims: TokenClaims): string {
  const header = { typ: 'JWT', alg: 'ES256', x5c: signer.x5c };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const sig = sign('sha256', Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}

export function makeClaims(opts: {
  issuer: string;
  subject: string;
  audience: string;
  access: AccessEntry[];
  lifetimeSeconds: number;
  now?: number;
}): TokenClaims {
  const iat = Math.floor((opts.now ?? Date.now()) / 1000);
  return {
    iss: opts.issuer,
    sub: opts.subject,
    aud: opts.audience,
    exp: iat + opts.lifetimeSeconds,
    nbf: iat,
    iat,
    jti: randomUUID(),
    access: opts.access,
  };
}

/** Decodes (without verifying) a compact JWT, for tests that inspect what a server issued. */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: TokenClaims } {
  const [h, c] = token.split('.');
  if (h === undefined || c === undefined) throw new Error('not a compact JWT');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as TokenClaims,
  };
}
