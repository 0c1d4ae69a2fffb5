// verify against a registry whose certificate this machine does not trust: an error (exit 2) that says how to
// give regdoctor the CA (--ca-file), and that with it the signature check goes on.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { buildCli, show, type Cli } from '../cli/cli.ts';
import { ecKey } from './support.ts';

describe('verify: an untrusted registry certificate', () => {
  const fx = useFixture();
  let cli: Cli;
  let image: string;
  let key: string;
  let ca: string;

  before(async () => {
    const pki = await fx.pki();
    const reg = await fx.registry({ tls: pki.valid });
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${reg.host}/team/app:1`, { certDir: pki.ca.certDir });
    image = `${reg.host}/team/app:1`;
    key = (await ecKey(await fx.subdir('keys'), 'cosign')).pub;
    ca = pki.ca.certPath;
    cli = await buildCli(fx);
  });

  test('without the CA: TLS_UNTRUSTED, exit 2, and the fix names --ca-file', async () => {
    const r = await cli.run(['verify', image, '--key', key]);
    assert.equal(r.code, 2, show(r));
    assert.match(r.stdout, /TLS_UNTRUSTED/);
    assert.match(r.stdout, /give it the registry's CA with --ca-file <ca\.pem>/, show(r));
  });

  test('with --ca-file: past TLS, to the signatures (none here)', async () => {
    const r = await cli.run(['verify', image, '--key', key, '--ca-file', ca, '-o', 'json']);
    assert.equal(r.code, 1, show(r));
    assert.equal((JSON.parse(r.stdout) as { verified: boolean }).verified, false);
  });
});
