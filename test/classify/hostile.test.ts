// Hostile input: the classifier reads event messages anyone who can create a pod can shape. Every rule's own
// words, repeated to past the length cap and left unterminated, nested brackets, endless attempt separators and
// escape runs must classify without a stack trace and in time linear in the (capped) length. The per-test
// timeout is a hang guard, not a speed target (the speed is measured in `npm run bench -- classify`): a
// backtracking pattern on 16 KiB of crafted input takes minutes, not seconds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CAUSES } from '../../src/cause/index.ts';
import { classify } from '../../src/classify/index.ts';
import { RULES } from '../../src/classify/rules/index.ts';
import { hostileMessages, nestsUnboundedRepeat, ruleWords } from './hostile-input.ts';

const HANG_GUARD = { timeout: 60_000 };

function check(message: string): void {
  const got = classify(message);
  assert.ok(CAUSES.includes(got.cause));
  assert.ok(
    got.evidence.length <= 400 || got.cause === 'UNKNOWN',
    `evidence of ${got.evidence.length} chars`,
  );
  assert.ok(got.explanation.length < 2000);
  for (const s of got.remediation) assert.ok(s.length < 4000, 'a remediation line carries the hostile input');
}

describe('classify: hostile input', () => {
  test('the crafted words come from every rule', () => {
    const words = ruleWords(RULES);
    assert.ok(words.length >= RULES.length, `${words.length} words for ${RULES.length} rules`);
  });

  test('no rule repeats a group that holds an unbounded quantifier', () => {
    assert.equal(nestsUnboundedRepeat(String.raw`proxy (?:\w+\s?)+!`), true);
    assert.equal(nestsUnboundedRepeat(String.raw`(a+)+b`), true);
    assert.equal(nestsUnboundedRepeat(String.raw`(?:[\w-]{1,63}\.){0,8}[\w-]{1,63}`), false);
    assert.equal(nestsUnboundedRepeat(String.raw`(?:[(+*])+ \(x\)*`), false);
    assert.deepEqual(
      RULES.filter((r) => nestsUnboundedRepeat(r.pattern.source)).map((r) => r.id),
      [],
    );
  });

  test('each rule’s words, repeated past the cap, unterminated or glued together', HANG_GUARD, () => {
    for (const message of hostileMessages(ruleWords(RULES))) check(message);
  });

  test('structure: nested brackets, endless attempts, escape runs, long names', HANG_GUARD, () => {
    const n = 20_000;
    for (const message of [
      '['.repeat(n),
      '(['.repeat(n / 2) + 'x509: certificate signed by unknown authority',
      `Failed to pull image "a": [${'rpc error: code = Unknown desc = x: not found, '.repeat(n / 48)}]`,
      ', rpc error: code = NotFound desc = '.repeat(n / 36),
      '\\"'.repeat(n / 2),
      '\\\\\\\\\\"'.repeat(n / 6),
      '%!A(MISSING)'.repeat(n / 12),
      `Failed to pull image "x/y:1": ${'a'.repeat(n)}/x/y:1`,
      `Failed to pull image "x/y:1": ${'a.'.repeat(n / 2)}/x/y:1`,
      'lookup '.repeat(n / 7),
      ': '.repeat(n / 2),
      '\n'.repeat(n),
      ' '.repeat(n) + 'connection refused',
      'https://'.repeat(n / 8),
      'dial tcp ['.repeat(n / 10),
    ])
      check(message);
  });

  test('property: any mix of the rules’ words classifies cleanly', HANG_GUARD, async () => {
    const fc = await import('fast-check');
    const words = ruleWords(RULES);
    const piece = fc.oneof(
      fc.constantFrom(...words),
      fc.constantFrom(
        ': ',
        ', ',
        '"',
        '\\"',
        '[',
        ']',
        '(',
        ')',
        '\n',
        ' ',
        'rpc error: code = Unknown desc = ',
      ),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 400 }), (parts) => check(parts.join(''))),
      { numRuns: 300 },
    );
  });
});
