// The new flags' usage errors: one line, exit 2, before anything talks to a cluster or a registry.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCli, type Cli } from '../cli/cli.ts';
import { useFixture } from '../helpers/fixture.ts';

describe('probe --node, scan --from-nodes, agent: usage errors', () => {
  const fx = useFixture();
  let cli: Cli;
  before(async () => {
    cli = await buildCli(fx);
  });
  const cases: [string, string[], RegExp][] = [
    [
      '--pull-secret without --node',
      ['probe', 'r.io/a:1', '--pull-secret', 's'],
      /--pull-secret is for --node/,
    ],
    [
      'a local flag with --node',
      ['probe', 'r.io/a:1', '--node', 'n1', '--plain-http'],
      /--plain-http does not apply with --node/,
    ],
    [
      '--pull-secret and --pod',
      ['probe', 'r.io/a:1', '--node', 'n1', '--pull-secret', 's', '--pod', 'p'],
      /cannot be combined/,
    ],
    [
      '-o html with --node',
      ['probe', 'r.io/a:1', '--node', 'n1', '-o', 'html'],
      /--output must be text, json or yaml, not "html"/,
    ],
    [
      '--node-wait out of range',
      ['probe', 'r.io/a:1', '--node', 'n1', '--node-wait', '0s'],
      /--node-wait must be between 1s and 1h/,
    ],
    [
      '--from-nodes with --snapshot',
      ['scan', '--from-nodes', '--snapshot', 'x.json'],
      /--from-nodes asks the live cluster/,
    ],
    ['--node-wait without --from-nodes', ['scan', '--node-wait', '5s'], /--node-wait is for --from-nodes/],
    ['agent without a node', ['agent'], /agent needs --node NODE/],
    [
      'agent --concurrency 0',
      ['agent', '--node', 'n1', '--concurrency', '0'],
      /--concurrency must be an integer from 1 to 64/,
    ],
    ['agent --ttl 0s', ['agent', '--node', 'n1', '--ttl', '0s'], /--ttl must be between 1s and 168h/],
    ['agent with an argument', ['agent', 'extra'], /agent takes no arguments/],
  ];
  for (const [what, args, why] of cases) {
    test(what, async () => {
      const r = await cli.run(args, { env: { NODE_NAME: undefined } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, why);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(r.stdout, '');
    });
  }
  test('agent --help', async () => {
    const r = await cli.run(['agent', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /ImagePullCheck/);
  });
});
