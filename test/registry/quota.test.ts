// Docker Hub counts manifest GETs against the pull limit, not HEADs (issue 9, item 10): resolving a tag is a HEAD;
// a manifest is fetched by digest only when it is needed and not already held; the probe of a pull still does what
// containerd does (HEAD, then GET by digest), and falls back to GET where containerd does (405, no digest header).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { useFixture } from '../helpers/fixture.ts';
import * as faults from '../helpers/faults.ts';
import { fakeImage, matchManifest } from '../helpers/fake-image.ts';
import { fakeRegistry } from '../helpers/fake-registry.ts';
import { serve, type TestServer } from '../helpers/server.ts';
import { MT } from '../helpers/oci.ts';
import { exporterFrom, waitFor } from '../exporter/support.ts';
import { ManifestCache } from '../../src/registry/cache.ts';
import { Session } from '../../src/registry/session.ts';
import { resolveImage } from '../../src/verify/signatures.ts';
import { probeImage } from '../../src/probe/probe.ts';
import { AMD64, assertFailure, assertPullable, plainHttp, probeOnce, step } from '../probe/support.ts';

/** The manifest requests a server saw, digests shortened to DIGEST. */
const manifestCalls = (s: TestServer) =>
  s.requests
    .filter((r) => r.url.includes('/manifests/'))
    .map((r) => `${r.method} ${r.url.replace(/sha256:[a-f0-9]{64}/, 'DIGEST')}`);

type FakeImage = ReturnType<typeof fakeImage>;

/** The fault image's registry, with the manifest HEAD answered with `head(image)` instead (200 by default). */
async function withHead(
  head: (image: FakeImage) => { status?: number; headers: Record<string, string | number> },
) {
  const image = fakeImage();
  const normal = fakeRegistry(image);
  const server = await serve((req: IncomingMessage, res: ServerResponse) => {
    const m = matchManifest(new URL(req.url ?? '/', 'http://x').pathname);
    if (req.method !== 'HEAD' || !m) return normal(req, res);
    const { status, headers } = head(image);
    res.writeHead(status ?? 200, headers);
    res.end();
  });
  return { ...server, image };
}

/** A HEAD as distribution answers it: the digest and the length, no body. */
const digestHead = (image: FakeImage, extra: Record<string, string> = {}) => ({
  headers: {
    'content-length': image.manifest.length,
    'docker-content-digest': image.manifestDigest,
    ...extra,
  },
});

describe('quota: HEAD where a digest is all that is needed', () => {
  const fx = useFixture();

  test('a probe resolves with HEAD and GETs the manifest by digest, as containerd does', async () => {
    const s = await fx.start(withHead((image) => digestHead(image)));
    const { result } = await probeOnce(`${s.host}/team/app:1`, { plainHttp });
    assertPullable(result);
    assert.deepEqual(manifestCalls(s), [
      'HEAD /v2/team/app/manifests/1',
      'GET /v2/team/app/manifests/DIGEST',
    ]);
    assert.equal(step(result, 'manifest').detail.requests, 'HEAD + GET by digest');
  });

  test('a second probe with the manifest held by digest sends the HEAD only', async () => {
    const s = await fx.start(withHead((image) => digestHead(image)));
    const manifests = new ManifestCache();
    await probeOnce(`${s.host}/team/app:1`, { plainHttp, manifests });
    const before = manifestCalls(s).length;
    const { result } = await probeOnce(`${s.host}/team/app:1`, { plainHttp, manifests });
    assertPullable(result);
    assert.deepEqual(manifestCalls(s).slice(before), ['HEAD /v2/team/app/manifests/1']);
    assert.equal(step(result, 'manifest').detail.requests, 'HEAD; manifest cached');
    // The config and the layer are still read: the check is still a pull, minus what a node would already hold.
    assert.ok(step(result, 'blob').ok);
  });

  test('a registry that refuses HEAD (405) is asked with GET, as containerd falls back', async () => {
    const s = await fx.start(withHead(() => ({ status: 405, headers: { 'content-length': 0 } })));
    const { result } = await probeOnce(`${s.host}/team/app:1`, { plainHttp });
    assertPullable(result);
    assert.deepEqual(manifestCalls(s), ['HEAD /v2/team/app/manifests/1', 'GET /v2/team/app/manifests/1']);
  });

  test('a HEAD without Docker-Content-Digest is followed by a GET of the tag (the digest comes from the body)', async () => {
    const s = await fx.start(
      withHead((image) => ({
        status: 200,
        headers: { 'content-type': MT.ociManifest, 'content-length': image.manifest.length },
      })),
    );
    const { result } = await probeOnce(`${s.host}/team/app:1`, { plainHttp });
    assertPullable(result);
    assert.equal(result.manifest?.digest, s.image.manifestDigest);
    assert.deepEqual(manifestCalls(s), ['HEAD /v2/team/app/manifests/1', 'GET /v2/team/app/manifests/1']);
  });

  test('a refused HEAD is asked again with GET for the error body that says why', async () => {
    const s = await fx.start(
      withHead(() => ({ status: 404, headers: { 'content-type': 'application/json' } })),
    );
    const { result } = await probeOnce(`${s.host}/team/app:1`, { plainHttp });
    // The GET is answered by the fake registry (it has the image): what the GET says wins.
    assertPullable(result);
    assert.deepEqual(manifestCalls(s).slice(0, 2), [
      'HEAD /v2/team/app/manifests/1',
      'GET /v2/team/app/manifests/1',
    ]);
  });

  test("with the manifest cached, Docker Hub's ratelimit-remaining: 0 on the HEAD is RATE_LIMITED", async () => {
    const s = await fx.start(
      withHead((image) =>
        digestHead(image, { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '0;w=21600' }),
      ),
    );
    const manifests = new ManifestCache();
    const { result: first } = await probeOnce(`${s.host}/team/app:1`, { plainHttp, manifests });
    assertPullable(first);
    const { result } = await probeOnce(`${s.host}/team/app:1`, { plainHttp, manifests });
    const st = assertFailure(result, 'RATE_LIMITED', 'manifest');
    assert.match(st.summary, /no pulls left/);
  });

  test('a repository that does not exist has its tags asked for once per session, not once per image', async () => {
    const s = await fx.start(faults.status(404, { on: ['manifest', 'other'] }));
    const session = new Session({ timeoutMs: 5000 });
    try {
      for (const t of ['1', '2', '3']) {
        const r = await probeImage(`${s.host}/team/gone:${t}`, session, { platform: AMD64, plainHttp });
        assert.equal(r.cause, 'REPOSITORY_NOT_FOUND', r.summary);
      }
    } finally {
      await session.close();
    }
    assert.equal(s.requests.filter((r) => r.url.includes('/tags/list')).length, 1);
  });

  test("verify's digest resolution is a HEAD: no manifest GET of the tag", async () => {
    const s = await fx.start(withHead((image) => digestHead(image)));
    const session = new Session({ timeoutMs: 5000 });
    try {
      const { digest } = await resolveImage(`${s.host}/team/app:1`, session, { plainHttp });
      assert.equal(digest, s.image.manifestDigest);
    } finally {
      await session.close();
    }
    assert.deepEqual(manifestCalls(s), ['HEAD /v2/team/app/manifests/1']);
  });

  test("the exporter's repeated image checks of an unchanged digest send no manifest GET after the first", async () => {
    const s = await fx.start(withHead((image) => digestHead(image)));
    const ex = await exporterFrom(
      fx,
      `interval: 1s\ntimeout: 3s\nregistries:\n  - host: ${s.host}\n    plainHttp: true\nimages:\n  - ${s.host}/team/app:1\n`,
      { random: () => 0 },
    );
    await waitFor('three rounds', () => Promise.resolve(ex.rounds() >= 3));
    await ex.close();
    const calls = manifestCalls(s);
    const gets = calls.filter((c) => c.startsWith('GET'));
    assert.deepEqual(gets, ['GET /v2/team/app/manifests/DIGEST'], calls.join('\n'));
    assert.ok(calls.filter((c) => c.startsWith('HEAD')).length >= 3, calls.join('\n'));
    assert.ok(
      s.requests.filter((r) => r.url.includes('/blobs/')).length >= 6,
      'config and layer every round',
    );
  });
});
