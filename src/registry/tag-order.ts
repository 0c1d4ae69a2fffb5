// The order `regdoctor tags` prints tags in. Registries list tags by name ("1.10.0" before "1.9.0"); people and
// scripts want versions in version order with the newest last (`| tail -1`). Tags that are not versions (latest,
// main, sha256-….sig) come first, by name.

interface Version {
  /** Numeric core, leading zeros stripped (compared by length, then digits: no precision limit). */
  core: string[];
  /** Pre-release identifiers after the first '-' ("rc.1" → ["rc", "1"]); empty for a release. */
  pre: string[];
}

// v1, 1.2, 1.2.3, 1.2.3.4 with an optional -pre.release; Docker tags cannot hold semver's "+build".
const VERSION = /^v?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*))?$/i;
const NUMERIC = /^\d+$/;

export function parseTagVersion(tag: string): Version | null {
  const m = VERSION.exec(tag);
  if (!m) return null;
  return {
    core: m[1]!.split('.').map((n) => n.replace(/^0+(?=\d)/, '')),
    pre: m[2] ? m[2].split(/[.-]/) : [],
  };
}

function compareNumeric(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Semver's precedence for pre-release identifiers: numbers numerically and below words, words by ASCII. */
function compareIdentifier(a: string, b: string): number {
  const an = NUMERIC.test(a);
  const bn = NUMERIC.test(b);
  if (an && bn) return compareNumeric(a.replace(/^0+(?=\d)/, ''), b.replace(/^0+(?=\d)/, ''));
  if (an !== bn) return an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semver precedence, missing core parts read as 0 (1.2 = 1.2.0); a pre-release is below its release. */
export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.core.length, b.core.length); i++) {
    const d = compareNumeric(a.core[i] ?? '0', b.core[i] ?? '0');
    if (d) return d;
  }
  if (!a.pre.length || !b.pre.length) return b.pre.length - a.pre.length;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const d = compareIdentifier(a.pre[i]!, b.pre[i]!);
    if (d) return d;
  }
  return a.pre.length - b.pre.length;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export type TagOrder = 'semver' | 'name' | 'registry';
export const TAG_ORDERS: readonly TagOrder[] = ['semver', 'name', 'registry'];

/**
 * semver: non-version tags by name, then versions oldest to newest (equal precedence: by name, so v1.2 and 1.2
 * keep a fixed order). name: by code point, as distribution lists them. registry: as listed.
 */
export function sortTags(tags: readonly string[], order: TagOrder): string[] {
  if (order === 'registry') return [...tags];
  if (order === 'name') return [...tags].sort(byName);
  const parsed = tags.map((tag) => ({ tag, v: parseTagVersion(tag) }));
  parsed.sort((x, y) => {
    if (!x.v || !y.v) return x.v ? 1 : y.v ? -1 : byName(x.tag, y.tag);
    return compareVersions(x.v, y.v) || byName(x.tag, y.tag);
  });
  return parsed.map((p) => p.tag);
}
