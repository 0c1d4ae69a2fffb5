// Expiry of short-lived registry passwords that carry it in the clear: ECR authorization tokens (user "AWS", the
// password is base64 JSON with "expiration" in Unix seconds) and JWTs (ACR refresh tokens, OIDC tokens) with an
// `exp` claim. Decoded without verifying anything: only the date is read, and every decoded form is registered.
import { registerSecret } from '../credentials/index.ts';

export interface TokenExpiry {
  kind: 'ECR authorization token' | 'JWT';
  /** Milliseconds since epoch. */
  expires: number;
}

function jsonObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function decode(segment: string, alphabet: 'base64' | 'base64url'): string {
  const text = Buffer.from(segment, alphabet).toString('utf8');
  registerSecret(text);
  return text;
}

const seconds = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v * 1000 : null;

export function tokenExpiry(username: string | undefined, password: string | undefined): TokenExpiry | null {
  if (!password) return null;
  if (username === 'AWS' && /^[A-Za-z0-9+/]+=*$/.test(password)) {
    const expires = seconds(jsonObject(decode(password, 'base64'))?.expiration);
    if (expires !== null) return { kind: 'ECR authorization token', expires };
  }
  const jwt = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*$/.exec(password);
  if (jwt) {
    const header = jsonObject(decode(jwt[1] as string, 'base64url'));
    if (header && (typeof header.alg === 'string' || typeof header.typ === 'string')) {
      const expires = seconds(jsonObject(decode(jwt[2] as string, 'base64url'))?.exp);
      if (expires !== null) return { kind: 'JWT', expires };
    }
  }
  return null;
}
