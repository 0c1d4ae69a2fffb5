// Secret scrubbing. Every credential is registered the moment it is parsed, so any text that leaves the process
// (errors, reports, logs) can be passed through redact() without the caller knowing which secrets exist.

/** Shorter values would blank out ordinary words, and replacing them with '***' might never terminate. */
const MIN_SECRET_LENGTH = 4;
/** Shifted base64 fragments shorter than this match too much unrelated text to be worth scrubbing. */
const MIN_FRAGMENT_LENGTH = 6;

const registered = new Set<string>();
/** The matcher for `registered`, built once per change: a scan redacts thousands of strings. */
let registeredMatcher: Matcher | null = null;

/** Adds a value to the process-wide set redact() uses by default; values under 4 characters are ignored. */
export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= MIN_SECRET_LENGTH && !registered.has(value)) {
    registered.add(value);
    registeredMatcher = null;
  }
}

function urlSafe(b64: string): string {
  return b64.replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * The base64 characters that depend only on the secret when it starts `shift` bytes into a larger encoded blob
 * (a whole .dockerconfigjson secret, a Basic header built from "user:pass"): whatever surrounds it, these appear.
 */
function base64Fragment(bytes: Buffer, shift: number): string {
  const padded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
  const start = Math.ceil((8 * shift) / 6);
  const end = Math.floor((8 * (shift + bytes.length)) / 6);
  return padded.slice(start, end);
}

function formsOf(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const b64 = bytes.toString('base64');
  const forms = [secret, b64, b64.replace(/=+$/, ''), urlSafe(b64), urlSafe(b64).replace(/=+$/, '')];
  for (const shift of [0, 1, 2]) {
    const f = base64Fragment(bytes, shift);
    if (f.length >= MIN_FRAGMENT_LENGTH) forms.push(f, urlSafe(f));
  }
  forms.push(JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret));
  return forms;
}

/**
 * Needles bucketed by a hash of their first four UTF-16 units. One pass over the text looks each position up,
 * instead of one full search per needle: a 16 MB report and a hundred secrets (1,300 needles with their encoded
 * forms) took seconds the other way. Hand-written because no maintained multi-pattern matcher is small enough
 * for the CLI's start-up budget.
 */
interface Matcher {
  /** Bit per low 16 bits of a prefix hash: a cheap "certainly not here" before the Map lookup. */
  bits: Uint8Array;
  buckets: Map<number, string[]>;
}

const PREFIX = MIN_SECRET_LENGTH;

function prefixHash(text: string, at: number): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < PREFIX; k++) h = Math.imul(h ^ text.charCodeAt(at + k), 0x01000193);
  return h >>> 0;
}

function matcherOf(secrets: Iterable<string>): Matcher {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (s.length < MIN_SECRET_LENGTH) continue;
    for (const f of formsOf(s)) if (f.length >= MIN_SECRET_LENGTH) needles.add(f);
  }
  const m: Matcher = { bits: new Uint8Array(1 << 16), buckets: new Map() };
  // Longest first, so that at one position the longest form wins.
  for (const n of [...needles].sort((a, b) => b.length - a.length)) {
    const h = prefixHash(n, 0);
    m.bits[h & 0xffff] = 1;
    const list = m.buckets.get(h);
    if (list) list.push(n);
    else m.buckets.set(h, [n]);
  }
  return m;
}

/** Length of the longest needle starting at `at`, or 0. */
function matchAt(m: Matcher, text: string, at: number): number {
  const h = prefixHash(text, at);
  if (m.bits[h & 0xffff] === 0) return 0;
  for (const n of m.buckets.get(h) ?? []) if (text.startsWith(n, at)) return n.length;
  return 0;
}

/** One pass: every run of text covered by overlapping needles becomes one '***'; null when nothing matched. */
function scrubOnce(m: Matcher, text: string): string | null {
  const parts: string[] = [];
  let kept = 0;
  const last = text.length - PREFIX;
  for (let i = 0; i <= last; i++) {
    const len = matchAt(m, text, i);
    if (len === 0) continue;
    // Extend over needles that start inside this match and end beyond it, so no tail of one survives.
    let end = i + len;
    for (let j = i + 1; j < end && j <= last; j++) end = Math.max(end, j + matchAt(m, text, j));
    parts.push(text.slice(kept, i), '***');
    kept = end;
    i = end - 1;
  }
  if (parts.length === 0) return null;
  parts.push(text.slice(kept));
  return parts.join('');
}

/** Replaces every secret (registered ones when none are given) and its encoded forms with '***'. */
export function redact(text: string, secrets?: Iterable<string>): string {
  const m = secrets ? matcherOf(secrets) : (registeredMatcher ??= matcherOf(registered));
  if (m.buckets.size === 0) return text;
  // Replacing can join two halves into a new occurrence; every pass shortens the text, so this ends.
  let out = text;
  for (let next = scrubOnce(m, out); next !== null; next = scrubOnce(m, out)) out = next;
  return out;
}
