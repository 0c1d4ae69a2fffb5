// `regdoctor webhook` as a process: usage errors, and a SIGTERM that lets a running server finish and exit 0.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useFixture } from '../helpers/fixture.ts';
import { parseListen } from '../../src/cli/commands/webhook.ts';
import { admit, call, workload } from './reviews.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const cli = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'webhook', ...args], { encoding: 'utf8' });

describe('regdoctor webhook (process)', () => {
  const fx = useFixture();

  test('--help', () => {
    const r = cli(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: regdoctor webhook --tls-cert FILE --tls-key FILE/);
  });

  test('usage errors exit 2 with one line', () => {
    const cases: [string[], RegExp][] = [
      [['--policy', 'p.yaml'], /needs --tls-cert and --tls-key/],
      [['--tls-cert', 'c', '--tls-key', 'k'], /needs --policy FILE or --watch-policies/],
      [['--tls-cert', 'c', '--tls-key', 'k', '--policy', 'p', '--watch-policies'], /cannot be combined/],
      [
        ['--tls-cert', 'c', '--tls-key', 'k', '--policy', 'p', '--listen', 'nope'],
        /--listen "nope": expected/,
      ],
      [['--tls-cert', 'c', '--tls-key', 'k', '--policy', 'p', '--context', 'x'], /are for --watch-policies/],
      [
        ['--tls-cert', 'c', '--tls-key', 'k', '--policy', 'p', '--decision-timeout', '0s'],
        /--decision-timeout must be/,
      ],
      [
        [
          '--tls-cert',
          'c',
          '--tls-key',
          'k',
          '--policy',
          'p',
          '--offline',
          '--ca-file',
          'x',
          '--cache-ttl',
          '1m',
        ],
        /--offline makes no registry requests: --cache-ttl, --ca-file would have no effect/,
      ],
      [
        ['--tls-cert', 'c', '--tls-key', 'k', '--policy', 'p', '--vulns', '-'],
        /--vulns -: the webhook reads/,
      ],
      [
        ['--tls-cert', 'c', '--tls-key', 'k', '--policy', 'p', '--plain-http-registry', 'http://r:5000'],
        /--plain-http-registry "http:\/\/r:5000": expected a registry host/,
      ],
      [['--tls-cert', 'c', '--tls-key', 'k', '--policy', 'p', '--cache-ttl', '0s'], /--cache-ttl must be/],
      [
        ['--tls-cert', 'c', '--tls-key', 'k', '--policy', 'p', '--max-new-images', '0'],
        /--max-new-images must be an integer from 1 to 256/,
      ],
      [
        ['--tls-cert', 'c', '--tls-key', 'k', '--policy', 'p', '--max-new-images', '1e3'],
        /--max-new-images must be an integer from 1 to 256/,
      ],
      [
        ['--tls-cert', 'c', '--tls-key', 'k', '--policy', 'p', '--offline', '--max-new-images', '4'],
        /--offline makes no registry requests: --max-new-images would have no effect/,
      ],
      [
        ['--tls-cert', 'c', '--tls-key', 'k', '--policy', 'p', '--ca-file', '/nonexistent'],
        /--ca-file \/nonexistent: no such file/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = cli(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, new RegExp(`^regdoctor: .*${message.source}`), args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });

  test('parseListen', () => {
    assert.deepEqual(parseListen(':8443'), { host: '0.0.0.0', port: 8443 });
    assert.deepEqual(parseListen('8443'), { host: '0.0.0.0', port: 8443 });
    assert.deepEqual(parseListen('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseListen('[::1]:9443'), { host: '::1', port: 9443 });
    assert.throws(() => parseListen('host:99999'), /expected \[HOST\]:PORT/);
  });

  /** `regdoctor webhook ARGS` serving on a free port; resolves once it logs its URL. */
  async function serve(args: string[]) {
    const pki = await fx.pki();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        MAIN,
        'webhook',
        '--listen',
        '127.0.0.1:0',
        '--tls-cert',
        pki.valid.certPath,
        '--tls-key',
        pki.valid.keyPath,
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    fx.onCleanup(() => void child.kill('SIGKILL'));
    const out = { stderr: '' };
    child.stderr.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: string) => {
        out.stderr += d;
        const m = /serving (https:\/\/\S+)\/validate/.exec(out.stderr);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out.stderr}`)));
    });
    return { child, url, out, ca: pki.ca.certPem };
  }

  test('serves, then on SIGTERM stops serving and exits 0', async () => {
    const policy = join(await fx.subdir('p'), 'p.yaml');
    await writeFile(
      policy,
      'apiVersion: regdoctor.dev/v1alpha1\nkind: ImagePolicy\nmetadata: {name: no-latest}\nspec: {disallowLatestTag: true}\n',
    );
    const { child, url, out, ca } = await serve(['--policy', policy]);
    const { answer } = await admit(url, ca, {
      object: workload('Pod', 'p', [{ name: 'c', image: 'nginx' }]),
    });
    assert.equal(answer.json.response.allowed, false);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(out.stderr, /SIGTERM: shutting down/);
    assert.match(out.stderr, /webhook: stopped/);
    await assert.rejects(call(url, ca, { method: 'GET', path: '/healthz' }), /ECONNREFUSED/);
  });

  test('--max-new-images bounds the images one review looks up', async () => {
    const reg = await fx.registry();
    const layout = await buildImageLayout(await fx.subdir('img'), { tag: '1' });
    await pushImage(layout, `docker://${reg.host}/team/app:1`, { tlsVerify: false });
    const policy = join(await fx.subdir('size'), 'p.yaml');
    await writeFile(
      policy,
      'apiVersion: regdoctor.dev/v1alpha1\nkind: ImagePolicy\nmetadata: {name: size}\nspec: {maxImageSize: 1Gi}\n',
    );
    const { url, out, ca } = await serve([
      '--policy',
      policy,
      '--plain-http-registry',
      reg.host,
      '--max-new-images',
      '1',
    ]);
    assert.match(out.stderr, /at most 1 new images looked up a review/);
    const images = [`${reg.host}/team/app:1`, `${reg.host}/team/app:1`, `${reg.host}/other/app:1`];
    const pod = workload(
      'Pod',
      'p',
      images.map((image, i) => ({ name: `c${i}`, image })),
    );
    // One distinct new image is looked up (it is named twice); the second is past the budget.
    const { answer } = await admit(url, ca, { object: pod });
    assert.equal(answer.json.response.allowed, false, answer.text);
    const msg: string = answer.json.response.status.message;
    assert.doesNotMatch(msg, /container "c[01]"/, msg);
    assert.match(
      msg,
      /container "c2": .*not looked up: the review names more than 1 images not in the webhook's cache/,
    );
  });
});
