// `probe --help` says what a probe costs (issue 9, item 10). What it says must stay what the code does: the budget
// and limits it quotes are the constants in force, and a probe of a multi-platform image on a real registry sends
// exactly the requests it lists — the ping, a HEAD of the tag (free against Docker Hub's pull limit), GETs by digest
// of the index and the platform's manifest, the config, and the first 64 KiB of the first layer with a Range.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { buildIndexLayout, type Layout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { buildCli, show, type Cli } from '../cli/cli.ts';
import { LIMITS } from '../../src/registry/limits.ts';
import { PROBE_BUDGET } from '../../src/transport/budget.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('what a probe costs', () => {
  const fx = useFixture();
  let cli: Cli;
  let help: string;
  let proxy: CountingProxy;
  let layout: Layout;

  before(async () => {
    cli = await buildCli(fx);
    const r = await cli.run(['probe', '--help']);
    assert.equal(r.code, 0, show(r));
    help = r.stdout;
    const reg = await fx.registry();
    layout = await buildIndexLayout(await fx.subdir('img'), {
      images: [
        { platform: { os: 'linux', architecture: 'amd64' }, layers: [{ randomBytes: 200_000, seed: 3 }] },
        { platform: { os: 'linux', architecture: 'arm64' } },
      ],
    });
    await pushImage(layout, `docker://${reg.host}/team/app:1`, { tlsVerify: false });
    proxy = await fx.start(countingProxy(reg.url));
  });

  test('--help quotes the budget and the limits in force', () => {
    const flat = help.replace(/\s+/g, ' ');
    const m = /at most --deadline in all \(default (\d+)s\), (\d+) requests and (\d+) MiB of answers/.exec(
      flat,
    );
    assert.ok(m, flat);
    assert.equal(Number(m[1]) * 1000, PROBE_BUDGET.deadlineMs);
    assert.equal(Number(m[2]), PROBE_BUDGET.requests);
    assert.equal(Number(m[3]) * MiB, PROBE_BUDGET.bytes);
    const layer = /the first (\d+) KiB of the first layer/.exec(flat);
    assert.equal(Number(layer?.[1]) * KiB, LIMITS.layerProbeBytes, flat);
    const pages = /the tag list \(up to (\d+) pages\)/.exec(flat);
    assert.equal(Number(pages?.[1]), LIMITS.tagPages, flat);
    assert.match(flat, /HEAD manifest resolves the tag to a digest \(free against Docker Hub's pull limit\)/);
  });

  test('a multi-platform image costs exactly the requests --help lists, and no manifest GET by tag', async () => {
    const r = await cli.run([
      'probe',
      `${proxy.host}/team/app:1`,
      '--plain-http',
      '--platform',
      'linux/amd64',
      '-o',
      'json',
    ]);
    assert.equal(r.code, 0, show(r));
    const amd64 = layout.images[0]!;
    const names: [string, string][] = [
      [layout.top.digest, 'INDEX'],
      [amd64.manifest.digest, 'AMD64'],
      [amd64.config.digest, 'CONFIG'],
      [amd64.layers[0]!.digest, 'LAYER'],
    ];
    const seen = proxy.requests.map((q) =>
      names.reduce((line, [digest, name]) => line.replace(digest, name), `${q.method} ${q.url}`),
    );
    assert.deepEqual(seen, [
      'GET /v2/',
      'HEAD /v2/team/app/manifests/1',
      'GET /v2/team/app/manifests/INDEX',
      'GET /v2/team/app/manifests/AMD64',
      'GET /v2/team/app/blobs/CONFIG',
      'GET /v2/team/app/blobs/LAYER',
    ]);
    const layerGet = proxy.requests.at(-1)!;
    assert.equal(layerGet.headers.range, `bytes=0-${LIMITS.layerProbeBytes - 1}`);
  });
});
