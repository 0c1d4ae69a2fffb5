import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { countingProxy } from '../helpers/counting-proxy.ts';
import { closedPort } from '../helpers/ports.ts';
import { startContainerd } from '../helpers/containerd.ts';
import { skopeoPull } from '../helpers/containers-image.ts';

describe('runtime oracles: containerd 1.6 (ctr) and skopeo against real registries', () => {
  const fx = useFixture();

  test('ctr content fetch follows hosts.toml: the mirror serves, upstream is never asked', async () => {
    const ctd = await fx.start(startContainerd());
    const reg = await fx.registry();
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${reg.host}/team/app:1`, { tlsVerify: false });
    const mirror = await fx.start(countingProxy(reg.url));
    const upstream = await fx.start(countingProxy(reg.url));

    const hosts = await fx.subdir('certs.d');
    const name = `registry.test_${upstream.port}_`;
    await mkdir(join(hosts, name));
    await writeFile(
      join(hosts, name, 'hosts.toml'),
      `server = "${upstream.url}"\n[host."${mirror.url}"]\n  capabilities = ["pull", "resolve"]\n`,
    );
    const ok = await ctd.fetch(`registry.test:${upstream.port}/team/app:1`, { hostsDir: hosts });
    assert.equal(ok.exitCode, 0, ok.stderr);
    assert.ok(mirror.lines().some((l) => l.startsWith('HEAD /v2/team/app/manifests/1?ns=registry.test')));
    assert.deepEqual(upstream.lines(), []);

    const dead = await closedPort();
    const bad = await ctd.fetch(`127.0.0.1:${dead}/team/app:1`, { hostsDir: await fx.subdir('none') });
    assert.notEqual(bad.exitCode, 0);
    assert.match(bad.stderr, /connection refused/);
  });

  test('skopeo with a node root: registries.conf mirror first, then the location', async () => {
    const reg = await fx.registry();
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${reg.host}/team/app:1`, { tlsVerify: false });
    const mirror = await fx.start(countingProxy(reg.url));
    const root = await fx.subdir('root');
    await mkdir(join(root, 'etc/containers'), { recursive: true });
    await writeFile(
      join(root, 'etc/containers/registries.conf'),
      [
        '[[registry]]',
        'prefix = "registry.test/team"',
        `location = "${reg.host}/team"`,
        'insecure = true',
        '[[registry.mirror]]',
        `location = "${mirror.host}/team"`,
        'insecure = true',
        '',
      ].join('\n'),
    );
    const res = await skopeoPull('registry.test/team/app:1', { nodeRoot: root });
    assert.equal(res.exitCode, 0, res.stderr);
    assert.ok(mirror.lines().includes('GET /v2/team/app/manifests/1'), mirror.lines().join('\n'));
  });
});
