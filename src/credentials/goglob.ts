// Go's path/filepath.Match (Unix flavour), ported by hand because the kubelet matches each host label of a
// credential key with it and no JS glob library behaves the same: minimatch/picomatch negate with `[!…]` and treat
// `[^…]` differently, expand braces and extglobs, compare UTF-16 units instead of bytes, and never report the
// ErrBadPattern cases — and in the kubelet a malformed pattern means "no match", even where a plain mismatch would
// have been found first. Inputs are byte strings (see bytes.ts).

import { decodeRune, RUNE_ERROR } from './bytes.ts';

export type GlobResult = 'match' | 'nomatch' | 'bad';

const SEPARATOR = '/';

interface Chunk {
  star: boolean;
  chunk: string;
  rest: string;
}

function scanChunk(pattern: string): Chunk {
  let star = false;
  while (pattern.length > 0 && pattern[0] === '*') {
    pattern = pattern.slice(1);
    star = true;
  }
  let inrange = false;
  let i = 0;
  scan: for (; i < pattern.length; i++) {
    switch (pattern[i]) {
      case '\\':
        if (i + 1 < pattern.length) i++;
        break;
      case '[':
        inrange = true;
        break;
      case ']':
        inrange = false;
        break;
      case '*':
        if (!inrange) break scan;
        break;
    }
  }
  return { star, chunk: pattern.slice(0, i), rest: pattern.slice(i) };
}

type Esc = { r: number; rest: string } | 'bad';

function getEsc(chunk: string): Esc {
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') return 'bad';
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1);
    if (chunk.length === 0) return 'bad';
  }
  const [r, n] = decodeRune(chunk);
  const rest = chunk.slice(n);
  if ((r === RUNE_ERROR && n === 1) || rest.length === 0) return 'bad';
  return { r, rest };
}

type ChunkMatch = { ok: true; rest: string } | { ok: false } | 'bad';

/** Whether chunk matches the start of s; keeps scanning a failed chunk so malformed syntax is still reported. */
function matchChunk(chunk: string, s: string): ChunkMatch {
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    const c = chunk[0];
    if (c === '[') {
      let r = 0;
      if (!failed) {
        const [rr, n] = decodeRune(s);
        r = rr;
        s = s.slice(n);
      }
      chunk = chunk.slice(1);
      let negated = false;
      if (chunk.length > 0 && chunk[0] === '^') {
        negated = true;
        chunk = chunk.slice(1);
      }
      let match = false;
      let nrange = 0;
      for (;;) {
        if (chunk.length > 0 && chunk[0] === ']' && nrange > 0) {
          chunk = chunk.slice(1);
          break;
        }
        const lo = getEsc(chunk);
        if (lo === 'bad') return 'bad';
        chunk = lo.rest;
        let hi = lo.r;
        if (chunk[0] === '-') {
          const h = getEsc(chunk.slice(1));
          if (h === 'bad') return 'bad';
          hi = h.r;
          chunk = h.rest;
        }
        if (lo.r <= r && r <= hi) match = true;
        nrange++;
      }
      if (match === negated) failed = true;
    } else if (c === '?') {
      if (!failed) {
        if (s[0] === SEPARATOR) failed = true;
        s = s.slice(decodeRune(s)[1]);
      }
      chunk = chunk.slice(1);
    } else {
      if (c === '\\') {
        chunk = chunk.slice(1);
        if (chunk.length === 0) return 'bad';
      }
      if (!failed) {
        if (chunk[0] !== s[0]) failed = true;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
    }
  }
  return failed ? { ok: false } : { ok: true, rest: s };
}

/** filepath.Match(pattern, name) on byte strings. */
export function goFilepathMatch(pattern: string, name: string): GlobResult {
  outer: while (pattern.length > 0) {
    const { star, chunk, rest } = scanChunk(pattern);
    pattern = rest;
    if (star && chunk === '') return name.includes(SEPARATOR) ? 'nomatch' : 'match';
    const here = matchChunk(chunk, name);
    if (here === 'bad') return 'bad';
    if (here.ok && (here.rest.length === 0 || pattern.length > 0)) {
      name = here.rest;
      continue;
    }
    if (star) {
      for (let i = 0; i < name.length && name[i] !== SEPARATOR; i++) {
        const later = matchChunk(chunk, name.slice(i + 1));
        if (later === 'bad') return 'bad';
        if (later.ok) {
          if (pattern.length === 0 && later.rest.length > 0) continue;
          name = later.rest;
          continue outer;
        }
      }
    }
    while (pattern.length > 0) {
      const next = scanChunk(pattern);
      pattern = next.rest;
      if (matchChunk(next.chunk, '') === 'bad') return 'bad';
    }
    return 'nomatch';
  }
  return name.length === 0 ? 'match' : 'nomatch';
}
