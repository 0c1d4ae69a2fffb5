// `regdoctor demo` from the built binary: it starts its own docker-registry instances, so this is the whole tour,
// and its summary must show the expected verdict for every case.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { useFixture } from '../helpers/fixture.ts';
import { buildCli, show, type Cli } from './cli.ts';
import { assertNoAnsi } from './contract.ts';

describe('regdoctor demo', () => {
  const fx = useFixture();
  let cli: Cli;

  before(async () => {
    cli = await buildCli(fx);
  });

  test('exits 0 and every case in the summary is ✔', async () => {
    // Its own temp dir, so what it leaves behind can be counted without other tests' files in the way.
    const tmp = await fx.subdir('demo-tmp');
    const r = await cli.run(['demo'], { env: { TMPDIR: tmp }, killAfterMs: 60_000 });
    assert.equal(r.code, 0, show(r));
    assertNoAnsi(r.stdout, 'demo stdout');
    assert.doesNotMatch(r.stdout, /not installed/, 'the full tour ran (docker-registry is on PATH)');
    const summary = r.stdout.slice(r.stdout.lastIndexOf('Summary\n') + 'Summary\n'.length);
    const rows = summary.split('\n').filter((l) => /^ {2}[✔✘] /.test(l));
    assert.equal(rows.length, 16, `eleven probe cases and five scanned pods, as the README says\n${show(r)}`);
    assert.ok(
      rows.every((l) => l.startsWith('  ✔ ')),
      summary,
    );
    // The verdicts themselves, not only the ticks.
    for (const cause of [
      'INVALID_REFERENCE',
      'DNS_FAILURE',
      'pullable',
      'MANIFEST_NOT_FOUND',
      'REPOSITORY_NOT_FOUND',
      'PLATFORM_MISMATCH',
      'HTTP_HTTPS_MISMATCH',
      'UNAUTHORIZED',
      'CONNECTION_REFUSED',
    ])
      assert.ok(
        rows.some((l) => l.endsWith(`  ${cause}`)),
        `${cause} in the summary\n${summary}`,
      );
    // The scan of the built-in cluster: every pod's cause proved by a probe.
    for (const cause of [
      'MANIFEST_NOT_FOUND',
      'PLATFORM_MISMATCH',
      'UNAUTHORIZED',
      'PULL_SECRET_MISSING',
      'PULL_SECRET_INVALID',
    ])
      assert.ok(
        rows.some((l) => l.startsWith('  ✔ scan: pod ') && l.endsWith(`  ${cause} (certain)`)),
        `scan ${cause} in the summary\n${summary}`,
      );
    assert.deepEqual(await readdir(tmp), [], 'the demo removed its registries and files');
    assert.ok(
      !r.stdout.includes('demo-password-not-secret') && !r.stderr.includes('demo-password-not-secret'),
    );
  });
});
