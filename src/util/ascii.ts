// Character classes by char code, for hand-written scans on hot paths: one table lookup a character, where a
// regular expression test per character costs far more. ASCII only: any other character is in no set.

export function asciiSet(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (const c of chars) t[c.charCodeAt(0)] = 1;
  return t;
}

export const inAsciiSet = (set: Uint8Array, code: number): boolean => code < 128 && set[code] === 1;
