// `regdoctor probe` against a real docker-registry: the JSON contract, input order, exit codes and plain text.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { buildIndexLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { rateLimited } from '../helpers/faults.ts';
import { buildCli, show, type Cli } from './cli.ts';
import { assertFailureJson, assertNoAnsi, assertPullableJson, probeLines } from './contract.ts';

describe('regdoctor probe output', () => {
  const fx = useFixture();
  let cli: Cli;
  let reg: RunningRegistry;
  let indexDigest: string;
  const AMD = ['--platform', 'linux/amd64'];

  before(async () => {
    const [built, registry] = await Promise.all([buildCli(fx), fx.registry()]);
    cli = built;
    reg = registry;
    const img = await buildIndexLayout(await fx.subdir('img'), { images: ['linux/amd64', 'linux/arm64'] });
    const pushed = await pushImage(img, `docker://${reg.host}/team/app:1.0`, { tlsVerify: false });
    await pushImage(img, `docker://${reg.host}/team/app:1.0.1`, { tlsVerify: false });
    indexDigest = pushed.digest;
  });

  test('one pullable image: one JSON object with the documented keys, exit 0', async () => {
    const image = `${reg.host}/team/app:1.0`;
    const r = await cli.run(['probe', image, '--plain-http', ...AMD, '-o', 'json']);
    assert.equal(r.code, 0, show(r));
    const [o, ...rest] = probeLines(r);
    assert.equal(rest.length, 0, show(r));
    assertPullableJson(o!);
    assert.equal(o!.image, image);
    assert.deepEqual(o!.reference, { registry: reg.host, repository: 'team/app', tag: '1.0', digest: null });
    assert.equal(o!.platform, 'linux/amd64');
    assert.equal(o!.manifest!.digest, indexDigest);
    assert.deepEqual([...o!.manifest!.platforms].sort(), ['linux/amd64', 'linux/arm64']);
    assert.equal(o!.manifest!.selected?.platform, 'linux/amd64');
    assert.deepEqual(o!.alternatives, []);
    assert.equal(o!.rateLimit, undefined, 'docker-registry reports no rate limit');
    assertNoAnsi(r.stderr, 'stderr');
  });

  test('several images: one line each, in input order, exit 1 when any is not pullable', async () => {
    const images = [
      `${reg.host}/team/app:1.0.2`,
      'Registry.local/Team/App:1.0',
      `${reg.host}/team/app:1.0`,
      `${reg.host}/team/nope:1.0`,
      `${reg.host}/team/app@${indexDigest}`,
    ];
    const r = await cli.run(['probe', ...images, '--plain-http', ...AMD, '-o', 'json']);
    assert.equal(r.code, 1, show(r));
    const lines = probeLines(r);
    assert.deepEqual(
      lines.map((o) => o.image),
      images,
    );
    assertFailureJson(lines[0]!, 'MANIFEST_NOT_FOUND');
    assert.ok(lines[0]!.suggestions?.includes('1.0.1'), JSON.stringify(lines[0]));
    assertFailureJson(lines[1]!, 'INVALID_REFERENCE');
    assertPullableJson(lines[2]!);
    assertFailureJson(lines[3]!, 'REPOSITORY_NOT_FOUND');
    assertPullableJson(lines[4]!);
    assert.equal(lines[4]!.reference?.digest, indexDigest);
    assert.equal(lines[4]!.reference?.tag, null);
  });

  test('an invalid reference alone is exit 1, not a usage error', async () => {
    // Upper case is allowed in a registry host but never in a repository path.
    const r = await cli.run(['probe', `${reg.host}/Team/app:1.0`, '-o', 'json']);
    assert.equal(r.code, 1, show(r));
    const [o] = probeLines(r);
    assertFailureJson(o!, 'INVALID_REFERENCE');
  });

  test('every image pullable: exit 0', async () => {
    const r = await cli.run([
      'probe',
      `${reg.host}/team/app:1.0`,
      `${reg.host}/team/app:1.0.1`,
      '--plain-http',
      ...AMD,
      '-o',
      'json',
    ]);
    assert.equal(r.code, 0, show(r));
    const lines = probeLines(r);
    assert.equal(lines.length, 2);
    lines.forEach(assertPullableJson);
  });

  test('rateLimit appears when the registry reports one', async () => {
    const limited = await fx.start(rateLimited());
    const image = `${limited.host}/team/app:1`;
    const [r, text] = await Promise.all([
      cli.run(['probe', image, '--plain-http', ...AMD, '-o', 'json']),
      cli.run(['probe', image, '--plain-http', ...AMD]),
    ]);
    assert.equal(r.code, 1, show(r));
    const [o] = probeLines(r);
    assertFailureJson(o!, 'RATE_LIMITED');
    assert.deepEqual(o!.rateLimit, { limit: 100, remaining: 0, windowSeconds: 21600, source: '127.0.0.1' });
    assert.equal(text.code, 1, show(text));
    assert.match(text.stdout, /^ {2}rate limit: 0 of 100 left per 21600s$/m, show(text));
  });

  test('text output on a pipe: waterfall and verdict without colour, a tally for several images', async () => {
    const r = await cli.run(
      ['probe', `${reg.host}/team/app:1.0`, `${reg.host}/team/app:1.4`, '--plain-http', ...AMD],
      // A colour-loving terminal type must not matter when stdout is not a TTY.
      { env: { TERM: 'xterm-256color', FORCE_COLOR: '1' } },
    );
    assert.equal(r.code, 1, show(r));
    assertNoAnsi(r.stdout, 'text stdout');
    assertNoAnsi(r.stderr, 'text stderr');
    assert.match(r.stdout, /^ {2}✔ manifest +\S+ \|[ █]+\| /m, show(r));
    assert.match(r.stdout, /^PULLABLE {2}/m, show(r));
    assert.match(r.stdout, /^MANIFEST_NOT_FOUND \[certain\] — /m, show(r));
    assert.match(r.stdout, /^ {2}Fix:\n {4}1\. /m, show(r));
    assert.match(r.stdout, /^1 of 2 images pullable\n$/m, show(r));
    // Input order holds for text too.
    assert.ok(r.stdout.indexOf('team/app:1.0 ') < r.stdout.indexOf('team/app:1.4 '), show(r));
  });
});
