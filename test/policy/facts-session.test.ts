// A missing tag is the image's failure, not the registry connection's: the facts keep their session (its
// connections and its /v2/ ping) instead of dialling and pinging again for every new name a review sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { countingProxy } from '../helpers/counting-proxy.ts';
import { RegistryFacts } from '../../src/policy/facts.ts';
import { parseReference } from '../../src/reference/index.ts';

const fx = useFixture();

test('lookups of missing tags, one after another, share one ping of the registry', async () => {
  const reg = await fx.registry();
  const proxy = await fx.start(countingProxy(reg.url));
  const facts = new RegistryFacts({ registry: { plainHttp: true }, ttlMs: 60_000, now: Date.now });
  try {
    for (let i = 0; i < 5; i++)
      await assert.rejects(facts.resolve(parseReference(`${proxy.host}/team/app:missing${i}`)), {
        cause: 'MANIFEST_NOT_FOUND',
      });
    const pings = proxy.lines().filter((l) => l === 'GET /v2/').length;
    assert.equal(pings, 1, proxy.lines().join(', '));
  } finally {
    facts.close();
  }
});
