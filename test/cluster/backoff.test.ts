// The reflector's retry backoff: client-go reflector numbers (0.8 s, ×2, capped at 30 s, jitter up to +100 %, reset
// after 2 quiet minutes), checked with a pinned clock and pinned jitter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../src/cluster/backoff.ts';

test('starts at 0.8 s, doubles, caps at 30 s before jitter', () => {
  let t = 0;
  const b = new Backoff({ random: () => 0, now: () => t });
  const waits = Array.from({ length: 9 }, () => {
    const w = b.next();
    t += w;
    return w;
  });
  assert.deepEqual(waits, [800, 1_600, 3_200, 6_400, 12_800, 25_600, 30_000, 30_000, 30_000]);
});

test('jitter adds up to the base again, never less than the base', () => {
  let r = 0.999;
  const b = new Backoff({ random: () => r, now: () => 0 });
  assert.ok(Math.abs(b.next() - 1_599.2) < 1e-9);
  r = 0.5;
  assert.equal(b.next(), 2_400);
  for (let i = 0; i < 20; i++) b.next();
  r = 0.999;
  const top = b.next();
  assert.ok(top >= 30_000 && top < 60_000, String(top));
});

test('two quiet minutes start over at the first wait; shorter pauses do not', () => {
  let t = 0;
  const b = new Backoff({ random: () => 0, now: () => t });
  b.next();
  b.next();
  t += 119_000;
  assert.equal(b.next(), 3_200);
  t += 120_001;
  assert.equal(b.next(), 800);
});

test('a custom first wait (tests use a few ms) keeps the same shape', () => {
  const b = new Backoff({ initialMs: 20, random: () => 0, now: () => 0 });
  assert.deepEqual([b.next(), b.next(), b.next()], [20, 40, 80]);
});
