// `regdoctor probe … --node-root DIR [--runtime …] [--runtime-version …]`: the JSON contract with `runtime`,
// the text waterfall per endpoint, usage errors for bad runtime flags.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { buildCli, show, type Cli } from '../cli/cli.ts';
import { assertUsageError, probeLines } from '../cli/contract.ts';
import { containerdMirror, nodeRoot } from './node-root.ts';

describe('regdoctor probe --node-root', () => {
  const fx = useFixture();
  let cli: Cli;
  let mirror: CountingProxy;
  let up: CountingProxy;
  let root: string;
  let image: string;

  before(async () => {
    const [built, reg] = await Promise.all([buildCli(fx), fx.registry()]);
    cli = built;
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${reg.host}/team/app:1`, { tlsVerify: false });
    mirror = await fx.start(countingProxy(reg.url));
    mirror.mode = 'fail';
    up = await fx.start(countingProxy(reg.url));
    image = `registry.test:${up.port}/team/app:1`;
    root = await nodeRoot(fx, {
      ...containerdMirror(`registry.test:${up.port}`, `http://${mirror.host}`, `http://${up.host}`),
      'lib/systemd/system/containerd.service': '[Service]\nExecStart=/usr/bin/containerd\n',
    });
  });

  test('-o json: the probe object carries runtime {name, version, configFiles, endpoints, servedBy}', async () => {
    const r = await cli.run([
      'probe',
      image,
      '--node-root',
      root,
      '--runtime-version',
      '1.6.20',
      '-o',
      'json',
    ]);
    assert.equal(r.code, 0, show(r));
    const [o] = probeLines(r);
    const rt = o!.runtime!;
    assert.equal(rt.name, 'containerd', 'detected from the node root');
    assert.equal(rt.version, '1.6.20');
    assert.ok(rt.configFiles.includes('etc/containerd/config.toml'), show(r));
    assert.deepEqual(
      rt.endpoints.map((e) => [e.url, e.role, e.outcome, e.cause]),
      [
        [`http://${mirror.host}/v2`, 'mirror', 'failed', 'REGISTRY_ERROR'],
        [`http://${up.host}/v2`, 'upstream', 'served', null],
      ],
    );
    assert.equal(rt.servedBy, `http://${up.host}/v2`);
    assert.ok(rt.findings.some((f) => f.code === 'RUNTIME_DETECTED'));
  });

  test('text: the runtime, then each endpoint with its own steps, then the verdict', async () => {
    const r = await cli.run(['probe', image, '--node-root', root, '--runtime', 'containerd']);
    assert.equal(r.code, 0, show(r));
    const lines = r.stdout.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const runtime = at(/^ {2}runtime containerd/);
    const m = at(new RegExp(`^ {2}mirror http://${mirror.host}/v2 `));
    const u = at(new RegExp(`^ {2}upstream http://${up.host}/v2 `));
    const verdict = at(/^PULLABLE/);
    assert.ok(runtime >= 0 && runtime < m && m < u && u < verdict, show(r));
    assert.match(lines[m + 1] ?? '', /failed: .*HTTP 503/, show(r));
    assert.match(lines[u + 1] ?? '', /served ← served the image/, show(r));
    assert.ok(
      lines.slice(u + 2, verdict).some((l) => /✔ blob /.test(l)),
      show(r),
    );
  });

  test('bad runtime flags are usage errors', async () => {
    assertUsageError(await cli.run(['probe', image, '--runtime', 'rkt']), /--runtime must be one of/);
    assertUsageError(await cli.run(['probe', image, '--node-root', join(root, 'nope')]), /not a directory/);
    const bare = await fx.subdir('bare');
    assertUsageError(await cli.run(['probe', image, '--node-root', bare]), /no containerd, CRI-O or docker/);
    assertUsageError(await cli.run(['probe', image, '--runtime-version', '1.7.2']), /goes with --runtime/);
    assertUsageError(await cli.run(['probe', image, '--node-root', `n1=${root}`]), /is for scan/);
  });
});
