// Crafted input for the classifier's hostile tests and its bench: the literal words each rule looks for, and
// messages built to make a backtracking pattern work hardest (repeated prefixes with no ending).
import type { Rule } from '../../src/classify/rules/index.ts';

/** The literal runs (6+ characters) in each rule's pattern: the words an attacker would repeat. */
export function ruleWords(rules: readonly Rule[]): string[] {
  const words = new Set<string>();
  for (const rule of rules) {
    // Character-class escapes become a separator ('|'), other escapes their literal character.
    const src = rule.pattern.source.replace(/\\[dDsSwWbB]/g, '|').replace(/\\(.)/g, '$1');
    for (const run of src.split(/[|()[\]{}*+?^$.]+/)) if (run.trim().length >= 6) words.add(run);
  }
  return [...words];
}

/** Past the classifier's 16 KiB cap, so the cap itself is exercised too. */
export const HOSTILE_LENGTH = 17_000;

function repeatTo(unit: string, length: number): string {
  return unit.repeat(Math.max(1, Math.ceil(length / Math.max(1, unit.length)))).slice(0, length);
}

/** For each word: repeated bare, repeated with the characters its patterns wait for, and followed by a long run. */
export function hostileMessages(words: readonly string[], length = HOSTILE_LENGTH): string[] {
  const out: string[] = [];
  for (const w of words) {
    out.push(repeatTo(`${w}: `, length));
    out.push(w + repeatTo('a', length));
    // Shorter: a pattern that is super-linear already shows at 4 KiB.
    out.push(repeatTo(w, length / 4));
    out.push(repeatTo(`${w}"`, length / 4));
  }
  return out;
}

/** The quantifier at `i` (if any): whether it repeats (upper bound above 1) and whether it is unbounded. */
function quantifierAt(src: string, i: number): { repeats: boolean; unbounded: boolean } | null {
  const c = src[i];
  if (c === '*' || c === '+') return { repeats: true, unbounded: true };
  if (c !== '{') return null;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
  if (!m) return null;
  const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
  return { repeats: max > 1, unbounded: max === Infinity };
}

/**
 * True when a repeated group contains an unbounded quantifier — `(a+)+`, `(?:\\w+\\s?)*`: the shape that makes
 * a backtracking engine take exponential time on a near-miss. A static check, so it catches what no crafted
 * input happens to trigger.
 */
export function nestsUnboundedRepeat(source: string): boolean {
  const open: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') open.push(false);
    else if (c === ')') {
      const inner = open.pop() ?? false;
      const q = quantifierAt(source, i + 1);
      if (inner && q?.repeats) return true;
      if (open.length > 0 && (inner || q?.unbounded)) open[open.length - 1] = true;
    } else if (quantifierAt(source, i)?.unbounded && open.length > 0) open[open.length - 1] = true;
  }
  return false;
}
