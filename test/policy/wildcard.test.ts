// Image-pattern wildcards match without backtracking: the work is bounded by (pattern tokens + 1) × (input + 1)
// steps (counted, not timed), and the result agrees with a plain recursive reading of the documented syntax.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compilePattern, matchesPattern } from '../../src/policy/glob.ts';
import { compileWildcard, matchWildcard, type StepCounter } from '../../src/policy/wildcard.ts';
import { parseReference } from '../../src/reference/index.ts';

/** The syntax read literally (exponential in the worst case; small inputs only). */
function reference(p: string, s: string): boolean {
  if (p === '') return s === '';
  if (p.startsWith('**')) {
    const rest = p.replace(/^\*+/, '');
    for (let i = 0; i <= s.length; i++) if (reference(rest, s.slice(i))) return true;
    return false;
  }
  if (p[0] === '*') {
    for (let i = 0; i <= s.length; i++) {
      if (reference(p.slice(1), s.slice(i))) return true;
      if (s[i] === '/') return false;
    }
    return false;
  }
  if (s === '') return false;
  if (p[0] === '?') return s[0] !== '/' && reference(p.slice(1), s.slice(1));
  return p[0] === s[0] && reference(p.slice(1), s.slice(1));
}

const bound = (pattern: string, input: string) =>
  2 * (compileWildcard(pattern).tokens.length + 1) * (input.length + 1);
const alphabet = fc.constantFrom('a', 'b', '-', '/', ':', '*', '?');
const pattern = fc.array(alphabet, { maxLength: 12 }).map((a) => a.join(''));
const input = fc.array(fc.constantFrom('a', 'b', '-', '/', ':'), { maxLength: 14 }).map((a) => a.join(''));

describe('wildcards', () => {
  test('agree with the recursive reading on small inputs', () => {
    fc.assert(
      fc.property(pattern, input, (p, s) => {
        assert.equal(matchWildcard(compileWildcard(p), s), reference(p, s), `${p} ~ ${s}`);
      }),
      { numRuns: 5000 },
    );
  });

  test('work stays within (tokens + 1) × (input + 1), for star-heavy patterns and long inputs', () => {
    const starry = fc
      .array(fc.constantFrom('*', '**', '-', '?', 'a', '/'), { maxLength: 40 })
      .map((a) => a.join(''));
    const long = fc.array(fc.constantFrom('-', 'a', '/'), { maxLength: 400 }).map((a) => a.join(''));
    fc.assert(
      fc.property(starry, long, (p, s) => {
        const c: StepCounter = { steps: 0 };
        matchWildcard(compileWildcard(p), s, c);
        assert.ok(c.steps <= bound(p, s), `${c.steps} steps for ${p.length} × ${s.length}`);
      }),
      { numRuns: 500 },
    );
  });

  test('the reported ReDoS: `:*-*-*-*-*-*-rc` against a 128-character tag of dashes', () => {
    const tag = `a${'-'.repeat(127)}`;
    const p = compilePattern('ghcr.io/acme/app:*-*-*-*-*-*-rc');
    const c: StepCounter = { steps: 0 };
    assert.equal(matchesPattern(p, parseReference(`ghcr.io/acme/app:${tag}`), c), false);
    assert.ok(c.steps > 0, 'the match is counted');
    // name (17 tokens × 17 chars) + tag (14 tokens × 128 chars), twice over for the closure passes.
    assert.ok(
      c.steps <= bound('ghcr.io/acme/app', 'ghcr.io/acme/app') + bound('*-*-*-*-*-*-rc', tag),
      String(c.steps),
    );
    assert.equal(matchesPattern(p, parseReference(`ghcr.io/acme/app:${tag.slice(0, -2)}rc`)), true);
  });

  test('`**` crosses path segments, `*` and `?` do not', () => {
    const m = (p: string, s: string) => matchWildcard(compileWildcard(p), s);
    assert.equal(m('ghcr.io/**/app', 'ghcr.io/a/b/c/app'), true);
    assert.equal(m('ghcr.io/**/app', 'ghcr.io/app'), false);
    assert.equal(m('ghcr.io/**app', 'ghcr.io/app'), true);
    assert.equal(m('ghcr.io/*/app', 'ghcr.io/a/b/app'), false);
    assert.equal(m('ghcr.io/a?c', 'ghcr.io/a/c'), false);
    assert.equal(m('***', 'a/b'), true);
    assert.equal(m('', ''), true);
    assert.equal(m('*', ''), true);
    assert.equal(m('?', ''), false);
  });
});
