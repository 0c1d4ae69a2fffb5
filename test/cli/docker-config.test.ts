// A broken --docker-config on this machine is the user's input error: exit 2 with one line naming the file —
// not PULL_SECRET_INVALID with kubectl advice about a cluster's pull secrets. A working one's defects show in
// text as they do in JSON.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { buildCli, show, type Cli } from './cli.ts';
import { assertUsageError } from './contract.ts';

describe('--docker-config that does not parse', () => {
  const fx = useFixture();
  let cli: Cli;
  let truncated: string;
  let wrongShape: string;

  before(async () => {
    cli = await buildCli(fx);
    truncated = join(fx.dir, 'truncated.json');
    await writeFile(truncated, '{"auths": {"registry.example.com": {"auth": "dXNlcjpwdy1zZWNyZXQtOQ=="}}');
    wrongShape = join(fx.dir, 'shape.json');
    await writeFile(wrongShape, '{"auths": 5}');
  });

  for (const [name, args] of [
    ['probe', ['probe', 'registry.example.com/team/app:1']],
    ['inspect', ['inspect', 'registry.example.com/team/app:1']],
  ] as const) {
    test(`${name}: a usage error naming the file, never a cause code or kubectl`, async () => {
      for (const file of [truncated, wrongShape]) {
        const r = await cli.run([...args, '--docker-config', file]);
        assertUsageError(
          r,
          new RegExp(`^regdoctor: --docker-config ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `),
        );
        assertUsageError(r, /^(?!.*(PULL_SECRET|kubectl|pw-secret)).*$/s);
      }
    });
  }
});

describe('--docker-config defects in text output, as in JSON', () => {
  const fx = useFixture();
  let cli: Cli;
  let config: string;

  before(async () => {
    cli = await buildCli(fx);
    config = join(fx.dir, 'config.json');
    const auth = (u: string, p: string) => ({
      username: u,
      password: p,
      auth: Buffer.from(`${u}:${p}`).toString('base64'),
    });
    await writeFile(
      config,
      JSON.stringify({
        auths: { '127.0.0.1': auth('u', 'pw-a-1'), '127.0.0.1:1': auth('u', 'pw-b-1\n') },
        credHelpers: { '127.0.0.1:2': 'regdoctor-test-missing' },
      }),
    );
  });

  for (const [image, said] of [
    ['127.0.0.1:5103/team/app:1', /- key 127\.0\.0\.1: port differs \(none vs 5103\)/],
    ['127.0.0.1:1/team/app:1', /! 127\.0\.0\.1:1: password ends with a newline/],
    [
      '127.0.0.1:2/team/app:1',
      /- credential helper docker-credential-regdoctor-test-missing is not installed/,
    ],
  ] as const) {
    test(`${image}: ${said.source}`, async () => {
      const args = ['probe', image, '--plain-http', '--docker-config', config, '--timeout', '2s'];
      const text = await cli.run(args);
      assert.match(text.stdout, said, show(text));
      const json = await cli.run([...args, '-o', 'json']);
      assert.ok(json.stdout.length > 0, show(json));
    });
  }
});
