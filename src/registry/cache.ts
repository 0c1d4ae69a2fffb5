// Manifests by digest. Content-addressed, so an entry is never stale: a caller that checks the same image again
// (the exporter every interval, the policy engine after its TTL) resolves the tag with a HEAD and, when the digest
// is unchanged, needs no manifest GET — what Docker Hub counts against the pull limit. A runtime does the same: a
// manifest already in its content store is not downloaded again.
import type { Manifest } from './manifest.ts';

export interface CachedManifest {
  manifest: Manifest;
  digest: string;
  size: number;
  mediaType: string;
}

export class ManifestCache {
  private readonly entries = new Map<string, CachedManifest>();

  /** `max` manifests at most (each is at most 4 MiB, most a few KiB); the least recently used go first. */
  constructor(private readonly max = 256) {}

  get(digest: string): CachedManifest | undefined {
    const e = this.entries.get(digest);
    if (e) {
      this.entries.delete(digest);
      this.entries.set(digest, e);
    }
    return e;
  }

  set(entry: CachedManifest): void {
    this.entries.delete(entry.digest);
    this.entries.set(entry.digest, entry);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}
