// Control characters from outside — a registry's error code, message or HTML <title>, an API server's Status, a
// credential helper's complaint — must not drive a terminal (ESC and C1 sequences retitle, recolour, hide text or
// move the cursor; BEL rings), forge a log line or an admission message (CR, LF, U+2028), or reorder what is shown
// (bidirectional overrides). They are escaped, shown as `\u001b`, not dropped: the evidence stays readable.
//
// Colour is the one sequence regdoctor writes itself. Renderers emit it as a style mark (styleMark) that carries a
// random per-process key, and only the output boundary turns marks into SGR sequences, after escaping: text from
// outside cannot forge a mark, since it cannot know the key.

/** C0 except TAB and LF, DEL, C1, LS/PS, and the bidirectional marks, embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_TEXT = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same and LF: for sinks that are one line each (logs, admission messages, metric labels). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_LINE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escapeChar = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `text` with control characters escaped; `multiline` keeps LF (and TAB, always kept) as they are. */
export function escapeControls(text: string, multiline: boolean): string {
  const re = multiline ? CONTROL_TEXT : CONTROL_LINE;
  re.lastIndex = 0;
  if (!re.test(text)) return text;
  return text.replace(re, escapeChar);
}

/**
 * Eight private-use characters from the system's random source: the key that makes a style mark unforgeable.
 * Drawn on the first mark, not at start-up: output without colour (pipes, JSON, `--help`) never needs one, and
 * the random source (Web Crypto, which loads node:crypto) then costs nothing.
 */
let key: { text: string; mark: RegExp } | undefined;

function styleKey(): { text: string; mark: RegExp } {
  if (!key) {
    const draws = globalThis.crypto.getRandomValues(new Uint32Array(8));
    const text = Array.from(draws, (n) => String.fromCharCode(0xe000 + (n % 0x1900))).join('');
    key = { text, mark: new RegExp(`${text}([0-9;]{1,16})${text}`, 'g') };
  }
  return key;
}

/** A style (SGR parameters such as `1;31`) that the output boundary turns into `ESC [ … m` on a terminal. */
export function styleMark(sgr: string): string {
  const { text } = styleKey();
  return `${text}${sgr}${text}`;
}

/** Style marks to SGR sequences. Marks exist only where a renderer chose colour (a terminal, never JSON). */
export function applyStyles(text: string): string {
  // No key drawn yet: no mark was ever made, so there is none to turn into a sequence.
  if (!key || !text.includes(key.text)) return text;
  return text.replace(key.mark, '\x1b[$1m');
}
