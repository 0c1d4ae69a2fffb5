// Secret scrubbing. A Redactor holds the secrets of one run — a CLI command, an exporter round, a webhook request —
// and is dropped with it, so a long-running server neither keeps every token it ever saw nor lets one request's
// secrets shape another's output. Code that learns a secret calls registerSecret() without knowing which run it
// serves: the run is found through AsyncLocalStorage (runWithRedactor). Outside any run (a CLI command is the whole
// process) the process redactor is used; every run reads through it, so configuration secrets are known to all.
//
// What is masked: every registered secret and its encoded forms (base64 at any offset, URL-safe, JSON-escaped,
// URL-encoded); secrets under 4 characters only as whole words (elsewhere they would blank ordinary text); and,
// known or not, the password of URL userinfo (`https://user:***@host`) and `Bearer`/`Basic` credentials.
import { AsyncLocalStorage } from 'node:async_hooks';
import { asciiSet, inAsciiSet } from '../util/ascii.ts';

/** Shorter secrets are matched as whole words only: as substrings they would blank ordinary text. */
const MIN_SECRET_LENGTH = 4;
/** Shifted base64 fragments shorter than this match too much unrelated text to be worth scrubbing. */
const MIN_FRAGMENT_LENGTH = 6;
const MASK = '***';

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

/** A secret's URL-encoded form; none for text with a lone surrogate, which encodeURIComponent refuses (URIError). */
function urlEncoded(secret: string): string[] {
  try {
    return [encodeURIComponent(secret)];
  } catch {
    return [];
  }
}

function formsOf(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const b64 = bytes.toString('base64');
  const forms = [secret, b64, b64.replace(/=+$/, ''), urlSafe(b64), urlSafe(b64).replace(/=+$/, '')];
  for (const shift of [0, 1, 2]) {
    const f = base64Fragment(bytes, shift);
    if (f.length >= MIN_FRAGMENT_LENGTH) forms.push(f, urlSafe(f));
  }
  forms.push(JSON.stringify(secret).slice(1, -1), ...urlEncoded(secret));
  return forms;
}

/**
 * Needles bucketed by a hash of their first four UTF-16 units. One pass over the text looks each position up,
 * instead of one full search per needle: a 16 MB report and a hundred secrets (1,300 needles with their encoded
 * forms) took seconds the other way. Hand-written because no maintained multi-pattern matcher is small enough
 * for the CLI's start-up budget.
 */
interface Matcher {
  /**
   * Bit per pair of first characters (their low bytes): the cheapest "certainly not here" at a position the shifts
   * below did not skip, before any hashing.
   */
  pairs: Uint8Array;
  /** Bit per low 16 bits of a prefix hash: a cheap "certainly not here" before the Map lookup. */
  bits: Uint8Array;
  buckets: Map<number, string[]>;
  /**
   * Multi-pattern Horspool (Wu–Manber with 2-character blocks): every needle is at least `window` characters long,
   * so at a candidate start i the block ending at i + window - 1 (its two characters' low bytes) says how far the
   * next start can be: `shifts[block]` is the least distance from that block to the end of the first `window`
   * characters of any needle holding it, `window - 1` when none does. A start is only skipped where no needle can
   * begin, so the scan finds what a check at every position finds; a scan's 6 MB report with 370 needles of 26
   * characters or more costs about a tenth of the checks.
   */
  window: number;
  shifts: Uint8Array;
  /** Secrets under MIN_SECRET_LENGTH (and their escaped forms), matched as whole words; null when none. */
  words: RegExp | null;
  /** Every needle and word: what reach() measures. */
  texts: { text: string; word: boolean }[];
  /** reach() by character ('' for any), filled as asked. */
  reaches: Map<string, number>;
}

const PREFIX = MIN_SECRET_LENGTH;

function prefixHash(text: string, at: number): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < PREFIX; k++) h = Math.imul(h ^ text.charCodeAt(at + k), 0x01000193);
  return h >>> 0;
}

const regexEscape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

function matcherOf(secrets: Iterable<string>): Matcher {
  const needles = new Set<string>();
  const words = new Set<string>();
  for (const s of secrets) {
    if (s.length >= MIN_SECRET_LENGTH) {
      for (const f of formsOf(s)) if (f.length >= MIN_SECRET_LENGTH) needles.add(f);
    } else {
      for (const f of [s, JSON.stringify(s).slice(1, -1), ...urlEncoded(s)]) {
        if (f.length >= MIN_SECRET_LENGTH) needles.add(f);
        else words.add(f);
      }
    }
  }
  const m: Matcher = {
    pairs: new Uint8Array(needles.size ? 1 << 16 : 0),
    bits: new Uint8Array(needles.size ? 1 << 16 : 0),
    buckets: new Map(),
    window: 0,
    shifts: new Uint8Array(needles.size ? 1 << 16 : 0),
    words: words.size
      ? new RegExp(
          `(?<![\\p{L}\\p{N}*])(?:${[...words]
            .sort((a, b) => b.length - a.length)
            .map(regexEscape)
            .join('|')})(?![\\p{L}\\p{N}*])`,
          'gu',
        )
      : null,
    texts: [
      ...[...needles].map((text) => ({ text, word: false })),
      ...[...words].map((text) => ({ text, word: true })),
    ],
    reaches: new Map(),
  };
  // At most 255, so a shift fits a byte; any window no longer than the shortest needle is correct.
  m.window = Math.min(255, ...[...needles].map((n) => n.length));
  m.shifts.fill(m.window - 1);
  for (const n of needles) {
    for (let q = 0; q + 1 < m.window; q++) {
      const block = pairOf(n, q);
      m.shifts[block] = Math.min(m.shifts[block]!, m.window - 2 - q);
    }
  }
  // Longest first, so that at one position the longest form wins.
  for (const n of [...needles].sort((a, b) => b.length - a.length)) {
    const h = prefixHash(n, 0);
    m.pairs[pairOf(n, 0)] = 1;
    m.bits[h & 0xffff] = 1;
    const list = m.buckets.get(h);
    if (list) list.push(n);
    else m.buckets.set(h, [n]);
  }
  return m;
}

/** The first two characters at `at` (their low bytes), as an index into Matcher.pairs. */
const pairOf = (text: string, at: number) =>
  ((text.charCodeAt(at) & 0xff) << 8) | (text.charCodeAt(at + 1) & 0xff);

/** Length of the longest needle starting at `at`, or 0. */
function matchAt(m: Matcher, text: string, at: number): number {
  if (m.pairs[pairOf(text, at)] === 0) return 0;
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
  const shifts = m.shifts;
  const reach = m.window - 1;
  // No needle fits after `stop`.
  const stop = text.length - m.window;
  let i = 0;
  while (i <= stop) {
    const e = i + reach;
    const shift = shifts[((text.charCodeAt(e - 1) & 0xff) << 8) | (text.charCodeAt(e) & 0xff)]!;
    if (shift !== 0) {
      i += shift;
      continue;
    }
    const len = matchAt(m, text, i);
    if (len === 0) {
      i++;
      continue;
    }
    // Extend over needles that start inside this match and end beyond it, so no tail of one survives.
    let end = i + len;
    for (let j = i + 1; j < end && j <= last; j++) end = Math.max(end, j + matchAt(m, text, j));
    parts.push(text.slice(kept, i), MASK);
    kept = end;
    i = end;
  }
  if (parts.length === 0) return null;
  parts.push(text.slice(kept));
  return parts.join('');
}

function scrubKnown(m: Matcher, text: string): string {
  let out = text;
  if (m.buckets.size > 0) {
    // Replacing can join two halves into a new occurrence; every pass shortens the text, so this ends.
    for (let next = scrubOnce(m, out); next !== null; next = scrubOnce(m, out)) out = next;
  }
  if (m.words) out = out.replace(m.words, MASK);
  return out;
}

/** Character classes for the hand-written scans below. */
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SCHEME_CHAR = asciiSet(`${ALNUM}+.-`);
/** Characters that end URL userinfo: the authority's end, whitespace, quotes and brackets around a URL. */
const USERINFO_END = asciiSet(' \t\n\r\f\v/?#@"\'<>`\\');
/** Characters of a token68 credential (RFC 7235) as Bearer and Basic carry it. */
const TOKEN_CHAR = asciiSet(`${ALNUM}+/._~-`);
const isAsciiLetter = (code: number) => (code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a;

/**
 * The password of every `scheme://user:password@` is masked whether or not it is known: a Docker config key, a
 * proxy URL or a registry's echo can carry one. A hand-written scan around each '://', so a long run of URL-like
 * text costs one pass (a regular expression anchored nowhere would retry the scheme at every position).
 */
function maskUserinfo(text: string): string {
  if (!text.includes('://')) return text;
  const parts: string[] = [];
  let kept = 0;
  for (let at = text.indexOf('://'); at !== -1; at = text.indexOf('://', at + 3)) {
    let s = at;
    while (s > kept && at - s < 32 && inAsciiSet(SCHEME_CHAR, text.charCodeAt(s - 1))) s--;
    if (s === at || !isAsciiLetter(text.charCodeAt(s))) continue;
    let e = at + 3;
    let colon = -1;
    for (let c = text.charCodeAt(e); e < text.length; c = text.charCodeAt(++e)) {
      if (inAsciiSet(USERINFO_END, c)) break;
      if (c === 0x3a && colon === -1) colon = e;
    }
    if (text.charCodeAt(e) !== 0x40 || colon === -1 || colon + 1 === e) continue;
    if (text.slice(colon + 1, e) === MASK) continue;
    parts.push(text.slice(kept, colon + 1), MASK);
    kept = e;
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(kept));
  return parts.join('');
}

/** Ordinary words follow "Basic"/"Bearer" in prose ("Basic authentication"); credentials mix case, digits or symbols. */
function looksLikeCredential(token: string): boolean {
  return token.length >= 8 && /[0-9+/._~=-]|.[A-Z]/.test(token);
}

const AUTH_SCHEME = /bearer|basic/gi;

/**
 * `Bearer <token>` / `Basic <base64>`: the credential of an Authorization header, echoed or logged. The scheme
 * words are found by a literal search; what follows is read by hand (a token of token68 characters, then '='s).
 */
function maskAuthHeaders(text: string): string {
  const parts: string[] = [];
  let kept = 0;
  AUTH_SCHEME.lastIndex = 0;
  for (let m = AUTH_SCHEME.exec(text); m !== null; m = AUTH_SCHEME.exec(text)) {
    const at = m.index;
    let i = at + m[0].length;
    if ((at > 0 && inAsciiSet(TOKEN_CHAR, text.charCodeAt(at - 1))) || !/\s/.test(text[i] ?? '')) continue;
    while (/\s/.test(text[i] ?? '')) i++;
    const from = i;
    while (i < text.length && inAsciiSet(TOKEN_CHAR, text.charCodeAt(i))) i++;
    while (text.charCodeAt(i) === 0x3d) i++;
    // A token ends where the header does: not inside a word, not before more token characters.
    if (i < text.length && (inAsciiSet(TOKEN_CHAR, text.charCodeAt(i)) || text.charCodeAt(i) === 0x3d))
      continue;
    if (!looksLikeCredential(text.slice(from, i))) continue;
    parts.push(text.slice(kept, from), MASK);
    kept = i;
    AUTH_SCHEME.lastIndex = i;
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(kept));
  return parts.join('');
}

/** The secrets of one run (or one cached result), plus those of the redactors it reads through. */
export class Redactor {
  private readonly own = new Set<string>();
  private readonly links: Redactor[];
  private version = 0;
  private cached: { stamp: number; matcher: Matcher } | null = null;

  /** `links`: redactors whose secrets this one also masks (the process's, a cached result's). */
  constructor(...links: Redactor[]) {
    this.links = links;
  }

  /** Adds a secret. Ignored: empty values, and short ones with no letter or digit (`:` of an empty user:password). */
  add(value: string | undefined): void {
    if (value === undefined || value === '' || this.own.has(value)) return;
    if (value.length < MIN_SECRET_LENGTH && !/[\p{L}\p{N}]/u.test(value)) return;
    this.own.add(value);
    this.version++;
  }

  /** Masks `other`'s secrets too, from now on (including those it learns later). */
  link(other: Redactor): void {
    if (other === this || this.links.includes(other)) return;
    this.links.push(other);
    this.version++;
  }

  /** How many secrets this redactor knows of its own (not through links). */
  get size(): number {
    return this.own.size;
  }

  /** Changes whenever this redactor or one it reads through learns something. */
  private stamp(seen = new Set<Redactor>()): number {
    seen.add(this);
    let s = this.version;
    for (const l of this.links) if (!seen.has(l)) s += l.stamp(seen) + 1;
    return s;
  }

  private collect(into: Set<string>, seen = new Set<Redactor>()): Set<string> {
    seen.add(this);
    for (const s of this.own) into.add(s);
    for (const l of this.links) if (!seen.has(l)) l.collect(into, seen);
    return into;
  }

  private matcher(): Matcher {
    // A run that learned nothing of its own masks what it reads through: no matcher of its own to build.
    if (this.own.size === 0 && this.links.length === 1) return this.links[0]!.matcher();
    const stamp = this.stamp();
    if (this.cached?.stamp !== stamp) this.cached = { stamp, matcher: matcherOf(this.collect(new Set())) };
    return this.cached.matcher;
  }

  /**
   * The longest text one match of a known secret covers (0: none), counting a word's neighbours; with `holding`
   * (one character), only matches that hold it. A match across a seam holds the first character after it, and
   * JSON pieces all start with a line feed, which few secrets hold: most of the time there is nothing to check.
   */
  reach(holding = ''): number {
    const m = this.matcher();
    let r = m.reaches.get(holding);
    if (r === undefined) {
      r = 0;
      for (const t of m.texts) {
        if (holding !== '' && !t.text.includes(holding)) continue;
        r = Math.max(r, t.text.length + (t.word ? 2 : 0));
      }
      m.reaches.set(holding, r);
    }
    return r;
  }

  /**
   * Whether a known secret's text runs across the end of `before` into `after`: `before + after` must then be
   * redacted as one text (a writer redacting piece by piece joins them). The URL userinfo and auth-header
   * patterns are not looked at: they end at a quote, a line feed or punctuation, which JSON pieces end with.
   */
  spans(before: string, after: string): boolean {
    if (before === '' || after === '') return false;
    const reach = this.reach(after[0]);
    if (reach === 0) return false;
    // A match across the seam lies within `reach` characters of it on either side.
    const left = before.slice(-reach);
    const right = after.slice(0, reach);
    const m = this.matcher();
    const joined = scrubKnown(m, left + right);
    // Nothing masked around the seam (the common case): one scan.
    if (joined === left + right) return false;
    return joined !== scrubKnown(m, left) + scrubKnown(m, right);
  }

  /** `text` with every secret, its encoded forms, URL userinfo passwords and auth-header credentials masked. */
  redact(text: string): string {
    return maskAuthHeaders(maskUserinfo(scrubKnown(this.matcher(), text)));
  }
}

interface RunContext {
  redactor: Redactor;
  /** Cached results being computed in this context: they record the secrets learned for them too. */
  captures: readonly Redactor[];
}

const processRedactor = new Redactor();
const runs = new AsyncLocalStorage<RunContext>();

/** The redactor of the run this code serves; the process's outside any run. */
export function currentRedactor(): Redactor {
  return runs.getStore()?.redactor ?? processRedactor;
}

/** A fresh redactor for a run that reads through the process's (configuration secrets). */
export function newRunRedactor(): Redactor {
  return new Redactor(processRedactor);
}

/** Runs `fn` (and everything it starts) as one run whose secrets `redactor` holds. */
export function runWithRedactor<T>(redactor: Redactor, fn: () => T): T {
  return runs.run({ redactor, captures: [] }, fn);
}

/**
 * Runs `fn` for a result that outlives the run (a cache entry): secrets registered meanwhile go to the run as usual
 * and to `into` as well, which later runs given the cached result link to (currentRedactor().link(into)).
 */
export function captureSecrets<T>(into: Redactor, fn: () => T): T {
  const ctx = runs.getStore();
  return runs.run(
    { redactor: ctx?.redactor ?? processRedactor, captures: [...(ctx?.captures ?? []), into] },
    fn,
  );
}

/** Adds a value to the current run's redactor (and to any cached result being computed). */
export function registerSecret(value: string | undefined): void {
  const ctx = runs.getStore();
  (ctx?.redactor ?? processRedactor).add(value);
  for (const c of ctx?.captures ?? []) c.add(value);
}

/** Registers the credential an Authorization header carries: a Bearer token, or Basic's user:password. */
export function registerAuthorization(header: string | undefined): void {
  const m = /^\s*(bearer|basic)\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return registerSecret(header?.trim());
  const value = m[2]!;
  registerSecret(value);
  if (m[1]!.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    registerSecret(decoded);
    const colon = decoded.indexOf(':');
    if (colon >= 0) registerSecret(decoded.slice(colon + 1));
  }
}

/** Masks the current run's secrets in `text`, or exactly `secrets` (and the patterns) when they are given. */
export function redact(text: string, secrets?: Iterable<string>): string {
  if (!secrets) return currentRedactor().redact(text);
  const r = new Redactor();
  for (const s of secrets) r.add(s);
  return r.redact(text);
}
