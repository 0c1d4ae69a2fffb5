// OCI 1.1 referrers of a manifest (distribution-spec "Listing Referrers"): the referrers API first, and when the
// registry has none (404, as distribution 2.8), the referrers tag schema `sha256-<hex>` that clients maintain
// themselves.
import * as z from 'zod/mini';
import { RegdoctorError } from '../cause/index.ts';
import { describeIssue } from '../util/schema.ts';
import { isMissing, RegistryError } from './errors.ts';
import { LIMITS } from './limits.ts';
import { descriptorShape, MEDIA } from './manifest.ts';
import { paginate, type Cut } from './pages.ts';
import type { Repository } from './repository.ts';

const descriptor = z.object({ ...descriptorShape, artifactType: z.optional(z.string()) });
export type ReferrerDescriptor = z.infer<typeof descriptor>;

const referrersIndex = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  manifests: z.array(descriptor),
});

export interface Referrers {
  /** `api`: GET /v2/<name>/referrers/<digest>; `tag`: the fallback tag (the registry has no referrers API). */
  source: 'api' | 'tag';
  /** The fallback tag, when that is where the list came from. */
  tag?: string;
  descriptors: ReferrerDescriptor[];
  /** False when pagination was cut off: a referrer missing from the list may still exist. */
  complete: boolean;
  cut?: Cut;
}

/** `sha256:abc…` → `sha256-abc…`, the referrers tag schema's tag. */
export function referrersTag(d: string): string {
  return d.replace(':', '-');
}

/** JSON checked against a schema; a body that is neither is a REGISTRY_ERROR naming `what`. */
export function parseJson<T>(
  schema: z.ZodMiniType<T>,
  body: Buffer,
  what: string,
  step: 'manifest' | 'blob',
): T {
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

async function fromApi(repo: Repository, digest: string): Promise<Referrers | null> {
  const descriptors: ReferrerDescriptor[] = [];
  let paged;
  try {
    paged = await paginate(
      repo,
      repo.url(`referrers/${digest}`),
      { op: 'referrers', what: `referrers of ${digest}`, step: 'manifest', accept: MEDIA.ociIndex },
      {
        pages: LIMITS.referrersPages,
        pageBytes: LIMITS.referrersPageBytes,
        totalBytes: 4 * LIMITS.referrersPageBytes,
      },
      (body) => {
        for (const d of parseJson(referrersIndex, body, `the referrers list of ${digest}`, 'manifest')
          .manifests)
          descriptors.push(d);
        return true;
      },
    );
  } catch (err) {
    // The spec's signal for "no referrers API here"; an API that exists answers 200 with an empty index.
    if (err instanceof RegistryError && err.status === 404) return null;
    throw err;
  }
  return { source: 'api', descriptors, complete: paged.cut === undefined, cut: paged.cut };
}

async function fromTag(repo: Repository, digest: string): Promise<Referrers> {
  const tag = referrersTag(digest);
  let body: Buffer;
  try {
    ({ body } = await repo.manifestBytes(tag, {
      accept: MEDIA.ociIndex,
      maxBytes: LIMITS.referrersPageBytes,
      what: `referrers tag ${tag}`,
    }));
  } catch (err) {
    if (err instanceof RegistryError && isMissing(err))
      return { source: 'tag', tag, descriptors: [], complete: true };
    throw err;
  }
  const index = parseJson(referrersIndex, body, `the referrers index at ${tag}`, 'manifest');
  return { source: 'tag', tag, descriptors: index.manifests, complete: true };
}

/** What refers to `digest` in this repository. */
export async function listReferrers(repo: Repository, digest: string): Promise<Referrers> {
  return (await fromApi(repo, digest)) ?? (await fromTag(repo, digest));
}
