// inspect against an index that repeats itself: 20,000 entries that all name one child must cost one read of that
// child, not one per entry (issue 9, item 9: ~1,500 identical manifest GETs before).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import * as faults from '../helpers/faults.ts';
import { inspectImage } from '../../src/inspect/index.ts';
import { Session } from '../../src/registry/session.ts';

const fx = useFixture();
const AMD64 = { os: 'linux', architecture: 'amd64' };

test('an index of 20,000 entries naming one child: one GET of the child, and a warning', async () => {
  const s = await fx.start(faults.repeatedIndex(20_000));
  const session = new Session({ timeoutMs: 5000 });
  let r;
  try {
    r = await inspectImage(`${s.host}/team/app:1`, session, {
      platform: AMD64,
      plainHttp: () => true,
      bandwidth: 1e7,
    });
  } finally {
    await session.close();
  }
  assert.equal(r.probe.cause, null, r.probe.summary);
  assert.equal(r.platforms.length, 1);
  assert.equal(r.platforms[0]!.digest, s.image.manifestDigest);
  assert.ok(
    r.warnings.some((w) => /19999 index entries name a manifest another entry names too/.test(w)),
    JSON.stringify(r.warnings),
  );
  const manifests = s.requests.filter((q) => q.url.includes('/manifests/'));
  // The tag's HEAD, the index by digest, the child: the probe's reads, shared with inspect's own.
  assert.deepEqual(
    manifests.map((q) => `${q.method} ${q.url.replace(/sha256:[a-f0-9]{64}/, 'DIGEST')}`),
    [
      'HEAD /v2/team/app/manifests/1',
      'GET /v2/team/app/manifests/DIGEST',
      'GET /v2/team/app/manifests/DIGEST',
    ],
  );
});
