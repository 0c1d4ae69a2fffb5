// OCI 1.1 referrers of a manifest (distribution-spec "Listing Referrers"): the referrers API first, and when the
// registry has none (404, as distribution 2.8), the referrers tag schema `sha256-<hex>` that clients maintain
// themselves. Lives here rather than in src/registry because only signature discovery needs it so far.
import * as z from 'zod/mini';
import { RegdoctorError } from '../cause/index.ts';
import type { RepositoryAccess } from '../probe/probe.ts';
import { descriptorShape, MEDIA, sha256 } from '../registry/manifest.ts';
import { header, type HttpResponse, type Transport } from '../transport/http.ts';
import { describeIssue } from '../util/schema.ts';
import { isMissing, registryFailure } from './failure.ts';

/** A referrers index holds descriptors only; thousands of referrers would still fit. */
const MAX_INDEX_BYTES = 1024 * 1024;
/** An artifact manifest is a config, one or two layers and a subject: well under a kilobyte in practice. */
export const MAX_ARTIFACT_MANIFEST_BYTES = 256 * 1024;
/** Pages of a paginated referrers answer to follow before giving up (the answer is then marked incomplete). */
const MAX_PAGES = 10;

const descriptor = z.object({ ...descriptorShape, artifactType: z.optional(z.string()) });
export type ReferrerDescriptor = z.infer<typeof descriptor>;

const referrersIndex = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  manifests: z.array(descriptor),
});

const artifactManifest = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  artifactType: z.optional(z.string()),
  config: descriptor,
  layers: z.array(descriptor),
  subject: z.optional(descriptor),
  annotations: z.optional(z.record(z.string(), z.string())),
});
export type ArtifactManifest = z.infer<typeof artifactManifest>;

export interface Referrers {
  /** `api`: GET /v2/<name>/referrers/<digest>; `tag`: the fallback tag (the registry has no referrers API). */
  source: 'api' | 'tag';
  /** The fallback tag, when that is where the list came from. */
  tag?: string;
  descriptors: ReferrerDescriptor[];
  /** False when pagination was cut off: a referrer missing from the list may still exist. */
  complete: boolean;
}

/** `sha256:abc…` → `sha256-abc…`, the referrers tag schema's tag. */
export function referrersTag(d: string): string {
  return d.replace(':', '-');
}

function parseJson<T>(schema: z.ZodMiniType<T>, body: Buffer, what: string, step: 'manifest' | 'blob'): T {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegdoctorError('REGISTRY_ERROR', `${what} is not JSON`, { step });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new RegdoctorError(
      'REGISTRY_ERROR',
      `${what} is malformed: ${describeIssue(parsed.error.issues[0])}`,
      {
        step,
      },
    );
  return parsed.data;
}

function auth(access: RepositoryAccess): Record<string, string> {
  return access.authorization ? { authorization: access.authorization } : {};
}

async function fromApi(transport: Transport, access: RepositoryAccess): Promise<Referrers | null> {
  const descriptors: ReferrerDescriptor[] = [];
  let url: URL | null = new URL(`${access.repository}/referrers/${access.digest}`, access.base);
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const res: HttpResponse = await transport.request({
      url,
      headers: { accept: MEDIA.ociIndex, ...auth(access) },
      maxBodyBytes: MAX_INDEX_BYTES,
      step: 'manifest',
    });
    // The spec's signal for "no referrers API here"; an API that exists answers 200 with an empty index.
    if (res.status === 404 && page === 0) return null;
    if (res.status !== 200) throw registryFailure(res, `referrers of ${access.digest}`, 'manifest');
    const index = parseJson(referrersIndex, res.body, `the referrers list of ${access.digest}`, 'manifest');
    descriptors.push(...index.manifests);
    const link = /<([^>]+)>;\s*rel="?next"?/.exec(header(res.headers, 'link') ?? '')?.[1];
    const next: URL | null = link ? new URL(link, url) : null;
    url = next && next.origin === access.base.origin ? next : null;
  }
  return { source: 'api', descriptors, complete: url === null };
}

async function fromTag(transport: Transport, access: RepositoryAccess): Promise<Referrers> {
  const tag = referrersTag(access.digest);
  const res = await transport.request({
    url: new URL(`${access.repository}/manifests/${tag}`, access.base),
    headers: { accept: MEDIA.ociIndex, ...auth(access) },
    maxBodyBytes: MAX_INDEX_BYTES,
    step: 'manifest',
  });
  if (isMissing(res)) return { source: 'tag', tag, descriptors: [], complete: true };
  if (res.status !== 200) throw registryFailure(res, `referrers tag ${tag}`, 'manifest');
  const index = parseJson(referrersIndex, res.body, `the referrers index at ${tag}`, 'manifest');
  return { source: 'tag', tag, descriptors: index.manifests, complete: true };
}

/** Lists what refers to `access.digest`, optionally asking the API to filter by artifact type (it may not). */
export async function listReferrers(transport: Transport, access: RepositoryAccess): Promise<Referrers> {
  return (await fromApi(transport, access)) ?? (await fromTag(transport, access));
}

/**
 * Fetches a referrer's manifest by digest and checks the bytes are the ones the digest names. A body that is not
 * an artifact manifest comes back as `problem` (a verdict on that referrer, not on the registry); null if missing.
 */
export async function getArtifactManifest(
  transport: Transport,
  access: RepositoryAccess,
  ref: string,
): Promise<ArtifactManifest | { problem: string } | null> {
  const res = await transport.request({
    url: new URL(`${access.repository}/manifests/${ref}`, access.base),
    headers: { accept: MEDIA.ociManifest, ...auth(access) },
    maxBodyBytes: MAX_ARTIFACT_MANIFEST_BYTES,
    step: 'manifest',
  });
  if (isMissing(res)) return null;
  if (res.status !== 200) throw registryFailure(res, `referrer manifest ${ref}`, 'manifest');
  const actual = sha256(res.body);
  if (actual !== ref)
    throw new RegdoctorError(
      'REGISTRY_ERROR',
      `registry served a manifest with digest ${actual} for ${ref}`,
      {
        step: 'manifest',
        expected: ref,
        actual,
      },
    );
  try {
    return parseJson(artifactManifest, res.body, `the referrer manifest ${ref}`, 'manifest');
  } catch (e) {
    if (e instanceof RegdoctorError) return { problem: e.message };
    throw e;
  }
}

/** The manifest bytes `access.digest` names: what a message-signature bundle over the image signs. */
export async function getManifestBytes(transport: Transport, access: RepositoryAccess): Promise<Buffer> {
  const res = await transport.request({
    url: new URL(`${access.repository}/manifests/${access.digest}`, access.base),
    headers: {
      accept: [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', '),
      ...auth(access),
    },
    maxBodyBytes: 4 * 1024 * 1024,
    step: 'manifest',
  });
  if (res.status !== 200) throw registryFailure(res, `manifest ${access.digest}`, 'manifest');
  const actual = sha256(res.body);
  if (actual !== access.digest)
    throw new RegdoctorError(
      'REGISTRY_ERROR',
      `registry served a manifest with digest ${actual} for ${access.digest}`,
      { step: 'manifest', expected: access.digest, actual },
    );
  return res.body;
}
