// Planning for a batch of probes that share one session (a cluster scan, an exporter round).
import { tryParseReference } from '../reference/index.ts';

/**
 * Which images of a batch share their repository with another one: for those, listing the repository's tags
 * once (ProbeOptions.tagsFirst) answers every missing tag without a manifest request each.
 */
export function sharesRepository(images: Iterable<string>): (image: string) => boolean {
  const count = new Map<string, number>();
  for (const image of images) {
    const repo = repositoryOf(image);
    if (repo) count.set(repo, (count.get(repo) ?? 0) + 1);
  }
  return (image) => (count.get(repositoryOf(image) ?? '') ?? 0) > 1;
}

/** `registry/repository`, or null when the image does not parse (its probe then says why). */
function repositoryOf(image: string): string | null {
  const ref = tryParseReference(image);
  return ref && `${ref.registry}/${ref.repository}`;
}
