import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'classify', ...args], {
    cwd: ROOT,
    input: input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const DENIED =
  'Failed to pull image "acme/private-api:2.3": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/acme/private-api:2.3": failed to resolve reference "docker.io/acme/private-api:2.3": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed';

describe('regdoctor classify', () => {
  test('message as an argument, text output', () => {
    const r = cli([DENIED]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^UNAUTHORIZED {2}\(likely\)$/m);
    assert.match(r.out, /also possible: REPOSITORY_NOT_FOUND/);
    assert.match(r.out, /What to do:\n {2}1\. /);
    assert.match(r.out, /Evidence: pull access denied/);
    assert.ok(!r.out.includes('\x1b['), 'no colour when not a terminal');
  });

  test('whole stdin is one message, JSON output carries the message', () => {
    const message = 'Failed to pull image "nginx:1.25": pull QPS exceeded\n';
    const r = cli(['-o', 'json'], message);
    assert.equal(r.code, 0, r.err);
    const got = JSON.parse(r.out);
    assert.equal(got.message, message);
    assert.equal(got.cause, 'PULL_QPS_EXCEEDED');
    assert.equal(got.image, 'nginx:1.25');
    for (const key of ['confidence', 'alternatives', 'registry', 'explanation', 'remediation', 'evidence']) {
      assert.ok(key in got, key);
    }
  });

  test('--reason is passed through', () => {
    const r = cli(['--reason', 'ErrImageNeverPull', '--output', 'json', 'Back-off pulling image "tool:dev"']);
    assert.equal(r.code, 0, r.err);
    const got = JSON.parse(r.out);
    assert.equal(got.cause, 'NEVER_PULL');
    assert.equal(got.confidence, 'certain');
  });

  test('--batch: one JSON line per input line, in order, bad lines become errors', () => {
    const input = [
      JSON.stringify({ message: DENIED }),
      'this is not json',
      JSON.stringify({ msg: 'wrong field' }),
      '',
      JSON.stringify({ message: 'Error: ImagePullBackOff', reason: 'ImagePullBackOff' }),
    ].join('\n');
    const r = cli(['--batch'], input);
    assert.equal(r.code, 0, r.err);
    const lines = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 4);
    assert.equal(lines[0].cause, 'UNAUTHORIZED');
    assert.equal(lines[0].message, DENIED);
    assert.match(lines[1].error, /^line 2: not JSON/);
    assert.match(lines[2].error, /^line 3: expected/);
    assert.equal(lines[3].cause, 'BACKOFF_NO_DETAIL');
  });

  test('--help', () => {
    const r = cli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /^Usage: regdoctor classify/);
    assert.match(r.out, /--batch/);
  });

  test('usage errors exit 2 with a message', () => {
    for (const [args, input] of [
      [['-o', 'xml', 'x'], ''],
      [['--batch', '-o', 'yaml'], ''],
      [['--batch', 'extra'], ''],
      [['--batch', '-o', 'text'], ''],
      [['--no-such-flag', 'x'], ''],
      [[], '   \n'],
    ] as [string[], string][]) {
      const r = cli(args, input);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}`);
      assert.match(r.err, /^regdoctor: /);
      assert.equal(r.out, '');
    }
  });
});
