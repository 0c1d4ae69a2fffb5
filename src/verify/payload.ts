// The simple-signing payload cosign signs (sigstore/sigstore pkg/signature/payload). cosign decodes it with Go's
// encoding/json, which matches keys case-insensitively (the spec's own example spells `Docker-manifest-digest`),
// so every key here is looked up the same way.
import * as z from 'zod/mini';

export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

const object = z.record(z.string(), z.unknown());

/** Go's rule: an exact key wins, otherwise the first key equal under case folding. */
function field(obj: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  const k = Object.keys(obj).find((key) => key.toLowerCase() === lower);
  return k === undefined ? undefined : obj[k];
}

export type PayloadCheck = { ok: true; digest: string } | { ok: false; message: string };

/** Reads the claims the signature vouches for: the type and the image digest. */
export function readPayload(body: Buffer): PayloadCheck {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, message: 'the payload is not JSON' };
  }
  const top = object.safeParse(json);
  if (!top.success) return { ok: false, message: 'the payload is not a JSON object' };
  const critical = object.safeParse(field(top.data, 'critical'));
  if (!critical.success) return { ok: false, message: 'the payload has no "critical" object' };
  const type = field(critical.data, 'type');
  if (type !== COSIGN_SIGNATURE_TYPE) {
    return {
      ok: false,
      message: `the payload's critical.type is ${JSON.stringify(type ?? null)}, not "${COSIGN_SIGNATURE_TYPE}"`,
    };
  }
  const image = object.safeParse(field(critical.data, 'image'));
  const digest = image.success ? field(image.data, 'docker-manifest-digest') : undefined;
  if (typeof digest !== 'string' || !digest)
    return { ok: false, message: 'the payload has no critical.image.docker-manifest-digest' };
  return { ok: true, digest };
}
