// Registries that misbehave at one point: throttling, 5xx pages, oversized or garbage manifests, refusals, broken
// and redirected blob downloads. Fault servers from test/helpers, plus two small ones built from the same parts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import * as faults from '../helpers/faults.ts';
import { fakeImage, matchBlob } from '../helpers/fake-image.ts';
import { fakeRegistry } from '../helpers/fake-registry.ts';
import { serve } from '../helpers/server.ts';
import { MT } from '../helpers/oci.ts';
import {
  assertFailure,
  assertNoSecrets,
  assertPullable,
  fixedCredentials,
  plainHttp,
  probeOnce,
  step,
} from './support.ts';

/** A registry serving the fake image, except that the layer blob's body is replaced by `body(layer)`. */
async function badLayer(body: (layer: Buffer) => Buffer) {
  const image = fakeImage();
  const normal = fakeRegistry(image);
  const server = await serve((req, res) => {
    const blob = matchBlob(new URL(req.url ?? '/', 'http://x').pathname);
    if (blob?.digest !== image.layerDigest) return normal(req, res);
    const data = body(image.blobs.get(image.layerDigest)!);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
    res.end(data);
  });
  return { ...server, image };
}

/** A registry whose layer blob (only) redirects in a circle; the config downloads normally. */
async function layerRedirectLoop() {
  const image = fakeImage();
  const normal = fakeRegistry(image);
  const server = await serve((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const next =
      path === '/a' ? '/b' : path === '/b' ? '/a' : matchBlob(path)?.digest === image.layerDigest ? '/a' : '';
    if (!next) return normal(req, res);
    res.writeHead(302, { location: next, 'content-length': 0 });
    res.end();
  });
  return { ...server, image };
}

describe('probe: misbehaving registries', () => {
  const fx = useFixture();
  const image = (host: string) => `${host}/team/app:1`;

  test('RATE_LIMITED: 429 on the manifest with Retry-After and ratelimit headers', async () => {
    const s = await fx.start(faults.rateLimited({ retryAfter: '42' }));
    const { result } = await probeOnce(image(s.host), { plainHttp });
    const st = assertFailure(result, 'RATE_LIMITED', 'manifest');
    assert.equal(st.detail.status, 429);
    assert.deepEqual(st.detail.codes, ['TOOMANYREQUESTS']);
    assert.equal(st.detail.retryAfterSeconds, 42);
    assert.match(result.summary, /retry after 42s/);
    assert.deepEqual(result.rateLimit, {
      limit: 100,
      remaining: 0,
      windowSeconds: 21600,
      source: '127.0.0.1',
    });
  });

  describe('REGISTRY_ERROR', () => {
    test('500 HTML page answering the /v2/ ping', async () => {
      const s = await fx.start(faults.serverError(500, { on: ['ping'] }));
      const { result } = await probeOnce(image(s.host), { plainHttp });
      const st = assertFailure(result, 'REGISTRY_ERROR', 'ping');
      assert.equal(st.detail.status, 500);
      assert.match(st.summary, /HTTP 500 HTML page "500"/);
    });

    test('502 HTML page answering the manifest', async () => {
      const s = await fx.start(faults.serverError(502, { on: ['manifest'] }));
      const { result } = await probeOnce(image(s.host), { plainHttp });
      const st = assertFailure(result, 'REGISTRY_ERROR', 'manifest');
      assert.equal(st.detail.status, 502);
      assert.deepEqual(st.detail.codes, []);
      assert.match(st.summary, /HTML page "502"/);
    });

    test('503 HTML page answering blob downloads', async () => {
      const s = await fx.start(faults.serverError(503, { on: ['blob'] }));
      const { result } = await probeOnce(image(s.host), { plainHttp });
      const st = assertFailure(result, 'REGISTRY_ERROR', 'config');
      assert.equal(st.detail.status, 503);
      assert.match(st.summary, /HTML page "503"/);
    });

    test('an endless manifest body is cut off at the manifest limit, not read into memory', async () => {
      const s = await fx.start(faults.hugeManifest('endless'));
      const { result } = await probeOnce(image(s.host), { plainHttp });
      const st = assertFailure(result, 'REGISTRY_ERROR', 'manifest');
      assert.equal(st.detail.limitBytes, 4 * 1024 * 1024);
      assert.match(st.summary, /exceeds/);
    });

    test('a 64 MiB manifest with Content-Length is refused too', async () => {
      const s = await fx.start(faults.hugeManifest(64 * 1024 * 1024));
      const { result } = await probeOnce(image(s.host), { plainHttp });
      const st = assertFailure(result, 'REGISTRY_ERROR', 'manifest');
      assert.equal(st.detail.limitBytes, 4 * 1024 * 1024);
    });

    test('a manifest that is not JSON, and one that is JSON but not a manifest', async () => {
      const text = await fx.start(
        faults.status(200, {
          on: ['manifest'],
          body: 'garbage, not a manifest',
          contentType: MT.ociManifest,
        }),
      );
      const r1 = (await probeOnce(image(text.host), { plainHttp })).result;
      const s1 = assertFailure(r1, 'REGISTRY_ERROR', 'manifest');
      assert.match(s1.summary, /not JSON.*garbage/);

      const shape = await fx.start(
        faults.status(200, {
          on: ['manifest'],
          body: { schemaVersion: 2, mediaType: MT.ociManifest, layers: 'nope' },
          contentType: MT.ociManifest,
        }),
      );
      const r2 = (await probeOnce(image(shape.host), { plainHttp })).result;
      const s2 = assertFailure(r2, 'REGISTRY_ERROR', 'manifest');
      assert.match(s2.summary, /not a valid image manifest/);
    });
  });

  test('FORBIDDEN: 403 DENIED on the manifest', async () => {
    const s = await fx.start(faults.denied());
    const { result } = await probeOnce(image(s.host), { plainHttp });
    const st = assertFailure(result, 'FORBIDDEN', 'manifest');
    assert.equal(st.detail.status, 403);
    assert.deepEqual(st.detail.codes, ['DENIED']);
    assert.match(st.summary, /requested access to the resource is denied/);
  });

  describe('LAYER_DOWNLOAD_FAILED', () => {
    // Where the registry sends a download is its (or its storage's) routing: REGISTRY_ERROR, not a broken download.
    test('blob downloads that redirect in a circle (config first, so the config step fails)', async () => {
      const s = await fx.start(faults.redirectLoop());
      const { result } = await probeOnce(image(s.host), { plainHttp });
      const st = assertFailure(result, 'REGISTRY_ERROR', 'config');
      assert.match(st.summary, /redirect loop/);
      assert.ok((st.detail.redirects as string[]).length >= 2);
    });

    test('a layer that redirects in a circle while the config downloads', async () => {
      const s = await fx.start(layerRedirectLoop());
      const { result } = await probeOnce(image(s.host), { plainHttp });
      const st = assertFailure(result, 'REGISTRY_ERROR', 'blob');
      assert.match(st.summary, new RegExp(`layer ${s.image.layerDigest}: redirect loop`));
      assert.deepEqual(st.detail.redirects, [`${s.url}/a`, `${s.url}/b`]);
    });

    test('a layer whose bytes do not match its digest', async () => {
      const s = await fx.start(
        badLayer((layer) => Buffer.from(layer.map((b, i) => (i === layer.length - 1 ? b ^ 0xff : b)))),
      );
      const { result } = await probeOnce(image(s.host), { plainHttp });
      const st = assertFailure(result, 'LAYER_DOWNLOAD_FAILED', 'blob');
      assert.match(
        st.summary,
        new RegExp(`layer ${s.image.layerDigest} downloaded but its content has digest`),
      );
    });

    test('a layer served complete but shorter than its descriptor says', async () => {
      const s = await fx.start(badLayer((layer) => layer.subarray(0, layer.length - 10)));
      const { result } = await probeOnce(image(s.host), { plainHttp });
      const st = assertFailure(result, 'LAYER_DOWNLOAD_FAILED', 'blob');
      assert.match(st.summary, new RegExp(s.image.layerDigest));
    });
  });

  test('a blob behind a cross-host redirect: the target never receives Authorization, the pull works', async () => {
    const creds = { username: 'alice', password: 'xhost-s3cret' };
    const s = await fx.start(faults.crossHostRedirect({ requireAuth: creds }));
    const probed = await probeOnce(image(s.host), {
      plainHttp,
      credentials: fixedCredentials({ label: 'test creds', ...creds }),
    });
    assertPullable(probed.result);
    const target = s.target!;
    assert.deepEqual(
      target.requests.map((r) => r.url.split('?')[0]),
      [`/storage/${s.image.configDigest}`, `/storage/${s.image.layerDigest}`],
      'both blobs were fetched from the redirect target',
    );
    for (const r of target.requests) {
      assert.equal(r.localAddress, '127.0.0.2');
      assert.equal(r.headers.authorization, undefined, 'Authorization must not follow a cross-host redirect');
    }
    assert.ok(
      s.requests.filter((r) => r.url.includes('/blobs/')).every((r) => r.headers.authorization),
      'the registry itself did get the credentials for the blob requests',
    );
    const blob = step(probed.result, 'blob');
    assert.deepEqual(blob.detail.redirects, [`${target.url}/storage/${s.image.layerDigest}?…`]);
    assert.match(blob.summary, /via 127\.0\.0\.2/);
    // The pre-signed query string is a credential for the storage back-end.
    assert.ok(!JSON.stringify(probed.result).includes('X-Test-Signature'));
    assert.ok(probed.log.every((l) => !l.includes('X-Test-Signature')));
    assertNoSecrets(probed, { passwords: [creds.password], userPasswords: [['alice', creds.password]] });
  });
});
