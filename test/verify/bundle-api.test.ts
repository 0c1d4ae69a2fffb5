// The OCI 1.1 referrers API path (distribution 2.8 has none): a small in-memory registry from test/helpers/server.ts
// that answers GET /v2/<name>/referrers/<digest>, one repository per behaviour. Bundles are built and signed with
// openssl by test/verify/bundle-support.ts, the classic signature by test/verify/support.ts.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { useFixture } from '../helpers/fixture.ts';
import { fakeImage, matchBlob, matchManifest } from '../helpers/fake-image.ts';
import { MT, sha256 } from '../helpers/oci.ts';
import { sendRegistryError, serve, type TestServer } from '../helpers/server.ts';
import { buildCli, show, type Cli } from '../cli/cli.ts';
import { ecKey, opensslSign, payload, SIG_ANNOTATION, SIMPLESIGNING, type KeyPair } from './support.ts';
import { BUNDLE_MT, dsseBundle, EMPTY_MT, referrersTag, statement } from './bundle-support.ts';

interface Artifact {
  manifest: Buffer;
  digest: string;
  descriptor: Record<string, unknown>;
}

/** What one repository of the in-memory registry serves beyond the image itself. */
interface Repo {
  /** Referrers API answer: pages of descriptors, or a status/body to fail with. */
  referrers:
    { pages: Record<string, unknown>[][] } | { status: number; code?: string } | { hugeBytes: number };
  manifests: Map<string, Buffer>;
  blobs: Map<string, Buffer>;
}

const image = fakeImage();

function artifact(bundle: Buffer, withType = true): { art: Artifact; blobs: [string, Buffer][] } {
  const config = Buffer.from('{}');
  const body = {
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    artifactType: BUNDLE_MT,
    config: { mediaType: EMPTY_MT, digest: sha256(config), size: config.length },
    layers: [{ mediaType: BUNDLE_MT, digest: sha256(bundle), size: bundle.length }],
    subject: { mediaType: MT.ociManifest, digest: image.manifestDigest, size: image.manifest.length },
  };
  const manifest = Buffer.from(JSON.stringify(body));
  const digest = sha256(manifest);
  return {
    art: {
      manifest,
      digest,
      descriptor: {
        mediaType: MT.ociManifest,
        digest,
        size: manifest.length,
        ...(withType ? { artifactType: BUNDLE_MT } : {}),
      },
    },
    blobs: [
      [sha256(config), config],
      [sha256(bundle), bundle],
    ],
  };
}

function send(
  res: ServerResponse,
  head: boolean,
  type: string,
  body: Buffer,
  extra: Record<string, string> = {},
) {
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, ...extra });
  res.end(head ? undefined : body);
}

function handler(repos: Map<string, Repo>, base: () => string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const head = req.method === 'HEAD';
    if (url.pathname === '/v2/' || url.pathname === '/v2')
      return send(res, head, 'application/json', Buffer.from('{}'));
    const refs = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(url.pathname);
    if (refs) {
      const repo = repos.get(refs[1]!);
      if (!repo || refs[2] !== image.manifestDigest)
        return sendRegistryError(res, 404, 'NAME_UNKNOWN', 'unknown');
      const r = repo.referrers;
      if ('status' in r) return sendRegistryError(res, r.status, r.code ?? 'UNKNOWN', 'referrers failed');
      if ('hugeBytes' in r) return send(res, head, MT.ociIndex, Buffer.alloc(r.hugeBytes, 0x20));
      const page = Number(url.searchParams.get('page') ?? '0');
      const body = Buffer.from(
        JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: r.pages[page] ?? [] }),
      );
      const next =
        page + 1 < r.pages.length ? `<${base()}${url.pathname}?page=${page + 1}>; rel="next"` : undefined;
      return send(res, head, MT.ociIndex, body, next ? { link: next } : {});
    }
    const m = matchManifest(url.pathname);
    if (m) {
      const repo = repos.get(m.name);
      if (m.reference === 'v1' || m.reference === image.manifestDigest)
        return send(res, head, MT.ociManifest, image.manifest, {
          'docker-content-digest': image.manifestDigest,
        });
      const body = repo?.manifests.get(m.reference);
      if (body) return send(res, head, MT.ociManifest, body);
      return sendRegistryError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
    }
    const b = matchBlob(url.pathname);
    const data = b ? (repos.get(b.name)?.blobs.get(b.digest) ?? image.blobs.get(b.digest)) : undefined;
    if (data) return send(res, head, 'application/octet-stream', data);
    sendRegistryError(res, 404, 'BLOB_UNKNOWN', 'blob unknown');
  };
}

describe('regdoctor verify: bundles through the OCI 1.1 referrers API', () => {
  const fx = useFixture();
  let cli: Cli;
  let server: TestServer;
  let key: KeyPair;
  const repos = new Map<string, Repo>();

  const verify = (repo: string, ...extra: string[]) =>
    cli.run([
      'verify',
      `${server.host}/${repo}:v1`,
      '--key',
      key.pub,
      '--plain-http',
      '-o',
      'json',
      ...extra,
    ]);
  const requested = (pattern: RegExp) => server.requests.some((r) => pattern.test(r.url));

  function addRepo(
    name: string,
    referrers: Repo['referrers'],
    items: { art: Artifact; blobs: [string, Buffer][] }[] = [],
  ) {
    const repo: Repo = { referrers, manifests: new Map(), blobs: new Map() };
    for (const i of items) {
      repo.manifests.set(i.art.digest, i.art.manifest);
      for (const [d, b] of i.blobs) repo.blobs.set(d, b);
    }
    repos.set(name, repo);
    return repo;
  }

  before(async () => {
    const [built, srv] = await Promise.all([buildCli(fx), fx.start(serve(handler(repos, () => server.url)))]);
    cli = built;
    server = srv;
    const dir = await fx.subdir('keys');
    key = await ecKey(dir, 'ec');
    const signed = async (repo: string) =>
      Buffer.from(
        await dsseBundle(
          dir,
          key.priv,
          JSON.stringify(statement(`${server.host}/${repo}`, image.manifestDigest)),
        ),
      );

    const ok = artifact(await signed('api/ok'));
    addRepo('api/ok', { pages: [[ok.art.descriptor]] }, [ok]);

    // The registry hands out other bytes than the layer digest names (a corrupted or substituted blob).
    const tampered = artifact(await signed('api/tampered'));
    const t = addRepo('api/tampered', { pages: [[tampered.art.descriptor]] }, [tampered]);
    const bundleDigest = tampered.blobs[1]![0];
    t.blobs.set(
      bundleDigest,
      Buffer.from(t.blobs.get(bundleDigest)!.toString().replace('"payloadType"', ' "payloadType"')),
    );

    // The only bundle is on the second page of a paginated answer; an untyped unrelated entry on the first.
    const paged = artifact(await signed('api/paged'));
    const unrelated = {
      mediaType: MT.ociManifest,
      digest: image.manifestDigest,
      size: image.manifest.length,
    };
    addRepo('api/paged', { pages: [[unrelated], [paged.art.descriptor]] }, [paged]);

    // A bundle-typed referrer whose manifest is not an artifact manifest at all.
    const junk = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest }));
    const junkDesc = {
      mediaType: MT.ociManifest,
      digest: sha256(junk),
      size: junk.length,
      artifactType: BUNDLE_MT,
    };
    addRepo('api/bad-manifest', { pages: [[junkDesc]] }).manifests.set(sha256(junk), junk);

    addRepo('api/empty', { pages: [[]] });
    addRepo('api/broken', { status: 500 });
    addRepo('api/denied', { status: 403, code: 'DENIED' });
    addRepo('api/huge', { hugeBytes: 2 * 1024 * 1024 });

    // A valid classic signature, while the referrers API fails.
    const classic = addRepo('api/classic', { status: 500 });
    const p = payload(`${server.host}/api/classic`, image.manifestDigest);
    const blob = Buffer.from(p);
    const cfg = Buffer.from('{}');
    const sigManifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MT.ociManifest,
        config: { mediaType: MT.ociConfig, digest: sha256(cfg), size: cfg.length },
        layers: [
          {
            mediaType: SIMPLESIGNING,
            digest: sha256(blob),
            size: blob.length,
            annotations: { [SIG_ANNOTATION]: await opensslSign(dir, key.priv, p) },
          },
        ],
      }),
    );
    classic.manifests.set(`${referrersTag(image.manifestDigest)}.sig`, sigManifest);
    classic.blobs.set(sha256(blob), blob);
    classic.blobs.set(sha256(cfg), cfg);
  });

  test('a bundle listed by the referrers API verifies; the tag fallback is not used', async () => {
    const r = await verify('api/ok');
    assert.equal(r.code, 0, show(r));
    const o = JSON.parse(r.stdout) as { referrers: { source: string; tag: null }; verifiedBy: string[] };
    assert.equal(o.referrers.source, 'api');
    assert.equal(o.referrers.tag, null);
    assert.deepEqual(o.verifiedBy, ['bundle']);
    assert.ok(requested(new RegExp(`^/v2/api/ok/referrers/${image.manifestDigest}`)));
    assert.ok(!requested(new RegExp(`^/v2/api/ok/manifests/${referrersTag(image.manifestDigest)}$`)));
  });

  test('a bundle blob whose bytes do not match its digest is tampered (exit 1)', async () => {
    const r = await verify('api/tampered');
    assert.equal(r.code, 1, show(r));
    const o = JSON.parse(r.stdout) as { reason: string; message: string };
    assert.equal(o.reason, 'tampered payload');
    assert.match(o.message, /the bundle blob has digest sha256:/);
  });

  test('paginated referrers are followed (Link rel="next")', async () => {
    const r = await verify('api/paged');
    assert.equal(r.code, 0, show(r));
    assert.ok(requested(/^\/v2\/api\/paged\/referrers\/.*\?page=1$/));
  });

  test('a malformed referrer manifest is a verdict on that referrer, not a crash (exit 1)', async () => {
    const r = await verify('api/bad-manifest');
    assert.equal(r.code, 1, show(r));
    assert.equal(r.stderr, '', show(r));
    const o = JSON.parse(r.stdout) as { reason: string; message: string };
    assert.equal(o.reason, 'invalid payload');
    assert.match(o.message, /the referrer manifest sha256:\w+ is malformed/);
  });

  test('an empty referrers answer means no bundle; the tag schema is not consulted', async () => {
    const r = await verify('api/empty', '--signature-format', 'bundle');
    assert.equal(r.code, 1, show(r));
    const o = JSON.parse(r.stdout) as { reason: string; message: string };
    assert.equal(o.reason, 'no signature');
    assert.match(o.message, /referrers API lists 0 referrers/);
    assert.ok(!requested(new RegExp(`^/v2/api/empty/manifests/${referrersTag(image.manifestDigest)}$`)));
  });

  test('registry failures on the referrers API are errors with cause codes (exit 2), not verdicts', async () => {
    for (const [repo, cause] of [
      ['api/broken', /REGISTRY_ERROR: referrers of sha256:\w+: HTTP 500/],
      ['api/denied', /FORBIDDEN: referrers of sha256:\w+: HTTP 403 DENIED/],
      ['api/huge', /REGISTRY_ERROR: .*exceeds \d+ bytes/],
    ] as const) {
      const r = await verify(repo, '--signature-format', 'bundle');
      assert.equal(r.code, 2, show(r));
      assert.equal(r.stdout, '', show(r));
      assert.match(r.stderr, cause, show(r));
    }
  });

  test('a valid classic signature still verifies when the referrers API fails; the failure is reported', async () => {
    const r = await verify('api/classic');
    assert.equal(r.code, 0, show(r));
    const o = JSON.parse(r.stdout) as { verifiedBy: string[]; errors: { format: string; cause: string }[] };
    assert.deepEqual(o.verifiedBy, ['classic']);
    assert.deepEqual(
      o.errors.map((e) => [e.format, e.cause]),
      [['bundle', 'REGISTRY_ERROR']],
    );
  });
});
