// The output boundary: every sink — stdout, stderr, logs, admission messages, metric labels — gets text through
// here, redacted by the current run's Redactor (credentials/redact.ts) and with control characters escaped
// (escape.ts). Nothing else in src/ writes to process.stdout or process.stderr (test/output/boundary.test.ts
// checks), so a value from outside cannot reach a sink any other way.
import { RegdoctorError } from '../cause/index.ts';
import { currentRedactor } from '../credentials/redact.ts';
import { applyStyles, escapeControls } from './escape.ts';
import { jsonPieces } from './json.ts';

export { styleMark } from './escape.ts';

/** Multi-line text (a report, a help page, a warning): redacted, controls escaped except LF and TAB, styles applied. */
export function cleanText(text: string): string {
  return applyStyles(escapeControls(currentRedactor().redact(text), true));
}

/** One line (a log line, an admission message, a metric label): redacted, every control character escaped. */
export function cleanLine(text: string): string {
  return escapeControls(currentRedactor().redact(text), false);
}

/** Every string in a JSON-shaped value passed through cleanLine: for a structure another program shows (an AdmissionReview). */
export function cleanStrings<T>(value: T): T {
  if (typeof value === 'string') return cleanLine(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => cleanStrings(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cleanStrings(v)])) as T;
  }
  return value;
}

export function writeStdout(text: string): void {
  process.stdout.write(cleanText(text));
}

/**
 * `JSON.stringify(doc, null, 2)` and a line feed, cleaned as writeStdout cleans text, written piece by piece
 * (json.ts): a report of thousands of findings is never held as one string. Each piece is whole JSON values, so
 * no secret or control sequence is split between two pieces.
 *
 * A piece waits until the stream has taken the ones before it. stdout to a pipe is asynchronous: a loop that
 * wrote every piece at once queued the whole report in the stream (a probing 10,000-pod scan piped to its reader:
 * peak RSS 222 MiB, against 179 MiB written to a file).
 */
export async function writeJson(
  doc: Record<string, unknown>,
  out: NodeJS.WritableStream & { destroyed?: boolean } = process.stdout,
): Promise<void> {
  const redactor = currentRedactor();
  // Every piece after the first starts with a line feed (json.ts): only secrets holding one can cross a seam.
  const reach = redactor.reach('\n');
  const write = async (text: string) => {
    if (!out.write(cleanText(text))) await drained(out);
  };
  // A piece is written once the `reach` characters after it are known: a secret whose text runs from one piece
  // into the next (it would hold the punctuation between two values) is then redacted in the pieces joined.
  let held: string | null = null;
  const ahead: string[] = [];
  let aheadLength = 0;
  const settle = async (final: boolean) => {
    while (held !== null && ahead.length > 0 && (final || aheadLength >= reach)) {
      let after = '';
      for (const p of ahead) if ((after += p).length >= reach) break;
      const next = ahead.shift()!;
      aheadLength -= next.length;
      if (redactor.spans(held, after)) held += next;
      else {
        await write(held);
        held = next;
      }
    }
  };
  for (const piece of jsonPieces(doc)) {
    if (out.destroyed) return;
    if (held === null) held = piece;
    else {
      ahead.push(piece);
      aheadLength += piece.length;
      await settle(false);
    }
  }
  await settle(true);
  if (held !== null && !out.destroyed) await write(held);
}

/** Resolves when `s` can take more, or will never (closed, failed): its error is the stream's own handler's. */
function drained(s: NodeJS.WritableStream & { destroyed?: boolean }): Promise<void> {
  if (s.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      s.removeListener('drain', done);
      s.removeListener('close', done);
      s.removeListener('error', done);
      resolve();
    };
    s.once('drain', done);
    s.once('close', done);
    s.once('error', done);
  });
}

export function writeStderr(text: string): void {
  process.stderr.write(cleanText(text));
}

/**
 * A document whose strings were redacted one by one as it was built (an HTML page: a pass over the whole page could
 * hit its script or stylesheet and break their CSP hashes). Control characters are still escaped: the page's own
 * code holds none, and in its data they become JSON or text escapes.
 */
export function writeDocument(text: string): void {
  process.stdout.write(escapeControls(text, true));
}

/**
 * Content a script needs byte for byte (a manifest whose sha256 is its digest): written as it is to a pipe or a
 * file. On a terminal it is shown as text, control characters escaped, since a person reads it there. Bytes that
 * hold a credential of this run are refused, not altered: a changed manifest would lie about its digest.
 */
export function writeBytes(bytes: Buffer): void {
  const text = bytes.toString('utf8');
  if (currentRedactor().redact(text) !== text)
    throw new RegdoctorError('UNKNOWN', 'the content holds a credential of this run; it is not printed');
  process.stdout.write(process.stdout.isTTY ? escapeControls(text, true) : bytes);
}

/** A progress line on a terminal's stderr, replacing the previous one (empty text clears it). */
export function writeProgress(text: string): void {
  process.stderr.write(`\r\x1b[2K${cleanLine(text)}`);
}

/** A logger writing `prefix() + line` to stderr, one line per call whatever the line holds. */
export function stderrLogger(prefix: () => string): (line: string) => void {
  return (line) => process.stderr.write(`${prefix()}${cleanLine(line)}\n`);
}
