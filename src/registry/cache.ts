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
  private bytes = 0;

  /**
   * `max` manifests and `maxBytes` of them at most, the least recently used going first. Most are a few KiB; a
   * registry may send 4 MiB ones, which parse to several times that, so a count alone would let one fill the heap.
   */
  constructor(
    private readonly max = 256,
    private readonly maxBytes = 8 * 1024 * 1024,
  ) {}

  get(digest: string): CachedManifest | undefined {
    const e = this.entries.get(digest);
    if (e) {
      this.entries.delete(digest);
      this.entries.set(digest, e);
    }
    return e;
  }

  set(entry: CachedManifest): void {
    this.drop(entry.digest);
    if (entry.size > this.maxBytes) return;
    this.entries.set(entry.digest, entry);
    this.bytes += entry.size;
    while (this.entries.size > this.max || this.bytes > this.maxBytes)
      this.drop(this.entries.keys().next().value!);
  }

  private drop(digest: string): void {
    const e = this.entries.get(digest);
    if (!e) return;
    this.entries.delete(digest);
    this.bytes -= e.size;
  }
}
