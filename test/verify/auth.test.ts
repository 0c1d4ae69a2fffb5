// Signatures behind token auth: the verifier reads the `.sig` manifest and payload with the access the probe
// established, so a private repository verifies with the same flags that pull it.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import type { TokenServer } from '../helpers/token-server.ts';
import { buildCli, show, type Cli } from '../cli/cli.ts';
import { ecKey, opensslSign, payload, pushSignature, type KeyPair } from './support.ts';

describe('regdoctor verify behind token auth', () => {
  const fx = useFixture();
  const creds = { username: 'ci', password: 'verify-secret-pw' };
  let cli: Cli;
  let ts: TokenServer;
  let reg: RunningRegistry;
  let key: KeyPair;
  let ref: string;

  before(async () => {
    const [built, tokens] = await Promise.all([
      buildCli(fx),
      fx.tokenServer({
        acl: {
          users: { ci: creds.password },
          grants: [{ user: 'ci', repository: '**', actions: ['pull', 'push'] }],
        },
      }),
    ]);
    cli = built;
    ts = tokens;
    reg = await fx.registry({ token: ts.registryAuth() });
    const dir = await fx.subdir('keys');
    key = await ecKey(dir, 'ec');
    const layout = await buildImageLayout(await fx.subdir('img'));
    ref = `${reg.host}/private/app:1`;
    const { digest } = await pushImage(layout, `docker://${ref}`, { tlsVerify: false, creds });
    const body = payload(`${reg.host}/private/app`, digest);
    const signature = await opensslSign(dir, key.priv, body);
    await pushSignature(
      await fx.subdir('sig'),
      reg.host,
      'private/app',
      digest,
      [{ body, signature }],
      creds,
    );
  });

  test('verifies with the credentials that pull the image, with one token for probe and signatures', async () => {
    ts.tokenRequests.length = 0;
    const r = await cli.run(
      [
        'verify',
        ref,
        '--key',
        key.pub,
        '--plain-http',
        '-u',
        creds.username,
        '--password-stdin',
        '-o',
        'json',
      ],
      { input: `${creds.password}\n` },
    );
    assert.equal(r.code, 0, show(r));
    assert.equal((JSON.parse(r.stdout) as { verified: boolean }).verified, true);
    assert.equal(ts.tokenRequests.length, 1, 'the probe token is reused for the signature reads');
    assert.ok(!r.stdout.includes(creds.password) && !r.stderr.includes(creds.password));
  });

  test('without credentials the image cannot be read: the probe verdict, exit 2', async () => {
    const r = await cli.run(['verify', ref, '--key', key.pub, '--plain-http', '-o', 'json']);
    assert.equal(r.code, 2, show(r));
    const o = JSON.parse(r.stdout) as { verified: boolean; reason: string; probe: { cause: string } };
    assert.equal(o.verified, false);
    assert.equal(o.reason, 'error');
    assert.equal(o.probe.cause, 'UNAUTHORIZED');
  });
});
