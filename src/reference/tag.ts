import { charAt, describeChar } from './text.ts';
import type { Problem } from './types.ts';

// distribution's tag: [\w][\w.-]{0,127}, where \w is ASCII [A-Za-z0-9_] (Go RE2 semantics).

export const TAG_MAX = 128;

const TAG_CHAR = /^[A-Za-z0-9_.-]$/;

/** `offset` is where the tag starts in the whole input; positions in the result are absolute. */
export function checkTag(tag: string, offset = 0): Problem | null {
  for (let i = 0; i < tag.length; i++) {
    if (!TAG_CHAR.test(tag[i] as string)) {
      const hint = tag[i] === ':' ? " (a reference has one ':' before the tag)" : '';
      return {
        reason: `invalid character ${describeChar(tag, i)} at ${charAt(offset + i)}: tags allow letters, digits, '_', '.' and '-'${hint}`,
        at: offset + i,
      };
    }
  }
  if (tag.startsWith('.') || tag.startsWith('-')) {
    return { reason: "tags must start with a letter, digit or '_'", at: offset };
  }
  if (tag.length > TAG_MAX) {
    return { reason: `tags are at most ${TAG_MAX} characters, got ${tag.length}`, at: offset + TAG_MAX };
  }
  return null;
}
