// Per-registry exceptions in every command that talks to registries: with one plain-HTTP registry and one TLS
// registry in the same run, --plain-http-registry names the one, and the other keeps TLS (a command-wide
// --plain-http would break it). probe -f and policy check take the same flags as scan.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { buildCli, show, type Cli } from './cli.ts';
import { assertUsageError } from './contract.ts';

describe('--plain-http-registry and --insecure-skip-tls-verify-registry outside scan', () => {
  const fx = useFixture();
  let cli: Cli;
  let plainImage: string;
  let tlsImage: string;
  let plainHost: string;
  let ca: string;

  before(async () => {
    const pki = await fx.pki();
    const [plain, tls] = await Promise.all([fx.registry(), fx.registry({ tls: pki.valid })]);
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${plain.host}/team/app:1`, { tlsVerify: false });
    await pushImage(layout, `docker://${tls.host}/team/app:1`, { certDir: pki.ca.certDir });
    plainImage = `${plain.host}/team/app:1`;
    tlsImage = `${tls.host}/team/app:1`;
    plainHost = plain.host;
    ca = pki.ca.certPath;
    cli = await buildCli(fx);
  });

  test('probe -f: one registry over plain HTTP, the other over verified TLS, in one run', async () => {
    const list = join(fx.dir, 'images.txt');
    await writeFile(list, `${plainImage}\n${tlsImage}\n`);
    const r = await cli.run(['probe', '-f', list, '--plain-http-registry', plainHost, '--ca-file', ca]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /2 of 2 images pullable/);
  });

  test('policy check: the registry rules reach both registries the same way', async () => {
    const policy = join(fx.dir, 'size.yaml');
    await writeFile(
      policy,
      'apiVersion: regdoctor.dev/v1alpha1\nkind: ImagePolicy\nmetadata: {name: size}\nspec: {maxImageSize: 1Gi}\n',
    );
    const manifests = join(fx.dir, 'pods.yaml');
    const pod = (name: string, image: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: shop}\nspec: {containers: [{name: app, image: "${image}"}]}\n`;
    await writeFile(manifests, `${pod('a', plainImage)}---\n${pod('b', tlsImage)}`);
    const r = await cli.run([
      'policy',
      'check',
      '--policy',
      policy,
      '-f',
      manifests,
      '--plain-http-registry',
      plainHost,
      '--ca-file',
      ca,
      '-o',
      'json',
    ]);
    assert.equal(r.code, 0, show(r));
    const out = JSON.parse(r.stdout) as { violations: unknown[] };
    assert.deepEqual(out.violations, [], show(r));
  });

  test('a value that is not a registry host is a usage error in every command', async () => {
    for (const args of [
      ['probe', plainImage],
      ['policy', 'check', '--policy', join(fx.dir, 'size.yaml'), '-f', join(fx.dir, 'pods.yaml')],
    ]) {
      assertUsageError(
        await cli.run([...args, '--plain-http-registry', 'https://registry.local/']),
        /--plain-http-registry "https:\/\/registry\.local\/": expected a registry host as images name it/,
      );
    }
  });
});
