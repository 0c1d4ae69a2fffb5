// `scan --help` and `pod --help` describe their own flags: every flag the command takes is in its help, the help
// names no flag it does not take, and what a shared flag means is said for that command.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { flags as podFlags } from '../../src/cli/commands/pod.ts';
import { flags as scanFlags } from '../../src/cli/commands/scan.ts';
import { buildCli, show, type Cli } from './cli.ts';

/** The long flags a help text documents, each at the start of its own line. */
const documented = (help: string) =>
  new Set([...help.matchAll(/^ {2,}(?:-\w, )?--([a-z][a-z-]*)/gm)].map((m) => m[1]!));

describe('scan and pod --help', () => {
  const fx = useFixture();
  let cli: Cli;
  before(async () => {
    cli = await buildCli(fx);
  });

  for (const [command, flags] of [
    ['scan', scanFlags],
    ['pod', podFlags],
  ] as const) {
    test(`${command}: every flag it takes, and only those`, async () => {
      const r = await cli.run([command, '--help']);
      assert.equal(r.code, 0, show(r));
      const takes = new Set(Object.keys(flags).filter((f) => f !== 'help'));
      assert.deepEqual([...documented(r.stdout)].sort(), [...takes].sort(), r.stdout);
    });
  }

  test("pod's -n is the pod's namespace; scan's limits the scan", async () => {
    const pod = (await cli.run(['pod', '--help'])).stdout;
    const scan = (await cli.run(['scan', '--help'])).stdout;
    assert.match(pod, /-n, --namespace NS +the pod's namespace/);
    assert.doesNotMatch(pod, /only this namespace|pods whose node/);
    assert.match(scan, /-n, --namespace NS +only this namespace/);
  });
});
