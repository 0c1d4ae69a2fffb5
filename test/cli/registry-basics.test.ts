// `regdoctor tags`, `manifest` and `digest` against real docker-registry instances with skopeo-pushed images, with
// skopeo as the oracle (list-tags, inspect --raw) for what `crane ls`, `crane manifest` and `crane digest` print:
// one tag per line, the manifest's exact bytes, the digest a runtime pins.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as faults from '../helpers/faults.ts';
import { useFixture } from '../helpers/fixture.ts';
import { buildIndexLayout, buildImageLayout } from '../helpers/oci.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { serve } from '../helpers/server.ts';
import { inspectRaw, listTags, pushImage } from '../helpers/skopeo.ts';
import { buildCli, show, type Cli, type CliResult } from './cli.ts';

const sha256 = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const lines = (r: CliResult) => r.stdout.split('\n').filter(Boolean);
const TAGS = ['1.0.0', '1.10.0', '1.2.0', '1.10.0-rc.1', 'v2.0.0', 'latest', 'main'];

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, show(r));
  assert.equal(r.stderr, '');
  return r;
}

function fails(r: CliResult, code: number, message: RegExp): void {
  assert.equal(r.code, code, show(r));
  assert.equal(r.stdout, '');
  assert.match(r.stderr, message);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
}

describe('tags, manifest and digest', () => {
  const fx = useFixture();
  let cli: Cli;
  let reg: RunningRegistry;
  let indexDigest: string;
  let sigTag: string;
  const app = () => `${reg.host}/team/app`;

  before(async () => {
    [cli, reg] = await Promise.all([buildCli(fx), fx.registry()]);
    const img = await buildIndexLayout(await fx.subdir('img'), {
      images: ['linux/amd64', 'linux/arm64/v8'],
      attestation: true,
    });
    for (const t of TAGS)
      indexDigest = (await pushImage(img, `docker://${app()}:${t}`, { tlsVerify: false })).digest;
    sigTag = `${indexDigest.replace(':', '-')}.sig`;
    await pushImage(img, `docker://${app()}:${sigTag}`, { tlsVerify: false });
  });

  test('tags: every tag, as skopeo list-tags (crane ls) sees them, in version order by default', async () => {
    const skopeo = await listTags(`docker://${app()}`, { tlsVerify: false });
    const [semver, registry, byName] = await Promise.all([
      cli.run(['tags', app(), '--plain-http']),
      cli.run(['tags', `${app()}:1.0.0`, '--plain-http', '--sort', 'registry']),
      cli.run(['tags', app(), '--plain-http', '--sort', 'name']),
    ]);
    assert.deepEqual(lines(ok(registry)), skopeo, 'crane ls order: as the registry lists them');
    assert.deepEqual(lines(ok(byName)), [...skopeo].sort());
    assert.deepEqual(lines(ok(semver)), [
      'latest',
      'main',
      sigTag,
      '1.0.0',
      '1.2.0',
      '1.10.0-rc.1',
      '1.10.0',
      'v2.0.0',
    ]);
  });

  test('tags: --filter, -O, --full-ref, -o json and yaml', async () => {
    const [filtered, omit, full, json, yaml] = await Promise.all([
      cli.run(['tags', app(), '--plain-http', '--filter', '1.1?.*']),
      cli.run(['tags', app(), '--plain-http', '-O', '--filter', '*[a-z]*']),
      cli.run(['tags', app(), '--plain-http', '--full-ref', '--filter', 'v*']),
      cli.run(['tags', app(), '--plain-http', '-o', 'json', '--filter', '1.*']),
      cli.run(['tags', app(), '--plain-http', '-o', 'yaml', '--filter', '1.*']),
    ]);
    assert.deepEqual(lines(ok(filtered)), ['1.10.0-rc.1', '1.10.0']);
    assert.deepEqual(lines(ok(omit)), ['latest', 'main', '1.10.0-rc.1', 'v2.0.0']);
    assert.deepEqual(lines(ok(full)), [`${app()}:v2.0.0`]);
    const doc = { name: 'team/app', tags: ['1.0.0', '1.2.0', '1.10.0-rc.1', '1.10.0'], complete: true };
    assert.deepEqual(JSON.parse(ok(json).stdout), doc);
    assert.deepEqual(parseYaml(ok(yaml).stdout), doc);
  });

  test('tags: every page of a paginating registry (Link, n, last), the list skopeo list-tags gets', async () => {
    // docker-registry 2.8 answers a tag list in one page whatever `n` says; Docker Hub, GHCR and Harbor page.
    const all = Array.from({ length: 2_500 }, (_, i) => `build-${String(i).padStart(4, '0')}`);
    const paging = await fx.start(
      serve((req, res) => {
        const url = new URL(req.url!, 'http://x');
        if (url.pathname === '/v2/') return void res.writeHead(200).end('{}');
        const n = Math.min(Number(url.searchParams.get('n') ?? 100), 1000);
        const last = url.searchParams.get('last');
        const from = last ? all.indexOf(last) + 1 : 0;
        const page = all.slice(from, from + n);
        const more = from + n < all.length;
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(more ? { link: `</v2/big/app/tags/list?n=${n}&last=${page.at(-1)}>; rel="next"` } : {}),
        });
        res.end(JSON.stringify({ name: 'big/app', tags: page }));
      }),
    );
    const r = ok(await cli.run(['tags', `${paging.host}/big/app`, '--plain-http', '--sort', 'registry']));
    assert.deepEqual(lines(r), all);
    assert.deepEqual(lines(r), await listTags(`docker://${paging.host}/big/app`, { tlsVerify: false }));
    const pages = paging.requests.filter(
      (q) => q.url.includes('/tags/list') && String(q.headers['user-agent']).startsWith('regdoctor/'),
    );
    assert.equal(pages.length, 3, 'three pages of 1,000');
  });

  test('manifest: the exact bytes skopeo inspect --raw gets; its sha256 is the digest', async () => {
    const [r, raw] = await Promise.all([
      cli.run(['manifest', `${app()}:1.0.0`, '--plain-http']),
      inspectRaw(`docker://${app()}:1.0.0`, { tlsVerify: false }),
    ]);
    assert.equal(ok(r).stdout, raw);
    assert.equal(sha256(r.stdout), indexDigest);
    const byDigest = ok(await cli.run(['manifest', `${app()}@${indexDigest}`, '--plain-http']));
    assert.equal(byDigest.stdout, raw);
  });

  test('manifest --platform: the manifest a runtime on that platform pulls (arm64 = arm64/v8), never an attestation', async () => {
    const index = JSON.parse(await inspectRaw(`docker://${app()}:1.0.0`, { tlsVerify: false })) as {
      manifests: { digest: string; platform: { architecture: string } }[];
    };
    const arm = index.manifests.find((m) => m.platform.architecture === 'arm64')!.digest;
    const [a, b, direct] = await Promise.all([
      cli.run(['manifest', `${app()}:1.0.0`, '--plain-http', '--platform', 'linux/arm64']),
      cli.run(['manifest', `${app()}:1.0.0`, '--plain-http', '--platform', 'linux/arm64/v8']),
      inspectRaw(`docker://${app()}@${arm}`, { tlsVerify: false }),
    ]);
    assert.equal(ok(a).stdout, direct);
    assert.equal(ok(b).stdout, direct);
    assert.equal(sha256(a.stdout), arm);
    const digest = ok(
      await cli.run(['digest', `${app()}:1.0.0`, '--plain-http', '--platform', 'linux/arm64']),
    );
    assert.equal(digest.stdout, `${arm}\n`);
    fails(
      await cli.run(['manifest', `${app()}:1.0.0`, '--plain-http', '--platform', 'linux/s390x']),
      1,
      /^regdoctor: PLATFORM_MISMATCH: .* has no image for linux\/s390x; it has linux\/amd64, linux\/arm64\n$/,
    );
  });

  test('digest: what skopeo pushed, resolved with a HEAD; --full and -o json', async () => {
    const [plain, full, json, verbose] = await Promise.all([
      cli.run(['digest', `${app()}:1.0.0`, '--plain-http']),
      cli.run(['digest', `${app()}:1.0.0`, '--plain-http', '--full']),
      cli.run(['digest', `${app()}:1.0.0`, '--plain-http', '-o', 'json']),
      cli.run(['digest', `${app()}:1.0.0`, '--plain-http', '-v']),
    ]);
    assert.equal(ok(plain).stdout, `${indexDigest}\n`);
    assert.equal(ok(full).stdout, `${app()}@${indexDigest}\n`);
    assert.deepEqual(JSON.parse(ok(json).stdout), {
      image: `${app()}:1.0.0`,
      reference: `${app()}@${indexDigest}`,
      digest: indexDigest,
      mediaType: 'application/vnd.oci.image.index.v1+json',
    });
    assert.equal(verbose.code, 0, show(verbose));
    assert.match(verbose.stderr, /HEAD .*\/v2\/team\/app\/manifests\/1\.0\.0/);
    assert.doesNotMatch(verbose.stderr, /GET .*\/manifests\//, 'no GET: the HEAD named the digest');
  });

  test('refusals exit 1 with the cause; bad input exits 2', async () => {
    const cases: [string[], number, RegExp][] = [
      [['tags', `${reg.host}/team/nope`], 1, /^regdoctor: REPOSITORY_NOT_FOUND: /],
      [['digest', `${app()}:9.9.9`], 1, /^regdoctor: MANIFEST_NOT_FOUND: /],
      [['manifest', `${reg.host}/team/nope:1`], 1, /^regdoctor: MANIFEST_NOT_FOUND: /],
      [['digest', 'Team/App:1'], 2, /^regdoctor: digest: invalid reference/],
      [['tags'], 2, /^regdoctor: tags takes exactly one IMAGE/],
      [['tags', app(), '--sort', 'size'], 2, /^regdoctor: --sort must be semver, name, registry/],
      [['tags', app(), '--filter', '[a-'], 2, /^regdoctor: --filter "\[a-" is not a valid glob/],
      [['tags', app(), '--platform', 'linux/amd64'], 2, /--platform/],
      [['manifest', app(), '-o', 'json'], 2, /-o/],
      [['digest', app(), '-o', 'html'], 2, /^regdoctor: --output must be text, json or yaml/],
    ];
    for (const [args, code, message] of cases) fails(await cli.run([...args, '--plain-http']), code, message);
  });

  test('credentials: refused without, listed with --password-stdin or a Docker config; the password never shows', async () => {
    const password = 'basics-S3cret-pw';
    const locked = await fx.registry({ htpasswd: { ci: password } });
    const img = await buildImageLayout(await fx.subdir('locked'));
    const { digest } = await pushImage(img, `docker://${locked.host}/private/app:3`, {
      tlsVerify: false,
      creds: { username: 'ci', password },
    });
    const image = `${locked.host}/private/app:3`;
    fails(await cli.run(['digest', image, '--plain-http']), 1, /^regdoctor: UNAUTHORIZED: /);
    const login = ['-u', 'ci', '--password-stdin'];
    const withStdin = await cli.run(['digest', image, '--plain-http', ...login, '-v'], {
      input: `${password}\n`,
    });
    assert.equal(withStdin.code, 0, show(withStdin));
    assert.equal(withStdin.stdout, `${digest}\n`);
    const config = join(await fx.subdir('docker'), 'config.json');
    const auth = Buffer.from(`ci:${password}`).toString('base64');
    await writeFile(config, JSON.stringify({ auths: { [locked.host]: { auth } } }));
    const tags = await cli.run(['tags', image, '--plain-http', '--docker-config', config, '-v']);
    assert.equal(tags.code, 0, show(tags));
    assert.deepEqual(lines(tags), ['3']);
    for (const out of [withStdin.stdout + withStdin.stderr, tags.stdout + tags.stderr]) {
      assert.ok(!out.includes(password) && !out.includes(auth), 'a credential leaked');
      assert.match(out, /\*\*\*/);
    }
  });

  test('TLS: untrusted without --ca-file; trusted with it, or with --insecure-skip-tls-verify', async () => {
    const pki = await fx.pki();
    const secure = await fx.registry({ tls: pki.valid });
    const img = await buildImageLayout(await fx.subdir('tls'));
    const { digest } = await pushImage(img, `docker://${secure.host}/team/tls:1`, {
      certDir: pki.ca.certDir,
    });
    const image = `${secure.host}/team/tls:1`;
    fails(await cli.run(['digest', image]), 1, /^regdoctor: TLS_UNTRUSTED: /);
    assert.equal(ok(await cli.run(['digest', image, '--ca-file', pki.ca.certPath])).stdout, `${digest}\n`);
    assert.equal(ok(await cli.run(['digest', image, '--insecure-skip-tls-verify'])).stdout, `${digest}\n`);
  });

  test('a hostile tag list: control characters escaped, a Link loop ends the listing (exit 1, warning)', async () => {
    const server = await fx.start(
      serve((req, res) => {
        if (req.url === '/v2/') return void res.writeHead(200).end('{}');
        res.writeHead(200, {
          'content-type': 'application/json',
          // Points back at itself: a client that follows it would list forever.
          link: `<${req.url}>; rel="next"`,
        });
        res.end(JSON.stringify({ name: 'evil/app', tags: ['1.0', '\u001b]0;owned\u0007\u001b[2Jx'] }));
      }),
    );
    const r = await cli.run(['tags', `${server.host}/evil/app`, '--plain-http']);
    assert.equal(r.code, 1, show(r));
    assert.equal(r.stdout, '\\u001b]0;owned\\u0007\\u001b[2Jx\n1.0\n');
    assert.match(r.stderr, /^regdoctor: the tag list of .* was cut short \(loop limit after 1 pages\)/);
    assert.equal(server.requests.filter((q) => q.url.includes('tags/list')).length, 1);
  });

  test('a registry error body in a refusal stays one escaped line', async () => {
    const fault = await fx.start(
      faults.status(500, {
        on: ['manifest'],
        body: { errors: [{ code: 'UNKNOWN', message: 'x\u001b[31mred\nforged: line' }] },
      }),
    );
    const r = await cli.run(['digest', `${fault.host}/team/app:1`, '--plain-http']);
    assert.equal(r.code, 1, show(r));
    assert.ok(!r.stderr.includes('\u001b'), JSON.stringify(r.stderr));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
});
