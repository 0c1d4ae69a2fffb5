// Transport flags end to end: --ca-file, --insecure-skip-tls-verify (only for the named registries, never for a
// token realm elsewhere) and --timeout against servers that go silent.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { stall } from '../helpers/faults.ts';
import type { TestPki } from '../helpers/pki.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import type { TokenServer } from '../helpers/token-server.ts';
import { buildCli, show, type Cli } from './cli.ts';
import { assertFailureJson, assertPullableJson, probeLines } from './contract.ts';

const AMD = ['--platform', 'linux/amd64'];

describe('regdoctor TLS and timeout flags', () => {
  const fx = useFixture();
  let cli: Cli;
  let pki: TestPki;
  /** Certificate from the test CA: trusted only with --ca-file. */
  let trusted: RunningRegistry;
  /** Certificate from another CA, token auth whose realm also uses that CA's certificate. */
  let untrusted: RunningRegistry;
  let selfSigned: RunningRegistry;
  let tokens: TokenServer;
  const creds = { username: 'ci', password: 'tls-test-password' };

  before(async () => {
    const [built, p] = await Promise.all([buildCli(fx), fx.pki()]);
    cli = built;
    pki = p;
    tokens = await fx.tokenServer({
      acl: {
        users: { [creds.username]: creds.password },
        grants: [{ user: creds.username, repository: '**', actions: ['pull', 'push'] }],
      },
      tls: pki.untrusted,
    });
    [trusted, untrusted, selfSigned] = await Promise.all([
      fx.registry({ tls: pki.valid }),
      fx.registry({ tls: pki.untrusted, token: tokens.registryAuth() }),
      fx.registry({ tls: pki.selfSigned }),
    ]);
    const img = await buildImageLayout(await fx.subdir('img'));
    await Promise.all([
      pushImage(img, `docker://${trusted.host}/team/app:1`, { certDir: pki.ca.certDir }),
      pushImage(img, `docker://${untrusted.host}/team/app:1`, { certDir: pki.otherCa.certDir, creds }),
      pushImage(img, `docker://${selfSigned.host}/team/app:1`, { tlsVerify: false }),
    ]);
  });

  test('a registry signed by an unknown CA is TLS_UNTRUSTED; --ca-file makes it trusted', async () => {
    const image = `${trusted.host}/team/app:1`;
    const [without, withCa] = await Promise.all([
      cli.run(['probe', image, ...AMD, '-o', 'json']),
      cli.run(['probe', image, ...AMD, '-o', 'json', '--ca-file', pki.ca.certPath]),
    ]);
    assert.equal(without.code, 1, show(without));
    assertFailureJson(probeLines(without)[0]!, 'TLS_UNTRUSTED');
    assert.equal(withCa.code, 0, show(withCa));
    assertPullableJson(probeLines(withCa)[0]!);
  });

  test('--insecure-skip-tls-verify covers the named registry but not its token realm on another host', async () => {
    const image = `${untrusted.host}/team/app:1`;
    const login = ['-u', creds.username, '--password-stdin'];
    const input = creds.password;
    const [insecure, withCa] = await Promise.all([
      cli.run(['probe', image, ...AMD, '-o', 'json', '--insecure-skip-tls-verify', ...login], { input }),
      // Control: with the right CA the same pull works, so the failure above is the realm's certificate alone.
      cli.run(['probe', image, ...AMD, '-o', 'json', '--ca-file', pki.otherCa.certPath, ...login], { input }),
    ]);
    assert.equal(insecure.code, 1, show(insecure));
    const [o] = probeLines(insecure);
    assertFailureJson(o!, 'TLS_UNTRUSTED');
    assert.ok(
      o!.steps.find((s) => s.name === 'ping')?.ok,
      `the registry itself was reached\n${show(insecure)}`,
    );
    const failed = o!.steps.at(-1)!;
    assert.equal(failed.name, 'tls', show(insecure));
    assert.ok(
      failed.summary.includes(`token endpoint ${tokens.url}`),
      `the token realm failed\n${show(insecure)}`,
    );
    assert.equal(withCa.code, 0, show(withCa));
    assertPullableJson(probeLines(withCa)[0]!);
  });

  test('--insecure-skip-tls-verify applies to every registry named', async () => {
    const images = [`${trusted.host}/team/app:1`, `${selfSigned.host}/team/app:1`];
    const r = await cli.run(['probe', ...images, ...AMD, '-o', 'json', '--insecure-skip-tls-verify']);
    assert.equal(r.code, 0, show(r));
    probeLines(r).forEach(assertPullableJson);
  });

  test('--timeout 300ms against a server that never answers: NETWORK_TIMEOUT, exit 1, promptly', async () => {
    const silent = await fx.start(stall({ phase: 'headers' }));
    const r = await cli.run([
      'probe',
      `${silent.host}/team/app:1`,
      '--plain-http',
      ...AMD,
      '--timeout',
      '300ms',
      '-o',
      'json',
    ]);
    assert.equal(r.code, 1, show(r));
    assertFailureJson(probeLines(r)[0]!, 'NETWORK_TIMEOUT');
    // The default timeout is 10 s; well under that means the flag was applied.
    assert.ok(r.ms < 6000, `took ${Math.round(r.ms)} ms`);
    assert.ok(silent.requests.length > 0, 'the request reached the server');
  });

  test('--timeout 300ms against a TLS port that never finishes the handshake', async () => {
    const silent = await fx.start(stall({ phase: 'accept', tls: pki.valid }));
    const r = await cli.run([
      'probe',
      `${silent.host}/team/app:1`,
      ...AMD,
      '--timeout',
      '300ms',
      '--ca-file',
      pki.ca.certPath,
    ]);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stdout, /^NETWORK_TIMEOUT /m, show(r));
    assert.ok(r.ms < 6000, `took ${Math.round(r.ms)} ms`);
  });
});
