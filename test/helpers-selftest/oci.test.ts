import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { fetch } from 'undici';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout, buildIndexLayout, sha256, MT } from '../helpers/oci.ts';
import { blobPath } from '../helpers/oci-blobs.ts';
import { inspectRaw, pushImage } from '../helpers/skopeo.ts';

async function tarNames(tar: Buffer): Promise<string[]> {
  const names: string[] = [];
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      names.push(entry.header.name);
      entry.resume();
    }
  })();
  ex.end(tar);
  await done;
  return names;
}

const readJson = async (dir: string, digest: string) =>
  JSON.parse(await readFile(blobPath(dir, digest), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('oci layouts', () => {
  const fx = useFixture();

  test('single image: content-addressed blobs, diff_ids of the uncompressed tar, config fields, deterministic', async () => {
    const dir = await fx.subdir('single');
    const layout = await buildImageLayout(dir, {
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
      entrypoint: ['/bin/app', '--serve'],
      user: '1000',
    });
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
    assert.equal(index.manifests[0].digest, layout.top.digest);
    assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'latest');
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8')), {
      imageLayoutVersion: '1.0.0',
    });

    const manifest = await readJson(dir, layout.top.digest);
    assert.equal(manifest.mediaType, MT.ociManifest);
    const config = await readJson(dir, manifest.config.digest);
    assert.deepEqual([config.os, config.architecture, config.variant], ['linux', 'arm', 'v7']);
    assert.deepEqual(config.config.Entrypoint, ['/bin/app', '--serve']);
    assert.equal(config.config.User, '1000');
    for (const [i, l] of manifest.layers.entries()) {
      const gz = await readFile(blobPath(dir, l.digest));
      assert.equal(sha256(gz), l.digest);
      assert.equal(gz.length, l.size);
      const tar = gunzipSync(gz);
      assert.equal(sha256(tar), config.rootfs.diff_ids[i]);
      assert.deepEqual(await tarNames(tar), ['etc/regdoctor-test', 'app/hello.sh']);
    }
    const again = await buildImageLayout(await fx.subdir('again'), {
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
      entrypoint: ['/bin/app', '--serve'],
      user: '1000',
    });
    assert.equal(again.top.digest, layout.top.digest);
  });

  test('a sized random layer is about that big compressed', async () => {
    const layout = await buildImageLayout(await fx.subdir('big'), { layers: [{ randomBytes: 3_000_000 }] });
    const size = layout.images[0]?.layers[0]?.size ?? 0;
    assert.ok(size > 3_000_000 && size < 3_100_000, `compressed size ${size}`);
  });

  test('pushes: single, multi-platform + attestation, single-arch index, Docker v2s2 image and list', async () => {
    const reg = await fx.registry();
    const http = { tlsVerify: false };
    const multi = await buildIndexLayout(await fx.subdir('multi'), {
      images: ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'],
      attestation: true,
    });
    const one = await buildIndexLayout(await fx.subdir('one'), { images: ['linux/arm64/v8'] });
    const single = await buildImageLayout(await fx.subdir('single'));
    const twoPlatforms = await buildIndexLayout(await fx.subdir('two'), {
      images: ['linux/amd64', 'linux/arm64'],
    });

    const pushed = await Promise.all([
      pushImage(multi, `docker://${reg.host}/multi:1`, http),
      pushImage(one, `docker://${reg.host}/one:1`, http),
      pushImage(single, `docker://${reg.host}/single:v2s2`, { ...http, format: 'v2s2' }),
      pushImage(twoPlatforms, `docker://${reg.host}/list:1`, { ...http, format: 'v2s2' }),
    ]);
    assert.equal(pushed[0]?.digest, multi.top.digest, 'the OCI index survives the push unchanged');

    const raw = JSON.parse(await inspectRaw(`docker://${reg.host}/multi:1`, http));
    assert.equal(raw.mediaType, MT.ociIndex);
    const plats = raw.manifests.map(
      (m: { platform: { os: string; architecture: string; variant?: string } }) =>
        [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/'),
    );
    assert.deepEqual(plats, [
      'linux/amd64',
      'linux/arm64/v8',
      'linux/arm/v7',
      'unknown/unknown',
      'unknown/unknown',
      'unknown/unknown',
    ]);
    const att = raw.manifests[3];
    assert.equal(att.annotations['vnd.docker.reference.type'], 'attestation-manifest');
    assert.equal(att.annotations['vnd.docker.reference.digest'], multi.images[0]?.manifest.digest);

    const arm = await fetch(`${reg.url}/v2/multi/manifests/${multi.images[1]?.manifest.digest}`, {
      headers: { accept: MT.ociManifest },
    });
    assert.equal(arm.status, 200);
    const armManifest = (await arm.json()) as { config: { digest: string } };
    const cfg = (await (await fetch(`${reg.url}/v2/multi/blobs/${armManifest.config.digest}`)).json()) as {
      architecture: string;
      variant: string;
    };
    assert.deepEqual([cfg.architecture, cfg.variant], ['arm64', 'v8']);

    const oneRaw = JSON.parse(await inspectRaw(`docker://${reg.host}/one:1`, http));
    assert.equal(oneRaw.mediaType, MT.ociIndex);
    assert.equal(oneRaw.manifests.length, 1);

    const v2 = await fetch(`${reg.url}/v2/single/manifests/v2s2`, { headers: { accept: MT.dockerManifest } });
    assert.equal(v2.headers.get('content-type'), MT.dockerManifest);
    assert.equal(v2.headers.get('docker-content-digest'), pushed[2]?.digest);
    assert.equal(((await v2.json()) as { config: { mediaType: string } }).config.mediaType, MT.dockerConfig);
    // 2.8 rewrites a v2s2 manifest to schema 1 for a client that sends no Accept.
    const legacy = await fetch(`${reg.url}/v2/single/manifests/v2s2`);
    assert.equal(
      legacy.headers.get('content-type'),
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
    );

    const list = await fetch(`${reg.url}/v2/list/manifests/1`, {
      headers: { accept: `${MT.dockerList}, ${MT.dockerManifest}` },
    });
    assert.equal(list.headers.get('content-type'), MT.dockerList);
    const listBody = (await list.json()) as { manifests: { mediaType: string }[] };
    assert.deepEqual(
      listBody.manifests.map((m) => m.mediaType),
      [MT.dockerManifest, MT.dockerManifest],
    );
  });

  test('skopeo cannot turn attestation manifests into v2s2 (in-toto layers have no Docker type)', async () => {
    const reg = await fx.registry();
    const multi = await buildIndexLayout(await fx.subdir('att'), {
      images: ['linux/amd64'],
      attestation: true,
    });
    await assert.rejects(
      pushImage(multi, `docker://${reg.host}/att:1`, { tlsVerify: false, format: 'v2s2' }),
      /in-toto/,
    );
  });
});
