// The webhook's registry facts are bounded by a count of images; what goes first when it is full decides whether
// a pod creator can make every other review cold. Sending reviews of thousands of new image names must push out
// those names, not the images that reviews keep asking about.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { fakeRegistry } from '../helpers/fake-registry.ts';
import { serve } from '../helpers/server.ts';
import { RegistryFacts } from '../../src/policy/facts.ts';
import { parseReference } from '../../src/reference/index.ts';

const fx = useFixture();

test('a flood of new image names evicts the least recently used images, not one that is reviewed in between', async () => {
  const reg = await fx.start(serve(fakeRegistry()));
  const facts = new RegistryFacts({
    registry: { plainHttp: true },
    ttlMs: 60_000,
    now: Date.now,
    maxImages: 3,
  });
  try {
    const warm = parseReference(`${reg.host}/team/warm:1`);
    const manifestRequests = () => reg.requests.filter((r) => r.url.includes('/team/warm/manifests/')).length;
    await facts.resolve(warm);
    const first = manifestRequests();
    assert.ok(first > 0);
    for (let i = 0; i < 10; i++) {
      await facts.resolve(parseReference(`${reg.host}/flood/r${i}:1`));
      await facts.resolve(warm);
    }
    assert.equal(manifestRequests(), first, 'the image asked about between the flood stayed cached');
    // The bound still holds: the flood's oldest names are gone and cost a lookup again.
    const flood0 = () => reg.requests.filter((r) => r.url.includes('/flood/r0/manifests/')).length;
    const before = flood0();
    await facts.resolve(parseReference(`${reg.host}/flood/r0:1`));
    assert.ok(flood0() > before, 'an evicted image is looked up again');
  } finally {
    facts.close();
  }
});
