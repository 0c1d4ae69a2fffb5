// Small helpers for writing error messages about untrusted text: the text may be huge, contain control
// characters or invisible Unicode, and the user must still be able to see exactly what is wrong.

const MAX_QUOTED = 80;

/** Double-quoted and escaped like Go's %q, shortened when very long so one bad value cannot flood a report. */
export function quote(s: string): string {
  const shown = s.length > MAX_QUOTED ? `${s.slice(0, MAX_QUOTED)}…` : s;
  return JSON.stringify(shown);
}

/** A character as a person can recognise it: '$' for visible ASCII, U+200B for anything else. */
export function describeChar(s: string, index: number): string {
  const cp = s.codePointAt(index) ?? 0;
  if (cp === 0x20) return 'a space';
  if (cp > 0x20 && cp < 0x7f) return `'${String.fromCodePoint(cp)}'`;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** "character 8" for index 7: messages count from 1, `detail.position` stays a 0-based index. */
export function charAt(index: number): string {
  return `character ${index + 1}`;
}

export function isLowerAlnum(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

export function isAsciiAlnum(c: string): boolean {
  return isLowerAlnum(c) || (c >= 'A' && c <= 'Z');
}

export function isHexDigit(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
