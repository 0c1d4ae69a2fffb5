// inspect, verify and the exporter through a node's runtime: the node's hosts.toml sends `registry.invalid` (a
// name that resolves nowhere) to a loopback mirror, so each command can only succeed by reading where the node's
// runtime would — and verify finds the signature there too.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as z from 'zod/mini';
import { useFixture } from '../helpers/fixture.ts';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { buildCli, show, type Cli } from '../cli/cli.ts';
import { ecKey, oneJson, opensslSign, payload, pushSignature, type KeyPair } from '../verify/support.ts';
import { exporterFrom, sample, scrape } from '../exporter/support.ts';
import { containerdMirror, nodeRoot } from './node-root.ts';

const IMAGE = 'registry.invalid/team/app:1';

describe('inspect, verify and the exporter through the node runtime', () => {
  const fx = useFixture();
  let cli: Cli;
  let mirror: CountingProxy;
  let root: string;
  let key: KeyPair;
  let digest: string;

  before(async () => {
    const [built, reg] = await Promise.all([buildCli(fx), fx.registry()]);
    cli = built;
    const layout = await buildImageLayout(await fx.subdir('img'));
    ({ digest } = await pushImage(layout, `docker://${reg.host}/team/app:1`, { tlsVerify: false }));
    const keys = await fx.subdir('keys');
    key = await ecKey(keys, 'ec');
    const body = payload('registry.invalid/team/app', digest);
    await pushSignature(await fx.subdir('sig'), reg.host, 'team/app', digest, [
      { body, signature: await opensslSign(keys, key.priv, body) },
    ]);
    mirror = await fx.start(countingProxy(reg.url));
    root = await nodeRoot(
      fx,
      containerdMirror('registry.invalid', `http://${mirror.host}`, 'https://registry.invalid'),
    );
  });

  test('inspect: the platforms are read from the endpoint that served', async () => {
    const r = await cli.run([
      'inspect',
      IMAGE,
      '--node-root',
      root,
      '--platform',
      'linux/amd64',
      '-o',
      'json',
    ]);
    assert.equal(r.code, 0, show(r));
    const o = JSON.parse(r.stdout) as {
      platforms: { digest: string }[];
      runtime: { name: string; servedBy: string };
    };
    assert.equal(o.runtime.name, 'containerd');
    assert.equal(o.runtime.servedBy, `http://${mirror.host}/v2`);
    assert.equal(o.platforms.length, 1);
    const text = await cli.run(['inspect', IMAGE, '--node-root', root, '--platform', 'linux/amd64']);
    assert.match(
      text.stdout,
      new RegExp(`through containerd: served by http://${mirror.host.replace('.', '\\.')}/v2`),
    );
  });

  test('verify: the digest and the signature come from the endpoint that served', async () => {
    const before = mirror.lines().filter((l) => l.includes('.sig')).length;
    const r = await cli.run(['verify', IMAGE, '--key', key.pub, '--node-root', root, '-o', 'json']);
    assert.equal(r.code, 0, show(r));
    const o = oneJson(r, z.object({ digest: z.string(), verified: z.boolean() }));
    assert.equal(o.verified, true, show(r));
    assert.equal(o.digest, digest);
    assert.ok(mirror.lines().filter((l) => l.includes('.sig')).length > before, mirror.lines().join('\n'));
  });

  test('verify: an image the node cannot pull is an error with the probe through the runtime', async () => {
    const r = await cli.run([
      'verify',
      'registry.invalid/team/app:404',
      '--key',
      key.pub,
      '--node-root',
      root,
    ]);
    assert.equal(r.code, 2, show(r));
    assert.match(r.stdout, /runtime containerd/, show(r));
  });

  test('exporter: image checks pull through the runtime', async () => {
    const ex = await exporterFrom(fx, `interval: 1s\ntimeout: 3s\nimages:\n  - ${IMAGE}\n`, {
      random: () => 0,
      runtime: { nodeRoot: root, runtime: 'containerd' },
    });
    await ex.ready;
    const text = await scrape(ex);
    assert.equal(sample(text, 'regdoctor_image_available', { image: IMAGE, cause: '' }), 1, text);
  });

  test('the runtime flags on inspect, verify and the exporter are checked like probe’s', async () => {
    for (const args of [
      ['inspect', IMAGE, '--runtime', 'rkt'],
      ['verify', IMAGE, '--key', key.pub, '--runtime', 'rkt'],
      ['exporter', '--runtime', 'rkt'],
    ]) {
      const r = await cli.run(args);
      assert.equal(r.code, 2, show(r));
      assert.match(r.stderr, /--runtime must be one of/, show(r));
    }
  });
});
