// The schedule's guarantees: never more than `concurrency` checks in flight (the limiter alone, then the exporter
// against a server that leaves every manifest request hanging), and checks spread by the jitter.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Limiter } from '../../src/exporter/limiter.ts';
import { useFixture } from '../helpers/fixture.ts';
import * as faults from '../helpers/faults.ts';
import { exporterFrom, sample, scrape, waitFor } from './support.ts';

describe('Limiter', () => {
  test('runs at most N at once, in arrival order, and frees a slot when a task fails', async () => {
    const limiter = new Limiter(2);
    const gates: (() => void)[] = [];
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const tasks = Array.from({ length: 5 }, (_, i) =>
      limiter.run(async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        if (i === 0) throw new Error('task 0 fails');
        return i;
      }),
    );
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1]);
    assert.equal(limiter.inFlight, 2);
    assert.equal(limiter.queued, 3);
    gates[0]!();
    await assert.rejects(tasks[0]!, /task 0 fails/);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1, 2]);
    for (let i = 1; i < 5; i++) {
      gates[i]!();
      assert.equal(await tasks[i], i);
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(most, 2);
    assert.equal(limiter.inFlight, 0);
    assert.equal(limiter.queued, 0);
  });
});

describe('exporter schedule', () => {
  const fx = useFixture();

  test('concurrency bounds the checks in flight: hanging manifest requests never exceed it', async () => {
    // Ping answers; every manifest request gets headers and half a body, then nothing until the timeout.
    const hang = await fx.start(faults.stall({ phase: 'body' }));
    const images = Array.from({ length: 6 }, (_, i) => `${hang.host}/team/app-${i}:1`);
    const ex = await exporterFrom(
      fx,
      `interval: 1m\ntimeout: 3s\nconcurrency: 2\nimages:\n${images.map((i) => `  - ${i}\n`).join('')}registries:\n  - host: ${hang.host}\n    plainHttp: true\n`,
      { random: () => 0 },
    );
    const manifests = () => hang.requests.filter((r) => r.url.includes('/manifests/')).length;
    await waitFor('two hanging manifest requests', async () => manifests() >= 2);
    // Nothing can finish before the 3 s timeout, so no slot frees up: a third request would break the bound.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(manifests(), 2);
    const text = await scrape(ex);
    assert.equal(
      sample(text, 'regdoctor_check_duration_seconds_count', { check: 'image' }),
      undefined,
      'no check done yet',
    );
    await ex.ready;
    const done = await scrape(ex);
    for (const image of images) {
      assert.equal(sample(done, 'regdoctor_image_available', { image, cause: 'NETWORK_TIMEOUT' }), 0, image);
    }
  });

  test('jitter: each check starts after a random share of up to 10% of the interval', async () => {
    const server = await fx.start(faults.status(200, { on: ['other'] }));
    const draws: number[] = [];
    // 0.9 of 10% of 20 s: the registry check waits 1.8 s before it starts.
    const ex = await exporterFrom(
      fx,
      `interval: 20s\nregistries:\n  - host: ${server.host}\n    plainHttp: true\n`,
      {
        random: () => {
          draws.push(0.9);
          return 0.9;
        },
      },
    );
    const t0 = Date.now();
    await ex.ready;
    assert.ok(draws.length >= 1, 'the jitter was drawn');
    assert.ok(server.requests.length > 0);
    assert.ok(server.requests[0]!.at - t0 >= 1700, `first request after ${server.requests[0]!.at - t0} ms`);
  });
});
