// A large JSON document in pieces. A scan of 10,000 pods prints a 16 MB report: as one string it was held whole
// (as UTF-16, twice the bytes, once one character is not Latin-1), then redacted and escaped into copies, then
// encoded into a buffer to be written: the process's peak was its output, not the cluster it read. Written piece
// by piece, one element is held at a time.

/**
 * `JSON.stringify(doc, null, indent)` and a line feed, byte for byte, in pieces: each element of the document's
 * array fields is a piece of its own, the rest comes with the text around it. A piece holds whole JSON values and
 * the punctuation between them, so a string (a secret, an escape sequence) is never split between two pieces.
 * For plain data: JSON.stringify would call an element's toJSON with its index, this calls it with '0'. Every
 * piece after the first starts with a line feed: writeJson looks for secrets across a seam only in those that
 * hold one.
 */
export function* jsonPieces(doc: Record<string, unknown>, indent = 2): Generator<string> {
  if (indent < 1) {
    // Without indentation there are no lines to split at: one piece.
    yield `${JSON.stringify(doc)}\n`;
    return;
  }
  const pad = ' '.repeat(Math.min(10, Math.floor(indent)));
  // A raw line feed cannot occur inside a JSON string, so re-indenting a value's lines is safe.
  const nested = (v: unknown, depth: number) =>
    (JSON.stringify(v, null, indent) ?? 'null').replaceAll('\n', `\n${pad.repeat(depth)}`);
  // JSON.stringify leaves out fields whose value has no JSON form.
  const fields = Object.entries(doc).filter(
    ([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol',
  );
  if (fields.length === 0) {
    yield '{}\n';
    return;
  }
  let text = '{';
  for (let i = 0; i < fields.length; i++) {
    const [key, v] = fields[i]!;
    const comma = i < fields.length - 1 ? ',' : '';
    text += `\n${pad}${JSON.stringify(key)}: `;
    if (!Array.isArray(v) || v.length === 0) {
      text += nested(v, 1) + comma;
      continue;
    }
    yield `${text}[`;
    // An element stringified inside two arrays comes out indented for its place: no pass to re-indent it.
    const open = `[\n${pad}[\n${pad}${pad}`.length;
    const close = `\n${pad}]\n]`.length;
    for (let n = 0; n < v.length; n++) {
      const inside = JSON.stringify([[v[n]]], null, indent);
      yield `\n${pad}${pad}${inside.slice(open, inside.length - close)}${n < v.length - 1 ? ',' : ''}`;
    }
    text = `\n${pad}]${comma}`;
  }
  yield `${text}\n}\n`;
}
