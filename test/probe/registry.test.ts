// One plain docker-registry with images pushed by skopeo: what exists, what does not, which platform is picked,
// a blob gone from storage, and how many requests five probes in one session cost.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout, buildIndexLayout, MT, type Layout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { probeImage } from '../../src/probe/probe.ts';
import { Session } from '../../src/registry/session.ts';
import {
  ACCESS_LOG,
  AMD64,
  ARM64,
  accessLogCount,
  assertFailure,
  assertPullable,
  plainHttp,
  probeOnce,
  step,
} from './support.ts';

describe('probe: a real registry', () => {
  const fx = useFixture();
  let reg: RunningRegistry;
  let multi: Layout;
  let v6: Layout;
  let singleArchIndex: Layout;
  let attestOnly: Layout;
  let arm64Image: Layout;
  let v2s2: Layout;
  let v2s2List: Layout;
  let broken: Layout;
  let big: Layout;
  const img = (repo: string) => `${reg.host}/${repo}`;

  before(async () => {
    reg = await fx.registry({ extraConfig: ACCESS_LOG });
    const push = (l: Layout, repo: string, format?: 'v2s2') =>
      pushImage(l, `docker://${reg.host}/${repo}`, { tlsVerify: false, ...(format ? { format } : {}) });
    multi = await buildIndexLayout(await fx.subdir('multi'), {
      images: ['linux/amd64', 'linux/arm64/v8'],
      attestation: true,
    });
    v6 = await buildIndexLayout(await fx.subdir('v6'), { images: ['linux/amd64', 'linux/arm/v6'] });
    singleArchIndex = await buildIndexLayout(await fx.subdir('one'), { images: ['linux/arm64'] });
    attestOnly = await buildIndexLayout(await fx.subdir('attest'), {
      images: ['linux/arm64'],
      attestation: true,
    });
    arm64Image = await buildImageLayout(await fx.subdir('arm64'), { platform: ARM64 });
    v2s2 = await buildImageLayout(await fx.subdir('v2s2'));
    v2s2List = await buildIndexLayout(await fx.subdir('v2s2list'), {
      images: ['linux/amd64', 'linux/arm64'],
    });
    broken = await buildImageLayout(await fx.subdir('broken'), {
      layers: [{ files: [{ path: 'only-here', content: 'a layer no other test image shares\n' }] }],
    });
    big = await buildImageLayout(await fx.subdir('big'), { layers: [{ randomBytes: 200_000, seed: 7 }] });
    for (const tag of ['1.0', '1.2.3', '1.2.5', 'latest', 'stable']) await push(multi, `team/app:${tag}`);
    await push(v6, 'team/armv6:1');
    await push(singleArchIndex, 'team/one-arch:1');
    await push(attestOnly, 'team/attested:1');
    await push(arm64Image, 'team/arm64-only:1');
    await push(v2s2, 'team/docker:1', 'v2s2');
    await push(v2s2List, 'team/docker-list:1', 'v2s2');
    await push(broken, 'team/broken:1');
    await push(big, 'team/big:1');
  });

  describe('pullable', () => {
    test('multi-platform index: amd64 and arm64 each get their own manifest', async () => {
      for (const [platform, image] of [
        [AMD64, multi.images[0]!],
        [ARM64, multi.images[1]!],
      ] as const) {
        const { result } = await probeOnce(img('team/app:1.0'), { platform, plainHttp });
        assertPullable(result);
        assert.equal(result.manifest?.mediaType, MT.ociIndex);
        assert.equal(result.manifest?.digest, multi.top.digest);
        assert.deepEqual(result.manifest?.platforms, ['linux/amd64', 'linux/arm64']);
        assert.equal(result.manifest?.selected?.digest, image.manifest.digest);
        assert.equal(step(result, 'platform').detail.exact, true);
        assert.equal(step(result, 'config').detail.architecture, platform.architecture);
        assert.equal(step(result, 'blob').detail.digest, image.layers[0]!.digest);
      }
    });

    test('linux/arm64/v8 is linux/arm64', async () => {
      const { result } = await probeOnce(img('team/app:1.0'), {
        platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        plainHttp,
      });
      assertPullable(result);
      assert.equal(result.manifest?.selected?.digest, multi.images[1]!.manifest.digest);
      assert.equal(step(result, 'platform').detail.exact, true);
    });

    test('linux/arm/v7 falls back to the linux/arm/v6 image when that is all there is', async () => {
      const { result } = await probeOnce(img('team/armv6:1'), {
        platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
        plainHttp,
      });
      assertPullable(result);
      const p = step(result, 'platform');
      assert.equal(p.detail.exact, false);
      assert.equal(p.detail.selected, 'linux/arm/v6');
      assert.equal(result.manifest?.selected?.digest, v6.images[1]!.manifest.digest);
      assert.match(p.summary, /fallback/);
    });

    test('a single-arch index', async () => {
      const { result } = await probeOnce(img('team/one-arch:1'), { platform: ARM64, plainHttp });
      assertPullable(result);
      assert.equal(result.manifest?.mediaType, MT.ociIndex);
      assert.equal(result.manifest?.selected?.digest, singleArchIndex.images[0]!.manifest.digest);
    });

    test('a layer larger than the probe reads: only its first 64 KiB are fetched, with a Range', async () => {
      const { result, log } = await probeOnce(img('team/big:1'), { plainHttp });
      assertPullable(result);
      const blob = step(result, 'blob');
      assert.equal(blob.detail.status, 206);
      assert.equal(blob.detail.bytesRead, 64 * 1024);
      assert.equal(blob.detail.size, big.images[0]!.layers[0]!.size);
      assert.ok(log.includes('>   range: bytes=0-65535'));
    });

    test('Docker v2s2 image and manifest list (pushed with --format v2s2)', async () => {
      const single = await probeOnce(img('team/docker:1'), { plainHttp });
      assertPullable(single.result);
      assert.equal(single.result.manifest?.mediaType, MT.dockerManifest);
      assert.equal(step(single.result, 'platform').summary, 'single-platform image for linux/amd64');

      const list = await probeOnce(img('team/docker-list:1'), { platform: ARM64, plainHttp });
      assertPullable(list.result);
      assert.equal(list.result.manifest?.mediaType, MT.dockerList);
      assert.equal(list.result.manifest?.selected?.mediaType, MT.dockerManifest);
    });
  });

  test('MANIFEST_NOT_FOUND: the repository exists, the tag does not; nearest tags suggested', async () => {
    const { result } = await probeOnce(img('team/app:1.2.4'), { plainHttp });
    const s = assertFailure(result, 'MANIFEST_NOT_FOUND', 'manifest');
    assert.equal(s.detail.status, 404);
    assert.deepEqual(s.detail.codes, ['MANIFEST_UNKNOWN']);
    assert.equal(s.detail.tagCount, 5);
    const suggestions = result.suggestions ?? [];
    assert.ok(suggestions.includes('1.2.3') && suggestions.includes('1.2.5'), suggestions.join());
    assert.ok(!suggestions.includes('stable'));
    assert.deepEqual(s.detail.suggestions, result.suggestions);

    const typo = await probeOnce(img('team/app:lates'), { plainHttp });
    assertFailure(typo.result, 'MANIFEST_NOT_FOUND', 'manifest');
    assert.equal(typo.result.suggestions?.[0], 'latest');

    const digest = `sha256:${'0'.repeat(64)}`;
    const byDigest = await probeOnce(img(`team/app@${digest}`), { plainHttp });
    const d = assertFailure(byDigest.result, 'MANIFEST_NOT_FOUND', 'manifest');
    assert.match(d.summary, new RegExp(digest));
  });

  test('REPOSITORY_NOT_FOUND: only the tag list says NAME_UNKNOWN, and the probe asks it', async () => {
    const { result, log } = await probeOnce(img('team/no-such-repo:1'), { plainHttp });
    const s = assertFailure(result, 'REPOSITORY_NOT_FOUND', 'manifest');
    assert.deepEqual(s.detail.codes, ['MANIFEST_UNKNOWN'], 'the manifest endpoint alone cannot tell');
    assert.equal(s.detail.tagsStatus, 404);
    assert.match(s.summary, /team\/no-such-repo does not exist/);
    assert.ok(log.some((l) => l.startsWith('> GET') && l.includes('/team/no-such-repo/tags/list')));
    assert.equal(result.suggestions, undefined);
  });

  describe('PLATFORM_MISMATCH', () => {
    test('an index without the wanted platform', async () => {
      const { result } = await probeOnce(img('team/app:1.0'), {
        platform: { os: 'linux', architecture: 's390x' },
        plainHttp,
      });
      const s = assertFailure(result, 'PLATFORM_MISMATCH', 'platform');
      assert.equal(s.detail.wanted, 'linux/s390x');
      assert.deepEqual(s.detail.available, ['linux/amd64', 'linux/arm64']);
    });

    test('a single-platform image built for another architecture', async () => {
      const { result } = await probeOnce(img('team/arm64-only:1'), { platform: AMD64, plainHttp });
      const s = assertFailure(result, 'PLATFORM_MISMATCH', 'platform');
      assert.equal(step(result, 'config').detail.architecture, 'arm64', 'the config was read to find out');
      assert.deepEqual(s.detail.available, ['linux/arm64']);
      assert.equal(s.detail.wanted, 'linux/amd64');
    });

    test('an index whose only other entry is an attestation is not pullable on amd64', async () => {
      const { result } = await probeOnce(img('team/attested:1'), { platform: AMD64, plainHttp });
      const s = assertFailure(result, 'PLATFORM_MISMATCH', 'platform');
      assert.deepEqual(s.detail.available, ['linux/arm64'], 'unknown/unknown is not offered as a platform');
      assert.equal(result.manifest?.digest, attestOnly.top.digest);
    });
  });

  test('LAYER_DOWNLOAD_FAILED: a layer blob deleted from the storage directory after the push', async () => {
    const layer = broken.images[0]!.layers[0]!;
    const hex = layer.digest.slice('sha256:'.length);
    await rm(join(reg.dir, 'data/docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex), {
      recursive: true,
    });
    const { result } = await probeOnce(img('team/broken:1'), { plainHttp });
    const s = assertFailure(result, 'LAYER_DOWNLOAD_FAILED', 'blob');
    assert.match(s.summary, new RegExp(layer.digest));
    assert.equal(step(result, 'config').ok, true, 'the manifest and config were fine');
    assert.equal(s.detail.status, 404);
    assert.deepEqual(s.detail.codes, ['BLOB_UNKNOWN']);
  });

  test('dedup: five images probed at once in one session cost one /v2/ ping', async () => {
    const images = [
      'team/app:1.0',
      'team/app:latest',
      'team/one-arch:1',
      'team/docker:1',
      'team/armv6:1',
    ].map(img);
    const pingsBefore = accessLogCount(reg.output(), 'GET', '/v2/');
    const log: string[] = [];
    const session = new Session({ timeoutMs: 5000, log: (l) => log.push(l) });
    try {
      const results = await Promise.all(
        images.map((i) => probeImage(i, session, { platform: ARM64, plainHttp })),
      );
      // team/docker:1 is amd64 only; the others have an arm64 image.
      assert.deepEqual(
        results.map((r) => r.cause),
        [null, null, null, 'PLATFORM_MISMATCH', null],
      );
      assert.equal(
        results.filter((r) => step(r, 'ping').detail.reused === true).length,
        4,
        'four probes reused the first one’s ping',
      );
      // index: HEAD + manifest + child + config + blob; single manifest: HEAD + manifest + config.
      assert.equal(session.requestCount, 1 + 4 * 5 + 3);
      assert.equal(log.filter((l) => l.startsWith('> GET') && l.endsWith('/v2/')).length, 1);
    } finally {
      await session.close();
    }
    // The registry's own access log, written after the response: allow it a moment to appear.
    let pings = 0;
    for (let i = 0; i < 20; i++) {
      pings = accessLogCount(reg.output(), 'GET', '/v2/') - pingsBefore;
      if (pings >= 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(pings, 1, 'the registry saw exactly one /v2/ from the session');
  });
});
