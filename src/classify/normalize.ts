// Messages reach us after one or more rounds of Go %q quoting (kubelet logs quote the runtime's error, which
// quoted the registry's), as JSON-escaped strings from `kubectl get -o json`, or with Windows line endings.
// Rules are written against the plain text, so peel those layers off first.

const MAX_UNESCAPE_ROUNDS = 4;

const URL_ESCAPE_VERBS: Record<string, string> = { A: '3A', F: '2F', C: '2C', B: '2B', D: '3D' };

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t' };

function unescapeOnce(s: string): string {
  return s.replace(/\\(["\\nt])/g, (_, c: string) => ESCAPES[c] ?? c);
}

// Real messages are a few KiB at most; the cap keeps hostile input from making the regex scan quadratic.
const MAX_MESSAGE = 16 * 1024;
const KEEP_HEAD = 4 * 1024;

/** Over-long input keeps its start (the kubelet names the image there) and its end (the innermost cause). */
export function capLength(s: string): string {
  if (s.length <= MAX_MESSAGE) return s;
  return `${s.slice(0, KEEP_HEAD)} … ${s.slice(s.length - (MAX_MESSAGE - KEEP_HEAD))}`;
}

/** Undo Go/JSON string escaping (as many levels as are present) and tidy whitespace; line breaks are kept. */
export function normalizeMessage(raw: string): string {
  let s = capLength(raw).replace(/\r\n?/g, '\n');
  for (let i = 0; i < MAX_UNESCAPE_ROUNDS && /\\["\\n]/.test(s); i++) s = unescapeOnce(s);
  // A URL-escaped string used as a Go format turns "%3A" into "%!A(MISSING)"; put the common escapes back.
  s = s.replace(/%!([A-Za-z])\(MISSING\)/g, (_, v: string) => `%${URL_ESCAPE_VERBS[v] ?? v}`);
  return s
    .split('\n')
    .map((line) => line.replace(/[ \t]+$/g, ''))
    .join('\n')
    .trim();
}

/** Start offsets of the ": "-separated segments of the line around `pos` (Go wraps errors as "outer: inner"). */
function segmentStarts(text: string, lineStart: number, lineEnd: number): number[] {
  const starts = [lineStart];
  for (let i = text.indexOf(': ', lineStart); i !== -1 && i < lineEnd; i = text.indexOf(': ', i + 2)) {
    starts.push(i + 2);
  }
  return starts;
}

function lineBounds(text: string, pos: number): [number, number] {
  const start = text.lastIndexOf('\n', pos - 1) + 1;
  const nl = text.indexOf('\n', pos);
  return [start, nl === -1 ? text.length : nl];
}

const MAX_EVIDENCE = 400;

/**
 * The fragment of `text` that decided a match at `pos`: from the wrapping segment that starts `before` segments
 * ahead of the match, to the end of the match's line (the innermost part of a Go error chain is at the end).
 */
export function evidenceAt(text: string, pos: number, before: number): string {
  const [lineStart, lineEnd] = lineBounds(text, pos);
  const starts = segmentStarts(text, lineStart, lineEnd);
  let idx = 0;
  while (idx + 1 < starts.length && (starts[idx + 1] as number) <= pos) idx++;
  const from = starts[Math.max(0, idx - before)] as number;
  let out = tidy(text.slice(from, continuationEnd(text, lineStart, lineEnd)), pos - from);
  if (out.length > MAX_EVIDENCE) out = `${out.slice(0, MAX_EVIDENCE - 1)}…`;
  return out;
}

const indentOf = (line: string) => line.length - line.trimStart().length;

// YAML-folded messages (Kyverno prints one rule per entry, wrapped onto more-indented lines) continue a line.
function continuationEnd(text: string, lineStart: number, lineEnd: number): number {
  const indent = indentOf(text.slice(lineStart, lineEnd));
  let end = lineEnd;
  while (end < text.length) {
    const nl = text.indexOf('\n', end + 1);
    const next = text.slice(end + 1, nl === -1 ? text.length : nl);
    if (next.trim() === '' || indentOf(next) <= indent) break;
    end = nl === -1 ? text.length : nl;
  }
  return end;
}

// Wrappers and log framing that add nothing to the evidence when they are all that precedes the deciding part.
const LEADING_NOISE = [
  /^[IWEF]\d{4} [\d:.]+\s+\d+ [\w.-]+:\d+\] /,
  /^[\w.-]+\.go:\d+\] /,
  /^\{[^\n]*?"msg":"/,
  /^time="[^"\n]{0,64}" level=\w+ msg="/,
  /^Error from server(?: \(\w+\))?: (?:error when creating "[^"\n]{0,1024}": )?/,
  /^error: failed to \w+ [\w.]+: /,
  /^rpc error: (?=code = )/,
  /^code = \w+ desc = (?=[^\n]*: )/,
  /^Error response from daemon: /,
  /^CannotPullContainerError: (?:[\w ]{1,40} has been retried \d+ time\(s\): )?/,
  /^Failed to pull image "[^"\n]{0,1024}": /,
  /^failed to pull and unpack image "[^"\n]{0,1024}": (?=[^\n]*: )/,
];

const TRAILING_NOISE = /(?:[\s:]+|"\}|\.\])$/;

function tidy(fragment: string, matchOffset: number): string {
  let s = fragment;
  // klog structured lines end with key="value" pairs after the quoted message; cut them, but only after the match.
  const kv = /"\s+[a-zA-Z][\w.]*=/g;
  kv.lastIndex = Math.max(0, matchOffset);
  const tail = kv.exec(s);
  if (tail) s = s.slice(0, tail.index + 1);
  s = s.replace(/\s*\n\s*/g, ' ').trim();
  for (let changed = true; changed;) {
    changed = false;
    for (const re of LEADING_NOISE) {
      const next = s.replace(re, '');
      if (next !== s) [s, changed] = [next, true];
    }
    const trimmed = s.replace(TRAILING_NOISE, '');
    if (trimmed !== s) [s, changed] = [trimmed, true];
  }
  s = stripUnbalanced(s);
  while (s.length > 1 && s.startsWith('"') && s.endsWith('"')) s = stripUnbalanced(s.slice(1, -1).trim());
  // A YAML single-quoted scalar: outer quotes, '' for '.
  if (s.length > 1 && s.startsWith("'") && s.endsWith("'")) s = s.slice(1, -1).replace(/''/g, "'");
  return s;
}

// A fragment cut out of a quoted string keeps a lone quote at one end; drop it, but keep balanced quotes.
function stripUnbalanced(s: string): string {
  for (const q of ['"', "'"]) {
    const n = s.split(q).length - 1;
    if (n % 2 === 0) continue;
    if (s.endsWith(q)) s = s.slice(0, -1).trimEnd();
    else if (s.startsWith(q)) s = s.slice(1).trimStart();
  }
  return s;
}
