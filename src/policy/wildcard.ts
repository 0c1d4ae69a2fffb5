// Wildcards of image patterns (glob.ts): `*` any run without '/', `**` any run (a longer run of '*' reads as
// `**`), `?` one character other than '/', anything else itself. Patterns come from policy authors and inputs from
// pod creators, so matching must not backtrack: a RegExp such as `^a:[^/]*-[^/]*-[^/]*-…-rc$` took 68 s on a
// 128-character tag. Matching here simulates every position in the pattern at once (a Thompson NFA), so the work is
// at most (pattern tokens + 1) × (input length + 1) steps, whatever the input.

type Token = { k: 'lit'; c: string } | { k: 'one' } | { k: 'star' } | { k: 'globstar' };

export interface Wildcard {
  /** As written. */
  readonly source: string;
  readonly tokens: readonly Token[];
}

/** Counts the steps of a match, for tests that bound the work. */
export interface StepCounter {
  steps: number;
}

export function compileWildcard(source: string): Wildcard {
  const tokens: Token[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '*') {
      let j = i;
      while (source[j + 1] === '*') j++;
      tokens.push(j > i ? { k: 'globstar' } : { k: 'star' });
      i = j;
    } else tokens.push(c === '?' ? { k: 'one' } : { k: 'lit', c });
  }
  return { source, tokens };
}

/** Adds the positions reachable without reading a character: past any star (it may match nothing). */
function close(set: Uint8Array, tokens: readonly Token[], counter: StepCounter | undefined): void {
  for (let i = 0; i < tokens.length; i++) {
    if (set[i] && tokens[i]!.k !== 'lit' && tokens[i]!.k !== 'one') set[i + 1] = 1;
  }
  if (counter) counter.steps += tokens.length + 1;
}

export function matchWildcard(w: Wildcard, input: string, counter?: StepCounter): boolean {
  const t = w.tokens;
  const m = t.length;
  let cur = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  cur[0] = 1;
  close(cur, t, counter);
  for (let n = 0; n < input.length; n++) {
    const ch = input[n]!;
    next.fill(0);
    let alive = false;
    for (let i = 0; i < m; i++) {
      if (!cur[i]) continue;
      const tok = t[i]!;
      if (tok.k === 'globstar' || (tok.k === 'star' && ch !== '/')) next[i] = 1;
      else if ((tok.k === 'lit' && tok.c === ch) || (tok.k === 'one' && ch !== '/')) next[i + 1] = 1;
      else continue;
      alive = true;
    }
    if (counter) counter.steps += m + 1;
    if (!alive) return false;
    close(next, t, counter);
    [cur, next] = [next, cur];
  }
  return cur[m] === 1;
}
