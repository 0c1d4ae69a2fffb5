// The registry basics `tags`, `manifest` and `digest` do, over the client (what crane's pkg/crane is over remote):
// every page of a tag list, a manifest's exact bytes, and the digest a reference resolves to — each optionally
// narrowed to one platform of an index, chosen by the runtime's rules.
import { RegdoctorError } from '../cause/index.ts';
import { describeAvailable, formatPlatform, selectPlatform, type Platform } from '../platform/index.ts';
import { LIMITS } from './limits.ts';
import { indexEntries, isIndex, parseManifest } from './manifest.ts';
import type { Repository } from './repository.ts';
import { listTags, type TagList } from './tags.ts';
import { header } from '../transport/http.ts';

/** Every page of the repository's tags, up to the listing limits (TagList.complete says whether it got all). */
export function allTags(repo: Repository): Promise<TagList> {
  return listTags(repo, 'manifest', { pages: LIMITS.tagListingPages, totalBytes: LIMITS.tagListingBytes });
}

export interface RawManifest {
  /** Exactly as the registry sent it; its sha256 is `digest`. */
  body: Buffer;
  digest: string;
  mediaType: string;
}

/** The manifest `ref` names, or with `platform` the one an index lists for it (a runtime's choice). */
export async function manifestFor(repo: Repository, ref: string, platform?: Platform): Promise<RawManifest> {
  const got = await repo.manifestBytes(ref);
  const contentType = header(got.response.headers, 'content-type');
  const manifest = parseManifest(got.body, contentType);
  const top = { body: got.body, digest: got.digest, mediaType: manifest.mediaType };
  if (!platform || !isIndex(manifest)) return top;
  const entries = indexEntries(manifest);
  const chosen = selectPlatform(entries, platform);
  if (!chosen) {
    const available = describeAvailable(entries);
    throw new RegdoctorError(
      'PLATFORM_MISMATCH',
      `${repo.name}:${ref} has no image for ${formatPlatform(platform)}; it has ${available.join(', ') || 'no platform'}`,
      { available },
    );
  }
  const child = await repo.manifestBytes(chosen.entry.digest);
  const childType = parseManifest(child.body, header(child.response.headers, 'content-type')).mediaType;
  return { body: child.body, digest: child.digest, mediaType: childType };
}

export interface ResolvedDigest {
  digest: string;
  mediaType: string | null;
}

/**
 * The digest `ref` resolves to — a HEAD, as a runtime resolves (free against Docker Hub's pull limit) — or with
 * `platform` the digest of the manifest an index lists for it.
 */
export async function digestFor(repo: Repository, ref: string, platform?: Platform): Promise<ResolvedDigest> {
  if (platform) {
    const m = await manifestFor(repo, ref, platform);
    return { digest: m.digest, mediaType: m.mediaType };
  }
  const r = await repo.resolve(ref);
  return { digest: r.digest, mediaType: r.mediaType ?? null };
}
