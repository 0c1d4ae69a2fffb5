// `regdoctor exporter` as shipped: the bundled CLI as a child process — help, config and flag errors (exit 2, one
// line naming the problem), a run with --snapshot and a config whose file paths are relative to it, and a clean
// exit 0 on SIGTERM and SIGINT.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { buildCli, type Cli } from '../cli/cli.ts';
import { useFixture } from '../helpers/fixture.ts';
import { freePort } from '../helpers/ports.ts';
import { startDaemon } from '../helpers/proc.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { failingPod, get, list, sample, waitFor } from './support.ts';

const SNAPSHOT = list([
  failingPod('web-1', 'shop', 'registry.example.com/team/web:1', {
    reason: 'ErrImagePull',
    message:
      'rpc error: code = Unknown desc = failed to pull and unpack image "registry.example.com/team/web:1": failed to resolve reference "registry.example.com/team/web:1": pulling from host registry.example.com failed with status code [manifests 1]: 403 Forbidden',
  }),
]);

describe('regdoctor exporter (CLI)', () => {
  const fx = useFixture();
  let cli: Cli;
  let reg: RunningRegistry;
  let dir: string;

  before(async () => {
    cli = await buildCli(fx);
    const pki = await fx.pki();
    reg = await fx.registry({ tls: pki.valid });
    dir = await fx.subdir('etc');
    await copyFile(pki.ca.certPath, join(dir, 'ca.crt'));
    await writeFile(join(dir, 'snapshot.json'), JSON.stringify(SNAPSHOT));
    // caFile is relative: it resolves next to the config, as a ConfigMap and a Secret mounted side by side.
    await writeFile(
      join(dir, 'config.yaml'),
      `interval: 1m\nregistries:\n  - host: ${reg.host}\n    caFile: ca.crt\n`,
    );
  });

  test('--help', async () => {
    const r = await cli.run(['exporter', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: regdoctor exporter/);
    assert.match(r.stdout, /--listen ADDR/);
    assert.equal(r.stderr, '');
  });

  test('config and flag mistakes: exit 2 with one line naming the problem', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'interval: 5m\nregistries:\n  - host: r.example.com\n    insecure: true\n');
    const cases: [string[], RegExp][] = [
      [['--config', bad], /^regdoctor: .*bad\.yaml: unknown key "insecure" in registries\[0\]\n$/],
      [['--config', join(dir, 'nope.yaml')], /^regdoctor: --config .*nope\.yaml: no such file\n$/],
      [['--listen', 'everywhere'], /^regdoctor: --listen "everywhere": expected \[HOST\]:PORT/],
      [['--in-cluster', '--kubeconfig', 'x'], /^regdoctor: --in-cluster cannot be combined/],
      [['--snapshot', 'x', '--context', 'y'], /^regdoctor: --snapshot reads files, not a cluster/],
      [['positional'], /^regdoctor: exporter takes no arguments/],
      [['--bogus'], /^regdoctor: Unknown option '--bogus'/],
    ];
    for (const [args, pattern] of cases) {
      const r = await cli.run(['exporter', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
    }
  });

  test('an address in use is a usage error', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    fx.onCleanup(() => new Promise<void>((resolve) => busy.close(() => resolve())));
    const port = (busy.address() as { port: number }).port;
    const r = await cli.run(['exporter', '--listen', `127.0.0.1:${port}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /address already in use/);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`serves a config and a --snapshot, then exits 0 on ${signal}`, async () => {
      const port = await freePort();
      const child = startDaemon(
        cli.bin,
        [
          'exporter',
          '--config',
          join(dir, 'config.yaml'),
          '--snapshot',
          join(dir, 'snapshot.json'),
          '--listen',
          `127.0.0.1:${port}`,
        ],
        { env: { PATH: process.env.PATH, HOME: cli.home } },
      );
      fx.onCleanup(() => child.stop());
      const url = `http://127.0.0.1:${port}`;
      await waitFor('/readyz 200', async () => (await get(`${url}/readyz`)).status === 200, 30_000);
      const text = (await get(`${url}/metrics`)).body;
      assert.equal(
        sample(text, 'regdoctor_registry_up', { registry: reg.host }),
        1,
        'the relative caFile was used',
      );
      assert.equal(
        sample(text, 'regdoctor_image_pull_failures', { namespace: 'shop', cause: 'FORBIDDEN' }),
        1,
      );
      assert.match(
        child.output(),
        /serving http:\/\/127\.0\.0\.1:\d+\/metrics; 1 registries, 0 images, cluster .*snapshot\.json/,
      );

      child.child.kill(signal);
      const code = await child.exited;
      assert.equal(code, 0, child.output());
      assert.match(child.output(), new RegExp(`${signal}, shutting down`));
      await assert.rejects(get(`${url}/healthz`, { timeoutMs: 1000 }), 'the server is closed');
    });
  }
});
