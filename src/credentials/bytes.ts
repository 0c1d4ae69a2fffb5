// Go strings are byte sequences: len, indexing, LastIndex, sorting and filepath.Match's literal comparison all work
// on UTF-8 bytes. To reproduce the kubelet exactly we run those algorithms on "byte strings" — JS strings holding one
// char per byte (latin1) — and convert back only for display.

export function toBytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

export function fromBytes(b: string): string {
  return Buffer.from(b, 'latin1').toString('utf8');
}

export const RUNE_ERROR = 0xfffd;

/** utf8.DecodeRuneInString over a byte string: [rune, width]; invalid encodings give [RUNE_ERROR, 1]. */
export function decodeRune(s: string): [number, number] {
  if (s.length === 0) return [RUNE_ERROR, 0];
  const b0 = s.charCodeAt(0);
  if (b0 < 0x80) return [b0, 1];
  let need: number;
  let cp: number;
  let min: number;
  if (b0 >= 0xc2 && b0 <= 0xdf) [need, cp, min] = [1, b0 & 0x1f, 0x80];
  else if (b0 >= 0xe0 && b0 <= 0xef) [need, cp, min] = [2, b0 & 0x0f, 0x800];
  else if (b0 >= 0xf0 && b0 <= 0xf4) [need, cp, min] = [3, b0 & 0x07, 0x10000];
  else return [RUNE_ERROR, 1];
  if (s.length < 1 + need) return [RUNE_ERROR, 1];
  for (let i = 1; i <= need; i++) {
    const b = s.charCodeAt(i);
    if ((b & 0xc0) !== 0x80) return [RUNE_ERROR, 1];
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return [RUNE_ERROR, 1];
  return [cp, 1 + need];
}

/** Go's sort.Strings order: plain bytewise comparison. */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
