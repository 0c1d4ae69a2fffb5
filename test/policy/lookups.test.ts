// The lookup gate's order and bounds, without a registry: which waiting image gets the next slot. A review with
// many new images must not make a review of one new image wait behind all of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LookupGate, LookupQueueTimeout, type ReviewScope } from '../../src/policy/lookups.ts';

const review = (): ReviewScope => ({ admitted: new Set() });
const WAIT = 60_000;

/** Enters every key and records the order of the grants. */
function enterAll(gate: LookupGate, keys: [string, string, ReviewScope | null][], granted: string[]) {
  return keys.map(([key, registry, r]) =>
    gate.enter(key, registry, r, WAIT).then((release) => {
      granted.push(key);
      return release;
    }),
  );
}

const settle = () => new Promise((r) => setImmediate(r));

test('a waiting review of one new image gets the next slot, ahead of the rest of a review of many', async () => {
  const gate = new LookupGate({ newPerReview: 99, perReview: 99, perRegistry: 1, inAll: 99 });
  const many = review();
  const one = review();
  const granted: string[] = [];
  const releases = enterAll(
    gate,
    [
      ['a1', 'reg', many],
      ['a2', 'reg', many],
      ['a3', 'reg', many],
      ['b1', 'reg', one],
    ],
    granted,
  );
  await settle();
  assert.deepEqual(granted, ['a1']);
  (await releases[0]!)();
  await settle();
  assert.deepEqual(granted, ['a1', 'b1']);
  (await releases[3]!)();
  await settle();
  (await releases[1]!)();
  await settle();
  assert.deepEqual(granted, ['a1', 'b1', 'a2', 'a3']);
  (await releases[2]!)();
  assert.deepEqual(gate.state(), { active: 0, waiting: 0 });
});

test('bounds: per review, per registry and in all; lookups of one image share its slot', async () => {
  const gate = new LookupGate({ newPerReview: 99, perReview: 2, perRegistry: 3, inAll: 4 });
  const r1 = review();
  const r2 = review();
  const granted: string[] = [];
  const releases = enterAll(
    gate,
    [
      ['x1', 'x', r1],
      ['x2', 'x', r1],
      ['x3', 'x', r1], // r1 has 2 at once
      ['x4', 'x', r2],
      ['x5', 'x', r2], // registry x has 3 at once
      ['y1', 'y', r2], // r2 has 2 at once
      ['y2', 'y', null],
      ['y3', 'y', null], // 4 in all
      ['x1', 'x', r2], // x1 is being looked up: joins its slot at once
    ],
    granted,
  );
  await settle();
  // x3 waits for r1 (2 at once), x5 for registry x (3 at once), y2 and y3 for the total (4).
  assert.deepEqual(granted, ['x1', 'x2', 'x4', 'y1', 'x1']);
  assert.deepEqual(gate.state(), { active: 4, waiting: 4 });
  // x1 is free only once both of its lookups have ended.
  (await releases[0]!)();
  await settle();
  assert.equal(granted.length, 5);
  (await releases[8]!)();
  await settle();
  // Its slot goes to the queue never served yet (the lookups outside any review), not to r1 or r2 again.
  assert.deepEqual(granted.slice(5), ['y2']);
  // Everything ends: each release lets the next one in, and nothing is left waiting.
  const done = new Set([0, 8]);
  while (gate.state().active > 0) {
    for (const [i, p] of releases.entries()) {
      if (done.has(i) || !granted.includes(['x1', 'x2', 'x3', 'x4', 'x5', 'y1', 'y2', 'y3', 'x1'][i]!))
        continue;
      done.add(i);
      (await p)();
    }
    await settle();
  }
  assert.deepEqual(gate.state(), { active: 0, waiting: 0 });
  assert.equal(granted.length, 9);
});

test('an image that waits past its deadline is refused with the queue named, and leaves the queue', async () => {
  const gate = new LookupGate({ newPerReview: 99, perReview: 1, perRegistry: 1, inAll: 1 });
  const release = await gate.enter('held', 'reg', review(), WAIT);
  await assert.rejects(gate.enter('late', 'reg', review(), 1), (e: unknown) => {
    assert.ok(e instanceof LookupQueueTimeout);
    assert.equal(e.cause, 'NETWORK_TIMEOUT');
    assert.match(e.message, /^not looked up: waited \d+ ms for a lookup slot \(at most 1 images of reg/);
    return true;
  });
  assert.deepEqual(gate.state(), { active: 1, waiting: 0 });
  release();
  assert.deepEqual(gate.state(), { active: 0, waiting: 0 });
});
