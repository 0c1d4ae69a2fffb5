// `regdoctor inspect` against a real multi-platform image whose layers have sizes known from the layout on disk
// (what skopeo pushed), not from anything regdoctor computed.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { CAUSES } from '../../src/cause/index.ts';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout, buildIndexLayout, platformString, type Layout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { buildCli, show, type Cli, type CliResult } from './cli.ts';
import { assertNoAnsi } from './contract.ts';

const Layer = z.strictObject({
  digest: z.string(),
  size: z.number().int().nonnegative(),
  mediaType: z.string(),
  shared: z.boolean(),
});
const InspectJson = z.strictObject({
  image: z.string(),
  digest: z.string().nullable(),
  mediaType: z.string().nullable(),
  cause: z.enum(CAUSES).nullable(),
  summary: z.string(),
  bandwidthBytesPerSecond: z.number().positive(),
  platforms: z.array(
    z.strictObject({
      platform: z.string(),
      digest: z.string(),
      mediaType: z.string(),
      layers: z.array(Layer),
      totalSize: z.number().int().nonnegative(),
      config: z.strictObject({
        entrypoint: z.array(z.string()).nullable(),
        cmd: z.array(z.string()).nullable(),
        user: z.string().nullable(),
        workingDir: z.string().nullable(),
        created: z.string().nullable(),
      }),
      estimatedPullSeconds: z.number().nonnegative(),
      warnings: z.array(z.string()),
    }),
  ),
  sharedLayers: z.array(
    z.strictObject({ digest: z.string(), size: z.number(), platforms: z.array(z.string()) }),
  ),
  warnings: z.array(z.string()),
  remediation: z.array(z.string()).optional(),
  steps: z.array(z.record(z.string(), z.unknown())).optional(),
});
type InspectJson = z.infer<typeof InspectJson>;

function inspectJson(r: CliResult): InspectJson {
  assertNoAnsi(r.stdout, 'JSON stdout');
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one JSON document on one line\n${show(r)}`);
  const parsed = InspectJson.safeParse(JSON.parse(lines[0]!));
  assert.ok(parsed.success, `inspect JSON: ${parsed.error?.message}\n${show(r)}`);
  return parsed.data;
}

describe('regdoctor inspect', () => {
  const fx = useFixture();
  let cli: Cli;
  let reg: RunningRegistry;
  let layout: Layout;
  let image: string;
  const shared = { randomBytes: 150_000, seed: 7, path: 'base/lib.bin' };

  before(async () => {
    const [built, registry] = await Promise.all([buildCli(fx), fx.registry()]);
    cli = built;
    reg = registry;
    layout = await buildIndexLayout(await fx.subdir('img'), {
      images: [
        {
          platform: { os: 'linux', architecture: 'amd64' },
          layers: [shared, { randomBytes: 300_000, seed: 1 }],
          user: 'root',
        },
        {
          platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
          layers: [shared, { randomBytes: 200_000, seed: 2 }, { randomBytes: 50_000, seed: 3 }],
          entrypoint: ['/bin/app', '--serve'],
        },
      ],
      // buildx attestations are not platforms and must not be counted as one.
      attestation: true,
    });
    image = `${reg.host}/team/app:2`;
    await pushImage(layout, `docker://${image}`, { tlsVerify: false });
  });

  const expectedTotal = (i: number) => {
    const img = layout.images[i]!;
    return img.layers.reduce((a, l) => a + l.size, 0) + img.config.size;
  };

  test('per-platform layers and totals match what was pushed; the shared layer is found', async () => {
    const r = await cli.run(['inspect', image, '--plain-http', '-o', 'json']);
    assert.equal(r.code, 0, show(r));
    const o = inspectJson(r);
    assert.equal(o.cause, null);
    assert.equal(o.digest, layout.top.digest);
    assert.deepEqual(
      o.platforms.map((p) => p.platform).sort(),
      ['linux/amd64', 'linux/arm64'],
      'two platforms, no attestation entry',
    );
    const sharedDigest = layout.images[0]!.layers[0]!.digest;
    assert.equal(sharedDigest, layout.images[1]!.layers[0]!.digest, 'the layout really shares a layer');
    layout.images.forEach((img, i) => {
      // Shown the way containerd normalises it: arm64/v8 is plain arm64.
      const name = platformString(img.platform).replace(/^linux\/arm64\/v8$/, 'linux/arm64');
      const p = o.platforms.find((x) => x.platform === name);
      assert.ok(p, name);
      assert.equal(p.digest, img.manifest.digest);
      assert.deepEqual(
        p.layers.map((l) => [l.digest, l.size]),
        img.layers.map((l) => [l.digest, l.size]),
      );
      assert.equal(p.totalSize, expectedTotal(i));
      assert.deepEqual(
        p.layers.map((l) => l.shared),
        img.layers.map((l) => l.digest === sharedDigest),
      );
    });
    assert.deepEqual(
      o.sharedLayers.map((l) => [l.digest, l.size, [...l.platforms].sort()]),
      [[sharedDigest, layout.images[0]!.layers[0]!.size, ['linux/amd64', 'linux/arm64']]],
    );
    const amd = o.platforms.find((p) => p.platform === 'linux/amd64')!;
    const arm = o.platforms.find((p) => p.platform === 'linux/arm64')!;
    assert.equal(amd.config.user, 'root');
    assert.ok(
      amd.warnings.some((w) => /root/.test(w)),
      'running as root is warned about',
    );
    assert.deepEqual(arm.config.entrypoint, ['/bin/app', '--serve']);
    assert.ok(!arm.warnings.some((w) => /root/.test(w)), JSON.stringify(arm.warnings));
  });

  test('--bandwidth scales the estimate: total bytes over bytes per second', async () => {
    const [slow, fast] = await Promise.all(
      ['1Mbit/s', '4Mbit/s'].map((bw) =>
        cli.run(['inspect', image, '--plain-http', '-o', 'json', '--bandwidth', bw]),
      ),
    );
    const a = inspectJson(slow!);
    const b = inspectJson(fast!);
    assert.equal(a.bandwidthBytesPerSecond, 125_000);
    assert.equal(b.bandwidthBytesPerSecond, 500_000);
    for (const p of a.platforms) {
      const q = b.platforms.find((x) => x.platform === p.platform)!;
      // Rounded to tenths of a second.
      assert.ok(Math.abs(p.estimatedPullSeconds - p.totalSize / 125_000) <= 0.05, JSON.stringify(p));
      assert.ok(Math.abs(q.estimatedPullSeconds - q.totalSize / 500_000) <= 0.05, JSON.stringify(q));
      assert.ok(p.estimatedPullSeconds > 3 * q.estimatedPullSeconds, 'four times the bandwidth');
    }
  });

  test('--platform narrows to one platform', async () => {
    const r = await cli.run(['inspect', image, '--plain-http', '-o', 'json', '--platform', 'linux/arm64']);
    assert.equal(r.code, 0, show(r));
    const o = inspectJson(r);
    assert.deepEqual(
      o.platforms.map((p) => p.platform),
      ['linux/arm64'],
    );
    assert.equal(o.platforms[0]!.totalSize, expectedTotal(1));
    assert.deepEqual(o.sharedLayers, [], 'nothing is shared with a platform that was left out');
    assert.ok(o.platforms[0]!.layers.every((l) => !l.shared));
  });

  test('text output: a block per platform, shared layers marked, no colour on a pipe', async () => {
    const r = await cli.run(['inspect', image, '--plain-http', '--bandwidth', '1Mbit/s']);
    assert.equal(r.code, 0, show(r));
    assertNoAnsi(r.stdout, 'text stdout');
    assert.match(r.stdout, /^linux\/amd64 {2}sha256:[0-9a-f]{64} {2}.+ compressed, ~[\d.]+s at /m, show(r));
    assert.match(r.stdout, /^linux\/arm64 {2}/m, show(r));
    assert.equal((r.stdout.match(/\(shared\)/g) ?? []).length, 2, show(r));
    assert.match(r.stdout, /^1 layer\(s\) shared between platforms/m, show(r));
  });

  test('an index that lists a platform the registry no longer has: the others are still shown', async () => {
    // Same image in another repository, then one platform's manifest deleted there (as a cleanup job or a
    // platform-filtered replication leaves it): the index still names it.
    const sparse = `${reg.host}/team/sparse:1`;
    await pushImage(layout, `docker://${sparse}`, { tlsVerify: false });
    const gone = layout.images[1]!.manifest.digest;
    const del = await fetch(`${reg.url}/v2/team/sparse/manifests/${gone}`, { method: 'DELETE' });
    assert.equal(del.status, 202);
    const r = await cli.run([
      'inspect',
      sparse,
      '--plain-http',
      '-o',
      'json',
      '--platform',
      'linux/amd64',
      '--all-platforms',
    ]);
    assert.equal(r.code, 0, show(r));
    const o = inspectJson(r);
    assert.deepEqual(
      o.platforms.map((p) => [p.platform, p.totalSize]),
      [['linux/amd64', expectedTotal(0)]],
    );
    assert.ok(
      o.warnings.some((w) => w.startsWith('linux/arm64: ') && w.includes(gone) && w.includes('404')),
      JSON.stringify(o.warnings),
    );
  });

  test('without --platform, an image with none for this machine is still inspected, with a warning', async () => {
    // Platforms no CI machine runs on, so the default (this machine's) is never among them.
    const foreign = await buildIndexLayout(await fx.subdir('foreign'), {
      images: ['linux/s390x', 'linux/riscv64'],
    });
    const single = await buildImageLayout(await fx.subdir('single'), {
      platform: { os: 'linux', architecture: 's390x' },
    });
    await Promise.all([
      pushImage(foreign, `docker://${reg.host}/team/foreign:1`, { tlsVerify: false }),
      pushImage(single, `docker://${reg.host}/team/single:1`, { tlsVerify: false }),
    ]);
    const [index, one, explicit] = await Promise.all([
      cli.run(['inspect', `${reg.host}/team/foreign:1`, '--plain-http', '-o', 'json']),
      cli.run(['inspect', `${reg.host}/team/single:1`, '--plain-http', '-o', 'json']),
      cli.run([
        'inspect',
        `${reg.host}/team/foreign:1`,
        '--plain-http',
        '-o',
        'json',
        '--platform',
        'linux/amd64',
      ]),
    ]);
    assert.equal(index.code, 0, show(index));
    const i = inspectJson(index);
    assert.deepEqual(
      i.platforms.map((p) => [p.platform, p.totalSize]),
      foreign.images.map((img) => [
        platformString(img.platform),
        img.layers.reduce((a, l) => a + l.size, 0) + img.config.size,
      ]),
    );
    assert.ok(
      i.warnings.some((w) => /^no image for linux\/\S+ \(this machine's platform\)/.test(w)),
      JSON.stringify(i.warnings),
    );
    assert.equal(one.code, 0, show(one));
    assert.deepEqual(
      inspectJson(one).platforms.map((p) => p.platform),
      ['linux/s390x'],
    );
    // A platform the user names is a question about that platform: the probe's verdict stands.
    assert.equal(explicit.code, 1, show(explicit));
    assert.equal(inspectJson(explicit).cause, 'PLATFORM_MISMATCH');
  });

  test('a missing tag: exit 1 and the probe verdict instead of sizes', async () => {
    const missing = `${reg.host}/team/app:3`;
    const [json, text] = await Promise.all([
      cli.run(['inspect', missing, '--plain-http', '-o', 'json']),
      cli.run(['inspect', missing, '--plain-http']),
    ]);
    assert.equal(json.code, 1, show(json));
    const o = inspectJson(json);
    assert.equal(o.cause, 'MANIFEST_NOT_FOUND');
    assert.deepEqual(o.platforms, []);
    assert.ok(o.remediation && o.remediation.length > 0, show(json));
    assert.ok(o.steps && o.steps.length > 0, show(json));
    assert.equal(text.code, 1, show(text));
    assert.match(text.stdout, /^MANIFEST_NOT_FOUND \[certain\] — /m, show(text));
    assert.match(text.stdout, /nearest tags: 2/, show(text));
  });
});
