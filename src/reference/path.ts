import { charAt, describeChar, isLowerAlnum, quote } from './text.ts';
import type { Problem } from './types.ts';
import { asciiSet, inAsciiSet } from '../util/ascii.ts';

// distribution's remote-name: path-component ('/' path-component)*, where a path component is
// [a-z0-9]+ ((?:[._]|__|[-]+) [a-z0-9]+)*. Checked in stages so each failure gets its own message:
// empty components, foreign characters, uppercase, then the separator structure.

/** Letters of either case (case is checked next, with its own message), digits, '.', '_', '-'. */
const NAME_CHARS = asciiSet('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-');

/**
 * Checks a '/'-separated path as typed (no domain, tag or digest). `offset` is where the path starts in the
 * whole input; positions in the result are absolute.
 */
export function checkPath(path: string, offset = 0): Problem | null {
  const components = path.split('/');
  let start = offset;
  for (let k = 0; k < components.length; k++) {
    const problem = checkCharacters(components[k] as string, k, components.length, start);
    if (problem) return problem;
    start += (components[k] as string).length + 1;
  }
  if (path.toLowerCase() !== path) {
    return {
      reason: `repository name must be lowercase (${quote(path)})`,
      at: offset + firstUppercase(path),
    };
  }
  start = offset;
  for (const component of components) {
    const problem = checkStructure(component, start);
    if (problem) return problem;
    start += component.length + 1;
  }
  return null;
}

function checkCharacters(component: string, k: number, count: number, start: number): Problem | null {
  if (component === '') {
    if (k === 0) return { reason: "repository name must not start with '/'", at: start };
    if (k === count - 1) return { reason: "repository name must not end with '/'", at: start - 1 };
    return { reason: "repository name has an empty component ('//')", at: start - 1 };
  }
  // A table lookup per character: a regular expression test per character was up to 126 ms of a 10,000-pod scan.
  for (let i = 0; i < component.length; i++) {
    const code = component.charCodeAt(i);
    if (!inAsciiSet(NAME_CHARS, code)) {
      const c = describeChar(component, i);
      return {
        reason: `invalid character ${c} at ${charAt(start + i)} in repository name (lowercase letters, digits, '.', '_', '-' and '/' only)`,
        at: start + i,
      };
    }
  }
  return null;
}

function checkStructure(component: string, start: number): Problem | null {
  if (!isLowerAlnum(component[0] as string)) {
    return {
      reason: `repository name component ${quote(component)} must start with a lowercase letter or digit`,
      at: start,
    };
  }
  if (!isLowerAlnum(component[component.length - 1] as string)) {
    return {
      reason: `repository name component ${quote(component)} must end with a lowercase letter or digit`,
      at: start + component.length - 1,
    };
  }
  // Every maximal run of non-alphanumerics sits between two alphanumerics here, so only its shape matters.
  for (const run of component.matchAll(/[._-]+/g)) {
    const sep = run[0];
    if (sep === '.' || sep === '_' || sep === '__' || /^-+$/.test(sep)) continue;
    return {
      reason: `repository name component ${quote(component)} has an invalid separator ${quote(sep)} (use one '.', one or two '_', or any number of '-')`,
      at: start + (run.index ?? 0),
    };
  }
  return null;
}

function firstUppercase(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c.toLowerCase() !== c) return i;
  }
  return 0;
}
