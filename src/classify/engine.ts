// Runs the rule table over a normalized message and picks the rule that decides it (semantics in ./rules/).
import type { Cause } from '../cause/index.ts';
import { groupEnds, operationAt, operationMarks, type Operation, type OperationMark } from './peel.ts';
import type { Rule } from './rules/index.ts';

export interface RuleMatch {
  rule: Rule;
  /** Position in the table: the tie-breaker. */
  order: number;
  start: number;
  end: number;
  /**
   * How far right the rule claims the message: its match end, or for a wrapping rule the end of the bracketed
   * group it stands in (the whole message when it stands in none).
   */
  reach: number;
  /** The operation the match is nested in, and what the rule means there. */
  operation: Operation | null;
  cause: Cause;
  alternatives: readonly Cause[];
}

const globalCopies = new WeakMap<Rule, RegExp>();

function globalPattern(rule: Rule): RegExp {
  let re = globalCopies.get(rule);
  if (!re) {
    re = new RegExp(rule.pattern.source, `${rule.pattern.flags.replace('g', '')}g`);
    globalCopies.set(rule, re);
  }
  re.lastIndex = 0;
  return re;
}

/**
 * One match per applicable rule: the last (innermost) occurrence, except that a wrapping rule is anchored at its
 * first occurrence, since it claims everything after it anyway and its first words make the better evidence.
 */
export function findMatches(text: string, rules: readonly Rule[]): RuleMatch[] {
  const out: RuleMatch[] = [];
  let ends: Int32Array | undefined;
  let marks: OperationMark[] | undefined;
  rules.forEach((rule, order) => {
    if (rule.scope && !rule.scope.test(text)) return;
    const re = globalPattern(rule);
    let last: RegExpExecArray | null = null;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      last = m;
      if (rule.wraps) break;
      if (m[0].length === 0) re.lastIndex++;
    }
    if (!last) return;
    const start = last.index;
    const end = start + last[0].length;
    marks ??= operationMarks(text);
    const operation = operationAt(marks, start);
    const meaning =
      operation && rule.byOperation && operation in rule.byOperation ? rule.byOperation[operation] : rule;
    if (!meaning) return;
    ends ??= groupEnds(text);
    const reach = rule.wraps ? Math.max(end, ends[start] ?? text.length) : end;
    out.push({
      rule,
      order,
      start,
      end,
      reach,
      operation,
      cause: meaning.cause,
      alternatives: meaning.alternatives ?? [],
    });
  });
  return out;
}

function outranks(a: RuleMatch, b: RuleMatch): boolean {
  return a.reach !== b.reach ? a.reach > b.reach : a.order < b.order;
}

function best(matches: readonly RuleMatch[]): RuleMatch | undefined {
  let top: RuleMatch | undefined;
  for (const m of matches) if (!top || outranks(m, top)) top = m;
  return top;
}

export interface Decision {
  winner: RuleMatch;
  /** For a wrapping rule that names its nested cause: the best match inside it with a different cause. */
  inner?: RuleMatch;
}

export function decide(matches: readonly RuleMatch[]): Decision | null {
  const strong = matches.filter((m) => !m.rule.weak);
  const winner = best(strong.length > 0 ? strong : matches);
  if (!winner) return null;
  if (!winner.rule.innerAsAlternative) return { winner };
  const inner = best(
    strong.filter((m) => m.start > winner.start && m.start < winner.reach && m.cause !== winner.cause),
  );
  return inner ? { winner, inner } : { winner };
}
