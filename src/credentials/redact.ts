// Secret scrubbing. Every credential is registered the moment it is parsed, so any text that leaves the process
// (errors, reports, logs) can be passed through redact() without the caller knowing which secrets exist.

/** Shorter values would blank out ordinary words, and replacing them with '***' might never terminate. */
const MIN_SECRET_LENGTH = 4;
/** Shifted base64 fragments shorter than this match too much unrelated text to be worth scrubbing. */
const MIN_FRAGMENT_LENGTH = 6;

const registered = new Set<string>();
/** The search strings for `registered`, built once per change: a scan redacts thousands of strings. */
let registeredNeedles: string[] | null = null;

/** Adds a value to the process-wide set redact() uses by default; values under 4 characters are ignored. */
export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= MIN_SECRET_LENGTH && !registered.has(value)) {
    registered.add(value);
    registeredNeedles = null;
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

/** Replaces every secret (registered ones when none are given) and its encoded forms with '***'. */
function needlesOf(secrets: Iterable<string>): string[] {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (s.length < MIN_SECRET_LENGTH) continue;
    for (const f of formsOf(s)) if (f.length >= MIN_SECRET_LENGTH) needles.add(f);
  }
  return [...needles].sort((a, b) => b.length - a.length);
}

export function redact(text: string, secrets?: Iterable<string>): string {
  const ordered = secrets ? needlesOf(secrets) : (registeredNeedles ??= needlesOf(registered));
  // Replacing can join two halves into a new occurrence; every pass shortens the text, so this ends.
  let out = text;
  for (let changed = true; changed;) {
    changed = false;
    for (const n of ordered) {
      if (out.includes(n)) {
        out = out.split(n).join('***');
        changed = true;
      }
    }
  }
  return out;
}
