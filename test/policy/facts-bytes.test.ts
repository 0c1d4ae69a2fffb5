// The webhook's registry facts are bounded by what they hold, not only by a count of images: an image keeps its
// manifests (up to 256 KiB each, an index and 64 platform manifests), so 5000 images could hold gigabytes. A real
// docker-registry serves a manifest padded to 30 KiB under several tags; a cache of 100 KB keeps two of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { countingProxy } from '../helpers/counting-proxy.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { RegistryFacts } from '../../src/policy/facts.ts';
import { parseReference } from '../../src/reference/index.ts';

const fx = useFixture();
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

test('the facts cache stays within its byte budget: large manifests evict the least recently used images', async () => {
  const reg = await fx.registry();
  await pushImage(
    await buildImageLayout(await fx.subdir('img'), { tag: '1' }),
    `docker://${reg.host}/team/app:1`,
    {
      tlsVerify: false,
    },
  );
  const got = await fetch(`${reg.url}/v2/team/app/manifests/1`, { headers: { accept: OCI_MANIFEST } });
  const manifest = (await got.json()) as Record<string, unknown>;
  const padded = JSON.stringify({ ...manifest, annotations: { pad: 'x'.repeat(30_000) } });
  for (const tag of ['big0', 'big1', 'big2', 'big3']) {
    const put = await fetch(`${reg.url}/v2/team/app/manifests/${tag}`, {
      method: 'PUT',
      headers: { 'content-type': OCI_MANIFEST },
      body: padded,
    });
    assert.equal(put.status, 201);
  }
  const proxy = await fx.start(countingProxy(reg.url));
  const maxBytes = 100_000;
  const facts = new RegistryFacts({ registry: { plainHttp: true }, ttlMs: 60_000, now: Date.now, maxBytes });
  try {
    const ref = (tag: string) => parseReference(`${proxy.host}/team/app:${tag}`);
    const heads = (tag: string) =>
      proxy.lines().filter((l) => l === `HEAD /v2/team/app/manifests/${tag}`).length;
    for (const tag of ['big0', 'big1', 'big2', 'big3']) {
      await facts.resolve(ref(tag));
      await facts.resolve(ref('big3'));
    }
    // The most recent image is cached; the first went for bytes (the count limit is 5000).
    assert.equal(heads('big3'), 1, 'the most recent image is cached');
    await facts.resolve(ref('big0'));
    assert.equal(heads('big0'), 2, 'the oldest image was evicted and is looked up again');
    const { bytes, images } = facts.state();
    assert.ok(bytes <= maxBytes, `${bytes} bytes cached, over ${maxBytes}`);
    // About 37 KB each: the padded manifest, and what every image holds.
    assert.equal(images, 2);
  } finally {
    facts.close();
  }
});
