// The artifact manifests signature discovery opens: a referrer's manifest by digest, and the signed image's own
// manifest bytes (what a message-signature bundle signs). Listing referrers is the registry client's
// (registry/referrers.ts).
import * as z from 'zod/mini';
import { RegdoctorError } from '../cause/index.ts';
import { isMissing, RegistryError } from '../registry/errors.ts';
import { descriptorShape, MEDIA } from '../registry/manifest.ts';
import { parseJson } from '../registry/referrers.ts';
import type { Repository } from '../registry/repository.ts';

/** An artifact manifest is a config, one or two layers and a subject: well under a kilobyte in practice. */
export const MAX_ARTIFACT_MANIFEST_BYTES = 256 * 1024;

const descriptor = z.object({ ...descriptorShape, artifactType: z.optional(z.string()) });

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

/**
 * Fetches a referrer's manifest by digest (checked against it). A body that is not an artifact manifest comes
 * back as `problem` (a verdict on that referrer, not on the registry); null if missing.
 */
export async function getArtifactManifest(
  repo: Repository,
  ref: string,
): Promise<ArtifactManifest | { problem: string } | null> {
  let body: Buffer;
  try {
    ({ body } = await repo.manifestBytes(ref, {
      accept: MEDIA.ociManifest,
      maxBytes: MAX_ARTIFACT_MANIFEST_BYTES,
      what: `referrer manifest ${ref}`,
    }));
  } catch (err) {
    if (err instanceof RegistryError && isMissing(err)) return null;
    throw err;
  }
  try {
    return parseJson(artifactManifest, body, `the referrer manifest ${ref}`, 'manifest');
  } catch (e) {
    if (e instanceof RegdoctorError) return { problem: e.message };
    throw e;
  }
}

/** The manifest bytes `digest` names: what a message-signature bundle over the image signs. */
export async function getManifestBytes(repo: Repository, digest: string): Promise<Buffer> {
  const { body } = await repo.manifestBytes(digest, {
    accept: [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', '),
    what: `manifest ${digest}`,
  });
  return body;
}
