// Size and count bounds on what a registry may send. Real answers are far below each; a larger one is a broken or
// hostile server, refused before it fills memory.
export const LIMITS = {
  /** distribution refuses manifests over 4 MiB; anything larger is hostile. */
  manifestBytes: 4 * 1024 * 1024,
  configBytes: 8 * 1024 * 1024,
  errorBytes: 256 * 1024,
  /** Enough of a layer to prove it downloads, not so much that a probe pulls the image. */
  layerProbeBytes: 64 * 1024,
  /** One page of a tag list (a 1,000-tag page is ~30 KiB; registries that ignore `n` send all at once). */
  tagPageBytes: 4 * 1024 * 1024,
  /**
   * All pages of one tag listing together: ~150,000 tags of ordinary length, more than LIMITS.tags. Parsed JSON
   * takes about seven times its size in memory, so this is what bounds a listing's memory (~30 MB).
   */
  tagBytes: 4 * 1024 * 1024,
  tagPages: 10,
  /** `regdoctor tags` lists every page: up to 100 pages of 1,000 and 32 MiB in all. */
  tagListingPages: 100,
  tagListingBytes: 32 * 1024 * 1024,
  /** Distinct tags kept from one listing. */
  tags: 100_000,
  /** A referrers index holds descriptors only; thousands of referrers would still fit. */
  referrersPageBytes: 1024 * 1024,
  referrersPages: 10,
  /** Distinct platform manifests read from one index; real images have a dozen or two. */
  indexPlatforms: 64,
} as const;
