// A broken --docker-config on this machine is the user's input error: exit 2 with one line naming the file —
// not PULL_SECRET_INVALID with kubectl advice about a cluster's pull secrets.
import { before, describe, test } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { buildCli, type Cli } from './cli.ts';
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
