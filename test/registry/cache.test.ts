// The manifest cache is bounded in bytes as well as in count: a registry can send 4 MiB manifests, and 256 of them
// parsed would fill the heap of a long-running process (the webhook, the exporter).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestCache, type CachedManifest } from '../../src/registry/cache.ts';

const entry = (n: number, size: number): CachedManifest => ({
  digest: `sha256:${String(n).padStart(64, '0')}`,
  size,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifest: { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] },
});

test('past its byte budget the least recently used manifests go first', () => {
  const cache = new ManifestCache(100, 1000);
  for (let i = 0; i < 5; i++) cache.set(entry(i, 100));
  cache.get(entry(0, 0).digest); // used again: kept
  for (let i = 5; i < 10; i++) cache.set(entry(i, 100));
  cache.set(entry(10, 100));
  const held = Array.from({ length: 11 }, (_, i) => cache.get(entry(i, 0).digest) !== undefined);
  assert.deepEqual(held, [true, false, true, true, true, true, true, true, true, true, true]);
});

test('a manifest larger than the whole budget is not kept; replacing one does not count it twice', () => {
  const cache = new ManifestCache(100, 800);
  cache.set(entry(1, 801));
  assert.equal(cache.get(entry(1, 0).digest), undefined);
  for (let i = 0; i < 20; i++) cache.set(entry(2, 100));
  for (let i = 3; i < 10; i++) cache.set(entry(i, 100));
  assert.ok(cache.get(entry(2, 0).digest), 'eight of 100 bytes fit 800');
});
