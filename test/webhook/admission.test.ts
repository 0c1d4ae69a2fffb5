// The bounds on what a response carries: warnings of at most 120 characters and 20 lines, denial messages of at
// most 1024 characters that still say how much was left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  boundedMessage,
  boundedWarnings,
  MESSAGE_MAX_CHARS,
  truncate,
  WARNING_MAX_CHARS,
} from '../../src/webhook/admission.ts';

const chars = (s: string) => [...s].length;

test('truncate counts characters, not UTF-16 units, and marks the cut', () => {
  assert.equal(truncate('short', 10), 'short');
  assert.equal(truncate('abcdefghij', 10), 'abcdefghij');
  assert.equal(truncate('abcdefghijk', 10), 'abcdefghi…');
  const emoji = '📦'.repeat(200);
  const cut = truncate(emoji, WARNING_MAX_CHARS);
  assert.equal(chars(cut), WARNING_MAX_CHARS);
  assert.ok(!cut.includes('\ufffd') && cut.endsWith('📦…'), 'no surrogate pair split');
});

test('warnings: deduplicated, each cut to 120, at most 20 with a count of the rest', () => {
  assert.deepEqual(boundedWarnings(['a', 'a', 'b']), ['a', 'b']);
  const many = Array.from({ length: 25 }, (_, i) => `warning ${i} ${'x'.repeat(200)}`);
  const w = boundedWarnings(many);
  assert.equal(w.length, 20);
  assert.equal(w[19], '… and 6 more warnings');
  for (const line of w) assert.ok(chars(line) <= WARNING_MAX_CHARS);
  assert.equal(boundedWarnings(many.slice(0, 20)).length, 20, 'exactly 20 need no summary line');
});

test('denial message: whole reasons while they fit, then how many more', () => {
  assert.equal(
    boundedMessage('Pod a/b violates ImagePolicy:', ['one', 'two']),
    'Pod a/b violates ImagePolicy: one; two',
  );
  const reasons = Array.from({ length: 50 }, (_, i) => `[p/r] container "c${i}": ${'y'.repeat(80)}`);
  const m = boundedMessage('Pod a/b violates ImagePolicy:', reasons);
  assert.ok(chars(m) <= MESSAGE_MAX_CHARS);
  const shown = m.split('; ').filter((s) => s.includes('[p/r]')).length;
  assert.ok(shown >= 5);
  assert.ok(m.endsWith(`; and ${50 - shown} more`), m.slice(-40));
  // One reason longer than the whole budget is cut rather than dropped.
  const huge = boundedMessage('Pod a/b violates ImagePolicy:', [`[p/r] ${'z'.repeat(5000)}`, 'second']);
  assert.ok(chars(huge) <= MESSAGE_MAX_CHARS);
  assert.match(huge, /^Pod a\/b violates ImagePolicy: \[p\/r\] z+…; and 1 more$/);
});
