// Usage errors, help and the command table of the built binary. None of these runs touches the network: every
// image here is on a closed loopback port, so a flag that was wrongly accepted shows up as exit 1, not a hang.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { closedPort } from '../helpers/ports.ts';
import { buildCli, show, type Cli } from './cli.ts';
import { assertNoAnsi, assertUsageError } from './contract.ts';

describe('regdoctor usage', () => {
  const fx = useFixture();
  let cli: Cli;
  let image: string;
  let notPem: string;
  let badPem: string;

  before(async () => {
    cli = await buildCli(fx);
    image = `127.0.0.1:${await closedPort()}/team/app:1`;
    notPem = join(fx.dir, 'not-a-cert.txt');
    await writeFile(notPem, 'this is not a certificate\n');
    badPem = join(fx.dir, 'damaged.pem');
    await writeFile(badPem, '-----BEGIN CERTIFICATE-----\nAAAAnot-base64!\n-----END CERTIFICATE-----\n');
  });

  const cases: [string, (img: string) => string[], RegExp, string?][] = [
    ['unknown flag', (img) => ['probe', img, '--bogus'], /--bogus/],
    ['no image', () => ['probe'], /at least one IMAGE/],
    ['no image, only flags', () => ['probe', '-o', 'json', '--plain-http'], /at least one IMAGE/],
    ['unparsable --timeout', (img) => ['probe', img, '--timeout', 'soon'], /duration/],
    ['zero --timeout', (img) => ['probe', img, '--timeout', '0s'], /--timeout/],
    ['--timeout past what a timer can hold', (img) => ['probe', img, '--timeout', '600h'], /--timeout/],
    ['negative --timeout', (img) => ['probe', img, '--timeout', '-1s'], /--timeout/],
    ['--timeout without a value', (img) => ['probe', img, '--timeout'], /--timeout/],
    ['--platform with too many parts', (img) => ['probe', img, '--platform', 'linux/arm/v7/x'], /platform/],
    ['--platform with an empty OS', (img) => ['probe', img, '--platform', '/amd64'], /platform/],
    [
      '--platform with a variant past any level',
      (img) => ['probe', img, '--platform', 'linux/amd64/v50000000'],
      /invalid platform "linux\/amd64\/v50000000": amd64 variant "v50000000" is not a CPU level/,
    ],
    ['-o xml', (img) => ['probe', img, '-o', 'xml'], /--output must be text, json, yaml or html, not "xml"/],
    ['-o wide on probe', (img) => ['probe', img, '-o', 'wide'], /--output must be/],
    [
      'probe --node -o html',
      (img) => ['probe', img, '--node', 'n1', '-o', 'html'],
      /--output must be text, json or yaml/,
    ],
    ['--username without --password-stdin', (img) => ['probe', img, '-u', 'ci'], /--password-stdin/],
    ['--password-stdin without --username', (img) => ['probe', img, '--password-stdin'], /--username/],
    ['--password-stdin with empty stdin', (img) => ['probe', img, '-u', 'ci', '--password-stdin'], /empty/],
    [
      'missing --docker-config file',
      (img) => ['probe', img, '--docker-config', '/nonexistent/config.json'],
      /no such file/,
    ],
    ['--docker-config is a directory', (img) => ['probe', img, '--docker-config', '/'], /not a regular file/],
    ['--ca-file that is not PEM', (img) => ['probe', img, '--ca-file', 'NOT_PEM'], /no PEM certificate/],
    ['--ca-file with a damaged certificate', (img) => ['probe', img, '--ca-file', 'BAD_PEM'], /not valid/],
    ['missing --ca-file', (img) => ['probe', img, '--ca-file', '/nonexistent/ca.pem'], /no such file/],
    ['--concurrency 0', (img) => ['probe', img, '--concurrency', '0'], /--concurrency/],
    ['missing --file', () => ['probe', '-f', '/nonexistent/images.txt'], /no such file/],
    ['inspect without an image', () => ['inspect'], /exactly one IMAGE/],
    ['inspect with two images', (img) => ['inspect', img, img], /exactly one IMAGE/],
    ['inspect with a bad --bandwidth', (img) => ['inspect', img, '--bandwidth', 'fast'], /--bandwidth/],
    ['inspect -o name', (img) => ['inspect', img, '-o', 'name'], /--output/],
    ['demo with an unknown flag', () => ['demo', '--bogus'], /--bogus/],
  ];

  // Independent short-lived processes: run a few at once to keep the file fast on two cores.
  describe('usage errors', { concurrency: 4 }, () => {
    for (const [name, args, message] of cases) {
      test(`${name}: exit 2, one line on stderr`, async () => {
        const argv = args(image).map((a) => (a === 'NOT_PEM' ? notPem : a === 'BAD_PEM' ? badPem : a));
        const r = await cli.run(argv);
        assertUsageError(r, message);
      });
    }
  });

  test('--file - and --password-stdin cannot share stdin', async () => {
    const r = await cli.run(['probe', '-f', '-', '-u', 'ci', '--password-stdin'], { input: `${image}\n` });
    assertUsageError(r, /standard input/);
  });

  test('regdoctor --help and every command --help exit 0 and print usage on stdout', async () => {
    const runs = await Promise.all([
      cli.run(['--help']),
      cli.run(['-h']),
      cli.run(['probe', '--help']),
      cli.run(['inspect', '--help']),
      cli.run(['classify', '--help']),
      cli.run(['demo', '--help']),
    ]);
    for (const r of runs) {
      assert.equal(r.code, 0, show(r));
      assert.equal(r.stderr, '', show(r));
      assert.match(r.stdout, /Usage: regdoctor/, show(r));
      assertNoAnsi(r.stdout, 'help');
    }
    const [top, , probe] = runs;
    for (const cmd of ['probe', 'inspect', 'classify', 'demo'])
      assert.match(top!.stdout, new RegExp(`^ {2}${cmd} `, 'm'));
    for (const flag of [
      '--file',
      '--concurrency',
      '--platform',
      '--password-stdin',
      '--ca-file',
      '--timeout',
      '-o, --output',
    ])
      assert.ok(probe!.stdout.includes(flag), `probe --help lacks ${flag}`);
  });

  test('--help wins over missing arguments', async () => {
    const r = await cli.run(['probe', '--help', '--timeout', 'soon']);
    assert.equal(r.code, 0, show(r));
  });

  test('an unknown command exits 2 naming it, with the command list, no stack trace', async () => {
    const r = await cli.run(['pull', 'nginx']);
    assert.equal(r.code, 2, show(r));
    assert.equal(r.stdout, '', show(r));
    assert.match(r.stderr, /^regdoctor: unknown command "pull"\n/, show(r));
    assert.match(r.stderr, /^ {2}probe /m, show(r));
    assert.doesNotMatch(r.stderr, /^\s+at /m, show(r));
  });

  test('no command at all is a usage error that shows the help', async () => {
    const r = await cli.run([]);
    assert.equal(r.code, 2, show(r));
    assert.match(r.stdout, /Usage: regdoctor <command>/, show(r));
  });

  test('a reader that goes away (| head) ends the CLI quietly, without a stack trace', async () => {
    const runs = await Promise.all([
      cli.run(['--help'], { closeStdout: true }),
      cli.run(['probe', image, image, image, '-o', 'json'], { closeStdout: true }),
    ]);
    for (const r of runs) {
      assert.equal(r.stderr, '', show(r));
      assert.equal(r.code, 0, show(r));
    }
  });

  test('--version', async () => {
    const r = await cli.run(['--version']);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^regdoctor \d+\.\d+\.\d+\n$/);
  });

  test('classify runs from the built binary (smoke)', async () => {
    const r = await cli.run([
      'classify',
      '-o',
      'json',
      'Failed to pull image "nginx:1.99": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.99": failed to resolve reference "docker.io/library/nginx:1.99": docker.io/library/nginx:1.99: not found',
    ]);
    assert.equal(r.code, 0, show(r));
    const got = JSON.parse(r.stdout) as { cause: string; image: string };
    assert.equal(got.cause, 'MANIFEST_NOT_FOUND', show(r));
    assert.equal(got.image, 'nginx:1.99');
  });
});
