// inspect against an index of many DISTINCT children (issue 9, item 9: "dedupe by digest, cap children"). The
// dedupe is tested in test/inspect/hostile.test.ts; this is the cap: an index naming 200 different manifests costs
// at most MAX_PLATFORMS child reads (and their configs), says what it left out, and never reads the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { fakeImage, matchManifest } from '../helpers/fake-image.ts';
import { fakeRegistry } from '../helpers/fake-registry.ts';
import { sha256 } from '../helpers/oci-blobs.ts';
import { MT } from '../helpers/oci.ts';
import { serve } from '../helpers/server.ts';
import { inspectImage, MAX_PLATFORMS } from '../../src/inspect/index.ts';
import { Session } from '../../src/registry/session.ts';

const fx = useFixture();
const CHILDREN = 200;

/** The fault image's manifest, made distinct by an annotation: same config and layer, another digest. */
function children(image: ReturnType<typeof fakeImage>): Map<string, Buffer> {
  const base = JSON.parse(image.manifest.toString('utf8')) as Record<string, unknown>;
  const out = new Map<string, Buffer>();
  for (let i = 0; i < CHILDREN; i++) {
    const body = Buffer.from(JSON.stringify({ ...base, annotations: { 'test.child': String(i) } }));
    out.set(sha256(body), body);
  }
  return out;
}

test(`an index of ${CHILDREN} distinct children: at most ${MAX_PLATFORMS} are read, and a warning says so`, async () => {
  const image = fakeImage();
  const normal = fakeRegistry(image);
  const kids = children(image);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociIndex,
      manifests: [...kids].map(([digest, body]) => ({
        mediaType: MT.ociManifest,
        digest,
        size: body.length,
        platform: { architecture: 'amd64', os: 'linux' },
      })),
    }),
  );
  const indexDigest = sha256(index);
  const s = await fx.start(
    serve((req, res) => {
      const m = matchManifest(new URL(req.url ?? '/', 'http://x').pathname);
      if (!m) return normal(req, res);
      const body =
        m.reference === indexDigest || !m.reference.startsWith('sha256:') ? index : kids.get(m.reference);
      if (!body) return normal(req, res);
      res.writeHead(200, {
        'content-type': body === index ? MT.ociIndex : MT.ociManifest,
        'content-length': body.length,
        'docker-content-digest': sha256(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    }),
  );
  const session = new Session({ timeoutMs: 5000 });
  let r;
  try {
    r = await inspectImage(`${s.host}/team/app:1`, session, {
      platform: { os: 'linux', architecture: 'amd64' },
      plainHttp: () => true,
      bandwidth: 1e7,
    });
  } finally {
    await session.close();
  }
  assert.equal(r.probe.cause, null, r.probe.summary);
  assert.equal(r.platforms.length, MAX_PLATFORMS);
  assert.ok(
    r.warnings.some((w) =>
      w.includes(
        `the index lists ${CHILDREN} platform manifests; only the first ${MAX_PLATFORMS} are inspected`,
      ),
    ),
    JSON.stringify(r.warnings),
  );
  const childGets = s.requests.filter(
    (q) => q.method === 'GET' && [...kids.keys()].some((d) => q.url.endsWith(`/manifests/${d}`)),
  );
  const distinctRead = new Set(childGets.map((q) => q.url));
  assert.ok(distinctRead.size <= MAX_PLATFORMS, `${distinctRead.size} children read`);
  // The probe's own child read and inspect's share a session; nothing past the cap is fetched.
  assert.ok(childGets.length <= MAX_PLATFORMS + 1, `${childGets.length} child GETs`);
});
