// How much registry work one review may start (issue 9): a review naming many new images looks up a bounded
// number of them, a few at a time, and a review of one new image on the same registry is answered meanwhile.
// A real docker-registry behind a proxy that counts requests and holds those of the flood's repositories.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import type { TestPki } from '../helpers/pki.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { until } from '../agent/support.ts';
import { startWebhook, type EngineEvaluatorOptions, type Webhook } from '../../src/webhook/index.ts';
import { admit, workload } from './reviews.ts';

const MANIFEST_TYPES = 'application/vnd.oci.image.manifest.v1+json';

describe('webhook registry lookups per review', () => {
  const fx = useFixture();
  let pki: TestPki;
  let reg: RunningRegistry;
  let proxy: CountingProxy;
  let policy: string;

  before(async () => {
    pki = await fx.pki();
    reg = await fx.registry();
    const layout = await buildImageLayout(await fx.subdir('img'), { tag: '1' });
    await pushImage(layout, `docker://${reg.host}/team/app:1`, { tlsVerify: false });
    // The same manifest under more tags: new image names that exist, without a push each.
    const got = await fetch(`${reg.url}/v2/team/app/manifests/1`, { headers: { accept: MANIFEST_TYPES } });
    const body = Buffer.from(await got.arrayBuffer());
    for (let i = 0; i < 20; i++) {
      const put = await fetch(`${reg.url}/v2/team/app/manifests/t${i}`, {
        method: 'PUT',
        headers: { 'content-type': got.headers.get('content-type')! },
        body,
      });
      assert.equal(put.status, 201);
    }
    proxy = await fx.start(countingProxy(reg.url, { holds: (line) => line.includes('/v2/flood/') }));
    policy = join(await fx.subdir('policy'), 'p.yaml');
    await writeFile(
      policy,
      JSON.stringify({
        apiVersion: 'regdoctor.dev/v1alpha1',
        kind: 'ImagePolicy',
        metadata: { name: 'size' },
        spec: { maxImageSize: '1Gi' },
      }),
    );
  });

  async function start(engine: EngineEvaluatorOptions, decisionTimeoutMs = 4_000): Promise<Webhook> {
    const hook = await startWebhook({
      host: '127.0.0.1',
      port: 0,
      tls: { certFile: pki.valid.certPath, keyFile: pki.valid.keyPath },
      policyFiles: [policy],
      engine: { registry: { plainHttp: true }, ...engine },
      decisionTimeoutMs,
    });
    fx.onCleanup(() => hook.close(0));
    return hook;
  }
  const pod = (images: string[]) =>
    workload(
      'Pod',
      'web',
      images.map((image, i) => ({ name: `c${i}`, image })),
    );
  const review = (hook: Webhook, images: string[]) =>
    admit(hook.url, pki.ca.certPem, { object: pod(images) }).then((r) => r.answer);
  const requested = (pattern: RegExp) => new Set(proxy.lines().flatMap((l) => pattern.exec(l)?.[1] ?? []));

  test('a review of 64 new images on a registry that hangs holds 2 of its requests; a review of one new image is answered meanwhile', async () => {
    const hook = await start({ lookups: { perReview: 2, perRegistry: 3 } }, 3_000);
    const flood = review(
      hook,
      Array.from({ length: 64 }, (_, i) => `${proxy.host}/flood/r${i}:1`),
    );
    await until('the flood reaches the registry', () => proxy.held() >= 2);
    const one = await review(hook, [`${proxy.host}/team/app:1`]);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.response.allowed, true, one.text);
    // Counted at the registry: the flood never had more than its two lookups in flight.
    assert.equal(proxy.held(), 2);
    assert.equal(requested(/\/v2\/flood\/(r\d+)\//).size, 2);
    // The flood itself waits on the hung registry past the decision timeout: 503, failurePolicy applies.
    assert.equal((await flood).status, 503);
  });

  test('a review of 20 new images looks up 16; the other 4 are denied, naming the reason; the same review again is allowed', async () => {
    const hook = await start({});
    const images = Array.from({ length: 20 }, (_, i) => `${proxy.host}/team/app:t${i}`);
    const first = await review(hook, images);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.response.allowed, false, first.text);
    const msg: string = first.json.response.status.message;
    // The first 16 containers in order were looked up and pass; the last 4 were not looked up.
    for (let i = 0; i < 16; i++) assert.ok(!msg.includes(`container "c${i}":`), `c${i}: ${msg}`);
    assert.ok(
      msg.includes(
        `[size/maxImageSize] container "c16": maxImageSize could not be checked for image "${images[16]}": not looked up: the review names more than 16 images not in the webhook's cache, and at most 16 are looked up per review`,
      ),
      msg,
    );
    // The message is bounded; the API server shows the first ones and a count.
    assert.match(msg, /container "c17": .*; and \d+ more$/);
    assert.deepEqual(
      [...requested(/\/manifests\/(t\d+)$/)].sort(),
      Array.from({ length: 16 }, (_, i) => `t${i}`).sort(),
      'the registry was asked about the first 16 only',
    );
    // What was looked up stays cached: the same request again looks up the rest and is allowed.
    const again = await review(hook, images);
    assert.equal(again.json.response.allowed, true, again.text);
    assert.equal(requested(/\/manifests\/(t\d+)$/).size, 20);
  });
});
